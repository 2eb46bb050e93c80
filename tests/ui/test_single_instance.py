"""One app per profile: a second start on the same data dir raises the first window and exits."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QDir, Qt
from PySide6.QtWidgets import QWidget

from gridworker.app import Launcher
from gridworker.ui.single_instance import SingleInstance, server_name

ROOT = Path(__file__).resolve().parents[2]


def test_the_name_follows_the_data_dir_not_its_spelling(tmp_path):
    (tmp_path / "a").mkdir()
    assert server_name(tmp_path / "a") == server_name(tmp_path / "b" / ".." / "a")
    assert server_name(tmp_path / "a") != server_name(tmp_path / "b")


def test_a_second_claim_on_the_profile_asks_the_first_to_raise_its_window(qtbot, tmp_path):
    first = SingleInstance(tmp_path / "profile")
    other_profile = SingleInstance(tmp_path / "other")
    try:
        assert first.claim()
        assert other_profile.claim()  # another data dir is another profile
        second = SingleInstance(tmp_path / "profile")
        with qtbot.waitSignal(first.activated, timeout=5000):
            assert not second.claim()
    finally:
        first.release()
        other_profile.release()
    # Once the first app is gone (also when it crashed and left its socket file), the
    # profile is free again.
    third = SingleInstance(tmp_path / "profile")
    try:
        assert third.claim()
    finally:
        third.release()


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes leave no file behind")
def test_a_socket_file_left_by_a_crashed_app_does_not_lock_the_profile(tmp_path):
    name = server_name(tmp_path / "profile")
    stale = Path(QDir.tempPath()) / name
    with socket.socket(socket.AF_UNIX) as dead:  # bound, never listening: what a crash leaves
        dead.bind(str(stale))
    assert stale.exists()
    instance = SingleInstance(tmp_path / "profile")
    try:
        assert instance.claim()
        assert SingleInstance(tmp_path / "profile").claim() is False
    finally:
        instance.release()


def test_starting_the_app_again_on_an_open_profile_exits_and_raises_the_window(qtbot, tmp_path):
    """The real program, started a second time: it must neither open a login dialog (it would
    never exit here) nor fail; the running app hears from it."""
    data_dir = tmp_path / "data"
    first = SingleInstance(data_dir)
    assert first.claim()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    try:
        with qtbot.waitSignal(first.activated, timeout=60000):
            process = subprocess.Popen(
                [sys.executable, "-m", "gridworker.cli", "--data-dir", str(data_dir)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
        try:
            output, _ = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    finally:
        first.release()
    assert process.returncode == 0, output.decode(errors="replace")
    assert time.monotonic() - started < 60


def test_raising_brings_a_minimized_window_back(qtbot, ui_world, tmp_path):
    launcher = Launcher(ui_world.settings(), ui_world.make_tasks(), tmp_path / "data")
    window = QWidget()
    qtbot.addWidget(window)
    window.showMinimized()
    launcher.window = window
    launcher.raise_window()
    assert not window.windowState() & Qt.WindowState.WindowMinimized
    assert window.isVisible()
