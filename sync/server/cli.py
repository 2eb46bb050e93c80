"""``gridsync``: the admin command line of the sync service."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sync.ledger.errors import LedgerError
from sync.redact import install_redaction

from . import admin, audit
from .context import ApiError
from .db import make_engine
from .migrate import upgrade
from .settings import Settings, SettingsError

log = logging.getLogger("gridsync")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gridsync", description="Gridworker sync service: database, users, grids, server."
    )
    parser.add_argument(
        "--db", help="SQLAlchemy URL (default: GRIDSYNC_DB or SQLite in the user data dir)"
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="settings file (TOML; default: GRIDSYNC_CONFIG); GRIDSYNC_* variables win over it",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("init-db", help="create or upgrade the database schema")

    serve = sub.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (the service is stateless); on PostgreSQL each one's pool is "
        "at most (max_connections - superuser_reserved_connections - 10) / N connections",
    )

    grid = sub.add_parser("create-grid", help="create a grid")
    grid.add_argument("grid_id", metavar="GRID_ID")
    grid.add_argument("--name", required=True)
    grid.add_argument("--community")
    grid.add_argument("--street")
    grid.add_argument("--district")

    user = sub.add_parser("create-user", help="create a user (password from stdin)")
    user.add_argument("username", metavar="USERNAME")
    user.add_argument("--role", required=True, choices=["worker", "supervisor", "admin"])
    user.add_argument("--display-name")
    user.add_argument("--password-stdin", action="store_true", help="read the password from stdin")

    for name, text in (("assign", "add grids to a user"), ("unassign", "remove grids from a user")):
        p = sub.add_parser(name, help=text)
        p.add_argument("username", metavar="USERNAME")
        p.add_argument("grid_ids", metavar="GRID_ID", nargs="+")

    move = sub.add_parser("move-household", help="move a household and its history to another grid")
    move.add_argument("household_id", metavar="HOUSEHOLD_ID")
    move.add_argument("grid_id", metavar="GRID_ID")

    save = sub.add_parser(
        "backup",
        help="copy the database (and attachment files) to FILE while the service runs",
        description="SQLite: the online backup API; PostgreSQL: pg_dump -Fc (on PATH). "
        "Attachment files are copied to FILE.blobs beside it.",
    )
    save.add_argument("file", metavar="FILE", type=Path)
    load = sub.add_parser(
        "restore",
        help="put the database back to a backup FILE (a new database epoch)",
        description="SQLite: the online backup API; PostgreSQL: pg_restore --clean --if-exists. "
        "Works while the service runs: laptops notice the new epoch, send again what the "
        "database forgot and download their grids again.",
    )
    load.add_argument("file", metavar="FILE", type=Path)

    revoke = sub.add_parser("revoke-device", help="refuse a lost laptop from now on")
    revoke.add_argument("device_id", metavar="DEVICE_ID")
    revoke.add_argument(
        "--wipe",
        action="store_true",
        help="also make the laptop delete its local data at its next contact",
    )

    seed = sub.add_parser(
        "seed-demo", help="load the demo community (users demo-worker, demo-supervisor)"
    )
    seed.add_argument("--size", default="demo", help="demo (default), worker, supervisor or city")

    export = sub.add_parser(
        "export",
        help="write a grid's ledger (台账) to .xlsx or .csv",
        description="Write the live rows of a grid to an Excel (.xlsx) or CSV file. --from/--to "
        "(local dates, inclusive) filter visits by visit time and issues by last update; "
        "households and residents are always exported whole.",
    )
    export.add_argument("entity", choices=["households", "residents", "visits", "issues"])
    export.add_argument("--grid", required=True, metavar="GRID_ID")
    export.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD")
    export.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD")
    export.add_argument("--out", required=True, type=Path, metavar="FILE", help=".xlsx or .csv")

    ledger = sub.add_parser(
        "import-households",
        help="import a household ledger (.xlsx/.csv) into a grid",
        description="Read a household or residents ledger, print what it would import and "
        "every problem by row and column; with --commit, write the valid rows in one "
        "transaction (rows with errors are left out, rows already in the grid are skipped).",
    )
    ledger.add_argument("file", metavar="FILE", type=Path)
    ledger.add_argument("--grid", required=True, metavar="GRID_ID")
    ledger.add_argument("--commit", action="store_true", help="write (default: only report)")

    orders = sub.add_parser(
        "import-workorders",
        help="import a 12345 work-order export (.xlsx) as issues",
        description="Read the hotline's work orders, print what would be created and every "
        "problem by row and column; with --commit, create one issue per new ticket. Orders "
        "whose address matches no household (or several) go to GRID_ID, unassigned.",
    )
    orders.add_argument("file", metavar="FILE", type=Path)
    orders.add_argument("--grid", required=True, metavar="GRID_ID", help="the default grid")
    orders.add_argument("--commit", action="store_true", help="write (default: only report)")

    replies = sub.add_parser(
        "export-replies",
        help="write the 12345 reply sheet of the work orders resolved since the last export",
    )
    replies.add_argument("--grid", required=True, metavar="GRID_ID")
    replies.add_argument("--out", required=True, type=Path, metavar="FILE", help=".xlsx")
    replies.add_argument("--all", dest="everything", action="store_true", help="every order")

    sub.add_parser(
        "purge",
        help="clear refused and conflicting values past their retention (retention_days)",
        description="Rejections handled and conflicts settled more than retention_days ago, "
        "and those about deleted rows, keep their entry but lose the values they carried. "
        "The service also does this when it starts and every few hours.",
    )

    from .campaigns import add_cli as add_campaign_cli

    add_campaign_cli(sub)

    trail = sub.add_parser(
        "audit",
        help="list the audit trail (logins, ledger exports and imports, admin commands)",
        description="List the audit trail, oldest first (the latest --limit events). "
        "--from/--to are local dates, inclusive.",
    )
    trail.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD")
    trail.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD")
    trail.add_argument("--user", metavar="NAME", help="a username, or cli")
    trail.add_argument("--action", choices=sorted(audit.ACTIONS), metavar="ACTION")
    trail.add_argument("--limit", type=int, default=1000)
    return parser


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("日期应为 YYYY-MM-DD") from None


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat: ") != password:
            raise SystemExit("gridsync: passwords differ")
    else:
        raise SystemExit("gridsync: use --password-stdin to read the password from stdin")
    if not password:
        raise SystemExit("gridsync: empty password")
    return password


def _print(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    install_redaction(records=False)  # serve adds the record factory (a process of its own)
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.load(args.config, args.db)
    except SettingsError as exc:
        print(f"gridsync: {exc}", file=sys.stderr)
        return 2
    if settings.log_format == "json":
        from logging.config import dictConfig

        from .logs import service_log_config

        dictConfig(service_log_config(settings))
    engine = make_engine(settings.database_url)
    try:
        return audit.record_command(engine, args, _run(args, settings, engine))
    except ApiError as exc:
        print(f"gridsync: {exc.message} ({exc.code})", file=sys.stderr)
        return 1
    except LedgerError as exc:
        print(f"gridsync: {exc.message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _run(args: argparse.Namespace, settings: Settings, engine: Any) -> int:
    command = args.command
    if command == "init-db":
        upgrade(engine)
        print(f"database ready: {engine.url.render_as_string(hide_password=True)}")
    elif command == "serve":
        upgrade(engine)
        _serve(settings, args.host, args.port, args.workers or settings.workers)
    elif command == "create-grid":
        _print(
            admin.create_grid(
                engine,
                settings,
                args.grid_id,
                args.name,
                args.community,
                args.street,
                args.district,
            )
        )
    elif command == "create-user":
        password = _read_password(args)
        _print(
            admin.create_user(
                engine, settings, args.username, args.role, password, args.display_name
            )
        )
    elif command == "assign":
        _print(
            {"username": args.username, "grids": admin.assign(engine, args.username, args.grid_ids)}
        )
    elif command == "unassign":
        _print(
            {
                "username": args.username,
                "grids": admin.unassign(engine, args.username, args.grid_ids),
            }
        )
    elif command == "move-household":
        _print(admin.move_household(engine, settings, args.household_id.lower(), args.grid_id))
    elif command == "revoke-device":
        admin.revoke_device(engine, settings, args.device_id, wipe=args.wipe)
        print(f"device {args.device_id} revoked" + (", wipe ordered" if args.wipe else ""))
    elif command == "seed-demo":
        from .seed import seed

        upgrade(engine)
        _print(seed(engine, settings, args.size))
    elif command == "export":
        from .ledgers import export_ledger

        if args.date_from and args.date_to and args.date_from > args.date_to:
            print("gridsync: --from 不能晚于 --to", file=sys.stderr)
            return 1
        count = export_ledger(
            engine, args.entity, args.grid, args.out, args.date_from, args.date_to
        )
        print(f"已导出 {count} 行到 {args.out}")
    elif command == "import-households":
        return _import_households(args, settings, engine)
    elif command == "import-workorders":
        return _import_workorders(args, settings, engine)
    elif command == "export-replies":
        from sync.protocol.values import SHANGHAI

        from .workorders import export_replies

        count, since = export_replies(
            engine, settings, args.grid, args.out, everything=args.everything
        )
        start = "全部" if since is None else f"{since.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 之后"
        print(f"已导出 {count} 条工单回复（{start}办结的工单）到 {args.out}")
    elif command == "campaign":
        from .campaigns import run_cli

        return run_cli(args, settings, engine)
    elif command == "audit":
        events = audit.list_events(
            engine,
            date_from=args.date_from,
            date_to=args.date_to,
            user=args.user,
            action=args.action,
            limit=max(1, args.limit),
        )
        print(audit.table_text(events))
        print(f"共 {len(events)} 条")
    elif command in ("backup", "restore"):
        return _backup_or_restore(command, args.file, settings, engine)
    elif command == "purge":
        from .retention import purge

        done = purge(engine, dt.timedelta(days=settings.retention_days), settings.clock())
        args.cleared = done.total
        print(f"已清除 {done.rejections} 条被拒绝变更和 {done.conflicts} 条冲突中的过期数据")
    return 0


def _backup_or_restore(command: str, file: Path, settings: Settings, engine: Any) -> int:
    from .backup import BackupError, backup, restore

    where = engine.url.render_as_string(hide_password=True)
    try:
        if command == "backup":
            outcome = backup(settings, engine, file)
            print(f"已备份 {where} 到 {file}（附件文件 {outcome.blobs} 个）")
        else:
            outcome = restore(settings, engine, file)
            print(
                f"已从 {file} 恢复 {where}（附件文件 {outcome.blobs} 个），"
                f"数据库纪元 {outcome.epoch}：各终端下次同步时会补发并重新下载"
            )
    except BackupError as exc:
        print(f"gridsync: {exc.message}", file=sys.stderr)
        return 1
    return 0


def _import_households(args: argparse.Namespace, settings: Settings, engine: Any) -> int:
    from sync.ledger.reader import read_table

    from .ledgers import import_households

    table = read_table(args.file)
    result = import_households(engine, settings, table, args.grid, commit=args.commit)
    plan = result.plan
    print(plan.report_text())
    print()
    if not result.committed:
        print(
            "这是预览，尚未写入数据库。确认无误后加 --commit 再运行一次即可导入"
            "（有错误的行不会导入）。"
        )
    elif result.versions is None:
        print("没有需要导入的新住户或居民，数据库未改动。")
    else:
        first, last = result.versions
        print(
            f"已导入网格 {args.grid}：新增住户 {plan.new_households} 户、居民 "
            f"{plan.new_residents} 人（变更序号 {first}–{last}）。"
        )
    if plan.error_rows:
        print(
            f"有 {plan.error_rows} 行因错误未导入，修改后可再次导入同一文件（已导入的行会跳过）。"
        )
    return 0


def _import_workorders(args: argparse.Namespace, settings: Settings, engine: Any) -> int:
    from sync.workorders import read_orders

    from .workorders import import_workorders

    result = import_workorders(
        engine, settings, read_orders(args.file), args.grid, commit=args.commit
    )
    plan = result.plan
    print(plan.report_text())
    print()
    if not result.committed:
        print("这是预览，尚未写入数据库。确认无误后加 --commit 再运行一次即可导入。")
    elif result.versions is None:
        print("没有需要导入的新工单，数据库未改动。")
    else:
        print(
            f"已导入 {len(plan.orders)} 件工单（其中待分派 {len(plan.unassigned)} 件），"
            f"变更序号 {result.versions[0]}–{result.versions[1]}。"
        )
    return 0


def _serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    import os

    import uvicorn

    from .logs import service_log_config

    install_redaction()
    log_config = service_log_config(settings)

    if workers > 1:
        import tempfile

        # Each worker process builds its own app from the environment: every setting, and
        # its share of PostgreSQL's max_connections for its pool.
        settings.workers = workers
        if settings.blob_store == "fs":
            settings.blob_dir = settings.resolved_blob_dir()
        os.environ.update(settings.environment())
        # /metrics adds up the workers' samples, written to a directory they share.
        shared = settings.metrics_dir or Path(tempfile.mkdtemp(prefix="gridsync-metrics-"))
        shared.mkdir(parents=True, exist_ok=True)
        for stale in shared.glob("*.db"):
            stale.unlink()  # a previous run's counts
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(shared)
        uvicorn.run(
            "sync.server.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level.lower(),
            log_config=log_config,
            # X-Forwarded-For is read by the service (trusted_proxies), not by uvicorn.
            proxy_headers=False,
        )
        return
    from .app import create_app

    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        log_config=log_config,
        proxy_headers=False,
    )


if __name__ == "__main__":
    raise SystemExit(main())
