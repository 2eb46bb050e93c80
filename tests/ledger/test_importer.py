"""Planning a household ledger import: messy real-world sheets, problems by row and column."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from sync.ledger import (
    ExistingData,
    LedgerError,
    address_key,
    guess_mapping,
    plan_import,
    read_table,
)
from sync.ledger.importer import candidate_id_numbers
from sync.protocol.entities import HOUSEHOLD_FIELDS, RESIDENT_FIELDS

from .helpers import BAD, LI, LI_15, ZHANG, ZHAO, id_number, messy_ledger, table

NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def test_a_messy_ledger_gives_exact_problems_and_plan(tmp_path):
    plan = plan_import(
        read_table(messy_ledger(tmp_path / "台账.xlsx")), "g1", ExistingData(), now=NOW
    )

    assert plan.header_row == 3
    assert [(p.row, p.column, p.severity, p.code) for p in plan.problems] == [
        (4, "手机号(G列)", "warning", "normalised"),
        (5, "公民身份号码(D列)", "warning", "id_number_15"),
        (5, "手机号(G列)", "warning", "full_width"),
        (6, "公民身份号码(D列)", "error", "invalid_id_number"),
        (7, None, "info", "blank_row"),
        (8, None, "info", "section_row"),
        (9, "公民身份号码(D列)", "error", "id_number_as_number"),
        (10, "公民身份号码(D列)", "warning", "full_width"),
        (10, "与户主关系(F列)", "error", "invalid_code"),
        (11, "公民身份号码(D列)", "error", "duplicate_in_file"),
        (13, None, "info", "section_row"),
    ]
    messages = {(p.row, p.code): p.message for p in plan.problems}
    assert "存成了数字" in messages[(9, "id_number_as_number")]
    assert "表姐" in messages[(10, "invalid_code")]
    assert "第4行" in messages[(11, "duplicate_in_file")]
    assert plan.counts() == {
        "rows_read": 10,
        "new_households": 2,
        "existing_households": 0,
        "new_residents": 2,
        "skipped": 3,
        "error_rows": 4,
    }

    first, second = plan.households
    assert first.values is not None and second.values is not None
    assert {k: v for k, v in first.values.items() if k != "id"} == {
        "grid_id": "g1",
        "address": "朐阳小区1号楼1单元101室",
        "building": None,
        "unit": None,
        "room": None,
        "head_name": "张伟",
        "phone": None,
        "kind": None,
        "tags": [],
        "visit_interval_days": 90,
        "notes": None,
    }
    residents = [{k: v for k, v in r.items() if k != "id"} for r in first.residents]
    assert residents == [
        {
            "household_id": first.id,
            "name": "张伟",
            "gender": "male",
            "id_number": ZHANG,
            "birth_date": "1950-01-01",
            "relation": "head",
            "phone": "13812345678",
            "tags": ["low_income", "party_member"],
            "present": True,
            "notes": None,
        },
        {
            "household_id": first.id,
            "name": "李芳",
            "gender": "female",
            "id_number": LI,
            "birth_date": "1952-03-04",
            "relation": "spouse",
            "phone": "13912345678",
            "tags": [],
            "present": True,
            "notes": None,
        },
    ]
    assert first.rows == [4, 5]
    # The household-only row: its notes describe the household.
    assert second.values["address"] == "朐阳小区3号楼2单元504室"
    assert second.values["notes"] == "空置"
    assert second.residents == []

    mutations = plan.mutations()
    assert [m["entity"] for m in mutations] == [
        "households",
        "households",
        "residents",
        "residents",
    ]
    assert all(m["op"] == "create" and m["values"]["id"] == m["id"] for m in mutations)
    for m in mutations:  # exactly what the server's normalisation keeps
        fields = HOUSEHOLD_FIELDS if m["entity"] == "households" else RESIDENT_FIELDS
        for name, value in m["values"].items():
            if name != "id":
                assert fields[name].normalise(value) == value


def test_the_report_never_shows_a_full_id_number(tmp_path):
    path = messy_ledger(tmp_path / "台账.xlsx")
    existing = ExistingData(residents_by_id_number={ZHANG: ("other-household", "g2")})
    report = plan_import(read_table(path), "g1", existing, now=NOW).report_text()
    for number in (ZHANG, LI, BAD, ZHAO, LI_15):
        assert number not in report
    assert not re.search(r"\d{15}", report)
    assert (
        "[提醒] 第4行 公民身份号码(D列): 身份证号（3207**********0014）已登记在其他网格的住户中，"
        "仍按台账导入；如属同一人迁入，请核实后在原网格处理"
    ) in report
    assert "第11行 公民身份号码(D列)" in report
    assert "有错误未导入" in report


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-16"])
@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_csv_in_chinese_excel_encodings(tmp_path, encoding, delimiter):
    lines = [
        ["住址", "居民姓名", "身份证号码", "联系电话", "特殊人群", "在住情况"],
        ["海州区 朐阳小区 2号楼 1单元 301室", "张伟", ZHANG, "0518-85201234", "残疾人", "外出"],
        ["海州区 朐阳小区 2号楼 1单元 301室", "李芳", LI, "", "", "是"],
    ]
    path = tmp_path / "ledger.csv"
    path.write_bytes("\r\n".join(delimiter.join(cells) for cells in lines).encode(encoding))
    plan = plan_import(read_table(path), "g1", ExistingData(), now=NOW)
    assert plan.problems == []
    (household,) = plan.households
    assert household.values is not None
    assert household.values["address"] == "海州区 朐阳小区 2号楼 1单元 301室"
    got = [
        (r["name"], r["id_number"], r["phone"], r["tags"], r["present"])
        for r in household.residents
    ]
    assert got == [
        ("张伟", ZHANG, "0518-85201234", ["disabled"], False),
        ("李芳", LI, None, [], True),
    ]


def test_a_csv_number_in_scientific_notation_is_an_id_number_excel_broke(tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text("地址,姓名,身份证号\n朐阳小区1号楼101室,张伟,3.20705E+17\n", encoding="utf-8")
    plan = plan_import(read_table(path), "g1", ExistingData(), now=NOW)
    assert [(p.row, p.code) for p in plan.problems] == [(2, "id_number_as_number")]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            ["家庭住址", "人员姓名", "证件号码", "手机号码", "人群类别", "是否在住"],
            ["address", "name", "id_number", "phone", "tags", "present"],
        ),
        (
            ["*姓名", "身份证号\n（必填）", "联系 电话", "出生年月", "家庭关系", "户别"],
            ["name", "id_number", "phone", "birth_date", "relation", "household_kind"],
        ),
        (
            ["楼号", "单元号", "房间号", "户主姓名", "姓名", "性别", "房屋性质", "户类别"],
            [
                "building",
                "unit",
                "room",
                "head_name",
                "name",
                "gender",
                "household_kind",
                "household_tags",
            ],
        ),
        (["详细地址", "户主姓名", "关系"], ["address", "name", "relation"]),
        (
            ["序号", "现住址", "户主", "电话号码", "走访周期（天）"],
            [None, "address", "head_name", "phone", "visit_interval_days"],
        ),
        (["栋", "室号", "幢"], ["building", "room", None]),
    ],
)
def test_header_aliases(headers, expected):
    mapping = guess_mapping(headers)
    assert [mapping.get(i) for i in range(len(headers))] == expected


def test_export_headers_map_back():
    from sync.ledger import EXPORT_COLUMNS

    mapping = guess_mapping([c.header for c in EXPORT_COLUMNS["residents"]])
    assert sorted(mapping.values()) == sorted(
        [
            "address",
            "building",
            "unit",
            "room",
            "household_kind",
            "household_tags",
            "visit_interval_days",
            "name",
            "gender",
            "id_number",
            "birth_date",
            "relation",
            "phone",
            "tags",
            "present",
            "notes",
        ]
    )


def test_the_id_number_wins_over_birth_date_and_gender():
    plan = plan_import(
        table(
            ["地址", "姓名", "身份证号", "性别", "出生日期"],
            ["1号楼101室", "甲", ZHANG, "女", "1950/1/2"],  # both disagree
            ["1号楼101室", "乙", LI, None, None],  # filled silently
            ["1号楼101室", "丙", ZHAO, "女", "1990年2月2日"],  # agrees
            ["1号楼101室", "丁", None, "男", "19500102"],
            ["1号楼101室", "戊", None, "男", "1950.1"],  # 出生年月 only, no ID
            ["1号楼101室", "己", id_number("32070519600303001"), None, "1960年3月"],
            ["1号楼101室", "庚", None, "男", dt.datetime(1950, 1, 2)],
        ),
        "g1",
        ExistingData(),
        now=NOW,
    )
    assert [(p.row, p.field, p.severity, p.code) for p in plan.problems] == [
        (2, "birth_date", "warning", "birth_date_mismatch"),
        (2, "gender", "warning", "gender_mismatch"),
        (6, "birth_date", "error", "partial_date"),
        (7, "birth_date", "warning", "birth_date_mismatch"),
    ]
    got = [(r["name"], r["gender"], r["birth_date"]) for r in plan.households[0].residents]
    assert got == [
        ("甲", "male", "1950-01-01"),
        ("乙", "female", "1952-03-04"),
        ("丙", "female", "1990-02-02"),
        ("丁", "male", "1950-01-02"),
        ("己", "male", "1960-03-03"),
        ("庚", "male", "1950-01-02"),
    ]


def test_codes_from_chinese_words_and_unknown_ones_named():
    plan = plan_import(
        table(
            ["地址", "姓名", "与户主关系", "人员类别", "户类型", "居住状态", "联系电话"],
            ["A栋1室", "甲", "本人", "重点人员 退伍军人", "自住", "在住", "13812345678"],
            ["A栋1室", "乙", "长女", "留守儿童；孕妇", None, "迁出", None],
            ["A栋1室", "丙", "外孙女", "低保户/残疾人", None, None, "1381234567"],
            ["B栋2室", "丁", "租客", "网红", "出租房", None, None],
            ["C栋3室", "戊", "姐姐", None, "商铺", "否", "13812345678/13912345678"],
        ),
        "g1",
        ExistingData(),
        now=NOW,
    )
    assert [(p.row, p.field, p.severity, p.code) for p in plan.problems] == [
        (4, "phone", "error", "invalid_phone"),
        (5, "tags", "warning", "unknown_tag"),  # issue 11: imported, the word dropped
        (6, "phone", "warning", "several_phones"),
    ]
    assert "网红" in plan.problems[1].message and "已忽略" in plan.problems[1].message
    assert "位数不对" in plan.problems[0].message
    rows = [
        (h.values["kind"], r["name"], r["relation"], r["tags"], r["present"])
        for h in plan.households
        for r in h.residents
        if h.values
    ]
    assert rows == [
        ("resident", "甲", "head", ["key_attention", "veteran"], True),
        ("resident", "乙", "child", ["left_behind_child", "pregnant"], False),
        ("rental", "丁", "tenant", [], True),
        ("shop", "戊", "sibling", [], False),
    ]


def test_household_fields_disagreeing_warn_and_the_first_row_wins():
    plan = plan_import(
        table(
            ["地址", "户类型", "户标签", "姓名", "走访周期（天）"],
            ["1号楼101室", "出租", "独居老人", "甲", None],
            ["1号楼101室", "空置", None, "乙", "30天"],
            ["1号楼101室", None, "独居老人", "丙", None],
        ),
        "g1",
        ExistingData(),
        now=NOW,
    )
    assert [(p.row, p.column, p.code) for p in plan.problems] == [
        (3, "户类型(B列)", "household_conflict")
    ]
    assert "第2行" in plan.problems[0].message
    values = plan.households[0].values
    assert values is not None
    assert (values["kind"], values["tags"], values["visit_interval_days"]) == (
        "rental",
        ["elderly_alone"],
        30,
    )


def test_addresses_composed_from_building_unit_and_room():
    plan = plan_import(
        table(
            ["楼栋", "单元", "室", "姓名"],
            [3, 2, 501, "甲"],
            ["3栋", "2单元", "501室", "乙"],  # the same flat
            ["5号楼", "1", "101", "丙"],
        ),
        "g1",
        ExistingData(),
        now=NOW,
    )
    assert plan.problems == []
    addresses = [h.values["address"] for h in plan.households if h.values]
    assert addresses == ["3栋2单元501室", "5号楼1单元101室"]
    assert [len(h.residents) for h in plan.households] == [2, 1]
    first = plan.households[0].values
    assert first is not None
    assert (first["building"], first["unit"], first["room"]) == ("3", "2", "501")


def test_an_estate_address_gets_its_flat_appended():
    plan = plan_import(
        table(
            ["小区", "地址", "楼栋", "单元", "室", "姓名"],
            [None, "朐阳小区", "3号楼", "2单元", "501", "甲"],
        ),
        "g1",
        ExistingData(),
        now=NOW,
    )
    assert plan.households[0].values["address"] == "朐阳小区3号楼2单元501室"  # type: ignore[index]


def test_missing_address_and_missing_name_and_too_long_texts():
    plan = plan_import(
        table(
            ["地址", "姓名", "身份证号", "备注"],
            [None, "甲", None, None],
            ["1号楼101室", None, ZHANG, None],
            ["1号楼101室", "乙" * 201, None, None],
            ["1号楼101室", "丙", None, "注" * 4001],
        ),
        "g1",
        ExistingData(),
        now=NOW,
    )
    assert [(p.row, p.column, p.severity, p.code) for p in plan.problems] == [
        (2, "地址(A列)", "error", "missing_address"),
        (3, "姓名(B列)", "error", "missing_name"),
        (4, "姓名(B列)", "error", "too_long"),
        (5, "备注(D列)", "error", "too_long"),
    ]
    assert "200" in plan.problems[2].message
    assert plan.households == []
    assert plan.error_rows == 4


def test_duplicates_inside_the_ledger_name_the_first_row():
    plan = plan_import(
        table(
            ["地址", "姓名", "身份证号"],
            ["1号楼101室", "甲", None],
            ["1号楼101室", "甲", None],  # same household, same name, no ID
            ["1号楼102室", "甲", None],  # another household: fine
            ["1号楼101室", "乙", ZHANG],
            ["1号楼101室", "乙", LI],  # two people of one name, told apart by ID
            ["1号楼103室", "丙", ZHANG],  # the same ID again
        ),
        "g1",
        ExistingData(),
        now=NOW,
    )
    assert [(p.row, p.field, p.code, p.message) for p in plan.problems] == [
        (3, "name", "duplicate_in_file", "与第2行同一住户、同一姓名，且无身份证号可区分，疑为重复"),
        (7, "id_number", "duplicate_in_file", "身份证号与第5行重复"),
    ]


def test_against_the_database_nothing_is_imported_twice():
    rows = table(
        ["地址", "姓名", "身份证号", "户类型"],
        ["海州区 朐阳小区 1号楼 101室", "甲", ZHANG, "出租"],
        ["海州区 朐阳小区 1号楼 101室", "乙", None, None],
        ["海州区 朐阳小区 1号楼 101室", "丙", LI, None],
        ["海州区 朐阳小区 1号楼 102室", "丁", ZHAO, None],
        ["海州区 朐阳小区 1号楼 103室", None, None, None],
    )
    empty = plan_import(rows, "g1", ExistingData(), now=NOW)
    assert (empty.new_households, empty.new_residents) == (3, 4)

    # The database now holds what the first plan created.
    existing = ExistingData()
    for h in empty.households:
        assert h.values is not None
        existing.households[address_key(h.values["address"])] = h.id
        for r in h.residents:
            existing.resident_names.setdefault(h.id, set()).add(r["name"])
            if r["id_number"]:
                existing.residents_by_id_number[r["id_number"]] = (h.id, "g1")
    again = plan_import(rows, "g1", existing, now=NOW)
    assert again.mutations() == []
    assert (again.new_households, again.new_residents, again.skipped) == (0, 0, 5)
    assert {p.severity for p in again.problems} == {"info"}

    # The same person registered in another household of this grid is an error (the row left
    # out); registered in another grid, a warning (the row imported as the ledger says); a new
    # resident of a known household joins it.
    other = ExistingData(
        households={address_key("海州区朐阳小区1号楼101室"): "known-household"},
        residents_by_id_number={ZHANG: ("elsewhere", "g1"), ZHAO: ("far-away", "g9")},
    )
    moved = plan_import(rows, "g1", other, now=NOW)
    assert [(p.row, p.field, p.severity, p.code, p.message) for p in moved.problems] == [
        (
            2,
            "id_number",
            "error",
            "id_number_elsewhere",
            "身份证号（3207**********0014）已登记在本网格的另一户中；"
            "如属搬迁，请先在系统中修改原住户",
        ),
        (
            3,
            "address",
            "info",
            "household_exists",
            "该地址的住户已在网格中，居民将加入该户（住户信息不修改）",
        ),
        (
            5,
            "id_number",
            "warning",
            "id_number_in_other_grid",
            "身份证号（3207**********0028）已登记在其他网格的住户中，仍按台账导入；"
            "如属同一人迁入，请核实后在原网格处理",
        ),
    ]
    assert (moved.new_households, moved.existing_households, moved.new_residents) == (2, 1, 3)
    assert (moved.skipped, moved.error_rows) == (0, 1)
    known, second, third = moved.households
    assert (known.existing_id, [r["name"] for r in known.residents]) == (
        "known-household",
        ["乙", "丙"],
    )
    assert all(r["household_id"] == "known-household" for r in known.residents)
    # 丁 is imported into a new household of this grid, with the ID number as in the ledger.
    assert second.values is not None and second.values["grid_id"] == "g1"
    assert second.values["address"] == "海州区 朐阳小区 1号楼 102室"
    assert [(r["household_id"], r["name"], r["id_number"]) for r in second.residents] == [
        (second.id, "丁", ZHAO)
    ]
    assert third.values is not None and third.residents == []
    assert [(m["entity"], m["id"]) for m in moved.mutations()] == [
        ("households", second.id),
        ("households", third.id),
        ("residents", known.residents[0]["id"]),
        ("residents", known.residents[1]["id"]),
        ("residents", second.residents[0]["id"]),
    ]


def test_a_ledger_of_another_grid_imports_whole_with_a_warning_per_id_number():
    """Every person of the ledger registered in another grid: all rows imported, each warned."""
    rows = table(
        ["地址", "姓名", "身份证号", "与户主关系"],
        ["1号楼101室", "甲", ZHANG, "户主"],
        ["1号楼101室", "乙", LI, "配偶"],
        ["1号楼101室", "丙", None, "子女"],
        ["1号楼102室", "丁", ZHAO, "户主"],
    )
    first = plan_import(rows, "g1", ExistingData(), now=NOW)
    assert first.problems == []
    registered = ExistingData()
    for h in first.households:
        for r in h.residents:
            if r["id_number"]:
                registered.residents_by_id_number[r["id_number"]] = (h.id, "g1")

    plan = plan_import(rows, "g2", registered, now=NOW)
    assert [(p.row, p.field, p.severity, p.code) for p in plan.problems] == [
        (2, "id_number", "warning", "id_number_in_other_grid"),
        (3, "id_number", "warning", "id_number_in_other_grid"),
        (5, "id_number", "warning", "id_number_in_other_grid"),
    ]
    assert [p.message for p in plan.problems] == [
        f"身份证号（{masked}）已登记在其他网格的住户中，仍按台账导入；"
        "如属同一人迁入，请核实后在原网格处理"
        for masked in ("3207**********0014", "3207**********0027", "3207**********0028")
    ]
    assert plan.counts() == {
        "rows_read": 4,
        "new_households": 2,
        "existing_households": 0,
        "new_residents": 4,
        "skipped": 0,
        "error_rows": 0,
    }

    # The same households and residents as in g1, field for field, ID numbers included.
    def fields(of: Any) -> list[Any]:
        return [
            (
                {k: v for k, v in h.values.items() if k not in ("id", "grid_id")},
                [
                    {k: v for k, v in r.items() if k not in ("id", "household_id")}
                    for r in h.residents
                ],
            )
            for h in of.households
        ]

    assert fields(plan) == fields(first)
    assert {h.values["grid_id"] for h in plan.households} == {"g2"}
    assert not {h.id for h in plan.households} & {h.id for h in first.households}

    # Once imported, the same ledger into g2 again adds nothing.
    for h in plan.households:
        registered.households[address_key(h.values["address"])] = h.id
        for r in h.residents:
            registered.resident_names.setdefault(h.id, set()).add(r["name"])
            if r["id_number"]:
                registered.residents_by_id_number[r["id_number"]] = (h.id, "g2")
    again = plan_import(rows, "g2", registered, now=NOW)
    assert again.mutations() == []
    assert [(p.row, p.severity, p.code) for p in again.problems] == [
        (2, "info", "already_imported"),
        (3, "info", "already_imported"),
        (4, "info", "already_imported"),
        (5, "info", "already_imported"),
    ]


def test_candidate_id_numbers_are_the_valid_ones():
    rows = table(
        ["地址", "姓名", "身份证号"], ["1室", "甲", ZHANG], ["2室", "乙", BAD], ["3室", "丙", LI_15]
    )
    assert candidate_id_numbers(rows) == {ZHANG, LI}


def test_a_household_ledger_without_names():
    plan = plan_import(
        table(
            ["网格", "地址", "楼栋", "单元", "室", "户主", "联系电话", "户类型", "户标签", "备注"],
            [
                "g0",
                "朐阳小区1号楼1单元101室",
                "1号楼",
                "1单元",
                "101室",
                "张伟",
                "13812345678",
                "常住",
                "低保",
                "x",
            ],
        ),
        "g1",
        ExistingData(),
        now=NOW,
    )
    assert plan.problems == []
    (household,) = plan.households
    assert household.values is not None
    assert {k: household.values[k] for k in ("head_name", "phone", "kind", "tags", "notes")} == {
        "head_name": "张伟",
        "phone": "13812345678",
        "kind": "resident",
        "tags": ["low_income"],
        "notes": "x",
    }
    assert household.values["visit_interval_days"] == 30
    assert household.values["grid_id"] == "g1"


def test_unreadable_ledgers_raise_ledger_errors(tmp_path):
    with pytest.raises(LedgerError, match="xls"):
        read_table(tmp_path / "old.xls")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not a workbook")
    with pytest.raises(LedgerError, match="损坏"):
        read_table(broken)
    with pytest.raises(LedgerError, match="找不到"):
        read_table(tmp_path / "missing.xlsx")
    with pytest.raises(LedgerError, match="不支持"):
        read_table(tmp_path / "ledger.pdf")
    with pytest.raises(LedgerError, match="表头"):
        plan_import(table(["a", "b"], ["1", "2"]), "g1", ExistingData())
    with pytest.raises(LedgerError, match="地址"):
        plan_import(table(["姓名", "身份证号"], ["甲", ZHANG]), "g1", ExistingData())


def test_the_sheet_with_the_ledger_is_chosen(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["说明：本表由社区填写"])
    ws = wb.create_sheet("住户")
    ws.append(["地址", "姓名"])
    ws.append(["1号楼101室", "甲"])
    wb.save(tmp_path / "two.xlsx")
    table_ = read_table(tmp_path / "two.xlsx")
    assert table_.sheet == "住户"
    assert table_.rows[1] == ["1号楼101室", "甲"]


def test_the_exporters_formula_guard_is_removed():
    plan = plan_import(
        table(["地址", "姓名", "备注"], ["'-1层储藏室", "甲", "'=核实"]), "g1", ExistingData()
    )
    (household,) = plan.households
    assert household.values is not None
    assert household.values["address"] == "-1层储藏室"
    assert household.residents[0]["notes"] == "=核实"


@pytest.mark.parametrize("order", ["this grid first", "other grid first"])
def test_a_number_in_two_grids_never_hides_a_duplicate_in_this_one(order):
    """After a grid's ledger was imported into another grid, the same ID number lives in
    both; a ledger for the first grid placing that person at another address of it is still
    the same-grid error, whichever registration the database returns last."""
    existing = ExistingData()
    registrations = [("home-in-g1", "g1"), ("home-in-g2", "g2")]
    if order == "other grid first":
        registrations.reverse()
    for household_id, grid_id in registrations:
        existing.register(ZHANG, household_id, grid_id, "g1")
    assert existing.residents_by_id_number[ZHANG] == ("home-in-g1", "g1")

    rows = table(["地址", "姓名", "身份证号"], ["海州区 朐阳小区 9号楼 901室", "张伟", ZHANG])
    plan = plan_import(rows, "g1", existing, now=NOW)
    assert plan.new_residents == 0
    assert [(p.row, p.severity, p.code) for p in plan.problems] == [
        (2, "error", "id_number_elsewhere")
    ]
    # Into g2 the number is that grid's own registration elsewhere: the same-grid error too.
    into_g2 = ExistingData()
    for household_id, grid_id in registrations:
        into_g2.register(ZHANG, household_id, grid_id, "g2")
    assert into_g2.residents_by_id_number[ZHANG] == ("home-in-g2", "g2")


def test_issue_11_report_wording():
    """Members' names are no 户主姓名 disagreement; a short all-digit phone is 位数不对; an
    unknown 人员类别 is dropped with a warning; a 合计 row is one note."""
    plan = plan_import(
        table(
            ["地址", "姓名", "与户主关系", "人员类别", "联系电话"],
            ["A栋1室", "甲", "户主", "独居老人、网红", "1234"],
            ["A栋1室", "乙", "配偶", None, None],
            ["合计", "2人", None, None, None],
        ),
        "g1",
        ExistingData(),
        now=NOW,
    )
    problems = [(p.row, p.field, p.severity, p.code) for p in plan.problems]
    assert problems == [
        (2, "phone", "error", "invalid_phone"),
        (2, "tags", "warning", "unknown_tag"),
        (4, None, "info", "section_row"),
    ], plan.problems
    assert "位数不对" in plan.problems[0].message and "只能包含数字" not in plan.problems[0].message
    assert not any("不一致" in p.message for p in plan.problems)


def test_a_total_in_the_name_column_is_one_note():
    plan = plan_import(
        table(
            ["地址", "姓名", "与户主关系", "人员类别"],
            ["A栋1室", "甲", "户主", "独居老人"],
            [None, "合计：", "1户", None],
        ),
        "g1",
        ExistingData(),
        now=NOW,
    )
    assert [(p.row, p.severity, p.code) for p in plan.problems] == [(3, "info", "section_row")]
    assert plan.counts()["error_rows"] == 0


def test_members_names_are_no_head_name_disagreement():
    plan = plan_import(
        table(["地址", "姓名"], ["A栋1室", "甲"], ["A栋1室", "乙"]), "g1", ExistingData(), now=NOW
    )
    assert not any(p.code == "household_conflict" for p in plan.problems), plan.problems
    with_column = plan_import(
        table(["地址", "户主姓名", "姓名"], ["A栋1室", "甲", "甲"], ["A栋1室", "丙", "乙"]),
        "g1",
        ExistingData(),
        now=NOW,
    )
    assert [p.code for p in with_column.problems] == ["household_conflict"]
