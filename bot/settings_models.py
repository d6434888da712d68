"""The sections of `vadesk.toml` as pydantic models: one schema that validates the file,
names what is wrong, and is printed as JSON Schema for editors (`vadesk config schema`).

Every field reads the value as TOML gives it ("09:00-17:00", ["mon", "tue"]) or as Python
code passes it (a tuple of times), and refuses anything else with a sentence; the models
are frozen and forbid unknown keys.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.services.schedules import (
    DAY_NAMES,
    FULL_DAY_NAMES,
    ScheduleError,
    day_index,
    parse_schedule,
)
from bot.services.schedules import (
    GRAMMAR as SCHEDULE_GRAMMAR,
)

USER_ID_RE = re.compile(r"^[UW][A-Z0-9]+$")
CHANNEL_ID_RE = re.compile(r"^[CGD][A-Z0-9]+$")
CLIENT_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# What the database stores (store/models.py) and Slack shows; a longer value could not be
# saved or posted, so start-up refuses it.
MAX_ID_CHARS = 32  # a Slack user or channel id
MAX_CLIENT_KEY_CHARS = 64
MAX_CLIENT_NAME_CHARS = 200
MAX_NAME_CHARS = 64  # a routine or template name
MAX_TITLE_CHARS = 150  # a routine's title: a message header holds 150 characters
MAX_TEMPLATE_CHARS = 3000  # what a post holds (and the preview form)
MAX_CATEGORIES = 100  # a select menu holds 100 options
# Durations are working time; the longest is a working week of seven full days.
WEEK_MINUTES = 7 * 24 * 60
WEEK_HOURS = 7 * 24
MIN_HOURS = 0.25  # a quarter of an hour: the least a chase, target or timer limit can be
MAX_OPEN_CHATS = 100
MAX_RATE = 100_000
HOURS_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
PHASES = ("I", "II", "III")
ROUNDING_CHOICES = (0, 1, 5, 6, 10, 15, 30, 60)
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
# What a template may ask to have filled in, from the channel it is posted in.
TEMPLATE_PLACEHOLDERS = ("client", "contact", "va", "task", "due")
AUDIENCES = ("vas", "supervisors", "owners")
ROUTINE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Slack's limits for a checklist: ten checkboxes, 75 characters each.
MAX_ROUTINE_ITEMS = 10
MAX_ITEM_CHARS = 75


class SettingProblem(Exception):
    """A problem that involves more than one key; pydantic lets it through unwrapped."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


