"""CSV ledgers that survive Excel and WPS: ID numbers, phones and long digit strings stay text.

Excel reads a CSV cell of digits as a number (an 18-digit 身份证号 becomes 3.2E+17 and loses
digits when saved, 0518-… loses its 0). The writer puts such values in ``="…"``; Excel shows the
text and, saving as CSV, writes the plain digits. Both forms must import again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sync.ledger import ExistingData, plan_import, read_table, write_ledger
from sync.ledger.columns import headers
from sync.ledger.source import HOUSEHOLD_KEYS
from sync.ledger.writer import _csv_cell

from .helpers import id_number

NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
ZHANG = id_number("32070619800101123")
WANG_X = "11010519491231002X"  # a valid number ending in X
HOME = {
    "address": "海州区 朐阳小区 2号楼 1单元 0101室",
    "building": "2号楼",
    "unit": "1单元",
    "room": "0101",  # a leading zero Excel would drop
    "kind": "resident",
    "tags": [],
    "visit_interval_days": 30,
}


def _resident(**values: Any) -> dict[str, Any]:
    row = {
        "name": "张伟",
        "gender": "male",
        "id_number": None,
        "birth_date": None,
        "relation": "head",
        "phone": None,
        "tags": [],
        "present": True,
        "notes": None,
    }
    row.update(values)
    return {**row, **{f"household_{k}": HOME[k] for k in HOUSEHOLD_KEYS if k in HOME}}


def _ledger(tmp_path: Path) -> Path:
    rows = [
        _resident(id_number=ZHANG, birth_date="1980-01-01", phone="13812345678"),
        _resident(
            name="王芳",
            gender="female",
            id_number=WANG_X,
            birth_date="1949-12-31",
            relation="spouse",
            phone="0518-85201234",
            # User text that Excel would run, and one that imitates our own wrapper.
            notes='=HYPERLINK("http://evil.example","点我")',
        ),
        _resident(name="张小宝", relation="child", notes='="320706198001011234"'),
    ]
    path = tmp_path / "居民台账.csv"
    assert write_ledger(path, "residents", rows) == 3
    return path


def test_written_bytes_keep_digits_as_text_formulas(tmp_path):
    data = _ledger(tmp_path).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    lines = text.splitlines()
    # A title row, then the header with 序号 in front, as the .xlsx has.
    assert lines[0] == "居民台账"
    assert lines[1].startswith("序号,地址,")
    assert lines[2].startswith("1,") and lines[4].startswith("3,")
    # Each ID number and phone as ="…", written by the csv module as "=""…""".
    assert f'"=""{ZHANG}"""' in lines[2]
    assert '"=""13812345678"""' in lines[2]
    assert f'"=""{WANG_X}"""' in lines[3]
    assert '"=""0518-85201234"""' in lines[3]
    assert '"=""0101"""' in lines[2]  # the room keeps its 0
    # User text is never wrapped: a formula in a note gets the leading ' guard.
    assert "'=HYPERLINK(" in lines[3]
    assert '\'=""320706198001011234""' in lines[4]
    # No plain ID number or phone outside a wrapper (Excel would make it a number).
    for number in (ZHANG, "13812345678", WANG_X):
        assert re.search(rf"(^|,){number}(,|$)", text, re.M) is None


