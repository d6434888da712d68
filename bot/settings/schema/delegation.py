"""`[delegation]`: when unacknowledged work is chased, and the trust phase each task
category needs; `Phase` is also a person's phase in `[users.<id>]`."""

from __future__ import annotations

from typing import Annotated, Any, TypeAlias

from pydantic import BeforeValidator, Field, WithJsonSchema

from bot.services.delegation import DEFAULT_CATEGORIES, PHASES
from bot.settings.schema.fields import (
    Section,
    WorkingHours,
    describe,
    nonempty_text,
    refuse,
    string_value,
)

MAX_CATEGORIES = 100  # a select menu holds 100 options
CATEGORY_NAME_LIMIT = 100  # a task's category column; a select option's value holds 150


def _category_name(value: Any) -> str:
    text = nonempty_text(value)
    if len(text) > CATEGORY_NAME_LIMIT:
        raise refuse(f"{text[:40]!r}… must be at most {CATEGORY_NAME_LIMIT} characters")
    return text


def _categories(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise refuse(f"must be a table of category = phase, got {describe(value)}")
    if len(value) > MAX_CATEGORIES:
        raise refuse(f"has {len(value)} categories; /assign's menu holds at most {MAX_CATEGORIES}")
    return value


def _phase(value: Any) -> str:
    phase = string_value(value).strip().upper()
    if phase not in PHASES:
        raise refuse(f'must be "I", "II" or "III", got {value!r}')
    return phase


CategoryName: TypeAlias = Annotated[
    str, BeforeValidator(_category_name), WithJsonSchema({"type": "string", "maxLength": 100})
]
Phase: TypeAlias = Annotated[str, BeforeValidator(_phase), WithJsonSchema({"enum": list(PHASES)})]


class DelegationSettings(Section):
    """Delegated work: an assignment not acknowledged after this much working time (the
    VA's own hours) is chased, and again after each such spell until it is. `categories`
    maps each task category to the lowest trust phase that may be given it; assigning
    above a VA's phase needs an owner's override with a reason."""

    chase_after_business_hours: WorkingHours = 2
    categories: Annotated[
        dict[CategoryName, Phase],
        BeforeValidator(_categories),
        WithJsonSchema(
            {
                "type": "object",
                "maxProperties": MAX_CATEGORIES,
                "propertyNames": {"minLength": 1, "maxLength": CATEGORY_NAME_LIMIT},
                "additionalProperties": {"enum": list(PHASES)},
            }
        ),
    ] = Field(default_factory=lambda: dict(DEFAULT_CATEGORIES))

    def phase_needed(self, category: str | None) -> str | None:
        return self.categories.get(category) if category else None
