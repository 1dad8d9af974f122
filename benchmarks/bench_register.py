"""Register export benchmark: the 统一接待登记本 (xlsx + CSV) of a long period.

Generates a synthetic but schema-true history (residents, walk-ins, staff, every status,
ratings, merged petitions, residents' text with phones and a few formula-like starts) with
bulk inserts, then times ``Register.export`` over all of it at growing sizes, on SQLite and
on PostgreSQL (a throwaway cluster, as the tests start one). Each export runs in a forked
child whose peak resident memory (VmHWM, reset just before) is the memory figure.

Side by side at the small sizes: the workbook written as before (openpyxl's normal mode,
reading ``sheet[sheet.max_row]`` after every append), the reference the streaming writer
replaced. Growth exponents come from the two largest sizes.

    python benchmarks/bench_register.py [--sizes 2000,10000,50000] [--legacy-max 2000]
                                        [--databases sqlite,postgresql]

Wall-clock timing is the point here, so this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STATUSES = ("submitted", "claimed", "waiting", "reopened", "resolved", "closed", "rejected",
            "merged", "cancelled")
TEXTS = ("3号楼2单元楼道灯坏了一个星期，晚上很黑，电话13812345678",
         "小区门口垃圾堆了三天没人清理，味道很大",
         "=楼上装修每天早上七点就开始电钻，影响休息",
         "-楼下饭店油烟直排进我家窗户，联系人王建国",
         "暖气不热，室温只有十四度，家里有老人")


def build_history(url: str, size: int, seed: int = 7):
    """A fresh database at ``url`` holding ``size`` petitions of 红旗社区 over 2026."""
    from sqlalchemy import insert

    from storage.db import create_schema, make_engine, transaction
    from storage.models import Petition, Resident, Staff

    rng = random.Random(seed)
    engine = make_engine(url)
    create_schema(engine)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    span = timedelta(days=330).total_seconds()
    with transaction(engine) as session:
        session.execute(insert(Staff), [dict(
            tg_user_id=900_000 + i, name=f"经办人{i}", role="staff", scope_kind="community",
            scope_code="hongqi", active=True, joined_at=start) for i in range(1, 21)])
        session.execute(insert(Resident), [dict(
            tg_user_id=100_000 + i, name=f"居民{i}", phone=f"139{i:08d}",
            community_code="hongqi", created_at=start) for i in range(1, 2001)])
    moments = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(size))
    rows = []
    for i, created in enumerate(moments, start=1):
        status = rng.choice(STATUSES)
        walkin = rng.random() < 0.1
        done = status in ("resolved", "closed")
        rows.append(dict(
            number=f"MY-{created:%Y%m%d}-{i:06d}", channel="walkin" if walkin else "telegram",
            status=status, community_code="hongqi", street_code="xinhua", grid_code="g1",
            resident_id=None if walkin else rng.randint(1, 2000),
            visitor_name="欧阳娜娜" if walkin else None,
            visitor_phone="13700001111" if walkin else None,
            category=rng.choice(("物业管理", "噪音扰民", "水电气暖", "环境卫生")),
            keywords=[], tokens=[], urgent_words=[], building=str(rng.randint(1, 30)),
            unit=str(rng.randint(1, 4)), text=rng.choice(TEXTS), created_at=created,
            last_message_at=created,
            handler_staff_id=rng.randint(1, 20) if status != "submitted" else None,
            first_response_at=created + timedelta(hours=2) if status != "submitted" else None,
            resolved_at=created + timedelta(days=2) if done else None,
            result="已更换灯泡并回访居民" if done else None,
            reject_reason="不属于本社区受理范围" if status == "rejected" else None,
            merged_into_id=rng.randint(1, i - 1) if status == "merged" and i > 1 else None,
            rating=rng.choice(("satisfied", "basic", "unsatisfied", None)) if done else None,
        ))
    with transaction(engine) as session:
        for chunk in range(0, len(rows), 5000):
            session.execute(insert(Petition), rows[chunk:chunk + 5000])
    return engine


def legacy_write_xlsx(rows, path: Path, *, title: str) -> Path:
    """The register workbook as it was written before streaming (normal mode), kept as the
    reference this benchmark compares against."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    from reception.reports.register import _FORMULA_STARTS, REGISTER_COLUMNS, _cell_text

    workbook = Workbook()
    sheet = workbook.active
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append([_cell_text(title)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(REGISTER_COLUMNS))
    for values in rows:
        sheet.append([_cell_text(v) for v in values])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_STARTS):
                cell.data_type = "s"
            cell.alignment = wrap
            cell.border = border
    workbook.save(path)
    return path


