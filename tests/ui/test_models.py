"""Every item model of the app passes Qt's model checks (pytest-qt's qtmodeltester)."""

from __future__ import annotations

from gridworker.domain import operations as ops
from gridworker.ui.conflicts import conflicts_model, rejections_model
from gridworker.ui.due import due_model
from gridworker.ui.household_detail import issues_model, residents_model, visits_model
from gridworker.ui.household_model import PAGE, HouseholdTableModel
from gridworker.ui.issues import updates_model
from tests.ui.test_visits_and_sync import open_window


def test_household_model_lazy_pages_and_checks(qtmodeltester, qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    store = window.ctx.store
    for n in range(PAGE + 30):  # more than one page
        ops.create_household(
            store, ui_world.grid, f"海州区海州街道 新村 {n // 10}号楼 {n % 10 + 1}01室"
        )
    model = HouseholdTableModel(lambda: store)
    model.reload()
    assert model.rowCount() == PAGE + 33
    assert len(model._rows) == 0  # nothing fetched until asked
    model.data(model.index(PAGE + 1, 0))
    assert len(model._rows) == 33  # only the second page
    qtmodeltester.check(model)
    model.set_query(text="zs")
    qtmodeltester.check(model)
    assert model.id_at(0) == homes["zhang"]["id"]
    model.set_query(text="没有这个人")
    qtmodeltester.check(model)
    # The window's own model too, after a search and a tag filter.
    qtmodeltester.check(window.households.model)


def test_list_models(qtmodeltester, qtbot, ui_world):
    window, homes = open_window(qtbot, ui_world)
    store = window.ctx.store
    issue = ops.raise_issue(
        store, "楼道堆放杂物", "safety_hazard", household_id=homes["zhang"]["id"]
    )
    ops.add_issue_update(store, issue["id"], "in_progress", "已通知物业")
    ops.log_visit(store, homes["zhang"]["id"], notes="见到老人")
    window.ctx.tasks.notify_changed()
    window.households.show_household(homes["zhang"]["id"])
    window.open_issue(issue["id"])
    filled = [
        window.households.detail.residents,
        window.households.detail.visits,
        window.households.detail.issues,
        window.due.model,
        window.issues.model,
        window.issues.panel.updates,
        window.conflicts.conflicts,
        window.conflicts.rejections,
    ]
    assert all(m.rowCount() > 0 for m in filled[:6])
    for model in filled:
        qtmodeltester.check(model)
    for make in (
        residents_model,
        visits_model,
        issues_model,
        due_model,
        updates_model,
    ):
        qtmodeltester.check(make())  # empty
    qtmodeltester.check(conflicts_model(lambda: store, dict))
    qtmodeltester.check(rejections_model(lambda: store, dict))
