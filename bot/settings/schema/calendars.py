"""`[calendars]` and `[calendars.<name>]`: how often the iCalendar feeds are read, how long
and how large a read may be, reminders before appointments, and the shared calendars (a
bookings calendar) everyone's agenda and the VAs' morning can read.

A person's own feed is `[users.<id>] calendar`; both take the same sources (an https:// or
webcal:// address, an http:// one to this machine, or the path of an .ics file)."""

from __future__ import annotations

from typing import Annotated, Any, TypeAlias

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from bot.services.agenda.sources import SourceError, normalise_source, redacted
from bot.settings.schema.fields import (
    Section,
    describe,
    refuse,
    string_value,
    text_of_at_most,
    whole_number,
    whole_number_schema,
)
from bot.settings.schema.routines import MAX_NAME_CHARS, ROUTINE_NAME_RE

MAX_REFRESH_MINUTES = 1440
MAX_REMIND_MINUTES = 1440
MAX_FEED_MEGABYTES = 100
MAX_TIMEOUT_SECONDS = 120
MAX_CALENDAR_TITLE_CHARS = 100  # a calendar's title, shown before its appointments


def check_source(value: Any, info: ValidationInfo) -> str:
    """A feed's source, as VA Desk reads it (webcal as https, a path made absolute)."""
    text = string_value(value)
    try:
        return normalise_source(text, (info.context or {}).get("base_dir"))
    except SourceError as error:
        raise refuse(str(error)) from None


def _calendar_name(value: Any) -> str:
    if not isinstance(value, str) or not ROUTINE_NAME_RE.match(value):
        raise refuse("a calendar's name must be lowercase letters, digits or '-'")
    if len(value) > MAX_NAME_CHARS:
        raise refuse(f"a calendar's name must be at most {MAX_NAME_CHARS} characters")
    return value


def _minutes_or_off(value: Any) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 0 <= value <= MAX_REMIND_MINUTES
    ):
        raise refuse(
            f"must be a whole number of minutes from 0 (off) to {MAX_REMIND_MINUTES}, "
            f"got {describe(value)}"
        )
    return value


FeedSource: TypeAlias = Annotated[
    str,
    BeforeValidator(check_source),
    WithJsonSchema(
        {
            "type": "string",
            "description": "an https:// or webcal:// iCalendar address, or an .ics file path",
        }
    ),
]
RefreshMinutes: TypeAlias = Annotated[
    int, whole_number(MAX_REFRESH_MINUTES, "a day"), whole_number_schema(MAX_REFRESH_MINUTES)
]
RemindMinutes: TypeAlias = Annotated[
    int,
    BeforeValidator(_minutes_or_off),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": MAX_REMIND_MINUTES}),
]
FeedMegabytes: TypeAlias = Annotated[
    int,
    whole_number(MAX_FEED_MEGABYTES, "a calendar larger than that is not a calendar"),
    whole_number_schema(MAX_FEED_MEGABYTES),
]
TimeoutSeconds: TypeAlias = Annotated[
    int,
    whole_number(MAX_TIMEOUT_SECONDS, "two minutes"),
    whole_number_schema(MAX_TIMEOUT_SECONDS),
]
CalendarName: TypeAlias = Annotated[
    str,
    BeforeValidator(_calendar_name),
    WithJsonSchema({"type": "string", "pattern": ROUTINE_NAME_RE.pattern}),
]
CalendarTitle: TypeAlias = Annotated[
    str,
    BeforeValidator(text_of_at_most(MAX_CALENDAR_TITLE_CHARS, "a calendar's title")),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": MAX_CALENDAR_TITLE_CHARS}),
]


class SharedCalendar(Section):
    """A calendar the team shares (bookings): its feed and the title shown for it."""

    url: FeedSource = Field(repr=False)  # a secret address: shown only redacted
    title: CalendarTitle | None = None


def _tables_in_the_schema(schema: dict[str, Any]) -> None:
    """Editors see the section as the file writes it: a table per shared calendar."""
    shared = schema["properties"].pop("shared")
    schema["patternProperties"] = shared["patternProperties"]


class CalendarSettings(Section):
    """`[calendars]`; each `[calendars.<name>]` table is a shared calendar, in `shared`."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_tables_in_the_schema)

    refresh_minutes: RefreshMinutes = 10
    remind_minutes: RemindMinutes = 0
    max_feed_megabytes: FeedMegabytes = 5
    timeout_seconds: TimeoutSeconds = 10
    shared: dict[CalendarName, SharedCalendar] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _tables_are_shared_calendars(cls, data: Any) -> Any:
        """`[calendars.bookings]` is read as `shared["bookings"]`: every table in the
        section is a calendar (a scalar key it does not know is refused as unknown)."""
        if not isinstance(data, dict):
            return data
        scalars = set(cls.model_fields) - {"shared"}
        result: dict[str, Any] = {}
        shared: dict[str, Any] = {}
        for key, value in data.items():
            if (
                key == "shared"
                and isinstance(value, dict)
                and not isinstance(value.get("url"), str)
            ):
                shared.update(value)  # `shared` as Python code passes it
            elif isinstance(value, dict | SharedCalendar) and key not in scalars:
                shared[key] = value
            else:
                result[key] = value
        if shared:
            result["shared"] = shared
        return result

    @property
    def max_feed_bytes(self) -> int:
        return self.max_feed_megabytes * 1024 * 1024

    def title_of(self, name: str) -> str:
        """What a shared calendar is called before its appointments."""
        calendar = self.shared.get(name)
        return calendar.title if calendar is not None and calendar.title else name

    def for_display(self) -> dict[str, Any]:
        """The section as the file writes it, every address redacted."""
        shown: dict[str, Any] = self.model_dump(mode="json", exclude={"shared"})
        for name, calendar in self.shared.items():
            table = calendar.model_dump(mode="json", exclude_none=True)
            table["url"] = redacted(calendar.url)
            shown[name] = table
        return shown
