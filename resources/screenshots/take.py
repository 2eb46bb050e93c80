"""Screenshots of the main screens in Chinese, on the demo data, taken offscreen.

    python resources/screenshots/take.py [OUTPUT_DIR]

Needs a CJK font (Debian: fonts-noto-cjk). Starts the demo sync service, logs in as the demo
worker, makes one conflict and one returned visit through a supervisor's laptop, then grabs
each screen to a PNG (default: this folder).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

if "--issue11" in sys.argv or "--worker-day" in sys.argv:
    # A 1366×768 laptop screen (Qt's offscreen platform takes its screens from a file).
    _SCREEN = Path(tempfile.gettempdir()) / "gridworker-1366x768.json"
    _SCREEN.write_text(
        '{"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768,'
        ' "logicalDpi": 96, "logicalDpiX": 96, "logicalDpiY": 96, "dpr": 1}]}'
    )
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QImage, QLinearGradient, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from gridworker.demo_service import DemoService  # noqa: E402
from gridworker.domain import operations as ops  # noqa: E402
from gridworker.domain import queries  # noqa: E402
from gridworker.session import login  # noqa: E402
from gridworker.ui import i18n  # noqa: E402
from gridworker.ui.context import AppContext, AppSettings  # noqa: E402
from gridworker.ui.login import LoginDialog  # noqa: E402
from gridworker.ui.main_window import MainWindow  # noqa: E402
from gridworker.ui.resident_dialog import ResidentDialog  # noqa: E402
from gridworker.ui.settings_dialog import SettingsDialog  # noqa: E402
from gridworker.ui.style import apply_style  # noqa: E402
from gridworker.ui.tasks import Tasks  # noqa: E402
from sync.server.seed import DEMO_PASSWORD  # noqa: E402


def settle(app: QApplication, rounds: int = 5) -> None:
    for _ in range(rounds):
        app.processEvents()


def save(app: QApplication, widget: QWidget, out: Path, name: str) -> None:
    widget.show()
    widget.raise_()
    settle(app)
    widget.grab().save(str(out / f"{name}.png"))
    print(f"wrote {out / name}.png  {widget.width()}x{widget.height()}")


def sample_photo(path: Path, caption: str) -> Path:
    image = QImage(640, 480, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    gradient = QLinearGradient(0, 0, 640, 480)
    gradient.setColorAt(0, QColor("#90a4ae"))
    gradient.setColorAt(1, QColor("#37474f"))
    painter.fillRect(image.rect(), gradient)
    painter.setBrush(QColor("#263238"))
    painter.setPen(QColor("#eceff1"))
    painter.drawEllipse(220, 140, 200, 200)
    font = QFont()
    font.setFamilies(["Noto Sans CJK SC"])
    font.setPointSize(40)
    painter.setFont(font)
    painter.drawText(
        image.rect(), Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignHCenter, caption
    )
    painter.end()
    image.save(str(path))
    return path


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0]) if args else Path(__file__).parent
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="gridworker-shots-"))
    app = QApplication(["gridworker"])
    i18n.install(app, i18n.CHINESE)
    apply_style(app)
    settings = AppSettings(QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat))
    demo = DemoService(tmp / "demo")
    demo.start()
    worker = demo.log_in("worker")
    supervisor = login(tmp / "supervisor", demo.url, "demo-supervisor", DEMO_PASSWORD)
    try:
        worker.syncer.sync()
        supervisor.syncer.sync()
        stage(worker, supervisor)
        if "--worker-day" in sys.argv:
            sys.path.insert(0, str(Path(__file__).parent))
            from worker_day import shoot_worker_day

            return shoot_worker_day(app, worker, supervisor, settings, demo, out, tmp)
        if "--issue11" in sys.argv:
            sys.path.insert(0, str(Path(__file__).parent))
            from issue11 import shoot_issue11

            return shoot_issue11(app, worker, supervisor, settings, demo, out, tmp)
        if "--supervisor" not in sys.argv:
            shoot(app, worker, settings, demo, out, tmp)
        return shoot_supervisor(app, supervisor, settings, demo, out, tmp)
    finally:
        supervisor.close()
        worker.close()
        demo.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def stage(worker, supervisor) -> None:
    """One conflict and one returned visit, the way they happen in the field."""
    store = worker.store
    households = queries.search_households(store, "朐阳", limit=5)
    target = households[1]
    ops.update_household(supervisor.store, target["id"], phone="13905181234")
    supervisor.syncer.sync()
    ops.update_household(store, target["id"], phone="13805187788")
    pending = [
        v for h in households[:3] for v in queries.household_detail(store, h["id"])["visits"]
    ]
    worker.syncer.sync()
    supervisor.syncer.sync()
    for visit in pending[:1]:
        ops.review_visit(supervisor.store, visit["id"], False, "请补充老人近期身体状况和用药情况")
    supervisor.syncer.sync()
    worker.syncer.sync()
    # A change the server refuses: the supervisor resolved an issue while the worker, offline,
    # started handling it; the supervisor sees the refusal in their grids too.
    issue = queries.issues(store, ("open",), mine=False)[0]
    ops.add_issue_update(supervisor.store, issue["id"], "resolved", "已协调物业当场处理完毕")
    supervisor.syncer.sync()
    ops.add_issue_update(store, issue["id"], "in_progress", "已联系物业，明天上午处理")
    worker.syncer.sync()
    supervisor.syncer.sync()


def shoot(app, worker, settings, demo, out: Path, tmp: Path) -> int:
    tasks = Tasks()
    settings.server_url = demo.url
    settings.username = "demo-worker"
    login_dialog = LoginDialog(tasks, settings, tmp / "nowhere")
    login_dialog.password.setText(DEMO_PASSWORD)
    save(app, login_dialog, out, "login")
    login_dialog.close()

    ctx = AppContext(worker, settings, tasks, demo.data_dir, demo=True)
    window = MainWindow(ctx)
    window.resize(1280, 800)
    window.show()
    settle(app)
    key = next(
        h
        for h in queries.due_today(worker.store)
        if len(queries.household_detail(worker.store, h["id"])["residents"]) >= 3
    )
    window.open_household(key["id"])
    settle(app)
    save(app, window, out, "households")

    window.households.search.setText("zs")
    window.households.run_search()
    settle(app)
    save(app, window, out, "search-zs")
    window.households.search.clear()
    window.households.run_search()
    window.open_household(key["id"])

    window.households.detail.tabs.setCurrentIndex(1)
    save(app, window, out, "household-visits")
    window.households.detail.tabs.setCurrentIndex(0)

    dialog = window.log_visit()
    assert dialog is not None
    for box in list(dialog.people.values())[:2]:
        box.setChecked(True)
    dialog.notes.setPlainText("老人精神状态良好，反映楼道灯不亮，已记录并上报。")
    dialog.follow_up.setChecked(True)
    dialog.photos.add_files([sample_photo(tmp / "door.png", "入户走访")])
    save(app, dialog, out, "visit-dialog")
    dialog.reject()

    returned = next(
        (
            v
            for h in queries.search_households(worker.store, "朐阳", limit=5)
            for v in queries.household_detail(worker.store, h["id"])["visits"]
            if v.get("review_status") == "returned"
        ),
        None,
    )
    if returned is not None:
        dialog = window.edit_visit(returned)
        assert dialog is not None
        save(app, dialog, out, "returned-visit")
        dialog.reject()

    issue = window.raise_issue()
    issue.category.setCurrentIndex(issue.category.findData("facilities"))
    issue.subcategory.setCurrentIndex(issue.subcategory.findData("street_light"))
    issue.title.setText("3号楼1单元楼道灯损坏")
    issue.description.setPlainText("楼道声控灯不亮已一周，老人夜间上下楼不便。")
    issue.has_due.setChecked(True)
    issue.photos.add_files([sample_photo(tmp / "light.png", "楼道灯")])
    save(app, issue, out, "issue-dialog")
    issue.reject()

    resident = ResidentDialog(ctx, key["id"], parent=window)
    resident.name.setText("张三")
    resident.id_number.setText("32070519500101001X")
    resident.fields.fields["id_number"].check()
    resident.phone.setText("1380013800")
    resident.fields.fields["phone"].check()
    save(app, resident, out, "resident-invalid")
    resident.reject()

    window.tabs.setCurrentWidget(window.due)
    save(app, window, out, "due-today")
    window.tabs.setCurrentWidget(window.issues)
    settle(app)
    save(app, window, out, "issues")
    window.tabs.setCurrentWidget(window.conflicts)
    save(app, window, out, "conflicts")

    settings_dialog = SettingsDialog(settings, window)
    save(app, settings_dialog, out, "settings")
    settings_dialog.reject()
    window.sync.stop()
    tasks.wait()
    window.close()
    return 0


def messy_ledger(path: Path) -> Path:
    """A household ledger as community offices keep them: a merged title, the header in row
    3 under other names, an address merged down a household, a 15-digit number, a wrong check
    character, full-width digits, spaces in a phone, a blank row and a total."""
    from openpyxl import Workbook
    from stdnum.cn import ric

    def number(body: str) -> str:
        return body + ric.calc_check_digit(body + "0")

    rows = [
        ["西门社区网格三 住户信息台账"],
        ["填报单位：西门社区居委会    填表日期：2026年11月"],
        ["序号", "家庭住址", "姓名", "公民身份号码", "性别", "与户主关系", "手机号", "人员类别"],
        [
            1,
            "海州区海州街道 锦屏路 88号",
            "周建国",
            number("32070619480312003"),
            "男",
            "户主",
            "138 5123 4567",
            "独居老人、党员",
        ],
        [2, "海州区海州街道 锦屏路 90号", "吴桂兰", "320706500623002", "女", "户主", None, "低保"],
        [3, None, "吴晓东", "320706198011070032", "男", "儿子", "13951234567"],
        [
            4,
            "海州区海州街道 锦屏路 92号",
            "郑丽华",
            number("32070619750901004"),
            "女",
            "户主",
            "１３９５１２３４５６８",
            "残疾人",
        ],
        [5, None, "郑小雨", number("32070620120415002"), "女", "女儿", None, "留守儿童"],
        [],
        [6, "海州区海州街道 锦屏路 94号", "孙志强", number("32070619660708001"), "男", "表哥"],
        ["合计：6人"],
    ]
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for merge in ("A1:H1", "A2:H2", "B5:B6", "B7:B8", "A11:H11"):
        sheet.merge_cells(merge)
    book.save(path)
    return path


def shoot_supervisor(app, supervisor, settings, demo, out: Path, tmp: Path) -> int:
    """The supervisor's screens: review queue, coverage, issue oversight, ledgers."""
    tasks = Tasks()
    settings.username = "demo-supervisor"
    ctx = AppContext(supervisor, settings, tasks, tmp / "supervisor", demo=True)
    window = MainWindow(ctx)
    window.resize(1280, 800)
    window.show()
    settle(app)
    assert window.review is not None and window.coverage is not None
    window.tabs.setCurrentWidget(window.review)
    window.review.table.selectRow(0)
    settle(app)
    save(app, window, out, "supervisor-review")

    window.tabs.setCurrentWidget(window.coverage)
    tasks.wait()
    settle(app, 10)
    report = window.coverage.report
    if report is not None and report.grids:
        window.coverage.show_behind(report.grids[0], "key")
    settle(app)
    save(app, window, out, "supervisor-coverage")

    window.tabs.setCurrentWidget(window.issues)
    settle(app)
    save(app, window, out, "supervisor-oversight")
    dialog = window.issues.panel.escalate()
    if dialog is not None:
        dialog.ticket.setText("2026112600123")
        dialog.comment.setPlainText("井盖破损涉及市政管网，已上报 12345 热线转市政部门处置。")
        save(app, dialog, out, "supervisor-escalate")
        dialog.reject()

    dialog = window.export_ledger()
    dialog.entity.setCurrentIndex(dialog.entity.findData("visits"))
    save(app, dialog, out, "supervisor-export")
    dialog.reject()

    dialog = window.import_ledger()
    assert dialog is not None
    dialog.grid.setCurrentIndex(dialog.grid.count() - 1)
    ledger = messy_ledger(tmp / "西门社区住户台账.xlsx")
    dialog.path.setText(str(ledger))
    dialog.load(ledger)
    tasks.wait()
    settle(app, 10)
    tasks.wait()
    settle(app, 10)
    save(app, dialog, out, "supervisor-import")
    dialog.reject()
    window.tabs.setCurrentWidget(window.conflicts)
    settle(app)
    save(app, window, out, "supervisor-conflicts")
    window.sync.stop()
    tasks.wait()
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