def describe(value: Any) -> str:
    """Show a TOML value the way the user wrote it, for error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _refuse(reason: str) -> PydanticCustomError:
    return PydanticCustomError("setting", "{reason}", {"reason": reason})


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise _refuse(f"must be a string, got {describe(value)}")
    return value


def _nonempty(value: Any) -> str:
    text = _string(value).strip()
    if not text:
        raise _refuse("must not be empty")
    return text


def _timezone(value: Any) -> str:
    name = _string(value).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise _refuse(f"unknown time zone {name!r}") from None
    return name


def _hours(value: Any) -> tuple[time, time]:
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(t, time) for t in value):
        start, end = value
        text = f"{start:%H:%M}-{end:%H:%M}"
    else:
        text = _string(value)
        match = HOURS_RE.match(text)
        if not match:
            raise _refuse(f'must look like "09:00-17:00", got {describe(value)}')
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise _refuse(f"has an invalid time of day in {text!r} (00:00 to 23:59)")
        start, end = time(h1, m1), time(h2, m2)
    if start >= end:
        raise _refuse(f"the end must be after the start (no overnight ranges), got {text!r}")
    return start, end


def _days(value: Any) -> tuple[int, ...]:
    if isinstance(value, tuple) and all(isinstance(d, int) and 0 <= d <= 6 for d in value):
        names: list[str] = [DAY_NAMES[d] for d in value]
    else:
        names = _strings(value)
    if not names:
        raise _refuse("must name at least one day")
    days: set[int] = set()
    for name in names:
        day = day_index(name)
        if day is None:
            raise _refuse(f"unknown day {name!r}; use {', '.join(DAY_NAMES)}")
        days.add(day)
    return tuple(sorted(days))


def _dates(value: Any) -> tuple[date, ...]:
    if not isinstance(value, list | tuple):
        raise _refuse(f"must be an array of dates (YYYY-MM-DD), got {describe(value)}")
    result: set[date] = set()
    for item in value:
        if isinstance(item, date) and not isinstance(item, datetime):
            result.add(item)
            continue
        if isinstance(item, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", item.strip()):
            try:
                result.add(date.fromisoformat(item.strip()))
                continue
            except ValueError:
                raise _refuse(f"{item!r} is not a valid date") from None
        raise _refuse(f'must be dates like "2026-12-25", got {describe(item)}')
    return tuple(sorted(result))


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list | tuple):
        raise _refuse(f"must be an array of strings, got {describe(value)}")
    for item in value:
        if not isinstance(item, str):
            raise _refuse(f"must be an array of strings, got {describe(item)} in it")
    return list(value)


def _user_id(value: Any) -> str:
    text = _string(value).strip()
    if not USER_ID_RE.match(text) or len(text) > MAX_ID_CHARS:
        raise _refuse(
            f"{text[:40]!r} is not a Slack user id "
            f"(they look like U0123ABCD, at most {MAX_ID_CHARS} characters)"
        )
    return text


def _user_ids(value: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_user_id(item) for item in _strings(value)))


def _channel_id(value: Any) -> str:
    text = _string(value).strip()
    if not CHANNEL_ID_RE.match(text) or len(text) > MAX_ID_CHARS:
        raise _refuse(
            f"{text[:40]!r} is not a Slack channel id "
            f"(they look like C0123ABCD, at most {MAX_ID_CHARS} characters)"
        )
    return text


def _routine_name(value: Any) -> str:
    if not isinstance(value, str) or not ROUTINE_NAME_RE.match(value):
        raise _refuse("a routine name must be lowercase letters, digits or '-'")
    if len(value) > MAX_NAME_CHARS:
        raise _refuse(f"a name must be at most {MAX_NAME_CHARS} characters")
    return value


def _client_key(value: Any) -> str:
    if not isinstance(value, str) or not CLIENT_KEY_RE.match(value):
        raise _refuse(
            "a client key must be lowercase letters, digits, '-' or '_' "
            "(starting with a letter or digit)"
        )
    if len(value) > MAX_CLIENT_KEY_CHARS:
        raise _refuse(f"a client key must be at most {MAX_CLIENT_KEY_CHARS} characters")
    return value


def _schedule(value: Any) -> str:
    try:
        return str(parse_schedule(_string(value)))
    except ScheduleError as error:
        raise _refuse(str(error)) from None


def _audience(value: Any) -> str:
    text = _string(value).strip()
    if text.lower() in AUDIENCES:
        return text.lower()
    if CHANNEL_ID_RE.match(text):
        return text
    raise _refuse(f"must be vas, supervisors, owners or a channel id (C0123ABCD), got {text!r}")


def _items(value: Any) -> tuple[str, ...]:
    items = tuple(item.strip() for item in _strings(value))
    if not items:
        raise _refuse("must list at least one item")
    if len(items) > MAX_ROUTINE_ITEMS:
        raise _refuse(f"has {len(items)} items; a checklist holds at most {MAX_ROUTINE_ITEMS}")
    for item in items:
        if not item:
            raise _refuse("has an empty item")
        if len(item) > MAX_ITEM_CHARS:
            raise _refuse(f"item {item[:20]!r}… is over {MAX_ITEM_CHARS} characters")
    return items


def _tag_part(value: Any) -> str:
    text = _nonempty(value)
    if "–" in text or len(text) > 60:
        raise _refuse(f"{text!r} must be at most 60 characters, without an en dash (–)")
    return text


CATEGORY_NAME_LIMIT = 100  # a task's category column; a select option's value holds 150


def _category_name(value: Any) -> str:
    text = _nonempty(value)
    if len(text) > CATEGORY_NAME_LIMIT:
        raise _refuse(f"{text[:40]!r}… must be at most {CATEGORY_NAME_LIMIT} characters")
    return text


def _subcategories(value: Any) -> tuple[str, ...]:
    names = tuple(_tag_part(item) for item in _strings(value))
    if not names:
        raise _refuse("must list at least one subcategory")
    if len(set(names)) != len(names):
        raise _refuse("lists a subcategory twice")
    return names


# What `{placeholder}` is filled with: text, like these (bot.services.templates).
TEMPLATE_SAMPLES = {
    "client": "Acme Corp",
    "contact": "Maria",
    "va": "Ana",
    "task": "T-12 Inbox clean-up",
    "due": "Friday, December 4",
}


def _template_text(value: Any) -> str:
    text = _nonempty(value)
    if len(text) > MAX_TEMPLATE_CHARS:
        raise _refuse(f"has {len(text):,} characters; a post holds at most {MAX_TEMPLATE_CHARS:,}")
    try:
        parts = [part for part in string.Formatter().parse(text) if part[1] is not None]
    except ValueError as error:
        raise _refuse(
            f"is not a valid template ({error}); write a literal brace as {{{{ or }}}}"
        ) from None
    known = " ".join(f"{{{name}}}" for name in TEMPLATE_PLACEHOLDERS)
    for _, field, spec, conversion in parts:
        name = re.split(r"[.\[]", field, maxsplit=1)[0]
        if name not in TEMPLATE_PLACEHOLDERS:
            raise _refuse(f"unknown placeholder {{{field}}}; use {known}")
        if field != name or spec or conversion:
            written = (
                f"{{{field}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
            )
            raise _refuse(
                f"placeholder {written} must be written {{{name}}}: it is filled with text "
                "as it is, without a format, conversion, attribute or index"
            )
    text.format_map(TEMPLATE_SAMPLES)  # every placeholder above fills in
    return text


def _whole(high: int, what: str) -> Any:
    """A whole number from 1 to `high`; `what` says why `high` is the most."""

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise _refuse(f"must be a positive integer, got {describe(value)}")
        if value > high:
            raise _refuse(f"must be at most {high:,} ({what}), got {describe(value)}")
        return value

    return Annotated[
        int,
        BeforeValidator(check),
        WithJsonSchema({"type": "integer", "minimum": 1, "maximum": high}),
    ]


def _text_of_at_most(limit: int, why: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = _nonempty(value)
        if len(text) > limit:
            raise _refuse(f"has {len(text)} characters; at most {limit} ({why})")
        return text

    return check


def _categories(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _refuse(f"must be a table of category = phase, got {describe(value)}")
    if len(value) > MAX_CATEGORIES:
        raise _refuse(f"has {len(value)} categories; /assign's menu holds at most {MAX_CATEGORIES}")
    return value


def _phase(value: Any) -> str:
    phase = _string(value).strip().upper()
    if phase not in PHASES:
        raise _refuse(f'must be "I", "II" or "III", got {value!r}')
    return phase


def _rounding(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in ROUNDING_CHOICES:
        choices = ", ".join(str(choice) for choice in ROUNDING_CHOICES)
        raise _refuse(f"must be one of {choices} (0 = no rounding), got {describe(value)}")
    return value


def _number(what: str, ok: Callable[[float], bool], schema: dict) -> Any:
    """A float field with a range; `what` completes "must be ..." in the refusal."""

    def check(value: Any) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not ok(value)
        ):
            raise _refuse(f"must be {what}, got {describe(value)}")
        return float(value)

    return Annotated[float, BeforeValidator(check), WithJsonSchema({"type": "number", **schema})]


def _any_case(*words: str) -> str:
    """A JSON Schema pattern for these words in any case (its regexes have no flags)."""
    spelled = ("".join(f"[{ch.upper()}{ch}]" for ch in word) for word in words)
    return rf"^\s*({'|'.join(spelled)})\s*$"


def _text_schema(pattern: str, description: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": pattern, "description": description})


Hours = Annotated[
    tuple[time, time],
    BeforeValidator(_hours),
    PlainSerializer(lambda hours: f"{hours[0]:%H:%M}-{hours[1]:%H:%M}", return_type=str),
    _text_schema(r"^\s*\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}\s*$", 'e.g. "09:00-17:00"'),
]
Days = Annotated[
    tuple[int, ...],
    BeforeValidator(_days),
    PlainSerializer(lambda days: [DAY_NAMES[d] for d in days], return_type=list[str]),
    WithJsonSchema(
        {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": _any_case(*FULL_DAY_NAMES, *DAY_NAMES)},
        }
    ),
]
Dates = Annotated[
    tuple[date, ...],
    BeforeValidator(_dates),
    WithJsonSchema({"type": "array", "items": {"type": "string", "format": "date"}}),
]
TimeZoneName = Annotated[
    str,
    BeforeValidator(_timezone),
    WithJsonSchema({"type": "string", "description": 'an IANA time zone, e.g. "Asia/Manila"'}),
]
UserId = Annotated[str, BeforeValidator(_user_id), _text_schema(USER_ID_RE.pattern, "user id")]
UserIds = Annotated[
    tuple[str, ...],
    BeforeValidator(_user_ids),
    WithJsonSchema({"type": "array", "items": {"type": "string", "pattern": USER_ID_RE.pattern}}),
]
ChannelId = Annotated[
    str, BeforeValidator(_channel_id), _text_schema(CHANNEL_ID_RE.pattern, "channel id")
]
RoutineName = Annotated[
    str,
    BeforeValidator(_routine_name),
    _text_schema(ROUTINE_NAME_RE.pattern, "routine name"),
]
ClientKey = Annotated[
    str, BeforeValidator(_client_key), _text_schema(CLIENT_KEY_RE.pattern, "client key")
]
ScheduleText = Annotated[
    str,
    BeforeValidator(_schedule),
    WithJsonSchema({"type": "string", "description": f"one of {SCHEDULE_GRAMMAR}"}),
]
Audience = Annotated[
    str,
    BeforeValidator(_audience),
    WithJsonSchema(
        {"anyOf": [{"enum": list(AUDIENCES)}, {"type": "string", "pattern": CHANNEL_ID_RE.pattern}]}
    ),
]
RoutineItems = Annotated[
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
TagPart = Annotated[str, BeforeValidator(_tag_part), WithJsonSchema({"type": "string"})]
CategoryName = Annotated[
    str, BeforeValidator(_category_name), WithJsonSchema({"type": "string", "maxLength": 100})
]
Subcategories = Annotated[
    tuple[str, ...],
    BeforeValidator(_subcategories),
    WithJsonSchema({"type": "array", "minItems": 1, "items": {"type": "string"}}),
]
TemplateText = Annotated[
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
WorkingMinutes = _whole(WEEK_MINUTES, "7 days of working time")
OpenChats = _whole(MAX_OPEN_CHATS, "open client chats one VA can hold")
ClientName = Annotated[
    str,
    BeforeValidator(_text_of_at_most(MAX_CLIENT_NAME_CHARS, "what VA Desk stores")),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": MAX_CLIENT_NAME_CHARS}),
]
RoutineTitle = Annotated[
    str,
    BeforeValidator(_text_of_at_most(MAX_TITLE_CHARS, "a message header")),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": MAX_TITLE_CHARS}),
]
Phase = Annotated[str, BeforeValidator(_phase), WithJsonSchema({"enum": list(PHASES)})]
RoundingMinutes = Annotated[
    int, BeforeValidator(_rounding), WithJsonSchema({"enum": list(ROUNDING_CHOICES)})
]


WorkingHours = _number(
    f"a number of hours from {MIN_HOURS} to {WEEK_HOURS} (7 days of working time)",
    lambda x: MIN_HOURS <= x <= WEEK_HOURS,
    {"minimum": MIN_HOURS, "maximum": WEEK_HOURS},
)
Ratio = _number(
    "a number from 0.01 to 0.99", lambda x: 0.01 <= x <= 0.99, {"minimum": 0.01, "maximum": 0.99}
)
Share = _number("a number from 0 to 1", lambda x: 0 <= x <= 1, {"minimum": 0, "maximum": 1})
Rating = _number("a number from 1 to 5", lambda x: 1 <= x <= 5, {"minimum": 1, "maximum": 5})
EntryHours = _number(
    f"a number of hours from {MIN_HOURS} to 24",
    lambda x: MIN_HOURS <= x <= 24,
    {"minimum": MIN_HOURS, "maximum": 24},
)
Rate = _number(
    f"an hourly rate from 0 to {MAX_RATE:,}",
    lambda x: 0 <= x <= MAX_RATE,
    {"minimum": 0, "maximum": MAX_RATE},
)


class Section(BaseModel):
    """A table of `vadesk.toml`: frozen once read, and no key it does not know."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkspaceSettings(Section):
    """Workspace-wide schedule: the default for clients and users without their own."""

    timezone: TimeZoneName = "America/New_York"
    business_hours: Hours = (time(9, 0), time(17, 0))
    business_days: Days = (0, 1, 2, 3, 4)
    holidays: Dates = ()

    @property
    def zone(self) -> ZoneInfo:
        """The workspace time zone as a tzinfo."""
        return ZoneInfo(self.timezone)


