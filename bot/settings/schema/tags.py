"""`[tags]`: the contact taxonomy, categories each with their subcategories; without it
the SOP's examples are in effect."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from bot.settings.schema.fields import nonempty_text, refuse, string_list

# A tag is shown as "Category – Subcategory" (an en dash between spaces).
TAG_SEPARATOR = " – "
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# The SOP's examples of the contact taxonomy, used when the file has no [tags].
DEFAULT_TAGS: dict[str, tuple[str, ...]] = {
    "Lead": ("Hot Prospect", "Cold Lead"),
    "Client": ("Onboarding", "Active"),
    "Support": ("Technical Issue",),
    "Billing": ("Payment Question",),
}


def _tag_part(value: Any) -> str:
    text = nonempty_text(value)
    if "–" in text or len(text) > 60:
        raise refuse(f"{text!r} must be at most 60 characters, without an en dash (–)")
    return text


def _subcategories(value: Any) -> tuple[str, ...]:
    names = tuple(_tag_part(item) for item in string_list(value))
    if not names:
        raise refuse("must list at least one subcategory")
    if len(set(names)) != len(names):
        raise refuse("lists a subcategory twice")
    return names


TagPart = Annotated[str, BeforeValidator(_tag_part), WithJsonSchema({"type": "string"})]
Subcategories = Annotated[
    tuple[str, ...],
    BeforeValidator(_subcategories),
    WithJsonSchema({"type": "array", "minItems": 1, "items": {"type": "string"}}),
]


def tag_slug(text: str) -> str:
    """`Lead – Hot Prospect` -> `lead-hot-prospect`: what can be typed after `#`."""
    return _NOT_SLUG.sub("-", text.casefold()).strip("-")


def tags_in_effect(taxonomy: dict[str, tuple[str, ...]] | None) -> tuple[str, ...]:
    """Every "Category – Subcategory" of the taxonomy, in the file's order."""
    categories = DEFAULT_TAGS if taxonomy is None else taxonomy
    return tuple(
        f"{category}{TAG_SEPARATOR}{sub}" for category, subs in categories.items() for sub in subs
    )
