"""``gridworker``: the desktop app, and a headless command line for scheduled syncs.

gridworker [--data-dir DIR] [--language zh_CN|en|system]   the desktop app
gridworker --demo [--role worker|supervisor]                 the desktop app on demo data
gridworker --demo --smoke-test                               open, sync once, exit 0 (installers)
gridworker-cli [--data-dir DIR] login|sync|status            the same commands, console program
gridworker [--data-dir DIR] login --server URL --username NAME [--password-stdin]
gridworker [--data-dir DIR] sync
gridworker [--data-dir DIR] status
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sync.protocol.errors import ProtocolError

from .client.http import SyncError
from .domain import queries
from .paths import default_data_dir


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gridworker", description="Gridworker 网格员工作台")
    parser.add_argument(
        "--data-dir", type=Path, help="where local data lives (default: the user data dir)"
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start an embedded sync service with demo data and open the app on it",
    )
    parser.add_argument(
        "--role",
        choices=("worker", "supervisor"),
        default="worker",
        help="demo mode: log in as demo-worker (default) or demo-supervisor",
    )
    parser.add_argument(
        "--language",
        choices=("zh_CN", "en", "system"),
        help="language of the app (default: the setting, Simplified Chinese)",
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="check an installation: exit 0 once the window is shown and the first sync finished",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    login = sub.add_parser(
        "login", help="log in online once (afterwards the password also unlocks offline)"
    )
    login.add_argument(
        "--server", required=True, help="sync service URL, e.g. https://grid.example.gov.cn"
    )
    login.add_argument("--username", required=True)
    login.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    login.add_argument("--ca-bundle", help="CA certificates to trust (government intranets)")
    sub.add_parser("sync", help="push unsent records and pull changes (exit 0 when complete)")
    sub.add_parser("status", help="unsent records, last sync, conflicts, rejections")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.demo and args.command is not None:
        parser.error("--demo opens the desktop app; it takes no command")
    data_dir = args.data_dir or default_data_dir()
    if args.command is None:
        from .app import run_gui

        return run_gui(sys.argv if argv is None else ["gridworker", *argv])
    try:
        if args.command == "login":
            return _login(data_dir, args)
        if args.command == "sync":
            return _sync(data_dir)
        return _status(data_dir)
    except (SyncError, ProtocolError) as exc:  # ProtocolError: also a full or damaged disk
        print(f"gridworker: {exc.message}", file=sys.stderr)
        return 2


def _login(data_dir: Path, args: argparse.Namespace) -> int:
    from .session import login

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("密码 Password: ")
    session = login(
        data_dir,
        args.server,
        args.username,
        password,
        ca_bundle=args.ca_bundle,
        allow_offline=False,
    )
    try:
        grids = ", ".join(g["grid_id"] for g in queries.grids(session.store))
        print(
            f"已登录 {session.user.get('display_name')}（{session.user.get('role')}），网格：{grids}"
        )
    finally:
        session.close()
    return 0


def _ask_password() -> str:
    """The local data is encrypted: its password (or GRIDWORKER_PASSWORD, for scripts)."""
    return getpass.getpass("密码 Password: ")


def _sync(data_dir: Path) -> int:
    from .session import open_last

    session = open_last(data_dir, password=_ask_password)
    if session.notice:
        print(f"gridworker: {session.notice}", file=sys.stderr)
    try:
        report = session.syncer.sync()
        print(
            f"同步完成：上传附件 {report.uploaded}，提交 {report.pushed} 条（冲突 {report.conflicts}，"
            f"被拒 {report.rejected}），下载 {report.pulled} 条，用时 {report.seconds:.2f} 秒"
        )
        return 0 if session.store.pending_count() == 0 else 1
    finally:
        session.close()


def _status(data_dir: Path) -> int:
    from .session import open_last

    session = open_last(data_dir, password=_ask_password)
    if session.notice:
        print(f"gridworker: {session.notice}", file=sys.stderr)
    try:
        print(json.dumps(queries.status(session.store), ensure_ascii=False, indent=2))
    finally:
        session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
