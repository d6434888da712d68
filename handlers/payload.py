"""Reading what Slack sends. A payload Slack itself would never send (a form's metadata
that VA Desk did not write, a button value that is no number, missing fields) is refused
with a sentence, like any other bad input, and changes nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.services.errors import FieldErrors, VADeskError
from bot.services.parsing import MAX_ID


class MalformedPayload(VADeskError):
    """The request is not one Slack sends for VA Desk's own messages and forms."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"VA Desk could not read this request ({what}); nothing was changed. "
            "If it came from an old message or form, open it again."
        )
        self.what = what


def scrub(value: Any) -> Any:
    """Strings as both databases store them: NUL bytes dropped (PostgreSQL refuses them
    in text) and lone surrogates replaced (neither database can encode them). Dicts and
    lists are cleaned in place."""
    if isinstance(value, str):
        if "\0" in value:
            value = value.replace("\0", "")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = scrub(item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = scrub(item)
    return value


def _text_field(mapping: Any, *path: str) -> str:
    for key in path:
        mapping = mapping.get(key) if isinstance(mapping, dict) else None
    if not isinstance(mapping, str) or not mapping:
        raise MalformedPayload(f"no {'.'.join(path)}")
    return mapping


def user_of(body: dict) -> str:
    """Who pressed, submitted or typed: slash commands name them flat, the rest nested."""
    if "user_id" in body:
        return _text_field(body, "user_id")
    return _text_field(body, "user", "id")


# Where a request names the workspace it is for, in the order Bolt reads them: a form's
# installing team, the payload's team, an event's authorization (in a Slack Connect channel
# another organization started, an event's own `team_id` is that organization's), the flat
# `team_id` of commands and events, and last the person's own team.
_TEAM_PATHS = (
    ("view", "app_installed_team_id"),
    ("team", "id"),
    ("team",),
    ("authorizations", 0, "team_id"),
    ("team_id",),
    ("user", "team_id"),
)


def team_of(body: dict) -> str:
    """The workspace a request is for: the one VA Desk is installed in for a Slack
    Connect guest too (their own team is `user.team_id` or the event's `user_team`)."""
    for path in _TEAM_PATHS:
        value: Any = body
        for key in path:
            if isinstance(key, int):
                value = value[key] if isinstance(value, list) and len(value) > key else None
            else:
                value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and value:
            return value
    raise MalformedPayload("no workspace")


_MESSAGE_TS = re.compile(r"\d{1,10}\.\d{6}")


def message_ts(value: Any, what: str = "message ts") -> str | None:
    """A message's `ts` as Slack writes it (`1732975200.000100`); None when absent.
    Anything else (`abc`, `1e400`) is a request Slack never sends."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and _MESSAGE_TS.fullmatch(value):
        return value
    raise MalformedPayload(f"{what} is not a Slack timestamp")


def number_from(value: Any, what: str) -> int:
    """An id VA Desk wrote into a button or a form: a positive number the database holds."""
    if isinstance(value, bool):
        raise MalformedPayload(f"{what} is not a number")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        value = int(value)
    if not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise MalformedPayload(f"{what} is not a number")
    return value


def button_number(action: Any) -> int:
    return number_from(action.get("value") if isinstance(action, dict) else None, "button value")


def view_metadata(view: Any) -> dict:
    """The private_metadata VA Desk wrote into a form: a JSON object."""
    raw = view.get("private_metadata") if isinstance(view, dict) else None
    try:
        meta = json.loads(raw or "{}")
    except (TypeError, ValueError):
        meta = None
    if not isinstance(meta, dict):
        raise MalformedPayload("the form's metadata")
    return meta


def metadata_zone(meta: dict) -> ZoneInfo:
    name = meta.get("zone")
    if not isinstance(name, str):
        raise MalformedPayload("the form's time zone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise MalformedPayload("the form's time zone") from None


def state_values(view: Any) -> dict:
    values = (view.get("state") or {}).get("values") if isinstance(view, dict) else None
    if not isinstance(values, dict):
        raise MalformedPayload("the form's values")
    return values


def input_of(values: dict, block: str, key: str = "value") -> Any:
    """What a form's input holds (its action id is always "value"), or None."""
    state = values.get(block)
    action = state.get("value") if isinstance(state, dict) else None
    return action.get(key) if isinstance(action, dict) else None


def text_or_none(value: Any) -> str | None:
    """A string Slack sent, or None when it is missing, empty or no string."""
    return value if isinstance(value, str) and value else None


def text_input(values: dict, block: str) -> str | None:
    value = input_of(values, block)
    return value if isinstance(value, str) else None


def _picked(values: dict, block: str, key: str, read: Callable[[str], Any], ask: str) -> Any:
    """A picker's value read with `read`; one Slack's picker would never send is refused
    on its field with `ask`."""
    picked = input_of(values, block, key)
    if not picked:
        return None
    try:
        return read(picked)
    except (TypeError, ValueError):
        raise FieldErrors({block: ask}) from None


def picked_day(values: dict, block: str) -> date | None:
    return _picked(
        values, block, "selected_date", date.fromisoformat, "Pick a date from the calendar."
    )


def picked_time(values: dict, block: str) -> time | None:
    return _picked(values, block, "selected_time", time.fromisoformat, "Pick a time from the list.")


def picked_option(values: dict, block: str) -> str | None:
    option = input_of(values, block, "selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def ticked(values: dict, block: str, option: str) -> bool | None:
    """Whether a checkbox's option is ticked; None when the form has no such block (one
    opened before the block was added)."""
    if block not in values:
        return None
    picked = input_of(values, block, "selected_options")
    return isinstance(picked, list) and any(
        isinstance(o, dict) and o.get("value") == option for o in picked
    )


def unroutable(body: Any) -> str | None:
    """Why Bolt could not even route this request (it would fail inside Bolt), or None."""
    if not isinstance(body, dict):
        return "not a JSON object"
    kind = body.get("type")
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
            return "a button press without its action"
    if kind in ("view_submission", "view_closed") and not isinstance(body.get("view"), dict):
        return "a form without its view"
    if kind == "event_callback" and not isinstance(body.get("event"), dict):
        return "an event without its event"
    return None