class RoleSettings(Section):
    """Who is owner or supervisor; `vas` is the roster for routines and digests."""

    owners: UserIds = ()
    supervisors: UserIds = ()
    vas: UserIds = ()

    def role_of(self, user_id: str) -> str:
        """Return "owner", "supervisor" or "va" (unknown users are VAs, per the SPEC)."""
        if user_id in self.owners:
            return "owner"
        if user_id in self.supervisors:
            return "supervisor"
        return "va"


class ChannelSettings(Section):
    """Where digests and escalations are posted (None: not configured)."""

    digest: ChannelId | None = None
    escalations: ChannelId | None = None


class SlaSettings(Section):
    """Response-time targets from the SOPs."""

    first_response_minutes: WorkingMinutes = 15
    acknowledge_business_hours: WorkingHours = 4
    max_open_chats_per_va: OpenChats = 4
    near_breach_ratio: Ratio = 0.75
    # A conversation answered by the team closes after this many business minutes with no
    # client message since the reply; an unanswered one never closes by itself.
    close_after_idle_minutes: WorkingMinutes = 120


class KpiSettings(Section):
    """KPI targets shown on the scorecard."""

    completion_rate: Share = 0.90
    csat: Rating = 4.5


class TimerSettings(Section):
    """Limits for time entries."""

    max_entry_hours: EntryHours = 24
    # A running timer longer than this gets one DM with Stop / Keep running.
    nudge_after_hours: EntryHours = 4


