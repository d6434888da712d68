"""`[templates.<name>]`: approved messages with placeholders filled from the channel they
are posted in, who owns each and when it was last reviewed."""

from __future__ import annotations

import re
import string
from datetime import date
from typing import Annotated, Any, TypeAlias

from pydantic import BeforeValidator, WithJsonSchema

from bot.services.templates import TEMPLATE_PLACEHOLDERS, TEMPLATE_SAMPLES
from bot.settings.schema.fields import Section, UserId, nonempty_text, refuse

MAX_TEMPLATE_CHARS = 3000  # what a post holds (and the preview form)


def _template_text(value: Any) -> str:
    text = nonempty_text(value)
    if len(text) > MAX_TEMPLATE_CHARS:
        raise refuse(f"has {len(text):,} characters; a post holds at most {MAX_TEMPLATE_CHARS:,}")
    try:
        parts = [
            (field, spec, conversion)
            for _, field, spec, conversion in string.Formatter().parse(text)
            if field is not None
        ]
    except ValueError as error:
        raise refuse(
            f"is not a valid template ({error}); write a literal brace as {{{{ or }}}}"
        ) from None
    known = " ".join(f"{{{name}}}" for name in TEMPLATE_PLACEHOLDERS)
    for field, spec, conversion in parts:
        name = re.split(r"[.\[]", field, maxsplit=1)[0]
        if name not in TEMPLATE_PLACEHOLDERS:
            raise refuse(f"unknown placeholder {{{field}}}; use {known}")
        if field != name or spec or conversion:
            written = (
                f"{{{field}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
            )
            raise refuse(
                f"placeholder {written} must be written {{{name}}}: it is filled with text "
                "as it is, without a format, conversion, attribute or index"
            )
    text.format_map(TEMPLATE_SAMPLES)  # every placeholder above fills in
    return text


TemplateText: TypeAlias = Annotated[
    str,
    BeforeValidator(_template_text),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_TEMPLATE_CHARS,
            "description": "placeholders: " + " ".join(f"{{{p}}}" for p in TEMPLATE_PLACEHOLDERS),
        }
    ),
]


class TemplateEntry(Section):
    """`[templates.<name>]`: an approved message with placeholders, who owns it and when it
    was last reviewed (the monthly template review lists those older than 30 days)."""

    text: TemplateText
    owner: UserId | None = None
    reviewed: date | None = None


class Template(TemplateEntry):
    name: str
