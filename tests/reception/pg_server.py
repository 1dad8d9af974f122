"""A throwaway PostgreSQL server for tests that need a real one.

``postgres_server()`` starts a private cluster from Debian's packages
(``/usr/lib/postgresql/<version>/bin``, or ``initdb`` on PATH) in a temporary directory, on a
free localhost port, and stops and deletes it afterwards. PostgreSQL refuses to run as root,
so under root the cluster belongs to the ``postgres`` system user the package creates and
its programs run through ``runuser``. With ``MINYUAN_TEST_PG_URL`` set
(``postgresql+psycopg://user:password@host:port/db``) that server is used instead; the user
needs CREATEDB, because every test gets a database of its own.

Without the binaries the calling test is skipped, naming the package to install.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

ENV_URL = "MINYUAN_TEST_PG_URL"
INSTALL_HINT = "PostgreSQL not installed: apt-get install postgresql"
SERVICE_USER = "postgres"


class PgServer:
    """A running server on which tests create and drop databases of their own."""

    def __init__(self, url: str) -> None:
        self.url = url

    def named(self, name: str) -> tuple[str, bool]:
        """The URL of database ``name``, created if missing; and whether it already existed."""
        with self._admin() as admin:
            existed = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not existed:
                admin.execute(f'CREATE DATABASE "{name}"')
        return make_url(self.url).set(database=name).render_as_string(hide_password=False), bool(existed)

    def drop(self, name: str) -> None:
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @contextmanager
    def database(self) -> Iterator[str]:
        """Create a fresh database; yield its SQLAlchemy URL; drop it (even if still in use)."""
        name = f"minyuan_test_{uuid.uuid4().hex[:12]}"
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(self.url).set(database=name).render_as_string(hide_password=False)
        finally:
            with self._admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self) -> psycopg.Connection:
        libpq = make_url(self.url).set(drivername="postgresql")
        return psycopg.connect(libpq.render_as_string(hide_password=False), autocommit=True)


@contextmanager
def postgres_server(*, durable: bool = False, keep: Path | None = None) -> Iterator[PgServer]:
    """The server from ``MINYUAN_TEST_PG_URL``, or a private one; skips when neither exists.

    A private server does not wait for the disk (fsync and synchronous_commit off), which
    tests want; ``durable`` keeps PostgreSQL's defaults, for benchmarks that time commits.
    ``keep`` is a folder for the cluster that outlives the call (a benchmark's cached
    histories): made on first use, started again later, never deleted.
    """
    url = os.environ.get(ENV_URL, "").strip()
    if url:
        yield PgServer(url)
        return
    bindir = _find_binaries()
    if bindir is None:
        pytest.skip(INSTALL_HINT)
    owner = _cluster_owner()
    datadir = keep or Path(tempfile.mkdtemp(prefix="minyuan-pg-"))
    try:
        datadir.mkdir(parents=True, exist_ok=True)
        if owner is not None:
            entry = pwd.getpwnam(owner)
            os.chown(datadir, entry.pw_uid, entry.pw_gid)
            os.chmod(datadir, 0o700)
        if not (datadir / "PG_VERSION").exists():
            _run(owner, [str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres",
                         "--auth=trust", "--encoding=UTF8", "--locale=C",
                         # pg_trgm makes trigrams of what LC_CTYPE calls letters; under C Chinese is not
                         "--lc-ctype=C.UTF-8"])
        port = _free_port()
        options = f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        _run(owner, [str(bindir / "pg_ctl"), "-D", str(datadir), "-l", str(datadir / "log"),
                     "-o", options, "-w", "-t", "60", "start"])
        try:
            yield PgServer(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres")
        finally:
            _run(owner, [str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "fast" if keep else "immediate",
                         "-w", "stop"])
    finally:
        if keep is None:
            shutil.rmtree(datadir, ignore_errors=True)


def _find_binaries() -> Path | None:
    """The newest Debian PostgreSQL bin directory, else the one holding initdb on PATH."""
    candidates = sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda p: _version(p.parent.name),
        reverse=True,
    )
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    return None


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _cluster_owner() -> str | None:
    """None to run as ourselves; the ``postgres`` user when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        pytest.skip(f"running as root and there is no {SERVICE_USER!r} user to own a "
                    f"PostgreSQL cluster ({INSTALL_HINT} creates it)")
    if shutil.which("runuser") is None:
        pytest.skip("running as root without runuser (util-linux) to start PostgreSQL as "
                    f"{SERVICE_USER!r}")
    return SERVICE_USER


def _run(owner: str | None, command: list[str]) -> None:
    if owner is not None:
        command = ["runuser", "-u", owner, "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