# The SOP's task categories and the trust phase each needs (I clerical, II administrative,
# III personal executive assistant: schedule, sales pipeline).
DEFAULT_CATEGORIES = {
    "clerical": "I",
    "administrative": "II",
    "calendar": "III",
    "sales pipeline": "III",
}


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


class Routine(Section):
    """A routine in effect: a checklist posted on a schedule to each person of an audience
    (in their own time zone and working hours), or to a channel."""

    name: str
    title: str
    schedule: str
    audience: str
    items: tuple[str, ...]

    @property
    def to_channel(self) -> bool:
        return self.audience not in AUDIENCES


class TemplateEntry(Section):
    """`[templates.<name>]`: an approved message with placeholders, who owns it and when it
    was last reviewed (the monthly template review lists those older than 30 days)."""

    text: TemplateText
    owner: UserId | None = None
    reviewed: date | None = None


class Template(TemplateEntry):
    name: str


def tag_slug(text: str) -> str:
    """`Lead – Hot Prospect` -> `lead-hot-prospect`: what can be typed after `#`."""
    return _NOT_SLUG.sub("-", text.casefold()).strip("-")


def tags_in_effect(taxonomy: dict[str, tuple[str, ...]] | None) -> tuple[str, ...]:
    """Every "Category – Subcategory" of the taxonomy, in the file's order."""
    categories = DEFAULT_TAGS if taxonomy is None else taxonomy
    return tuple(
        f"{category}{TAG_SEPARATOR}{sub}" for category, subs in categories.items() for sub in subs
    )


