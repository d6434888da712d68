"""`[tags]`: the contact taxonomy, categories each with their subcategories; without it
the SOP's examples in `bot.services.tags` are in effect."""

from __future__ import annotations

from typing import Annotated, Any, TypeAlias

from pydantic import BeforeValidator, WithJsonSchema

from bot.settings.schema.fields import nonempty_text, refuse, string_list


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


TagPart: TypeAlias = Annotated[str, BeforeValidator(_tag_part), WithJsonSchema({"type": "string"})]
Subcategories: TypeAlias = Annotated[
    tuple[str, ...],
    BeforeValidator(_subcategories),
    WithJsonSchema({"type": "array", "minItems": 1, "items": {"type": "string"}}),
]
