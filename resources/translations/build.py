"""Update the Chinese translation source and compile it.

    python resources/translations/build.py          # update the .ts, compile the .qm
    python resources/translations/build.py --check  # fail if a string has no translation

1. ``pyside6-lupdate`` collects every ``tr()`` / ``translate()`` string of the desktop app;
   translations already in ``gridworker_zh_CN.ts`` are kept (it is the file people edit).
2. The "Codes", "Fields" and "Entities" contexts are generated: their English sources come from
   ``gridworker/ui/labels.py`` and their Chinese from ``sync.protocol`` (codes.py,
   entities.py), the one place the Chinese labels live.
3. ``pyside6-lrelease`` compiles it to ``gridworker/ui/resources/translations/*.qm``, which the
   app loads at run time (the .qm is committed).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[2]
TS = Path(__file__).with_name("gridworker_zh_CN.ts")
QM = ROOT / "gridworker" / "ui" / "resources" / "translations" / "gridworker_zh_CN.qm"
SOURCES = [ROOT / "gridworker" / "ui", ROOT / "gridworker" / "app.py"]

Key = tuple[str, str, str]  # context, source, comment (disambiguation)


class Message:
    def __init__(self, source: str, comment: str = "", numerus: bool = False):
        self.source = source
        self.comment = comment
        self.numerus = numerus
        self.translation = ""


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        sys.exit(f"{name} not found: it ships with PySide6 (pip install PySide6-Essentials)")
    return found


def extract() -> dict[str, list[Message]]:
    """Every translatable string of the sources, by context, in source order."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "fresh.ts"
        subprocess.run(
            [
                tool("pyside6-lupdate"),
                "-silent",
                "-locations",
                "none",
                "-extensions",
                "py",
                *map(str, SOURCES),
                "-ts",
                str(fresh),
            ],
            check=True,
        )
        return read(fresh)


def read(path: Path) -> dict[str, list[Message]]:
    contexts: dict[str, list[Message]] = {}
    if not path.exists():
        return contexts
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        messages = contexts.setdefault(name, [])
        for node in context.iter("message"):
            translation = node.find("translation")
            if translation is not None and translation.get("type") in ("vanished", "obsolete"):
                continue
            message = Message(
                node.findtext("source") or "",
                node.findtext("comment") or "",
                node.get("numerus") == "yes",
            )
            if translation is not None and translation.get("type") != "unfinished":
                forms = [f.text or "" for f in translation.iter("numerusform")]
                message.translation = forms[0] if forms else (translation.text or "")
            messages.append(message)
    return contexts


def generated() -> dict[str, list[Message]]:
    """Code, field and entity labels: English from labels.py, Chinese from sync.protocol."""
    sys.path.insert(0, str(ROOT))
    from gridworker.ui import labels
    from sync.protocol.entities import ENTITIES

    codes: list[Message] = []
    for code_set, chinese in labels.CODE_SETS.items():
        for code, english in labels.ENGLISH[code_set].items():
            message = Message(english, code_set)
            message.translation = chinese[code]
            codes.append(message)
    fields: list[Message] = []
    for entity, spec in ENTITIES.items():
        for name, english in labels.FIELD_ENGLISH[entity].items():
            message = Message(english, entity)
            message.translation = spec.fields[name].label
            fields.append(message)
    entities: list[Message] = []
    for entity, english in labels.ENTITY_ENGLISH.items():
        message = Message(english)
        message.translation = ENTITIES[entity].label
        entities.append(message)
    return {"Codes": codes, "Entities": entities, "Fields": fields}


def merge(
    fresh: dict[str, list[Message]], known: dict[str, list[Message]]
) -> dict[str, list[Message]]:
    translations = {
        (context, m.source, m.comment): m.translation
        for context, messages in known.items()
        for m in messages
        if m.translation
    }
    merged: dict[str, list[Message]] = {}
    for context, messages in sorted(fresh.items()):
        seen: set[Key] = set()
        for m in messages:
            key = (context, m.source, m.comment)
            if key in seen:
                continue
            seen.add(key)
            m.translation = translations.get(key, "")
            merged.setdefault(context, []).append(m)
    merged.update(generated())
    return dict(sorted(merged.items()))


def write(contexts: dict[str, list[Message]], path: Path) -> None:
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<!DOCTYPE TS>",
        '<TS version="2.1" language="zh_CN" sourcelanguage="en">',
    ]
    for context, messages in contexts.items():
        lines += ["<context>", f"    <name>{escape(context)}</name>"]
        for m in messages:
            lines.append('    <message numerus="yes">' if m.numerus else "    <message>")
            lines.append(f"        <source>{escape(m.source)}</source>")
            if m.comment:
                lines.append(f"        <comment>{escape(m.comment)}</comment>")
            unfinished = "" if m.translation else ' type="unfinished"'
            if m.numerus:
                lines += [
                    f"        <translation{unfinished}>",
                    f"            <numerusform>{escape(m.translation)}</numerusform>",
                    "        </translation>",
                ]
            else:
                lines.append(
                    f"        <translation{unfinished}>{escape(m.translation)}</translation>"
                )
            lines.append("    </message>")
        lines.append("</context>")
    lines.append("</TS>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def unfinished(contexts: dict[str, list[Message]]) -> list[str]:
    return [
        f"{context}: {m.source!r}"
        for context, messages in contexts.items()
        for m in messages
        if not m.translation
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check, write nothing")
    args = parser.parse_args()
    contexts = merge(extract(), read(TS))
    missing = unfinished(contexts)
    if args.check:
        for line in missing:
            print(f"untranslated: {line}")
        return 1 if missing else 0
    write(contexts, TS)
    QM.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([tool("pyside6-lrelease"), "-silent", str(TS), "-qm", str(QM)], check=True)
    total = sum(len(m) for m in contexts.values())
    print(f"{TS.name}: {total} strings, {len(missing)} untranslated; compiled {QM.name}")
    for line in missing:
        print(f"  untranslated: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
