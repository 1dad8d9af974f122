"""The `minyuan` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot.config import ConfigError, load_config


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    quiet = getattr(args, "func", None) is _demo  # the demo's transcript is its output
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore", "apscheduler", "jieba", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"配置错误 / configuration error: {exc}", file=sys.stderr)
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

    invite = commands.add_parser("invite", help="create a one-time staff invite code")
    invite.add_argument("--role", choices=("staff", "admin", "supervisor"), default="staff",
                        help="what the invitee may do (admins bind groups)")
    invite.add_argument("--scope", required=True,
                        help="community, street or district code from the organisation file")
    invite.add_argument("--days", type=int, default=7, help="days before the code expires")
    invite.add_argument("--note", default="", help="who the code is for (kept with the code)")
    invite.set_defaults(func=_invite)

    initdb = commands.add_parser("initdb", help="create the database tables")
    initdb.set_defaults(func=_initdb)

    for module in _plugins():
        module.register(commands)
    return parser


def _plugins() -> list:
    from bot import nlp_cli, reports_cli

    return [nlp_cli, reports_cli]


def _run(args: argparse.Namespace) -> int:
    from bot.serve import serve

    return serve(load_config(args.config), emulator=args.emulator)


def _demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return asyncio.run(run_demo(load_config(args.config), db=args.db, out=args.out))


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


def _initdb(args: argparse.Namespace) -> int:
    from storage.db import create_schema, make_engine

    config = load_config(args.config)
    create_schema(make_engine(config.database.url))
    print(f"tables ready in {config.database.url}")
    return 0