class ClientEntry(Section):
    """One client as `[clients.<key>]` writes it; schedule fields fall back to the workspace's."""

    name: ClientName
    channel: ChannelId | None = None
    timezone: TimeZoneName | None = None
    business_hours: Hours | None = None
    business_days: Days | None = None
    csat: StrictBool = False  # ask the client channel "How did we do?" when a task is done


class ClientSettings(ClientEntry):
    """A client with its key (the name of its table)."""

    key: ClientKey

    @property
    def zone(self) -> ZoneInfo | None:
        """The client's own time zone, or None to use the workspace's."""
        return ZoneInfo(self.timezone) if self.timezone else None


class UserSettings(Section):
    """Per-user settings; the time zone is only a fallback when Slack has none."""

    working_hours: Hours | None = None
    phase: Phase = "I"
    timezone: TimeZoneName | None = None


class BillingSettings(Section):
    """Rounding of billed time (0 = none) and hourly rates per client key."""

    rounding_minutes: RoundingMinutes = 0
    rates: dict[str, Rate] = Field(default_factory=dict)


def _routine(name: str, title: str, schedule: str, audience: str, *items: str) -> Routine:
    return Routine(name=name, title=title, schedule=schedule, audience=audience, items=items)


# The SOP's routines, on by default.
DEFAULT_ROUTINES: tuple[Routine, ...] = (
    _routine(
        "morning",
        "Morning routine",
        "workday start",
        "vas",
        "Review the PSA: tasks due today and overdue",
        "Check client chats and emails",
        "Prioritize the day (urgent and important first)",
        "Update your personal to-do list",
    ),
    _routine(
        "hourly",
        "Hourly check",
        "hourly",
        "vas",
        "Monitor client chats",
        "Update task statuses",
        "Handle time-sensitive requests",
    ),
    _routine(
        "end-of-day",
        "End-of-day wrap-up",
        "workday end",
        "vas",
        "Finalize pending tasks (or note where they stand)",
        "Update the PSA",
        "Prepare the end-of-day report",
        "Close the day's channels and chats",
    ),
    _routine(
        "monday-audit",
        "Monday audit",
        "mon 10:00",
        "vas",
        "Audit automations and workflows",
        "Fix or report what is broken",
    ),
    _routine(
        "friday-checkin",
        "Friday CEO check-in",
        "fri 14:00",
        "vas",
        "Prepare the check-in report for the owner",
        "List wins, blockers and next week's priorities",
    ),
    _routine(
        "testimonials",
        "Testimonial requests",
        "wed 11:00",
        "vas",
        "Send testimonial requests to happy clients",
        "Log the answers received",
    ),
    _routine(
        "onboarding-check",
        "Onboarding sequence check",
        "tue 11:00",
        "vas",
        "Check that new clients got every onboarding step",
    ),
    _routine(
        "campaign-review",
        "Campaign follow-up review",
        "thu 11:00",
        "vas",
        "Review campaign follow-ups and their replies",
        "Schedule the next follow-ups",
    ),
    _routine(
        "template-review",
        "Monthly template library review",
        "monthly 10:00",
        "vas",
        "Review message templates; update outdated ones",
        "Mark each template's review date",
    ),
    _routine(
        "cold-leads",
        "Cold-lead archive",
        "monthly 11:00",
        "vas",
        "Archive cold leads",
        "Build the re-engagement segment",
    ),
    _routine(
        "sop-review",
        "SOP review with the owner",
        "monthly 14:00",
        "supervisors",
        "Review the SOPs with the owner",
        "Record the changes agreed",
    ),
)


