"""``gridsync export`` and ``gridsync import-households``, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from sync.ledger.reader import read_table
from sync.protocol.wire import grid_digest
from sync.server.cli import main
from sync.server.models import ENTITY_TABLES, Grid
from tests.ledger.helpers import LI, ZHANG, id_number, messy_ledger, sheet_rows

from .harness import household, issue, resident, visit

H = ENTITY_TABLES["households"]
R = ENTITY_TABLES["residents"]

XIAO = id_number("32070520100505003")


@pytest.fixture
def db(service) -> str:
    return service.engine.url.render_as_string(hide_password=False)


def gridsync(db: str, *args: str) -> int:
    return main(["--db", db, *args])


@pytest.fixture
def seeded(service, worker, grid_a) -> dict[str, Any]:
    """A small grid: three households (one vacant), four residents, visits and an issue."""
    flat = household(
        grid_a,
        address="海州区 朐阳小区 2号楼 1单元 301室",
        building="2号楼",
        unit="1单元",
        room="301室",
        head_name="张伟",
        phone="13812345678",
        kind="resident",
        tags=["low_income", "party_member"],
    )
    shop = household(
        grid_a, address="海州区 西门路 7号 百姓超市", kind="shop", phone="0518-85201234"
    )
    vacant = household(
        grid_a, address="海州区 朐阳小区 10号楼 2单元 502室", building="10号楼", kind="vacant"
    )
    fid = flat["id"]
    people = [
        resident(
            fid,
            name="张伟",
            id_number=ZHANG,
            gender="male",
            birth_date="1950-01-01",
            relation="head",
            phone="13812345678",
            tags=["party_member"],
        ),
        resident(
            fid,
            name="李芳",
            id_number=LI,
            gender="female",
            birth_date="1952-03-04",
            relation="spouse",
            present=False,
            notes="在南京带孙子",
        ),
        resident(
            fid,
            name="张小宝",
            id_number=XIAO,
            gender="male",
            birth_date="2010-05-05",
            relation="grandchild",
            tags=["left_behind_child"],
        ),
        resident(shop["id"], name="韩梓涵", gender="female", relation="head", phone="13738766464"),
    ]
    met = [people[0]["id"], people[2]["id"]]
    results = worker.push(
        flat,
        shop,
        vacant,
        *people,
        visit(fid, "2026-11-18T02:00:00Z", people_met=met, notes="老两口身体不错"),
        visit(shop["id"], "2026-11-19T17:00:00Z", outcome="not_home", follow_up=True),
        issue(
            grid_a, title="朐阳小区2号楼下井盖破损", subcategory="manhole_cover", priority="urgent"
        ),
    )
    assert {r["status"] for r in results} == {"applied"}
    return {"grid": grid_a, "households": [flat["id"], shop["id"], vacant["id"]], "worker": worker}


def test_export_every_ledger(db, seeded, tmp_path, capsys):
    grid = seeded["grid"]
    for entity, rows in (("households", 3), ("residents", 5), ("visits", 2), ("issues", 1)):
        out = tmp_path / f"{entity}.xlsx"
        assert gridsync(db, "export", entity, "--grid", grid, "--out", str(out)) == 0
        assert f"已导出 {rows} 行到 {out}" in capsys.readouterr().out
        assert len(read_table(out).rows) == rows + 2  # the title row and the header

    assert load_workbook(tmp_path / "households.xlsx").active.title == "西门网格"
    by_address = {r[1]: r for r in sheet_rows(tmp_path / "households.xlsx")[1:]}
    # Natural order: building 2 before building 10.
    assert list(by_address)[:2] == [
        "海州区 朐阳小区 2号楼 1单元 301室",
        "海州区 朐阳小区 10号楼 2单元 502室",
    ]
    flat = by_address["海州区 朐阳小区 2号楼 1单元 301室"]
    assert flat[5:11] == ("张伟", "13812345678", "常住", "低保、党员", 30, "2026-11-18 10:00")

    visits = sheet_rows(tmp_path / "visits.xlsx")
    assert visits[1][:9] == (
        "2026-11-18 10:00",
        "西门网格",  # the grid's name, not its id
        "海州区 朐阳小区 2号楼 1单元 301室",
        "张伟",
        "见面",
        "张伟、张小宝",
        "worker-a",
        "老两口身体不错",
        "否",
    )
    issues = sheet_rows(tmp_path / "issues.xlsx")
    assert issues[1][:8] == (
        "西门网格",
        "朐阳小区2号楼下井盖破损",
        "公用设施",
        "井盖",
        None,
        None,
        "紧急",
        "待处理",
    )

    # Visits by local visit date: 17:00Z on the 19th is the 20th in Shanghai.
    out = tmp_path / "visits.csv"
    args = ["export", "visits", "--grid", grid, "--out", str(out)]
    assert gridsync(db, *args, "--from", "2026-11-20", "--to", "2026-11-20") == 0
    assert "已导出 1 行" in capsys.readouterr().out
    assert "不在家" in out.read_text(encoding="utf-8-sig")
    # A title naming the grid, the ledger and the period; 序号 in front; the grid by name.
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "西门网格 走访记录（2026-11-20 至 2026-11-20）"
    assert lines[1].startswith("序号,走访时间,网格,")
    assert lines[2].startswith("1,2026-11-20 01:00,西门网格,")
    assert load_workbook(tmp_path / "visits.xlsx").active["A1"].value == "西门网格 走访记录"
    assert gridsync(db, *args, "--to", "2026-11-19") == 0
    assert "已导出 1 行" in capsys.readouterr().out

    assert gridsync(db, "export", "visits", "--grid", "nowhere", "--out", str(out)) == 1
    assert "网格 nowhere 不存在" in capsys.readouterr().err


def _grid_state(engine, grid_id: str) -> dict[str, Any]:
    """Households and residents of a grid as the ledger carries them, and its accounting."""
    with engine.connect() as conn:
        homes = {
            r.id: r
            for r in conn.execute(select(H).where(H.c.grid_id == grid_id, H.c.deleted.is_(False)))
        }
        people = conn.execute(select(R).where(R.c.grid_id == grid_id, R.c.deleted.is_(False))).all()
        grid = conn.execute(select(Grid.__table__).where(Grid.id == grid_id)).one()
        live = []
        for entity, table in ENTITY_TABLES.items():
            q = select(table.c.id, table.c.version).where(
                table.c.grid_id == grid_id, table.c.deleted.is_(False)
            )
            live += [(entity, r.id, r.version) for r in conn.execute(q)]
    households = sorted(
        (h.address, h.building, h.unit, h.room, h.kind, tuple(h.tags)) for h in homes.values()
    )
    residents = sorted(
        (
            homes[p.household_id].address,
            p.name,
            p.gender,
            p.id_number,
            p.birth_date,
            p.relation,
            p.phone,
            tuple(p.tags),
            p.present,
            p.notes,
        )
        for p in people
    )
    return {
        "households": households,
        "residents": residents,
        "versions": sorted(v for _, _, v in live),
        "grid": (grid.last_version, grid.row_count, grid.digest),
        "recount": grid_digest(live),
    }


def test_an_exported_ledger_imports_into_a_new_grid(db, service, seeded, tmp_path, capsys):
    out = tmp_path / "居民台账.xlsx"
    assert gridsync(db, "export", "residents", "--grid", seeded["grid"], "--out", str(out)) == 0
    assert gridsync(db, "create-grid", "grid-new", "--name", "新网格") == 0
    capsys.readouterr()

    # The people with an ID number stay registered in the old grid: the new one takes them
    # as the ledger says, with a warning for each, and the preview writes nothing.
    old = _grid_state(service.engine, seeded["grid"])
    assert gridsync(db, "import-households", str(out), "--grid", "grid-new") == 0
    preview = capsys.readouterr().out
    assert (
        "读取 5 行：新增住户 3 户、居民 4 人；已有住户 0 户；跳过 0 行；有错误未导入 0 行"
        in preview
    )
    assert "问题：错误 0 条（该行未导入），提醒 3 条（已导入，请留意），说明 0 条" in preview
    warnings = [line for line in preview.splitlines() if line.startswith("[")]
    assert warnings == [
        # Rows and columns as Excel shows them: a title row above the header, 序号 in A.
        f"[提醒] 第{row}行 身份证号(K列): 身份证号（{masked}）已登记在其他网格的住户中，"
        "仍按台账导入；如属同一人迁入，请核实后在原网格处理"
        for row, masked in (
            (3, "3207**********0014"),
            (4, "3207**********0027"),
            (5, "3207**********0038"),
        )
    ]
    for number in (ZHANG, LI, XIAO):
        assert number not in preview
    assert "尚未写入数据库" in preview
    assert _grid_state(service.engine, "grid-new")["versions"] == []

    assert gridsync(db, "import-households", str(out), "--grid", "grid-new", "--commit") == 0
    done = capsys.readouterr().out
    assert "已导入网格 grid-new：新增住户 3 户、居民 4 人（变更序号 1–7）" in done

    new = _grid_state(service.engine, "grid-new")
    # Every household and every resident of the old grid, field for field, ID numbers included.
    assert new["households"] == old["households"]
    assert new["residents"] == old["residents"]
    assert len(new["residents"]) == 4 and sum(1 for r in new["residents"] if r[3]) == 3
    # The old grid keeps its own.
    assert _grid_state(service.engine, seeded["grid"]) == old
    # The rows entered the new grid's change sequence, and its accounting matches a recount.
    assert new["versions"] == [1, 2, 3, 4, 5, 6, 7]
    last_version, row_count, digest = new["grid"]
    assert (last_version, (row_count, digest)) == (7, new["recount"])
    # Clients download them like any other change.
    service.user("worker-new", "worker", ["grid-new"])
    changes = service.login("worker-new").pull_all("grid-new")
    assert sorted(c["version"] for c in changes) == new["versions"]

    # The same file again adds nothing.
    assert gridsync(db, "import-households", str(out), "--grid", "grid-new", "--commit") == 0
    again = capsys.readouterr().out
    assert (
        "读取 5 行：新增住户 0 户、居民 0 人；已有住户 0 户；跳过 5 行；有错误未导入 0 行" in again
    )
    assert [line for line in again.splitlines() if line.startswith("[")] == [
        "[说明] 第3行 身份证号(K列): 该居民已在此住户中登记，已跳过",
        "[说明] 第4行 身份证号(K列): 该居民已在此住户中登记，已跳过",
        "[说明] 第5行 身份证号(K列): 该居民已在此住户中登记，已跳过",
        "[说明] 第6行 地址(B列): 该地址的住户已在网格中，已跳过（住户信息不修改）",
        "[说明] 第7行 姓名(I列): 同名居民已在此住户中登记，已跳过",
    ]
    assert "没有需要导入的新住户或居民" in again
    assert _grid_state(service.engine, "grid-new") == new


def test_a_messy_ledger_imports_only_its_valid_rows(db, service, grid_a, tmp_path, capsys):
    path = messy_ledger(tmp_path / "社区台账.xlsx")
    before = _grid_state(service.engine, grid_a)

    assert gridsync(db, "import-households", str(path), "--grid", grid_a) == 0
    report = capsys.readouterr().out
    assert "有错误未导入 4 行" in report
    assert "[错误] 第6行 公民身份号码(D列): 身份证号校验位错误，请核对" in report
    assert _grid_state(service.engine, grid_a) == before

    assert gridsync(db, "import-households", str(path), "--grid", grid_a, "--commit") == 0
    assert "新增住户 2 户、居民 2 人" in capsys.readouterr().out
    after = _grid_state(service.engine, grid_a)
    assert after["households"] == [
        ("朐阳小区1号楼1单元101室", None, None, None, None, ()),
        ("朐阳小区3号楼2单元504室", None, None, None, None, ()),
    ]
    assert [(r[1], r[5]) for r in after["residents"]] == [("张伟", "head"), ("李芳", "spouse")]
    assert after["grid"] == (4, *after["recount"])
    with service.engine.connect() as conn:  # no admin yet: updated by nobody, as seeded rows
        assert set(conn.execute(select(R.c.updated_by)).scalars()) == {None}


def test_import_errors_stop_with_a_message(db, grid_a, tmp_path, capsys):
    path = messy_ledger(tmp_path / "台账.xlsx")
    assert gridsync(db, "import-households", str(path), "--grid", "nowhere") == 1
    assert "网格 nowhere 不存在" in capsys.readouterr().err
    assert gridsync(db, "import-households", str(tmp_path / "old.xls"), "--grid", grid_a) == 1
    assert "另存为 .xlsx" in capsys.readouterr().err
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    assert gridsync(db, "import-households", str(broken), "--grid", grid_a) == 1
    assert "无法读取" in capsys.readouterr().err
    headless = tmp_path / "headless.csv"
    headless.write_text("a,b\n1,2\n", encoding="utf-8")
    assert gridsync(db, "import-households", str(headless), "--grid", grid_a, "--commit") == 1
    assert "未找到表头" in capsys.readouterr().err


def test_rows_are_updated_by_the_first_admin(db, service, grid_a, tmp_path, capsys):
    service.user("boss", "admin")
    path = Path(tmp_path / "ledger.csv")
    path.write_text("地址,姓名\n1号楼101室,甲\n", encoding="utf-8")
    assert gridsync(db, "import-households", str(path), "--grid", grid_a, "--commit") == 0
    with service.engine.connect() as conn:
        by = set(conn.execute(select(R.c.updated_by)).scalars())
        by |= set(conn.execute(select(H.c.updated_by)).scalars())
        from sync.server.models import User

        boss = conn.execute(select(User.id).where(User.username == "boss")).scalar_one()
    assert by == {boss}
