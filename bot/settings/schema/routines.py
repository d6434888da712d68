"""`[routines.<name>]` and `[reports]`: the checklists posted on a schedule (the SOP's
built-in ones of `bot.services.routines`, changed or turned off by the file, and the
file's own), and when the digest and the weekly report go out."""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeAlias

from pydantic import BeforeValidator, StrictBool, WithJsonSchema

from bot.services.routine_catalog import AUDIENCES
from bot.settings.schema.fields import (
    CHANNEL_ID_RE,
    ScheduleText,
    Section,
    refuse,
    string_list,
    string_value,
    text_of_at_most,
    text_schema,
)

MAX_NAME_CHARS = 64  # a routine or template name
MAX_TITLE_CHARS = 150  # a routine's title: a message header holds 150 characters
ROUTINE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Slack's limits for a checklist: ten checkboxes, 75 characters each.
MAX_ROUTINE_ITEMS = 10
MAX_ITEM_CHARS = 75


def _routine_name(value: Any) -> str:
    if not isinstance(value, str) or not ROUTINE_NAME_RE.match(value):
        raise refuse("a routine name must be lowercase letters, digits or '-'")
    if len(value) > MAX_NAME_CHARS:
        raise refuse(f"a name must be at most {MAX_NAME_CHARS} characters")
    return value


def _audience(value: Any) -> str:
    text = string_value(value).strip()
    if text.lower() in AUDIENCES:
        return text.lower()
    if CHANNEL_ID_RE.match(text):
        return text
    raise refuse(f"must be vas, supervisors, owners or a channel id (C0123ABCD), got {text!r}")


def _items(value: Any) -> tuple[str, ...]:
    items = tuple(item.strip() for item in string_list(value))
    if not items:
        raise refuse("must list at least one item")
    if len(items) > MAX_ROUTINE_ITEMS:
        raise refuse(f"has {len(items)} items; a checklist holds at most {MAX_ROUTINE_ITEMS}")
    for item in items:
        if not item:
            raise refuse("has an empty item")
        if len(item) > MAX_ITEM_CHARS:
            raise refuse(f"item {item[:20]!r}… is over {MAX_ITEM_CHARS} characters")
    return items


RoutineName: TypeAlias = Annotated[
    str,
    BeforeValidator(_routine_name),
    text_schema(ROUTINE_NAME_RE.pattern, "routine name"),
]
Audience: TypeAlias = Annotated[
    str,
    BeforeValidator(_audience),
    WithJsonSchema(
        {"anyOf": [{"enum": list(AUDIENCES)}, {"type": "string", "pattern": CHANNEL_ID_RE.pattern}]}
    ),
]
RoutineItems: TypeAlias = Annotated[
    tuple[str, ...],
    BeforeValidator(_items),
    WithJsonSchema(
        {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_ROUTINE_ITEMS,
            "items": {"type": "string", "minLength": 1, "maxLength": MAX_ITEM_CHARS},
        }
    ),
]
RoutineTitle: TypeAlias = Annotated[
    str,
    BeforeValidator(text_of_at_most(MAX_TITLE_CHARS, "a message header")),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": MAX_TITLE_CHARS}),
]


class ReportSettings(Section):
    """When the supervisor digest and the weekly CEO report are posted to
    `[channels] digest`, in the workspace's time zone (the routine schedule grammar)."""

    digest: ScheduleText = "workday end"
    weekly: ScheduleText = "fri 15:00"


class RoutineEntry(Section):
    """`[routines.<name>]` as written: for a built-in routine every key is optional (what
    is given replaces the default; `enabled = false` turns it off)."""

    title: RoutineTitle | None = None
    schedule: ScheduleText | None = None
    audience: Audience | None = None
    items: RoutineItems | None = None
    enabled: StrictBool = True
