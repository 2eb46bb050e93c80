"""Build the laptop app as one folder with PyInstaller, then smoke-test what was built.

    python3 -m pip install -c constraints.txt -e '.[demo]' pyinstaller
    python3 packaging/build_bundle.py            # dist/gridworker/, then the smoke test

The smoke test starts the built program the way a user would, in demo mode, offscreen
(``gridworker --demo --smoke-test``): it starts the embedded service, logs in, shows the main
window, syncs once and exits 0, or exits non-zero when any of that failed. The script prints
the bundle's size and how long the program took to show its first window, its main window and
to finish the first sync, measured from the moment it was started. The same script runs on the
Windows runner (.github/workflows/windows-bundle.yml) before Inno Setup packs the folder; a
windowed Windows program has no stdout, so there only the time to the clean exit is measured.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "gridworker.spec"
SMOKE_TIMEOUT = 300  # seconds: a cold first start on a slow laptop, with the demo's seeding


def make_icon(work: Path) -> Path:
    """The app's SVG icon as a Windows .ico (256 px), drawn with Qt's own SVG renderer."""
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QGuiApplication, QIcon

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication.instance() or QGuiApplication([])
    icon = QIcon(str(ROOT / "gridworker" / "ui" / "resources" / "icons" / "gridworker.svg"))
    work.mkdir(parents=True, exist_ok=True)
    target = work / "gridworker.ico"
    if not icon.pixmap(QSize(256, 256)).toImage().save(str(target), "ICO"):
        raise SystemExit("could not write the .ico (Qt's ICO image plugin is missing)")
    return target


def build(dist: Path, work: Path) -> None:
    os.environ["GRIDWORKER_ICON"] = str(make_icon(work))
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        str(SPEC),
    ]
    print("building:", " ".join(command), flush=True)
    subprocess.run(command, cwd=ROOT, check=True)


def folder_size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())


def program(bundle: Path) -> Path:
    return bundle / ("gridworker.exe" if sys.platform == "win32" else "gridworker")


def smoke_test(bundle: Path) -> dict[str, float]:
    """Run the built program once; the seconds from its start to each line it reports and to
    its exit. Raises SystemExit when it fails or hangs."""
    with tempfile.TemporaryDirectory(prefix="gridworker-smoke-") as home:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        # Its settings (QSettings) and data go to a throwaway home, not the builder's.
        env.update(XDG_CONFIG_HOME=home, XDG_DATA_HOME=home, APPDATA=home, LOCALAPPDATA=home)
        times: dict[str, float] = {}
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(program(bundle)), "--demo", "--smoke-test"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        output: list[str] = []

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                output.append(line)
                if line.startswith("smoke-test: "):
                    times[line.removeprefix("smoke-test: ").strip()] = time.perf_counter() - started

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            code = process.wait(timeout=SMOKE_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise SystemExit(f"smoke test: no clean exit within {SMOKE_TIMEOUT} s") from None
        times["exited"] = time.perf_counter() - started
        reader.join(timeout=10)
        if code != 0:
            sys.stdout.write("".join(output[-60:]))
            raise SystemExit(f"smoke test: the program exited with {code}")
        return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="PyInstaller's work")
    parser.add_argument("--no-build", action="store_true", help="smoke-test the last build")
    parser.add_argument("--runs", type=int, default=2, help="smoke-test runs (the first cold)")
    args = parser.parse_args(argv)
    bundle = args.dist / "gridworker"
    if not args.no_build:
        build(args.dist, args.work)
    if not program(bundle).exists():
        raise SystemExit(f"no program at {program(bundle)}: build first")
    size_mb = folder_size(bundle) / 1e6
    print(f"bundle: {bundle} ({size_mb:.0f} MB)", flush=True)
    for run in range(1, args.runs + 1):
        times = smoke_test(bundle)
        steps = ", ".join(f"{what} {seconds:.1f} s" for what, seconds in times.items())
        print(f"smoke test {run}/{args.runs} passed: {steps}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
