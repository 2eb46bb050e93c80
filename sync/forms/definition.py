"""A questionnaire as plain data: what travels in the sync protocol and what the widgets render.

Compact and JSON-serialisable on purpose (``to_dict``/``from_dict``): the service stores it with
the campaign and the laptops receive it in a pull, so it must not depend on pyxform or on the
Excel file. Groups are flattened: each field names its innermost group, and a group carries
only its label, its ``relevant`` and its parent, which is all skip logic needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sync.forms.errors import FormError

#: The question types Gridworker renders and validates (XLSForm's names).
FIELD_TYPES = (
    "text",
    "integer",
    "decimal",
    "select_one",
    "select_multiple",
    "date",
    "note",
    "image",
)
#: Types whose field holds no answer.
DISPLAY_ONLY = frozenset({"note"})
#: Schema version of ``Questionnaire.to_dict``; a reader refuses a newer one.
FORMAT = 1


@dataclass(frozen=True, slots=True)
class Choice:
    name: str
    label: str


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    label: str = ""
    relevant: str = ""
    parent: str | None = None
    row: int | None = None


@dataclass(frozen=True, slots=True)
class Field:
    """One question (or note). Expressions are kept in XLSForm syntax (``${name}``, ``.``)."""

    name: str
    type: str
    label: str = ""
    hint: str = ""
    required: bool = False
    #: When set, the field is required only if this expression is true.
    required_if: str = ""
    required_message: str = ""
    constraint: str = ""
    constraint_message: str = ""
    relevant: str = ""
    default: Any = None
    choices: tuple[Choice, ...] = ()
    group: str | None = None
    #: Row of the survey sheet it came from, for error messages at publication.
    row: int | None = None

    @property
    def choice_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.choices)

    def choice_label(self, name: str) -> str:
        for choice in self.choices:
            if choice.name == name:
                return choice.label
        return name


@dataclass(frozen=True, slots=True)
class Questionnaire:
    id: str
    title: str
    version: str = ""
    fields: tuple[Field, ...] = ()
    groups: tuple[Group, ...] = ()
    _by_name: dict[str, Field] = field(default_factory=dict, init=False, repr=False, compare=False)
    _groups: dict[str, Group] = field(default_factory=dict, init=False, repr=False, compare=False)
    _compiled: dict[tuple[str, str], Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._by_name.update((f.name, f) for f in self.fields)
        self._groups.update((g.name, g) for g in self.groups)

    def compiled(self) -> dict[tuple[str, str], Any]:
        """Its expressions, checked and compiled once (``check.check_questionnaire``)."""
        if not self._compiled:
            from sync.forms.check import check_questionnaire

            self._compiled.update(check_questionnaire(self))
            self._compiled[("", "checked")] = True
        return self._compiled

    def field(self, name: str) -> Field:
        return self._by_name[name]

    def has_field(self, name: str) -> bool:
        return name in self._by_name

    def group(self, name: str) -> Group:
        return self._groups[name]

    def group_chain(self, fld: Field) -> list[Group]:
        """The field's groups, outermost first (a cycle cannot occur: parents come first)."""
        chain: list[Group] = []
        name = fld.group
        while name is not None and name in self._groups and len(chain) <= len(self.groups):
            grp = self._groups[name]
            chain.append(grp)
            name = grp.parent
        chain.reverse()
        return chain

    # ---- wire form -------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        def fld(f: Field) -> dict[str, Any]:
            out: dict[str, Any] = {"name": f.name, "type": f.type, "label": f.label}
            for key in (
                "hint",
                "required_if",
                "required_message",
                "constraint",
                "constraint_message",
                "relevant",
            ):
                if getattr(f, key):
                    out[key] = getattr(f, key)
            if f.required:
                out["required"] = True
            if f.default is not None:
                out["default"] = f.default
            if f.choices:
                out["choices"] = [{"name": c.name, "label": c.label} for c in f.choices]
            if f.group is not None:
                out["group"] = f.group
            return out

        body: dict[str, Any] = {
            "format": FORMAT,
            "id": self.id,
            "title": self.title,
            "version": self.version,
            "fields": [fld(f) for f in self.fields],
        }
        if self.groups:
            body["groups"] = [
                {
                    k: v
                    for k, v in (
                        ("name", g.name),
                        ("label", g.label),
                        ("relevant", g.relevant),
                        ("parent", g.parent),
                    )
                    if v not in (None, "")
                }
                for g in self.groups
            ]
        return body

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Questionnaire:
        """Read a definition received over the wire; raise ``FormError`` if it is malformed.

        Expressions are compiled too (``check``), so a laptop never renders a form whose skip
        logic would fail on the first answer.
        """
        try:
            if data.get("format", FORMAT) > FORMAT:
                raise FormError("问卷格式比本程序新，请先升级 Gridworker", sheet=None)
            groups = tuple(
                Group(
                    name=_text(g["name"]),
                    label=_text(g.get("label", "")),
                    relevant=_text(g.get("relevant", "")),
                    parent=g.get("parent"),
                )
                for g in data.get("groups", ())
            )
            fields = tuple(
                Field(
                    name=_text(f["name"]),
                    type=_text(f["type"]),
                    label=_text(f.get("label", "")),
                    hint=_text(f.get("hint", "")),
                    required=f.get("required", False) is True,
                    required_if=_text(f.get("required_if", "")),
                    required_message=_text(f.get("required_message", "")),
                    constraint=_text(f.get("constraint", "")),
                    constraint_message=_text(f.get("constraint_message", "")),
                    relevant=_text(f.get("relevant", "")),
                    default=f.get("default"),
                    choices=tuple(
                        Choice(_text(c["name"]), _text(c.get("label", c["name"])))
                        for c in f.get("choices", ())
                    ),
                    group=f.get("group"),
                )
                for f in data["fields"]
            )
            form = cls(
                id=_text(data.get("id", "")),
                title=_text(data.get("title", "")),
                version=_text(data.get("version", "")),
                fields=fields,
                groups=groups,
            )
        except FormError:
            raise
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise FormError(
                f"问卷定义不完整或格式错误（{type(exc).__name__}）", sheet=None
            ) from exc
        form.compiled()
        return form


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value
