"""Write constraints.txt: the exact versions of everything the project installs, as tested.

pyproject.toml says what the project needs (ranges); constraints.txt pins the releases that
were tested together, so CI, a developer's machine and the installer build resolve the same
SQLAlchemy, Starlette, PySide6… whatever PyPI published since. It is refreshed on purpose,
never by an install:

    python3 -m venv /tmp/lock && /tmp/lock/bin/pip install -e '.[dev]' pyinstaller
    /tmp/lock/bin/python packaging/refresh_constraints.py      # then run the tests, commit

The script reads the requirements of pyproject.toml (the core and every extra) plus PyInstaller
(the bundle's build), follows them through the installed distributions' metadata and writes
each one reached with its installed version. Markers are evaluated for this machine: a
dependency only Windows needs (colorama, pywin32-ctypes, pefile…) is not pinned and resolves
freely there.
"""

from __future__ import annotations

import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "gridworker"
TOOLS = ["pyinstaller"]  # installed for the bundle's build, not by any extra
# The installers' own tools: pinning them would fight the build backend's requirements.
UNPINNED = {"pip", "setuptools", "wheel"}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def applies(requirement: Requirement, extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    environment: dict[str, str] = dict(default_environment())
    return any(
        requirement.marker.evaluate({**environment, "extra": extra}) for extra in ({""} | extras)
    )


def roots() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    requirements += TOOLS
    return [
        r
        for r in map(Requirement, requirements)
        if normalize(r.name) != PROJECT and applies(r, set())
    ]


def closure(start: list[Requirement]) -> dict[str, tuple[str, str]]:
    """normalized name -> (name as published, installed version), following extras."""
    found: dict[str, tuple[str, str]] = {}
    visited: set[tuple[str, frozenset[str]]] = set()
    pending = list(start)
    while pending:
        requirement = pending.pop()
        key = (normalize(requirement.name), frozenset(requirement.extras))
        if key in visited:
            continue
        visited.add(key)
        try:
            dist = distribution(requirement.name)
        except PackageNotFoundError:
            sys.exit(f"{requirement.name} is not installed: install '.[dev]' and {TOOLS} first")
        found[key[0]] = (dist.metadata["Name"], dist.version)
        for text in dist.requires or []:
            child = Requirement(text)
            if applies(child, set(requirement.extras)):
                pending.append(child)
    return found


def main() -> int:
    pinned = closure(roots())
    lines = [
        "# Versions tested together (Python "
        f"{sys.version_info.major}.{sys.version_info.minor}, {sys.platform}): "
        "pip install -c constraints.txt -e '.[dev]'",
        "# Made by packaging/refresh_constraints.py; refresh on purpose, run the tests, commit.",
    ]
    lines += [
        f"{name}=={version}"
        for key, (name, version) in sorted(pinned.items())
        if key not in UNPINNED
    ]
    (ROOT / "constraints.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"constraints.txt: {len(pinned)} distributions pinned")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
