"""How codes, fields and times are shown.

The Chinese labels live once, in ``sync.protocol`` (codes.py, entities.py). Here each code and
field gets an English source text; the build script (resources/translations/build.py) writes
their Chinese translations into the .ts file from ``sync.protocol``, and a test checks that
the two agree. Unknown codes (subcategories may grow) are shown as they are.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from PySide6.QtCore import QCoreApplication

from sync.protocol import codes
from sync.protocol.entities import ENTITIES, Kind
from sync.protocol.errors import ValidationError
from sync.protocol.values import SHANGHAI, parse_time

# lupdate reads the literal ``translate(...)`` calls; ``_translate`` hides the non-literal ones
# (codes and fields: their .ts entries are generated, see resources/translations/build.py).
translate = QCoreApplication.translate
_translate = QCoreApplication.translate

CODE_SETS: dict[str, codes.CodeSet] = {
    "kind": codes.HOUSEHOLD_KINDS,
    "tag": codes.TAGS,
    "gender": codes.GENDERS,
    "relation": codes.RELATIONS,
    "outcome": codes.VISIT_OUTCOMES,
    "review": codes.REVIEW_STATUSES,
    "category": codes.ISSUE_CATEGORIES,
    "priority": codes.ISSUE_PRIORITIES,
    "status": codes.ISSUE_STATUSES,
    "role": codes.ROLES,
    "owner": codes.ATTACHMENT_OWNERS,
    **{f"sub.{cat}": subs for cat, subs in codes.ISSUE_SUBCATEGORIES.items()},
}

ENGLISH: dict[str, dict[str, str]] = {
    "kind": {"resident": "Resident", "rental": "Rental", "vacant": "Vacant", "shop": "Shop"},
    "tag": {
        "elderly_alone": "Elderly living alone",
        "empty_nest": "Empty-nest elderly",
        "low_income": "Subsistence allowance",
        "disabled": "Disability",
        "veteran": "Veteran",
        "party_member": "Party member",
        "key_attention": "Key attention",
        "left_behind_child": "Left-behind child",
        "rental": "Rental",
        "pregnant": "Pregnant or postpartum",
    },
    "gender": {"male": "Male", "female": "Female"},
    "relation": {
        "head": "Head of household",
        "spouse": "Spouse",
        "child": "Child",
        "parent": "Parent",
        "grandchild": "Grandchild",
        "sibling": "Sibling",
        "tenant": "Tenant",
        "other": "Other",
    },
    "outcome": {"met": "Met", "not_home": "Not at home", "refused": "Refused", "phone": "By phone"},
    "review": {"pending": "Pending review", "approved": "Approved", "returned": "Returned"},
    "category": {
        "facilities": "Public facilities",
        "roads": "Roads and traffic",
        "environment": "City appearance",
        "greenery": "Parks and greenery",
        "housing": "Housing and land",
        "safety_hazard": "Safety hazard",
        "flood": "Flood control",
        "dispute": "Dispute",
        "public_order": "Public order",
        "livelihood": "Livelihood services",
        "other": "Other",
    },
    "priority": {"normal": "Normal", "urgent": "Urgent"},
    "status": {
        "open": "Open",
        "in_progress": "In progress",
        "escalated": "Escalated",
        "resolved": "Resolved",
        "closed": "Closed",
    },
    "role": {"worker": "Grid worker", "supervisor": "Grid supervisor", "admin": "Administrator"},
    "owner": {
        "issues": "Issue",
        "visits": "Visit",
        "households": "Household",
        "residents": "Resident",
    },
    "sub.facilities": {
        "manhole_cover": "Manhole cover",
        "street_light": "Street light",
        "water_supply": "Water supply",
        "drainage": "Drainage",
        "power": "Power supply",
        "gas": "Gas supply",
        "fitness_equipment": "Fitness equipment",
    },
    "sub.roads": {
        "road_damage": "Damaged road",
        "parking": "Illegal parking",
        "traffic_sign": "Traffic sign",
    },
    "sub.environment": {
        "garbage": "Piled-up garbage",
        "illegal_ad": "Illegal advertising",
        "street_vending": "Street vending",
        "sewage": "Sewage overflow",
        "noise": "Noise",
    },
    "sub.greenery": {
        "tree_damage": "Fallen tree",
        "green_damage": "Damaged green space",
        "overgrowth": "Overgrown branches",
    },
    "sub.housing": {
        "illegal_building": "Illegal construction",
        "dangerous_house": "Dangerous building",
        "leakage": "Leaking building",
    },
    "sub.safety_hazard": {
        "fire_hazard": "Fire hazard",
        "ebike_charging": "Unsafe e-bike charging",
        "blocked_exit": "Blocked fire exit",
        "falling_object": "Falling objects",
    },
    "sub.flood": {
        "sandbags": "Sandbags",
        "waterlogging": "Waterlogging",
        "drain_blocked": "Blocked storm drain",
    },
    "sub.dispute": {
        "neighbour": "Neighbour dispute",
        "family": "Family dispute",
        "property_mgmt": "Property management dispute",
        "wages": "Unpaid wages",
    },
    "sub.public_order": {
        "suspicious": "Suspicious person",
        "theft": "Theft",
        "fraud": "Telecom fraud",
    },
    "sub.livelihood": {
        "subsidy": "Subsidy application",
        "elderly_care": "Elderly care",
        "medical": "Medical difficulty",
        "employment": "Employment help",
        "certificate": "Certificate request",
    },
    "sub.other": {},
}

ENTITY_ENGLISH = {
    "households": "Household",
    "residents": "Resident",
    "visits": "Visit",
    "issues": "Issue",
    "issue_updates": "Issue update",
    "attachments": "Attachment",
    "campaigns": "Campaign",
    "campaign_responses": "Campaign response",
}

FIELD_ENGLISH: dict[str, dict[str, str]] = {
    "households": {
        "grid_id": "Grid",
        "address": "Address",
        "building": "Building",
        "unit": "Unit",
        "room": "Room",
        "head_name": "Head of household",
        "phone": "Phone",
        "kind": "Household type",
        "tags": "Tags",
        "visit_interval_days": "Visit interval (days)",
        "notes": "Notes",
    },
    "residents": {
        "household_id": "Household",
        "name": "Name",
        "gender": "Gender",
        "id_number": "ID number",
        "birth_date": "Date of birth",
        "relation": "Relation to head",
        "phone": "Phone",
        "tags": "Tags",
        "present": "Living here",
        "notes": "Notes",
    },
    "visits": {
        "household_id": "Household",
        "visited_at": "Visit time",
        "outcome": "Outcome",
        "worker_id": "Grid worker",
        "people_met": "People met",
        "notes": "Visit notes",
        "follow_up": "Needs follow-up",
        "review_status": "Review status",
        "review_comment": "Review comment",
        "reviewed_by": "Reviewed by",
        "reviewed_at": "Reviewed at",
    },
    "issues": {
        "grid_id": "Grid",
        "title": "Title",
        "category": "Category",
        "household_id": "Household",
        "subcategory": "Subcategory",
        "description": "Description",
        "location": "Location",
        "priority": "Priority",
        "status": "Status",
        "due_date": "Due date",
        "assignee_id": "Assignee",
        "external_ref": "12345 ticket number",
    },
    "issue_updates": {
        "issue_id": "Issue",
        "from_status": "Previous status",
        "status": "New status",
        "comment": "Comment",
        "author_id": "Handled by",
        "created_at": "Handled at",
    },
    "attachments": {
        "sha256": "File digest",
        "owner_entity": "Belongs to",
        "owner_id": "Owner record",
        "filename": "File name",
        "media_type": "File type",
        "size": "Size",
    },
    "campaigns": {
        "grid_id": "Grid",
        "campaign_id": "Campaign number",
        "title": "Campaign title",
        "kind": "Campaign kind",
        "status": "Campaign status",
        "target_rule": "Target households",
        "form": "Questionnaire",
        "outcomes": "Outcome choices",
        "starts_at": "Starts at",
        "deadline": "Deadline",
        "targets": "Target households list",
        "created_by": "Created by",
        "published_at": "Published at",
        "closed_at": "Closed at",
    },
    "campaign_responses": {
        "household_id": "Household",
        "campaign_id": "Campaign number",
        "outcome": "Outcome",
        "answers": "Questionnaire answers",
        "photos": "Photos",
        "notes": "Notes",
        "responded_at": "Answered at",
        "responder_id": "Answered by",
    },
}


def code_label(code_set: str, code: str | None) -> str:
    """The label of ``code`` in the current language; an unknown code is shown as itself."""
    if not code:
        return ""
    english = ENGLISH.get(code_set, {}).get(code)
    if english is None:
        return code
    return _translate("Codes", english, code_set)


def code_items(code_set: str) -> list[tuple[str, str]]:
    """(code, label) in the order users see (the order of sync.protocol.codes)."""
    return [(code, code_label(code_set, code)) for code in CODE_SETS[code_set]]


def subcategory_set(category: str | None) -> str:
    return f"sub.{category or 'other'}"


def tag_labels(tags: list[str] | None) -> str:
    return "、".join(code_label("tag", t) for t in tags or [])


def entity_label(entity: str) -> str:
    english = ENTITY_ENGLISH.get(entity)
    return _translate("Entities", english) if english else entity


def field_label(entity: str, field: str) -> str:
    english = FIELD_ENGLISH.get(entity, {}).get(field)
    return _translate("Fields", english, entity) if english else field


# The code set of each coded field, for showing a field's value (e.g. in the conflicts view).
_FIELD_CODE_SETS = {
    ("households", "kind"): "kind",
    ("households", "tags"): "tag",
    ("residents", "gender"): "gender",
    ("residents", "relation"): "relation",
    ("residents", "tags"): "tag",
    ("visits", "outcome"): "outcome",
    ("visits", "review_status"): "review",
    ("issues", "category"): "category",
    ("issues", "priority"): "priority",
    ("issues", "status"): "status",
    ("issue_updates", "status"): "status",
    ("issue_updates", "from_status"): "status",
}


def field_value(entity: str, field: str, value: Any) -> str:
    """A stored value as a person reads it."""
    if value is None or value == "" or value == []:
        return translate("Values", "(empty)")
    spec = ENTITIES[entity].fields.get(field) if entity in ENTITIES else None
    code_set = _FIELD_CODE_SETS.get((entity, field))
    if isinstance(value, bool):
        return translate("Values", "Yes") if value else translate("Values", "No")
    if isinstance(value, list):
        if code_set:
            return "、".join(code_label(code_set, v) for v in value)
        return "、".join(str(v) for v in value)
    if code_set:
        return code_label(code_set, str(value))
    if spec is not None and spec.kind is Kind.TIME:
        return local_time(str(value))
    return str(value)


# A district, county, city, street or town; a residential compound (小区, 园区) is not one.
_REGION = re.compile(r".+(街道|镇|乡|县|市|(?<![小园校])区)")


def short_address(address: str | None) -> str:
    """The address without its district and street (the same for every household of a grid):
    海州区海州街道 西门新村 4号楼 1单元 602室 → 西门新村 4号楼 1单元 602室."""
    parts = (address or "").split()
    while len(parts) > 1 and _REGION.fullmatch(parts[0]):
        parts.pop(0)
    return " ".join(parts)


def local_time(value: str | None) -> str:
    """An ISO 8601 UTC time as local (Asia/Shanghai) ``YYYY-MM-DD HH:MM``."""
    if not value:
        return ""
    try:
        return parse_time(value).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    except ValidationError:  # a malformed stored time is shown as it is
        return value


def local_date(value: str | None) -> str:
    return local_time(value)[:10]


def today_local() -> dt.date:
    return dt.datetime.now(SHANGHAI).date()


def due_reason(overdue_days: int | None) -> str:
    """Why a household is due: 从未走访, 今天到期, 逾期 15 天 (not a bare date)."""
    if overdue_days is None:
        return translate("Labels", "Never visited")
    if overdue_days <= 0:
        return translate("Labels", "Due today")
    return translate("Labels", "Overdue %1 day(s)").replace("%1", str(overdue_days))


def issue_overdue_days(issue: dict[str, Any], today: dt.date | None = None) -> int:
    """Days an unfinished issue is past its 办理期限 (0: not overdue), as 事项督办 judges it."""
    due = issue.get("due_date")
    if not due or issue.get("status") not in ("open", "in_progress", "escalated"):
        return 0
    try:
        days = ((today or today_local()) - dt.date.fromisoformat(due)).days
    except ValueError:
        return 0
    return max(days, 0)
