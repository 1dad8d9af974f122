"""Large synthetic histories built once and kept on disk, outside the repository.

Building a million petitions takes minutes; the benchmarks that only read a history (the
digest, the desk) reuse it: SQLite as a file, PostgreSQL as a database in a private cluster
whose data directory stays. Both live under ``MINYUAN_BENCH_CACHE`` (default
``/tmp/minyuan-bench``) and are named by the history's size and a fingerprint of what shaped
it (the generator's source, the models and the migrations), so a change to any of them
builds anew instead of measuring a stale schema. Delete the folder to reclaim the space.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("MINYUAN_BENCH_CACHE", "/tmp/minyuan-bench"))


def fingerprint(*builders: Callable[..., object]) -> str:
    """12 hex digits over the builders' source, storage/models.py and the migrations."""
    digest = hashlib.sha256()
    for builder in builders:
        digest.update(inspect.getsource(builder).encode())
    for path in [ROOT / "storage" / "models.py",
                 *sorted((ROOT / "storage" / "migrations" / "versions").glob("*.py"))]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def sqlite_history(name: str, size: int, build: Callable[[object, int], None],
                   *extra: Callable[..., object]) -> str:
    """The URL of a SQLite file holding ``build(engine, size)``'s history, built if missing."""
    from storage.db import create_schema, make_engine

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}-{size}-{fingerprint(build, *extra)}.db"
    partial = path.with_suffix(".part")
    while not path.exists() and _recently_written(partial):
        time.sleep(10)  # another run is building it: wait rather than build it twice
    if not path.exists():
        partial.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{partial}")
        create_schema(engine)
        started = time.perf_counter()
        build(engine, size)
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
        engine.dispose()
        partial.rename(path)
        print(f"sqlite: {size:,} petitions built in {time.perf_counter() - started:.0f} s -> {path}",
              flush=True)
    return f"sqlite:///{path}"


def _recently_written(partial: Path) -> bool:
    """True while a build writes ``partial`` (or its WAL) within the last two minutes."""
    stamps = [f.stat().st_mtime for f in partial.parent.glob(partial.name + "*")]
    return bool(stamps) and time.time() - max(stamps) < 120


class KeptCluster:
    """A private PostgreSQL cluster whose data directory survives the run (durable defaults)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def history(self, name: str, size: int, build: Callable[[object, int], None],
                *extra: Callable[..., object]) -> str:
        """The URL of a database holding ``build(engine, size)``'s history, built if missing."""
        import psycopg
        from sqlalchemy.engine import make_url

        from storage.db import create_schema, make_engine

        database = f"{name}_{size}_{fingerprint(build, *extra)}"
        admin_url = make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin_url, autocommit=True) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
            if not exists:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}_part" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{database}_part"')
        url = make_url(self.url).set(database=database).render_as_string(hide_password=False)
        if not exists:
            partial = make_url(self.url).set(database=f"{database}_part").render_as_string(hide_password=False)
            engine = make_engine(partial)
            create_schema(engine)
            started = time.perf_counter()
            build(engine, size)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
            engine.dispose()
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'ALTER DATABASE "{database}_part" RENAME TO "{database}"')
            print(f"postgresql: {size:,} petitions built in {time.perf_counter() - started:.0f} s",
                  flush=True)
        return url


@contextmanager
def kept_cluster() -> Iterator[KeptCluster]:
    """Start (creating it the first time) the cluster under CACHE/pg; stop it afterwards."""
    from tests.reception.pg_server import _cluster_owner, _find_binaries, _free_port, _run

    bindir = _find_binaries()
    if bindir is None:
        raise SystemExit("PostgreSQL not installed: apt-get install postgresql")
    owner = _cluster_owner()
    datadir = CACHE / f"pg{bindir.parent.name}"
    if not (datadir / "PG_VERSION").exists():
        datadir.mkdir(parents=True, exist_ok=True)
        if owner is not None:
            import pwd

            entry = pwd.getpwnam(owner)
            os.chown(datadir, entry.pw_uid, entry.pw_gid)
        _run(owner, [str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres",
                     "--auth=trust", "--encoding=UTF8", "--locale=C"])
    port = _free_port()
    options = f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1"
    _run(owner, [str(bindir / "pg_ctl"), "-D", str(datadir), "-l", str(datadir / "log"),
                 "-o", options, "-w", "-t", "120", "start"])
    try:
        yield KeptCluster(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres")
    finally:
        _run(owner, [str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "fast", "-w", "stop"])
