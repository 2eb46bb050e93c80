"""The distributions keep their halves apart: the server installs no Qt, a laptop no FastAPI.

pyproject.toml declares a shared core and the extras ``server``, ``desktop``, ``demo`` and
``dev``. Building a venv for each takes minutes, so these tests check the same boundary in a
fresh interpreter whose import system refuses the other half's packages: every module of the
core, of the service and of the desktop app is imported there. A new module that reaches across
the boundary fails here (found by walking the packages, not by a list to keep up to date).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
import tomllib
from importlib.metadata import distribution, packages_distributions
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]

QT = ("PySide6", "shiboken6")
SERVER = ("fastapi", "starlette", "uvicorn", "psycopg", "psycopg_binary", "pydantic")

PROBE = textwrap.dedent(
    """
    import importlib, importlib.abc, json, pathlib, sys

    blocked, packages, skipped = json.loads(sys.argv[1])

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in blocked:
                raise ModuleNotFoundError(f"not in this distribution: {name}", name=name)
            return None

    sys.meta_path.insert(0, Refuse())
    imported, failed = [], {}
    for package in packages:
        # Files, not pkgutil.walk_packages: that skips namespace packages (sync.server).
        root = pathlib.Path(importlib.import_module(package).__path__[0])
        names = sorted(
            ".".join((package, *f.relative_to(root).with_suffix("").parts))
            .removesuffix(".__init__")
            for f in root.rglob("*.py")
        )
        for name in names:
            if any(name == s or name.startswith(s + ".") for s in skipped):
                continue
            if ".migrations" in name:  # run by Alembic, not imported
                continue
            try:
                importlib.import_module(name)
                imported.append(name)
            except Exception as exc:
                failed[name] = f"{type(exc).__name__}: {exc}"
    extra = {}
    if "gridworker.app" in imported:
        from gridworker.app import demo_available
        extra["demo_available"] = demo_available()
    print(json.dumps({"imported": imported, "failed": failed,
                      "modules": sorted(sys.modules), **extra}))
    """
)


def probe(blocked: tuple[str, ...], packages: list[str], skipped: list[str]) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps([blocked, packages, skipped])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _closure(requirements: list[str]) -> set[str]:
    """The distributions these requirements install here (normalized names), extras followed."""
    environment = dict(default_environment())
    found: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    pending = [Requirement(r) for r in requirements]
    while pending:
        requirement = pending.pop()
        key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
        if key in seen or (requirement.marker and not requirement.marker.evaluate(environment)):
            continue
        seen.add(key)
        if key[0] == "gridworker":
            pending += [Requirement(r) for r in _self_requirements(requirement.extras)]
            continue
        found.add(key[0])
        for text in distribution(requirement.name).requires or []:
            child = Requirement(text)
            if child.marker is None or any(
                child.marker.evaluate({**environment, "extra": extra})
                for extra in {"", *requirement.extras}
            ):
                pending.append(child)
    return found


def _self_requirements(extras: set[str]) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [r for extra in extras for r in project["optional-dependencies"][extra]]


def _imported_at_load(module: str) -> set[str]:
    """Top-level names a module of ours imports when it is loaded (function bodies, which
    import what only one command needs, are left out)."""
    path = ROOT / Path(*module.split("."))
    source = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    names: set[str] = set()
    pending = list(ast.parse(source.read_text(encoding="utf-8")).body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
        elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            pending += [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)]
    return names


def assert_declared(modules: list[str], requirements: list[str]) -> None:
    """Every third-party package our modules import comes from a distribution their declared
    requirements install: what merely happens to be installed here does not count."""
    provided = packages_distributions()
    allowed = _closure(requirements)
    imported = set().union(*(_imported_at_load(m) for m in modules))
    undeclared = {
        top: provided[top]
        for top in imported
        if top in provided
        and top not in ("gridworker", "sync", "tests")
        and not {canonicalize_name(d) for d in provided[top]} & allowed
    }
    assert not undeclared, f"imported but not declared: {undeclared}"


def test_the_core_imports_without_qt_or_the_service(project):
    report = probe(
        QT + SERVER,
        ["sync", "gridworker"],
        ["sync.server", "gridworker.ui", "gridworker.app", "gridworker.demo_service"],
    )
    assert report["failed"] == {}
    assert {"sync.protocol.values", "sync.ledger.writer", "gridworker.cli"} <= set(
        report["imported"]
    )
    assert "gridworker.session" in report["imported"]
    assert "gridworker.client.engine" in report["imported"]
    assert_declared(report["imported"], project["dependencies"])


def test_the_service_imports_without_qt(project):
    report = probe(QT, ["sync"], [])
    assert_declared(report["imported"], [*project["dependencies"], "gridworker[server]"])
    assert report["failed"] == {}
    assert {"sync.server.app", "sync.server.cli", "sync.server.ports"} <= set(report["imported"])
    assert not [m for m in report["modules"] if m.split(".")[0] in QT]


def test_the_desktop_app_imports_without_the_service(project):
    report = probe(SERVER, ["gridworker"], ["gridworker.demo_service"])
    assert_declared(report["imported"], [*project["dependencies"], "gridworker[desktop]"])
    assert report["failed"] == {}
    assert {"gridworker.app", "gridworker.ui.main_window", "gridworker.ui.single_instance"} <= set(
        report["imported"]
    )
    # Nothing of the service rides along, and demo mode knows it cannot start.
    assert not [m for m in report["modules"] if m.startswith("sync.server")]
    assert report["demo_available"] is False


def test_demo_mode_embeds_the_service_so_it_needs_both_halves():
    report = probe((), ["gridworker"], [])
    assert report["failed"] == {}
    assert "gridworker.demo_service" in report["imported"]
    assert report["demo_available"] is True


def _requirement_names(requirements: list[str]) -> set[str]:
    return {Requirement(r).name.lower().replace("_", "-") for r in requirements}


@pytest.fixture(scope="module")
def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_declared_dependencies_keep_the_halves_apart(project):
    extras = project["optional-dependencies"]
    core = _requirement_names(project["dependencies"])
    qt = {"pyside6", "pyside6-essentials", "pyside6-addons"}
    service = {"fastapi", "uvicorn", "psycopg", "pydantic", "starlette"}
    assert not core & (qt | service)
    assert not _requirement_names(extras["server"]) & qt
    assert not _requirement_names(extras["desktop"]) & service
    assert {"fastapi", "uvicorn", "psycopg"} <= _requirement_names(extras["server"])
    assert {"pyside6-essentials", "pyside6-addons"} <= _requirement_names(extras["desktop"])
    for both in ("demo", "dev"):  # demo mode embeds the service; the tests cover both halves
        itself = [Requirement(r) for r in extras[both] if r.startswith("gridworker[")]
        assert itself and {"server", "desktop"} <= itself[0].extras, both


def test_the_app_is_a_gui_program_and_the_commands_a_console_one(project):
    assert project["gui-scripts"]["gridworker"] == "gridworker.cli:main"
    assert project["scripts"]["gridworker-cli"] == "gridworker.cli:main"
    assert project["scripts"]["gridsync"] == "sync.server.cli:main"


def test_the_constraints_pin_every_declared_dependency(project):
    pinned = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pinned[name.strip().lower().replace("_", "-")] = version.strip()
    requirements = [*project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        requirements += [r for r in extra if not r.startswith("gridworker")]
    # A requirement only another platform installs (sqlcipher3-wheels) resolves freely there.
    declared = _requirement_names(
        [r for r in requirements if not (m := Requirement(r).marker) or m.evaluate()]
    )
    assert declared <= set(pinned), declared - set(pinned)
    assert all(pinned.values())


def test_the_smoke_test_the_installer_build_runs_passes_from_source(tmp_path):
    """What packaging/build_bundle.py runs on the built program, run here from source: the
    demo starts, the main window shows, the first sync finishes, the program exits 0."""
    env = {
        "PATH": "",
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "gridworker.cli", "--demo", "--smoke-test"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    reported = [line for line in result.stdout.splitlines() if line.startswith("smoke-test: ")]
    assert reported == [
        "smoke-test: first window shown",
        "smoke-test: main window shown",
        "smoke-test: first sync finished",
    ]


def test_demo_mode_without_the_service_half_says_how_to_get_it(tmp_path):
    """A laptop installed with `.[desktop]` only: --demo explains (in Chinese first) and fails."""
    program = textwrap.dedent(
        f"""
        import importlib.abc, sys

        class Refuse(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {SERVER!r}:
                    raise ModuleNotFoundError(name, name=name)
                return None

        sys.meta_path.insert(0, Refuse())
        from gridworker.cli import main
        sys.exit(main(["--demo", "--smoke-test"]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=tmp_path,
        env={
            "PATH": "",
            "PYTHONPATH": str(ROOT),
            "QT_QPA_PLATFORM": "offscreen",
            "HOME": str(tmp_path),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    assert "演示模式需要内置的同步服务" in result.stderr
    assert "gridworker[demo]" in result.stderr
    assert "smoke-test: first window shown" not in result.stdout
