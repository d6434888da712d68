"""`[delegation]`: when unacknowledged work is chased, and the trust phase each task
category needs (and whether its time is billable); `Phase` is also a person's phase in
`[users.<id>]`."""

from __future__ import annotations

from typing import Annotated, Any, TypeAlias

from pydantic import BeforeValidator, Field, PlainSerializer, StrictBool, WithJsonSchema

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
        raise refuse(
            f'must be a table of category = phase (or {{ phase = "II", billable = false }}), '
            f"got {describe(value)}"
        )
    if len(value) > MAX_CATEGORIES:
        raise refuse(f"has {len(value)} categories; /assign's menu holds at most {MAX_CATEGORIES}")
    return value


def _phase(value: Any) -> str:
    phase = string_value(value).strip().upper()
    if phase not in PHASES:
        raise refuse(f'must be "I", "II" or "III", got {value!r}')
    return phase


def _category(value: Any) -> Any:
    """A category's value: its phase alone (billable), or a table of phase and billable."""
    if isinstance(value, dict | Category):
        return value
    return {"phase": _phase(value)}


def _category_as_written(category: Category) -> str | dict[str, Any]:
    if category.billable:
        return category.phase
    return {"phase": category.phase, "billable": False}


CategoryName: TypeAlias = Annotated[
    str, BeforeValidator(_category_name), WithJsonSchema({"type": "string", "maxLength": 100})
]
Phase: TypeAlias = Annotated[str, BeforeValidator(_phase), WithJsonSchema({"enum": list(PHASES)})]
PHASE_SCHEMA = {"enum": list(PHASES)}
CATEGORY_SCHEMA = {
    "anyOf": [
        PHASE_SCHEMA,
        {
            "type": "object",
            "properties": {"phase": PHASE_SCHEMA, "billable": {"type": "boolean"}},
            "required": ["phase"],
            "additionalProperties": False,
        },
    ]
}


class Category(Section):
    """A task category: the lowest trust phase that may be given it, and whether time on
    its tasks is billable (`"II"` alone is `{ phase = "II", billable = true }`)."""

    phase: Phase
    billable: StrictBool = True


CategoryValue: TypeAlias = Annotated[
    Category,
    BeforeValidator(_category),
    PlainSerializer(_category_as_written),
    WithJsonSchema(CATEGORY_SCHEMA),
]


class DelegationSettings(Section):
    """Delegated work: an assignment not acknowledged after this much working time (the
    VA's own hours) is chased, and again after each such spell until it is. `categories`
    maps each task category to the lowest trust phase that may be given it (and whether
    time on it is billable); assigning above a VA's phase needs an owner's override with a
    reason."""

    chase_after_business_hours: WorkingHours = 2
    categories: Annotated[
        dict[CategoryName, CategoryValue],
        BeforeValidator(_categories),
        WithJsonSchema(
            {
                "type": "object",
                "maxProperties": MAX_CATEGORIES,
                "propertyNames": {"minLength": 1, "maxLength": CATEGORY_NAME_LIMIT},
                "additionalProperties": CATEGORY_SCHEMA,
            }
        ),
    ] = Field(
        default_factory=lambda: {
            name: Category(phase=phase) for name, phase in DEFAULT_CATEGORIES.items()
        }
    )

    @property
    def phases(self) -> dict[str, str]:
        """Each category and the phase it needs, in the file's order."""
        return {name: category.phase for name, category in self.categories.items()}

    @property
    def non_billable(self) -> frozenset[str]:
        """The categories whose time is not billable."""
        return frozenset(name for name, c in self.categories.items() if not c.billable)

    def phase_needed(self, category: str | None) -> str | None:
        found = self.categories.get(category) if category else None
        return found.phase if found else None