class SettingsFile(Section):
    """All of `vadesk.toml`; every section optional, the SOP values as defaults."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="vadesk.toml",
        json_schema_extra={"description": "Settings of VA Desk (see its README)."},
    )

    workspace: WorkspaceSettings = Field(default_factory=WorkspaceSettings)
    roles: RoleSettings = Field(default_factory=RoleSettings)
    channels: ChannelSettings = Field(default_factory=ChannelSettings)
    sla: SlaSettings = Field(default_factory=SlaSettings)
    kpi: KpiSettings = Field(default_factory=KpiSettings)
    timers: TimerSettings = Field(default_factory=TimerSettings)
    clients: dict[ClientKey, ClientEntry] = Field(default_factory=dict)
    users: dict[UserId, UserSettings] = Field(default_factory=dict)
    billing: BillingSettings = Field(default_factory=BillingSettings)
    reports: ReportSettings = Field(default_factory=ReportSettings)
    delegation: DelegationSettings = Field(default_factory=DelegationSettings)
    routines: dict[RoutineName, RoutineEntry] = Field(default_factory=dict)
    tags: dict[TagPart, Subcategories] | None = None
    templates: dict[RoutineName, TemplateEntry] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _keys_that_refer_to_each_other(self) -> SettingsFile:
        owners: dict[str, str] = {}
        for key, client in self.clients.items():
            if client.channel is None:
                continue
            if client.channel in owners:
                raise SettingProblem(
                    f"clients.{key}.channel",
                    f"channel {client.channel} is already used by client "
                    f"{owners[client.channel]!r}",
                )
            owners[client.channel] = key
        short_tags = {tag_slug(tag): tag for tag in tags_in_effect(self.tags)}
        for key in self.clients:
            tag = short_tags.get(tag_slug(key))
            if tag is not None:
                raise SettingProblem(
                    f"clients.{key}",
                    f"#{key} would name both this client and the tag {tag!r} "
                    f"(#{tag_slug(tag)}); rename the client's key or the tag",
                )
        for key in self.billing.rates:
            if key not in self.clients:
                raise SettingProblem(f"billing.rates.{key}", f"no client {key!r} in [clients]")
        self.routines_in_effect()  # a new routine must say what, when and to whom
        # The reports always (the default weekly is a Friday); a routine when the file
        # sets its schedule (a built-in one on a day off just does not run that day).
        written = ["reports.digest", "reports.weekly"]
        written += [
            f"routines.{name}.schedule"
            for name, entry in self.routines.items()
            if entry.schedule is not None and entry.enabled
        ]
        for key in written:
            self._on_a_business_day(key)
        return self

    def _on_a_business_day(self, key: str) -> None:
        """A schedule of weekdays none of which is a business day would never run."""
        section, name, *_ = key.split(".")
        text = getattr(self.reports, name) if section == "reports" else self.routines[name].schedule
        schedule = parse_schedule(text)
        business = self.workspace.business_days
        if schedule.kind == "weekly" and not set(schedule.days) & set(business):
            days = ", ".join(DAY_NAMES[d] for d in business)
            raise SettingProblem(
                key,
                f"{text!r} falls on no business day ([workspace] business_days: {days}), "
                "so it would never run; schedule it on a business day",
            )

    def routines_in_effect(self) -> tuple[Routine, ...]:
        """The built-in routines with the file's changes, then the file's own, minus the
        ones turned off."""
        defaults = {routine.name: routine for routine in DEFAULT_ROUTINES}
        result: list[Routine] = []
        for name in dict.fromkeys([*defaults, *self.routines]):
            entry = self.routines.get(name)
            base = defaults.get(name)
            if entry is not None and not entry.enabled:
                continue
            if entry is None:
                result.append(base)  # type: ignore[arg-type]
                continue
            given = entry.model_dump(exclude={"enabled"}, exclude_none=True)
            if base is None:
                for key in ("schedule", "audience", "items"):
                    if key not in given:
                        raise SettingProblem(
                            f"routines.{name}.{key}", "is required for a routine of your own"
                        )
                given.setdefault("title", name.replace("-", " ").capitalize())
                result.append(Routine(name=name, **given))
            else:
                result.append(base.model_copy(update=given))
        return tuple(result)

    def client_settings(self) -> tuple[ClientSettings, ...]:
        return tuple(ClientSettings(key=key, **dict(entry)) for key, entry in self.clients.items())

    def templates_in_effect(self) -> tuple[Template, ...]:
        return tuple(Template(name=name, **dict(entry)) for name, entry in self.templates.items())
