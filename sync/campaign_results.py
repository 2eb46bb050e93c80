"""A campaign's results, computed the same way on the service and on the laptop.

A household's state is its latest response (the latest ``responded_at``, the server's order
breaking ties; a response not yet synced counts as the newest of its moment); every response
counts in the figures of its worker. The Excel export has one row per target household,
reached or not, and one column per question with its Chinese label; choices are written as
their labels, never as codes. Qt-free and server-free: ``gridworker.domain.campaigns`` and
``sync.server.campaigns`` both call it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sync.forms import Questionnaire
from sync.forms.definition import DISPLAY_ONLY
from sync.protocol import campaigns as rules
from sync.protocol.values import SHANGHAI, parse_time

NOT_REACHED = "未反馈"

Row = Mapping[str, Any]


def _order(response: Row) -> tuple[str, int]:
    version = int(response.get("version") or 0)
    return (str(response["responded_at"]), version if version > 0 else 2**62)


def latest_by_household(responses: Iterable[Row]) -> dict[str, Row]:
    """Each household's latest response (its state)."""
    latest: dict[str, Row] = {}
    for response in responses:
        if response.get("deleted"):
            continue
        current = latest.get(response["household_id"])
        if current is None or _order(response) > _order(current):
            latest[response["household_id"]] = response
    return latest


def local_time(value: str | None) -> str:
    if not value:
        return ""
    return parse_time(value).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def answer_text(form: Questionnaire, name: str, value: Any) -> str:
    """An answer as a person reads it: choice labels, not codes."""
    if value is None:
        return ""
    fld = form.field(name)
    if fld.type == "select_one":
        return fld.choice_label(str(value))
    if fld.type == "select_multiple":
        return "、".join(fld.choice_label(str(v)) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def results_table(
    campaigns: Sequence[Row],
    households: Mapping[str, Row],
    responses: Iterable[Row],
    names: Mapping[str, str],
    grid_names: Mapping[str, str],
) -> tuple[list[str], list[list[Any]]]:
    """Header and rows: every target of every grid's row of the campaign, 需帮助 first, then
    the others reached, then those never reached, each by grid and address."""
    first = campaigns[0]
    form = rules.questionnaire_of(first)
    questions = [f for f in (form.fields if form else ()) if f.type not in DISPLAY_ONLY]
    outcomes = {o["code"]: o["label"] for o in rules.outcomes_of(first)}
    responses = list(responses)
    counts: dict[str, int] = {}
    for response in responses:
        if not response.get("deleted"):
            counts[response["household_id"]] = counts.get(response["household_id"], 0) + 1
    latest = latest_by_household(responses)
    header = ["序号", "网格", "地址", "户主", "联系电话", "结果", "填报人", "填报时间", "反馈次数"]
    header += [q.label or q.name for q in questions]
    header += ["填报备注", "照片数"]
    keyed: list[tuple[tuple[Any, ...], list[Any]]] = []
    for campaign in campaigns:
        for household_id in campaign.get("targets") or ():
            h = households.get(household_id, {})
            r = latest.get(household_id)
            line: list[Any] = [
                grid_names.get(campaign["grid_id"], campaign["grid_id"]),
                h.get("address") or "",
                h.get("head_name") or "",
                h.get("phone") or "",
            ]
            if r is None:
                line += [NOT_REACHED, "", "", 0] + [""] * len(questions) + ["", 0]
                rank = 2
            else:
                who = r.get("responder_id") or r.get("updated_by") or ""
                answers = r.get("answers") or {}
                line += [
                    outcomes.get(r["outcome"], r["outcome"]),
                    names.get(who, ""),
                    local_time(r["responded_at"]),
                    counts.get(household_id, 0),
                ]
                line += [
                    answer_text(form, q.name, answers.get(q.name)) if form else ""
                    for q in questions
                ]
                line += [r.get("notes") or "", len(r.get("photos") or [])]
                rank = 0 if r["outcome"] == "needs_help" else 1
            keyed.append(((rank, line[0], line[1], household_id), line))
    keyed.sort(key=lambda item: item[0])
    rows = [[index, *line] for index, (_, line) in enumerate(keyed, start=1)]
    return header, rows


def write_results(
    path: Path,
    campaigns: Sequence[Row],
    households: Mapping[str, Row],
    responses: Iterable[Row],
    names: Mapping[str, str],
    grid_names: Mapping[str, str],
) -> int:
    """Write the results as .xlsx (title row, header, one row per target); returns the rows."""
    import openpyxl
    from openpyxl.styles import Font

    header, rows = results_table(campaigns, households, responses, names, grid_names)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "任务结果"
    first = campaigns[0]
    sheet.append([f"{first['title']}（截止 {local_time(first['deadline'])}）"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A3"
    book.save(path)
    return len(rows)


def match_household_list(path: Path, live: Mapping[str, str]) -> tuple[list[str], int]:
    """Household ids from an Excel list (its first sheet: a 住户编号 column of ids, or 地址 of
    addresses) matched against ``live`` (id → address of the campaign's grids' households).
    Returns the ids found, in the list's order and once each, and how many non-empty rows
    matched none. Shared by ``gridsync campaign create --households`` and the laptop."""
    import openpyxl

    from sync.protocol.errors import ValidationError

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a damaged or non-Excel file
        raise ValidationError("无法读取住户名单，请选择 .xlsx 文件", code="invalid_value") from exc
    try:
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
    if not rows:
        raise ValidationError("住户名单为空", code="required")
    header = [str(c or "").strip() for c in rows[0]]
    by_id = next((i for i, h in enumerate(header) if h in ("住户编号", "编号", "id")), None)
    by_address = next((i for i, h in enumerate(header) if h in ("地址", "住址", "address")), None)
    if by_id is None and by_address is None:
        raise ValidationError("住户名单第 1 行应有“住户编号”或“地址”列", code="invalid_value")
    by_text = {address: h_id for h_id, address in live.items()}
    found: list[str] = []
    seen: set[str] = set()
    missed = 0
    for cells in rows[1:]:
        column = by_id if by_id is not None else by_address
        assert column is not None
        value = cells[column] if column < len(cells) else None
        cell = "" if value is None else str(value).strip()
        if by_id is not None:
            hit = cell.lower() if cell.lower() in live else None
        else:
            hit = by_text.get(cell)
        if hit is None:
            if any(c not in (None, "") for c in cells):
                missed += 1
        elif hit not in seen:
            seen.add(hit)
            found.append(hit)
    return found, missed