def _peak_mb_since_reset() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _child(url: str, out: str, legacy: bool, queue) -> None:
    from reception.handling.access import Access
    from reception.reports import register as register_module
    from reception.reports.register import Register
    from storage.db import make_engine
    from tests.reception.report_fixtures import make_deps

    tmp = Path(out).parent
    deps = make_deps(tmp)
    deps = deps.__class__(**{**deps.__dict__, "engine": make_engine(url)})
    if legacy:
        register_module.write_xlsx = legacy_write_xlsx
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # reset VmHWM to the current resident size
    base = _rss_mb()
    began = time.perf_counter()
    try:
        Register(deps, Access(deps)).export(start=date(2026, 1, 1), end=date(2026, 12, 31),
                                            out=Path(out), communities=["hongqi"])
    except BaseException as error:
        queue.put(repr(error))
        raise
    queue.put((time.perf_counter() - began, _peak_mb_since_reset() - base))


def export_once(url: str, tmp: Path, *, legacy: bool) -> tuple[float, float]:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child, args=(url, str(tmp / "register.xlsx"), legacy, queue))
    child.start()
    result = queue.get()
    child.join()
    if isinstance(result, str):
        raise SystemExit(f"export failed: {result}")
    return result


def run(database: str, sizes: list[int], legacy_max: int, stack: ExitStack) -> list[tuple]:
    results = []
    for size in sizes:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = (f"sqlite:///{tmp / 'bench.db'}" if database == "sqlite"
               else stack.enter_context(_SERVER.database()))
        engine = build_history(url, size)
        engine.dispose()
        seconds, peak = export_once(url, tmp, legacy=False)
        legacy = export_once(url, tmp, legacy=True) if size <= legacy_max else None
        results.append((size, seconds, peak, legacy))
        legacy_text = (f"   before: {legacy[0]:7.2f} s  +{legacy[1]:6.0f} MB  "
                       f"({legacy[0] / seconds:5.1f}x)" if legacy else "")
        print(f"{database:10} {size:7d} rows  streaming: {seconds:7.2f} s  "
              f"+{peak:6.0f} MB{legacy_text}", flush=True)
    if len(results) >= 2:
        (n1, t1, m1, _), (n2, t2, m2, _) = results[-2:]
        print(f"{database:10} growth exponent {n1}->{n2}: time "
              f"{math.log(t2 / t1) / math.log(n2 / n1):.2f}, peak memory "
              f"{math.log(max(m2, 1) / max(m1, 1)) / math.log(n2 / n1):.2f}", flush=True)
    return results


_SERVER = None


def main() -> None:
    global _SERVER
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,10000,50000")
    parser.add_argument("--legacy-max", type=int, default=2000,
                        help="largest size also written the old way (it grows quadratically)")
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    os.environ.setdefault("MINYUAN_LOG_LEVEL", "WARNING")
    with ExitStack() as stack:
        for database in args.databases.split(","):
            if database == "postgresql" and _SERVER is None:
                from tests.reception.pg_server import postgres_server

                _SERVER = stack.enter_context(postgres_server())
            run(database, sizes, args.legacy_max, stack)


if __name__ == "__main__":
    main()
