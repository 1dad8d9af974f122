"""`minyuan export` (the reception register) and `minyuan digest` (last week's numbers)."""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

from bot.config import load_config
from storage.enums import ScopeKind

PERMISSION_REFUSED = (
    "--unmasked writes residents' full names and phone numbers, which are personal data.\n"
    "Only export them when the office is entitled to, and say so with --i-have-permission."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `export` and `digest` commands to the main parser."""
    export = subparsers.add_parser(
        "export", help="write the reception register (统一接待登记本) as .xlsx and .csv",
        description="One row per petition or walk-in received on the local days FROM..TO "
                    "(inclusive); the CSV is written next to the workbook. Residents' names "
                    "and phones are masked unless --unmasked --i-have-permission.")
    export.add_argument("--from", dest="start", required=True, type=_date, metavar="YYYY-MM-DD",
                        help="first day (local time)")
    export.add_argument("--to", dest="end", required=True, type=_date, metavar="YYYY-MM-DD",
                        help="last day, included")
    export.add_argument("--out", required=True, type=Path, metavar="PATH",
                        help="the workbook to write, e.g. register.xlsx")
    export.add_argument("--community", action="append", metavar="CODE",
                        help="only this community (repeatable; default: all)")
    export.add_argument("--unmasked", action="store_true",
                        help="full names and phone numbers (needs --i-have-permission)")
    export.add_argument("--i-have-permission", dest="permission", action="store_true",
                        help="confirm the office may export residents' personal data")
    export.set_defaults(func=export_command)

    digest = subparsers.add_parser(
        "digest", help="print last week's digest and write its chart",
        description="The weekly digest as plain text, for a community, street or district. "
                    "The week is the last full Monday-to-Sunday week ending on or before "
                    "--week-ending (default: today).")
    digest.add_argument("--scope", metavar="CODE",
                        help="community, street or district code (default: the only district)")
    digest.add_argument("--week-ending", type=_date, metavar="YYYY-MM-DD",
                        help="a day on or after the week's Sunday")
    digest.add_argument("--out", type=Path, metavar="DIR",
                        help="folder for the chart (default: the configured reports folder)")
    digest.set_defaults(func=digest_command)


def export_command(args: argparse.Namespace) -> int:
    """Write the register; 2 on refusal or bad arguments."""
    if args.unmasked and not args.permission:
        print(PERMISSION_REFUSED, file=sys.stderr)
        return 2
    from bot.wiring import build
    from reception.errors import ReceptionError

    services = build(load_config(args.config))
    try:
        xlsx, csv_path = services.register.export(
            start=args.start, end=args.end, out=args.out, communities=args.community,
            unmasked=args.unmasked)
    except ReceptionError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(xlsx)
    print(csv_path)
    return 0


def digest_command(args: argparse.Namespace) -> int:
    """Print the digest; 2 for an unknown or missing scope."""
    from bot.wiring import build
    from reception.errors import ReceptionError
    from reception.reports.metrics import local_midnight

    services = build(load_config(args.config))
    deps = services.deps
    scope = _scope(deps.org, args.scope)
    if scope is None:
        print(f"unknown or missing --scope {args.scope or ''}; codes: "
              + ", ".join([*deps.org.districts, *deps.org.streets, *deps.org.communities]),
              file=sys.stderr)
        return 2
    # The day after the given one, at 00:00: a Sunday names the week that ends on it.
    week_ending = (local_midnight(args.week_ending + timedelta(days=1), deps.settings.tz)
                   if args.week_ending else None)
    try:
        digest = services.digests.weekly(
            scope_kind=scope[0], scope_code=scope[1], week_ending=week_ending, out_dir=args.out)
    except ReceptionError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(digest.plain_text)
    if digest.chart_path is not None:
        print(f"chart: {digest.chart_path}", file=sys.stderr)
    return 0


def _scope(org, code: str | None) -> tuple[ScopeKind, str] | None:
    if code is None:
        return (ScopeKind.DISTRICT, next(iter(org.districts))) if len(org.districts) == 1 else None
    for kind, table in ((ScopeKind.COMMUNITY, org.communities), (ScopeKind.STREET, org.streets),
                        (ScopeKind.DISTRICT, org.districts)):
        if code in table:
            return kind, code
    return None


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
