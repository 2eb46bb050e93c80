"""``gridsync export`` to CSV, opened and saved again in Excel, ``import-households`` into an
empty grid: every ID number and phone arrives whole, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from sync.server.cli import main
from sync.server.models import ENTITY_TABLES
from tests.ledger.helpers import id_number

from .harness import household, resident

H = ENTITY_TABLES["households"]
R = ENTITY_TABLES["residents"]

ZHANG = id_number("32070619800101123")
WANG_X = "32070619491231001X"


def _people(engine, grid_id: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        query = (
            select(H.c.address, R.c.name, R.c.id_number, R.c.phone)
            .join(H, H.c.id == R.c.household_id)
            .where(R.c.grid_id == grid_id, R.c.deleted.is_(False))
        )
        return sorted(tuple(r) for r in conn.execute(query))


def _as_excel_saves(path: Path) -> Path:
    """The file Excel writes after opening ``path`` and saving it as "CSV UTF-8"."""
    text = path.read_text(encoding="utf-8-sig")
    rows = [
        [re.sub(r'^="(.*)"$', r"\1", cell) for cell in record]
        for record in csv.reader(io.StringIO(text, newline=""))
    ]
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    out = path.with_name("另存为.csv")
    out.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return out


@pytest.mark.parametrize("excel_saved", [False, True], ids=["as-exported", "saved-by-excel"])
def test_a_csv_export_imports_into_an_empty_grid_whole(
    service, worker, grid_a, tmp_path, capsys, excel_saved
):
    flat = household(grid_a, address="海州区 朐阳小区 2号楼 1单元 301室")
    people = [
        resident(flat["id"], name="张伟", id_number=ZHANG, phone="13812345678", relation="head"),
        resident(flat["id"], name="王芳", id_number=WANG_X, phone="0518-85201234", gender="female"),
    ]
    assert all(r["status"] == "applied" for r in worker.push(flat, *people))
    db = service.engine.url.render_as_string(hide_password=False)

    out = tmp_path / "居民台账.csv"
    assert main(["--db", db, "export", "residents", "--grid", grid_a, "--out", str(out)]) == 0
    data = out.read_bytes().decode("utf-8-sig")
    assert f'"=""{ZHANG}"""' in data and '"=""0518-85201234"""' in data
    if excel_saved:
        out = _as_excel_saves(out)
        assert f",{ZHANG}," in out.read_text(encoding="utf-8-sig")

    assert main(["--db", db, "create-grid", "grid-new", "--name", "新网格"]) == 0
    args = ["--db", db, "import-households", str(out), "--grid", "grid-new", "--commit"]
    assert main(args) == 0
    report = capsys.readouterr().out
    assert "新增住户 1 户、居民 2 人" in report
    assert "有错误未导入 0 行" in report
    assert _people(service.engine, "grid-new") == _people(service.engine, grid_a)
    assert {r[2] for r in _people(service.engine, "grid-new")} == {ZHANG, WANG_X}