def test_pythons_csv_module_reads_the_wrappers(tmp_path):
    text = _ledger(tmp_path).read_text(encoding="utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert records[0] == ["居民台账"]
    header = records[1]
    assert header == ["序号", *headers("residents")]
    first = dict(zip(header, records[2], strict=True))
    assert first["序号"] == "1"
    assert first["身份证号"] == f'="{ZHANG}"'
    assert first["联系电话"] == '="13812345678"'
    third = dict(zip(header, records[4], strict=True))
    assert third["备注"] == '\'="320706198001011234"'


def test_our_reader_unwraps_and_the_ledger_imports_as_it_was(tmp_path):
    table = read_table(_ledger(tmp_path))
    header = table.rows[1]
    first = dict(zip(header, table.rows[2], strict=True))
    assert first["身份证号"] == ZHANG and first["联系电话"] == "13812345678"
    assert first["室"] == "0101"
    plan = plan_import(table, "g2", ExistingData(), now=NOW)
    assert plan.error_rows == 0, [p.line() for p in plan.problems]
    residents = [r for h in plan.households if h.values for r in h.residents]
    by_name = {r["name"]: r for r in residents}
    assert by_name["张伟"]["id_number"] == ZHANG
    assert by_name["张伟"]["phone"] == "13812345678"
    assert by_name["王芳"]["id_number"] == WANG_X
    assert by_name["王芳"]["phone"] == "0518-85201234"
    # The guarded notes come back as the user typed them, not run and not unwrapped.
    assert by_name["王芳"]["notes"] == '=HYPERLINK("http://evil.example","点我")'
    assert by_name["张小宝"]["notes"] == '="320706198001011234"'
    assert [h.values["room"] for h in plan.households if h.values] == ["0101"]


def _excel_save(path: Path, out: Path, encoding: str, damage_ids: bool = False) -> Path:
    """What Excel or WPS writes when the opened ledger is saved as CSV again: each cell as it
    was shown (="…" as its text, without quotes); ``damage_ids``: as it was shown had the ID
    numbers been numbers (the file of an older export)."""
    records = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    saved = []
    for record in records:
        row = []
        for cell in record:
            match = re.fullmatch(r'="(.*)"', cell)
            value = match.group(1) if match else cell
            if damage_ids and re.fullmatch(r"\d{18}", value):
                value = f"{float(value):.5E}"  # General format: 3.20706E+17
            row.append(value)
        saved.append(row)
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(saved)
    out.write_bytes(buffer.getvalue().encode(encoding))
    return out


def test_a_ledger_saved_again_by_excel_imports_the_same(tmp_path):
    path = _ledger(tmp_path)
    expected = plan_import(read_table(path), "g2", ExistingData(), now=NOW)
    want = sorted(
        (r["name"], r["id_number"], r["phone"])
        for h in expected.households
        if h.values
        for r in h.residents
    )
    # "CSV UTF-8" keeps a BOM; plain "CSV" is the system's code page (GBK on Chinese Windows).
    for encoding in ("utf-8-sig", "gb18030"):
        saved = _excel_save(path, tmp_path / f"另存-{encoding}.csv", encoding)
        data = saved.read_bytes()
        assert f",{ZHANG},".encode() in data and b",0518-85201234," in data
        assert data.count(b'="') == 1  # only the note that imitates a wrapper
        plan = plan_import(read_table(saved), "g2", ExistingData(), now=NOW)
        assert plan.error_rows == 0, [p.line() for p in plan.problems]
        got = sorted(
            (r["name"], r["id_number"], r["phone"])
            for h in plan.households
            if h.values
            for r in h.residents
        )
        assert got == want


def test_an_id_number_excel_made_a_number_is_reported(tmp_path):
    saved = _excel_save(_ledger(tmp_path), tmp_path / "坏.csv", "utf-8-sig", damage_ids=True)
    assert "3.20706E+17" in saved.read_text(encoding="utf-8-sig")
    plan = plan_import(read_table(saved), "g2", ExistingData(), now=NOW)
    # The number ending in X stayed text even then; the other lost its digits.
    errors = {(p.row, p.code) for p in plan.problems if p.severity == "error"}
    assert errors == {(3, "id_number_as_number")}  # row 3: after the title and the header
    assert plan.error_rows == 1


@given(st.text(max_size=30), st.booleans())
def test_no_cell_is_a_live_formula_but_a_text_constant(value, text_column):
    cell = _csv_cell(value, text_column)
    assert isinstance(cell, str)
    if cell.startswith('="'):
        # Only digits, dashes and a final X ever go inside the wrapper.
        assert re.fullmatch(r'="[0-9][0-9-]*[0-9Xx]?"', cell) or re.fullmatch(r'="\d"', cell)
        assert cell[2:-1] == value
    else:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert cell in (value, "'" + value)


def test_only_text_that_excel_would_damage_is_wrapped_outside_id_and_phone_columns():
    assert _csv_cell("202611200001234", False) == '="202611200001234"'  # 15 digits
    assert _csv_cell("0101", False) == '="0101"'
    assert _csv_cell("301", False) == "301"
    assert _csv_cell("12345-2026-0001", False) == "12345-2026-0001"
    assert _csv_cell("13812345678", True) == '="13812345678"'
    assert _csv_cell("-13812345678", True) == "'-13812345678"
    assert _csv_cell("138 1234 5678", True) == "138 1234 5678"
    assert _csv_cell('1"&HYPERLINK("x")&"', True) == '1"&HYPERLINK("x")&"'
    assert _csv_cell(None, True) is None and _csv_cell(7, False) == 7
