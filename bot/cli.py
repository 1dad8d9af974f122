"""The `minyuan` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, load_config
from storage.db import StorageError
from storage.enums import InboxStatus, Role


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    quiet = getattr(args, "func", None) in (_demo, _try_it, _calendar)  # their output is for a person
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore", "apscheduler", "jieba", "aiohttp.access", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"配置错误 / configuration error: {exc}", file=sys.stderr)
        return 2
    except StorageError as exc:  # a bad URL, a server that does not answer, a schema too new
        print(f"数据库错误 / database error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minyuan", description="民愿接待室: a Telegram bot for a community's petition desk.")
    parser.add_argument("--config", help="path to config.toml (default: the repository's)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = commands.add_parser("run", help="start the bot (token from the environment)")
    run.add_argument("--emulator", action="store_true",
                     help="serve a local Bot API emulator and run against it (no token needed)")
    run.set_defaults(func=_run)

    demo = commands.add_parser("demo", help="a scripted week in one community, on the emulator")
    demo.add_argument("--db", help="SQLite file to keep (default: a temporary one)")
    demo.add_argument("--out", default="demo-output", help="folder for the chart and the register")
    demo.set_defaults(func=_demo)

    trial = commands.add_parser(
        "try", help="try the bot by hand: a web chat on 127.0.0.1 (no token, no network)")
    trial.add_argument("--empty", action="store_true",
                       help="an empty office (no people, no groups) instead of the demo's community")
    trial.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free one)")
    trial.add_argument("--open", action="store_true", help="open the page in the default browser")
    trial.add_argument("--db", help="SQLite file to keep (default: a temporary one)")
    trial.set_defaults(func=_try_it)

    invite = commands.add_parser("invite", help="create a one-time staff invite code")
    invite.add_argument("--role", choices=tuple(Role), default=Role.STAFF,
                        help="what the invitee may do (admins bind groups)")
    invite.add_argument("--scope", required=True,
                        help="community, street or district code from the organisation file")
    invite.add_argument("--days", type=int, default=7, help="days before the code expires")
    invite.add_argument("--note", default="", help="who the code is for (kept with the code)")
    invite.set_defaults(func=_invite)

    desk = commands.add_parser(
        "web", help="serve the supervisors' desk ([web] in config.toml) over the bot's database")
    desk.set_defaults(func=_web)

    initdb = commands.add_parser("initdb", help="create or upgrade the database tables (minyuan db upgrade)")
    initdb.set_defaults(func=_initdb)

    calendar = commands.add_parser(
        "calendar", help="a year's days off and make-up working days, official or provisional; "
                         "`calendar import FILE` reads the State Council's notice")
    calendar.add_argument("year", nargs="?", metavar="YEAR|import",
                          help="the year to print (default: next year), or `import`")
    calendar.add_argument("file", nargs="?",
                          help="for import: the notice's text as a file, or - for standard input")
    calendar.add_argument("--year", dest="notice_year", type=int,
                          help="for import: the notice's year, when the pasted text lacks its title")
    calendar.add_argument("--dry-run", action="store_true",
                          help="for import: show what would change, store nothing")
    calendar.set_defaults(func=_calendar)

    inbox = commands.add_parser(
        "inbox", help="updates the bot could not handle (parked), and replaying them")
    inbox.add_argument("action", nargs="?", choices=("list", "show", "replay"), default="list",
                       help="list the parked updates (default), show one as JSON, or replay one")
    inbox.add_argument("update_id", nargs="?", type=int, help="the update's id, for show and replay")
    inbox.add_argument("--limit", type=int, default=50, help="how many to list, newest first")
    inbox.set_defaults(func=_inbox)

    for module in _plugins():
        module.register(commands)
    return parser


def _plugins() -> list:
    from bot import db_cli, nlp_cli, reports_cli

    return [db_cli, nlp_cli, reports_cli]


def _run(args: argparse.Namespace) -> int:
    from bot.serve import serve

    return serve(load_config(args.config), emulator=args.emulator)


def _web(args: argparse.Namespace) -> int:
    from bot.serve import serve_desk

    return serve_desk(load_config(args.config))


def _demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return asyncio.run(run_demo(load_config(args.config), db=args.db, out=args.out))


def _try_it(args: argparse.Namespace) -> int:
    from bot.trial import run_trial

    return asyncio.run(run_trial(load_config(args.config), port=args.port, empty=args.empty,
                                 open_browser=args.open, db=args.db))


def _invite(args: argparse.Namespace) -> int:
    from bot.wiring import build
    from reception.errors import ReceptionError

    services = build(load_config(args.config))
    try:
        code = services.access.create_invite(role=args.role, scope_code=args.scope,
                                             days=args.days, note=args.note)
    except ReceptionError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(code)
    print(f"Send it to the new {args.role}; they open a private chat with the bot and type: "
          f"/join {code}", file=sys.stderr)
    return 0


def _inbox(args: argparse.Namespace) -> int:
    from bot.wiring import build
    from reception.errors import ReceptionError

    inbox = build(load_config(args.config)).inbox
    if args.action in ("show", "replay") and args.update_id is None:
        print(f"minyuan inbox {args.action} needs an update id (see `minyuan inbox`)", file=sys.stderr)
        return 2
    if args.action == "replay":
        try:
            inbox.replay(args.update_id)
        except ReceptionError:
            print(f"no update {args.update_id} in the inbox (see `minyuan inbox`)", file=sys.stderr)
            return 2
        print(f"update {args.update_id} queued again; a running bot handles it within a minute")
        return 0
    letters = inbox.dead_letters(limit=10_000 if args.action == "show" else args.limit)
    if args.action == "show":
        letter = next((d for d in letters if d.update_id == args.update_id), None)
        if letter is None:
            print(f"no parked update {args.update_id} (see `minyuan inbox`)", file=sys.stderr)
            return 2
        print(letter.payload)
        return 0
    counts = inbox.counts()
    print(f"inbox: {counts.get(InboxStatus.PENDING, 0)} pending, "
          f"{counts.get(InboxStatus.HANDLED, 0)} handled, {counts.get(InboxStatus.DEAD, 0)} parked")
    for d in letters:
        print(f"{d.update_id}\t{d.received_at:%Y-%m-%d %H:%M}\t{d.kind or '?'}\tchat {d.chat_id}\t"
              f"{d.attempts} attempt(s)\t{(d.last_error or '')[:120]}")
    if letters:
        print("replay one with: minyuan inbox replay UPDATE_ID", file=sys.stderr)
    return 0


def _calendar(args: argparse.Namespace) -> int:
    import datetime as dt

    from bot.wiring import build_deps

    if args.year == "import":
        return _calendar_import(args)
    try:
        year = int(args.year) if args.year else dt.date.today().year + 1
    except ValueError:
        print(f"minyuan calendar takes a year or `import FILE`, not {args.year!r}", file=sys.stderr)
        return 2
    if not 1900 < year < 2200:
        print(f"no calendar for year {year}", file=sys.stderr)
        return 2
    calendar = build_deps(load_config(args.config)).deadlines.calendar
    source = "provisional" if calendar.is_provisional(dt.date(year, 6, 1)) else "official"
    if source == "official" and any(day.year == year for day in calendar.official_days):
        source = "official (imported from the State Council's notice)"
    print(f"{year}: {source}" + (
        " (festivals computed by python-holidays; make-up workdays unknown until the State "
        "Council publishes them: add them to deadlines.extra_workdays)" if source == "provisional" else ""))
    weekdays = "一二三四五六日"
    for day, workday, name in calendar.days_off_and_make_up_days(year):
        kind = "上班 make-up workday" if workday else "放假 day off"
        print(f"{day.isoformat()} 周{weekdays[day.weekday()]}  {kind}  {name}".rstrip())
    return 0


def _calendar_import(args: argparse.Namespace) -> int:
    from bot.wiring import build_deps
    from reception.errors import InvalidInput
    from reception.supervision.calendar_watch import import_notice

    if not args.file:
        print("minyuan calendar import needs the notice's text: a file, or - for standard input",
              file=sys.stderr)
        return 2
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    try:
        done = import_notice(build_deps(load_config(args.config)), text, year=args.notice_year,
                             dry_run=args.dry_run)
    except InvalidInput as exc:
        print(f"not a holiday notice: {exc}", file=sys.stderr)
        return 2
    notice = done.notice
    weekdays = "一二三四五六日"
    print(f"{notice.year}: {len(notice.festivals)} festivals, {len(notice.days_off)} days off, "
          f"{len(notice.workdays)} make-up working days" + (" (dry run: nothing stored)" if args.dry_run else ""))
    for festival in notice.festivals:
        off = f"{festival.days_off[0]:%m-%d}..{festival.days_off[-1]:%m-%d}"
        on = "、".join(f"{d:%m-%d} 周{weekdays[d.weekday()]}" for d in festival.workdays)
        print(f"  {festival.name}: 放假 {off}" + (f"，上班 {on}" if on else ""))
    verb = "would move" if args.dry_run else "moved"
    print(f"open petitions whose deadlines {verb}: {len(done.moved)}"
          + (f" ({', '.join(done.moved[:10])}{' …' if len(done.moved) > 10 else ''})" if done.moved else ""))
    if not args.dry_run:
        print("running bots pick the new days up within 10 minutes")
    return 0


def _initdb(args: argparse.Namespace) -> int:
    from storage.db import make_engine, shown_url
    from storage.migrations import upgrade

    config = load_config(args.config)
    print(f"{upgrade(make_engine(config.database.url)).describe()}: {shown_url(config.database.url)}")
    return 0
