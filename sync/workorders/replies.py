"""The reply sheet the 12345 platform takes back: one line per work order handled.

Read from either side's entity tables (the service's and the laptop's are built from the
same definitions, ``sync.tables``): issues with a ticket number (``external_ref``) whose
status is 已解决 or 已办结, resolved after ``since``. The resolution is the last issue update
that set one of those statuses: its comment is the 办理结果, its time the 办结时间, its author
the 承办人 (else the issue's assignee); the 办理过程 is the history in short.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, select

from sync.ledger.errors import LedgerError
from sync.ledger.writer import _fill_sheet
from sync.protocol import codes
from sync.protocol.values import SHANGHAI, parse_time

REPLY_HEADERS = ("工单编号", "办理结果", "办结时间", "承办人", "办理过程")
DONE = ("resolved", "closed")
HISTORY_MAX = 300


def _when(update: Mapping[str, Any]) -> dt.datetime | None:
    text = update.get("created_at") or update.get("updated_at")
    return parse_time(text) if text else None


def reply_rows(
    conn: Connection,
    tables: Mapping[str, Table],
    since: dt.datetime | None = None,
    grid_ids: list[str] | None = None,
    users: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The replies of the work orders resolved after ``since`` (None: all), oldest first;
    each a dict keyed by ``REPLY_HEADERS`` plus ``issue_id`` and ``resolved_at``."""
    i, u = tables["issues"], tables["issue_updates"]
    users = users or {}
    where = [i.c.deleted.is_(False), i.c.external_ref.is_not(None), i.c.status.in_(DONE)]
    if grid_ids is not None:
        where.append(i.c.grid_id.in_(grid_ids))
    issues = [dict(r) for r in conn.execute(select(i).where(*where)).mappings()]
    history: dict[str, list[dict[str, Any]]] = {}
    ids = [row["id"] for row in issues]
    for start in range(0, len(ids), 500):
        query = select(u).where(u.c.issue_id.in_(ids[start : start + 500]), u.c.deleted.is_(False))
        for row in conn.execute(query).mappings():
            history.setdefault(row["issue_id"], []).append(dict(row))
    out = []
    for issue in issues:
        updates = sorted(
            history.get(issue["id"], []),
            key=lambda r: (_when(r) or dt.datetime.min.replace(tzinfo=dt.UTC), str(r["id"])),
        )
        done = [r for r in updates if r.get("status") in DONE]
        last = done[-1] if done else None
        resolved_at = _when(last) if last else None
        if resolved_at is None and issue.get("updated_at"):
            resolved_at = parse_time(issue["updated_at"])
        # "Since the last export" by when the resolution reached this database (a laptop
        # may sync a day's work after an export): its updated_at, else when it was done.
        arrived = (last or {}).get("updated_at") or issue.get("updated_at")
        reached = parse_time(arrived) if arrived else resolved_at
        if since is not None and (reached is None or reached <= since):
            continue
        who = (last or {}).get("author_id") or issue.get("assignee_id")
        result = ((last or {}).get("comment") or "").strip() or codes.label(
            codes.ISSUE_STATUSES, issue["status"]
        )
        out.append(
            {
                "issue_id": issue["id"],
                "resolved_at": resolved_at,
                "工单编号": issue["external_ref"],
                "办理结果": result,
                "办结时间": resolved_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
                if resolved_at
                else None,
                "承办人": (users.get(who) or who[:8]) if who else None,
                "办理过程": short_history(updates),
            }
        )
    out.sort(key=lambda r: r["resolved_at"] or dt.datetime.min.replace(tzinfo=dt.UTC))
    return out


def short_history(updates: list[dict[str, Any]]) -> str:
    """``11-21 处理中：已联系物业；11-22 已解决：已更换盖板``, at most 300 characters."""
    parts = []
    for update in updates:
        when = _when(update)
        day = when.astimezone(SHANGHAI).strftime("%m-%d") if when else ""
        status = codes.label(codes.ISSUE_STATUSES, update.get("status")) or "备注"
        comment = (update.get("comment") or "").strip().replace("\n", " ")
        parts.append(f"{day} {status}" + (f"：{comment}" if comment else ""))
    text = "；".join(parts)
    return text if len(text) <= HISTORY_MAX else text[: HISTORY_MAX - 1] + "…"


def write_replies(path: Path, rows: list[dict[str, Any]], title: str = "12345工单回复") -> int:
    """Write the reply sheet (.xlsx) and return its rows; written beside and moved in place."""
    from openpyxl import Workbook

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise LedgerError("回复单请保存为 .xlsx 文件")
    body = [[row[h] for h in REPLY_HEADERS] for row in rows]
    temp = path.with_name(f".{path.name}.part")
    try:
        with open(temp, "wb") as out:
            wb = Workbook(write_only=True)
            _fill_sheet(wb, title, list(REPLY_HEADERS), body, [0], heading="")
            wb.save(out)
        os.replace(temp, path)
    except OSError:
        temp.unlink(missing_ok=True)
        raise LedgerError(
            f"无法写入文件 {path.name}：请检查文件夹是否存在、是否有写入权限，"
            "或该文件是否正在 Excel 中打开"
        ) from None
    return len(body)
