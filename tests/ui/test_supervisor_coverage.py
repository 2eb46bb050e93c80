"""覆盖率: the dashboard's figures for a period, against coverage() and against figures worked out
by hand; a real click on a bar lists the households behind it.

Two grids: g1 (workers wa and wc), g2 (worker wb); a supervisor of both. The workers log visits
on their laptops at chosen past times and sync. Times are UTC, dates local (UTC+8): 02:00Z is
10:00 local the same day. Intervals: elderly_alone 7 days, low_income 30 days, no tag 90.

| hh | grid | tags          | visits (local date, outcome, by)                        |
| a1 | g1   | elderly_alone | 10-30 met wa; 11-06 met wa; 11-13 phone wa              |
| a2 | g1   | elderly_alone | 10-25 met wa; 11-03 met wa                              |
| a3 | g1   | —             | 11-04 met wc                                            |
| a4 | g1   | —             | never                                                   |
| a5 | g1   | —             | 11-05 not_home wa (a door-knock, not a visit)           |
| b1 | g2   | elderly_alone | never                                                   |
| b2 | g2   | low_income    | 11-10 met wb                                            |
| b3 | g2   | —             | 11-07 met wb                                            |

The period 11-02 … 11-15 is over (today is later), so it is judged to 11-15 whatever the day
the tests run.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt

from gridworker.domain import coverage as cov
from gridworker.domain import operations as ops
from gridworker.ui.coverage import KEY, VISITED

D = dt.date
START, END = D(2026, 11, 2), D(2026, 11, 15)


@pytest.fixture
def office(qtbot, ui_world) -> dict[str, Any]:
    g1 = ui_world.grid
    g2 = ui_world.service.grid("g2", "西门网格二")
    ids = {
        "wa": ui_world.user("wa"),
        "wc": ui_world.user("wc"),
        "wb": ui_world.service.user("wb", "worker", [g2]),
    }
    ui_world.service.user("sup", "supervisor", [g1, g2])
    wa, wb, wc = ui_world.client("wa"), ui_world.client("wb"), ui_world.client("wc")

    def household(session: Any, grid: str, room: str, tags: list[str]) -> str:
        address = f"海州区朐阳小区 1号楼 1单元 {room}室"
        return str(ops.create_household(session.store, grid, address, tags=tags)["id"])

    h = {
        "a1": household(wa, g1, "101", ["elderly_alone"]),
        "a2": household(wa, g1, "102", ["elderly_alone"]),
        "a3": household(wa, g1, "103", []),
        "a4": household(wa, g1, "104", []),
        "a5": household(wa, g1, "105", []),
        "b1": household(wb, g2, "201", ["elderly_alone"]),
        "b2": household(wb, g2, "202", ["low_income"]),
        "b3": household(wb, g2, "203", []),
    }
    assert wa.syncer.sync().rejected == 0
    wc.syncer.sync()
    for session, hh, outcome, day in (
        (wa, "a1", "met", "10-30"),
        (wa, "a1", "met", "11-06"),
        (wa, "a1", "phone", "11-13"),
        (wa, "a2", "met", "10-25"),
        (wa, "a2", "met", "11-03"),
        (wc, "a3", "met", "11-04"),
        (wa, "a5", "not_home", "11-05"),
        (wb, "b2", "met", "11-10"),
        (wb, "b3", "met", "11-07"),
    ):
        ops.log_visit(session.store, h[hh], outcome, visited_at=f"2026-{day}T02:00:00Z")
    for session in (wa, wb, wc):
        assert session.syncer.sync().rejected == 0

    sup = ui_world.client("sup")
    sup.syncer.sync()
    window = ui_world.window(sup)
    window.tabs.setCurrentWidget(window.coverage)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    settle(qtbot, window)
    return {"window": window, "page": window.coverage, "h": h, "g1": g1, "g2": g2, **ids}


def settle(qtbot: Any, window: Any) -> None:
    """Every background computation done and its result shown."""
    qtbot.waitUntil(lambda: not window.ctx.tasks.busy, timeout=20000)


def show_period(qtbot: Any, page: Any, start: dt.date, end: dt.date) -> cov.Coverage:
    page.set_period(start, end)
    qtbot.waitUntil(
        lambda: (
            not page.ctx.tasks.busy
            and page.report is not None
            and (page.report.start, page.report.end) == (start, end)
        ),
        timeout=20000,
    )
    return page.report


def figures(f: cov.Figures) -> tuple[int, int, int, int, int]:
    return (f.households, f.visited, f.key_households, f.key_on_time, f.visits)


def bar_centre(view: Any, which: str, index: int) -> Any:
    """The centre of one bar, in the chart view's viewport coordinates.

    A horizontal bar series draws category ``index`` across y = index ± barWidth/2, split
    between its sets in order; the bar of set k of n spans x = 0 … value.
    """
    chart = view.chart()
    (series,) = chart.series()
    sets = series.barSets()
    k = sets.index(view.sets[which])
    width = series.barWidth()
    y = index - width / 2 + (k + 0.5) * width / len(sets)
    x = view.sets[which].at(index) / 2
    position = chart.mapToPosition(QPointF(x, y), series)
    assert chart.plotArea().contains(position)
    return view.mapFromScene(chart.mapToScene(position))


def click_bar(qtbot: Any, page: Any, view: Any, which: str, index: int) -> list[str]:
    qtbot.waitUntil(lambda: view.chart().plotArea().width() > 50, timeout=3000)
    qtbot.wait(20)  # the chart lays its new bars out on the event loop
    pos = bar_centre(view, which, index)
    with qtbot.waitSignal(view.bar_clicked, timeout=3000) as clicked:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert clicked.args == [which, index]
    return page.listed_ids()


def test_headline_figures_match_coverage_and_the_hand_count(qtbot, office):
    page, h = office["page"], office["h"]
    store = page.ctx.store
    report = show_period(qtbot, page, START, END)

    # The dashboard shows what the domain computes on the same store.
    assert report == cov.coverage(store, START, END)
    assert report.judged_to == END

    # By hand. Counting visits (met/phone) in 11-02 … 11-15: a1 [11-06, 11-13], a2 [11-03],
    # a3 [11-04], b2 [11-10], b3 [11-07]; a5's not_home does not count; a4, b1 none.
    # visited 5 of 8; unvisited a4 a5 b1.
    # Key households a1 a2 b1 b2:
    #   a1 (7): last before 10-30 → due 11-06, visited 11-06 → due 11-13, visited → due 11-20,
    #       after the period → on time.
    #   a2 (7): last before 10-25 → due 11-01, already over at the start → missed since 11-01.
    #   b1 (7): never visited, its clock starts 11-01 → due 11-08, no visit → missed 11-08.
    #   b2 (30): never before, clock starts 11-01 → due 12-01 → on time.
    #   on time 2 of 4.
    # Visits (every outcome): a1 2, a2 1, a3 1, a5 1 (g1: 5); b2 1, b3 1 (g2: 2) → 7.
    total = report.total
    assert figures(total) == (8, 5, 4, 2, 7)
    assert sorted(total.unvisited_ids) == sorted([h["a4"], h["a5"], h["b1"]])
    assert total.missed == {h["a2"]: "2026-11-01", h["b1"]: "2026-11-08"}
    assert {d.isoformat()[5:]: n for d, n in report.per_day if n} == {
        "11-03": 1,
        "11-04": 1,
        "11-05": 1,
        "11-06": 1,
        "11-07": 1,
        "11-10": 1,
        "11-13": 1,
    }
    assert len(report.per_day) == 14

    # The headline cards: 5/8, 2/4, 7 visits, 2 key households overdue.
    assert page.visited.value.text() == "62.5%"
    assert page.key.value.text() == "50.0%"
    assert page.visits.value.text() == "7"
    assert page.missed.value.text() == "2"

    # Per grid: g1 a1…a5 (visited a1 a2 a3; key a1 a2, on time a1); g2 b1…b3 (visited b2 b3;
    # key b1 b2, on time b2).
    g1, g2 = report.grids
    assert (g1.key, g2.key) == (office["g1"], office["g2"])
    assert figures(g1) == (5, 3, 2, 1, 5)
    assert figures(g2) == (3, 2, 2, 1, 2)
    # Per worker (their grids' households; visited by them; key households whoever visited):
    #   wa: g1, visited a1 a2, visits a1 ×2, a2, a5 = 4; wb: g2, visited b2 b3, visits 2;
    #   wc: g1, visited a3, visits 1.
    wa, wb, wc = report.workers
    assert [w.key for w in report.workers] == [office["wa"], office["wb"], office["wc"]]
    assert figures(wa) == (5, 2, 2, 1, 4)
    assert figures(wb) == (3, 2, 2, 1, 2)
    assert figures(wc) == (5, 1, 2, 1, 1)
    assert sorted(wc.unvisited_ids) == sorted([h["a1"], h["a2"], h["a4"], h["a5"]])

    # The charts: first group at the top (the last category), in percent.
    grid_chart, worker_chart = page.grid_chart, page.worker_chart
    assert [g.key for g in grid_chart.groups] == [office["g2"], office["g1"]]
    assert [grid_chart.sets[VISITED].at(i) for i in range(2)] == [66.7, 60.0]
    assert [grid_chart.sets[KEY].at(i) for i in range(2)] == [50.0, 50.0]
    assert [w.key for w in worker_chart.groups] == [office["wc"], office["wb"], office["wa"]]
    assert [worker_chart.sets[VISITED].at(i) for i in range(3)] == [20.0, 66.7, 40.0]

    # At first the list shows every overdue key household, the earliest first.
    assert page.listed_ids() == [h["a2"], h["b1"]]


def test_a_click_on_a_bar_lists_the_households_behind_it(qtbot, office):
    page, h = office["page"], office["h"]
    show_period(qtbot, page, START, END)
    grids, workers = page.grid_chart, page.worker_chart

    # g1 is category 1 (the top), g2 category 0.
    assert click_bar(qtbot, page, grids, KEY, 1) == [h["a2"]]
    assert click_bar(qtbot, page, grids, VISITED, 1) == [h["a4"], h["a5"]]  # by address
    assert click_bar(qtbot, page, grids, VISITED, 0) == [h["b1"]]
    assert click_bar(qtbot, page, grids, KEY, 0) == [h["b1"]]
    # Workers: wc 0, wb 1, wa 2 (the top).
    assert click_bar(qtbot, page, workers, VISITED, 2) == [h["a3"], h["a4"], h["a5"]]
    assert click_bar(qtbot, page, workers, KEY, 1) == [h["b1"]]
    # wc visited a3 only; a2 (overdue since 11-01) comes first, then by address.
    assert click_bar(qtbot, page, workers, VISITED, 0) == [h["a2"], h["a1"], h["a4"], h["a5"]]

    # The list follows a recomputation: the same bar's households, of the new period. On
    # 11-06 … 11-15 wc visited nobody in g1 (a3 was 11-04); a2, last visited 11-03, is
    # overdue since 11-10.
    show_period(qtbot, page, D(2026, 11, 6), END)
    assert page.listed_ids() == [h["a2"], h["a1"], h["a3"], h["a4"], h["a5"]]

    # Double-click a listed household: the household opens.
    window = office["window"]
    view = page.behind_view
    rect = view.visualRect(page.behind.index(0, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.tabs.currentWidget() is window.households
    assert window.households.current_id() == h["a2"]


def test_one_grid_alone(qtbot, office):
    page, h = office["page"], office["h"]
    show_period(qtbot, page, START, END)
    page.grid.setCurrentIndex(page.grid.findData(office["g2"]))
    qtbot.waitUntil(
        lambda: not page.ctx.tasks.busy and [g.key for g in page.report.grids] == [office["g2"]],
        timeout=20000,
    )
    report = page.report
    assert report == cov.coverage(page.ctx.store, START, END, grid_id=office["g2"])
    assert figures(report.total) == (3, 2, 2, 1, 2)
    assert [w.key for w in report.workers] == [office["wb"]]
    assert (page.visited.value.text(), page.key.value.text()) == ("66.7%", "50.0%")
    assert (page.visits.value.text(), page.missed.value.text()) == ("2", "1")
    assert click_bar(qtbot, page, page.worker_chart, VISITED, 0) == [h["b1"]]


def test_the_period_chosen_last_wins_whatever_order_the_computations_finish(
    qtbot, office, monkeypatch
):
    """Two periods chosen in a row; the first takes longer (a large month), the second is
    quick. The dashboard must end on the second, as its date edits say."""
    page = office["page"]
    show_period(qtbot, page, START, END)
    computed = cov.coverage
    second_done = threading.Event()

    def coverage(store: Any, start: dt.date, end: dt.date, **kw: Any) -> cov.Coverage:
        if start == D(2026, 10, 1):
            second_done.wait(5)  # the first period finishes after the second
        report = computed(store, start, end, **kw)
        if start == D(2026, 11, 6):
            second_done.set()
        return report

    monkeypatch.setattr(cov, "coverage", coverage)
    shown: list[dt.date] = []
    show = page.show_report

    def show_report(report: cov.Coverage) -> None:
        shown.append(report.start)
        show(report)

    monkeypatch.setattr(page, "show_report", show_report)
    # Room for both computations at once, whatever else (an automatic sync) is running.
    page.ctx.tasks.pool.setMaxThreadCount(4)
    page.set_period(D(2026, 10, 1), D(2026, 10, 31))
    page.set_period(D(2026, 11, 6), END)
    qtbot.waitUntil(lambda: not page.ctx.tasks.busy, timeout=20000)
    assert second_done.is_set()
    assert (page.date_from.date().toPython(), page.date_to.date().toPython()) == (
        D(2026, 11, 6),
        END,
    )
    # The October figures arrived after the period was changed: they must not be shown.
    assert set(shown) == {D(2026, 11, 6)}
    assert (page.report.start, page.report.end) == (D(2026, 11, 6), END)


def test_a_visit_by_the_supervisor_gives_them_no_worker_bar(qtbot, office):
    page, h = office["page"], office["h"]
    store = page.ctx.store
    # The supervisor knocks on a4's door on 11-08 (local 10:00), on their own laptop.
    ops.log_visit(store, h["a4"], "met", visited_at="2026-11-08T02:00:00Z")
    report = show_period(qtbot, page, START, END)
    # The visit counts: a4 is visited now, 6 of 8 households, 8 visits.
    assert figures(report.total) == (8, 6, 4, 2, 8)
    # The per-worker figures are the workers' (the directory's role "worker"): wa, wb, wc.
    assert [w.key for w in report.workers] == [office["wa"], office["wb"], office["wc"]]
    assert [w.key for w in page.worker_chart.groups] == [office["wc"], office["wb"], office["wa"]]


def test_a_click_on_a_headline_figure_or_a_day_lists_its_households(qtbot, office):
    page, h = office["page"], office["h"]
    report = show_period(qtbot, page, START, END)

    # 住户走访覆盖: everything not visited in the period (a4 never, a5 only a door-knock, b1).
    qtbot.mouseClick(page.visited, Qt.MouseButton.LeftButton)
    assert set(page.listed_ids()) == {h["a4"], h["a5"], h["b1"]}
    # 逾期未访重点户, oldest first: a2 (last visited 10-25: overdue since 11-01, before the
    # period began) and b1 (never visited: its clock starts with the period, due 11-08).
    qtbot.mouseClick(page.missed, Qt.MouseButton.LeftButton)
    assert page.listed_ids() == [h["a2"], h["b1"]]

    # A day's bar: the households visited that day, whatever the outcome (11-05: a5's
    # door-knock); 11-08: nobody.
    days = [day for day, _count in report.per_day]
    assert page.show_day(days.index(D(2026, 11, 5))) == [h["a5"]]
    assert page.show_day(days.index(D(2026, 11, 8))) == []
    assert report.visited_on[D(2026, 11, 4)] == [h["a3"]]
