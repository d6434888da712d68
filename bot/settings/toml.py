"""`vadesk.toml`: read as TOML, validated by the pydantic schema in `bot.settings.schema`,
and refused with one line that names the file, the key and the reason."""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel, ValidationError

from bot.settings.errors import ConfigError
from bot.settings.schema import (
    Category,
    ClientBilling,
    ClientEntry,
    RoutineEntry,
    SettingProblem,
    SettingsFile,
    SharedCalendar,
    TemplateEntry,
    UserSettings,
    describe,
)

# Tables keyed by name (a client key, a user id) hold one model each.
_KEYED_SECTIONS: dict[str, type[BaseModel]] = {
    "clients": ClientEntry,
    "users": UserSettings,
    "routines": RoutineEntry,
    "templates": TemplateEntry,
}

# Tables inside a section keyed by name: a client's billing, a task category.
_KEYED_TABLES: dict[tuple[str, str], type[BaseModel]] = {
    ("billing", "clients"): ClientBilling,
    ("delegation", "categories"): Category,
}


def parse_settings_file(path: Path) -> dict[str, Any]:
    """Read and validate the settings file into keyword arguments for Settings."""
    file = str(path)
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise ConfigError(file, "<file>", f"cannot read the file: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw_bytes.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(file, "<syntax>", "the file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file, "<syntax>", str(exc)) from None
    try:
        # A relative path in the file (the invoice logo) is relative to the file's folder.
        parsed = SettingsFile.model_validate(data, context={"base_dir": path.parent})
    except ValidationError as invalid:
        key, reason = _first_problem(invalid)
        raise ConfigError(file, key, reason) from None
    except SettingProblem as problem:
        raise ConfigError(file, problem.key, problem.reason) from None
    return parsed.in_effect()


def _first_problem(invalid: ValidationError) -> tuple[str, str]:
    """The first error, as the dotted key a user finds in the file and a sentence."""
    error = invalid.errors(include_url=False)[0]
    loc = [str(part) for part in error["loc"] if part != "[key]"]
    if loc[:2] == ["calendars", "shared"] and len(loc) > 2:
        del loc[1]  # the file writes [calendars.<name>], the model keeps them in `shared`
    key = ".".join(loc)
    kind = error["type"]
    if kind == "setting":
        return key, error["ctx"]["reason"]
    if kind == "extra_forbidden":
        return key, _unknown_key(loc)
    if kind == "missing":
        return key, "is required"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return key, f"must be a table, got {describe(error['input'])}"
    return key, error["msg"]


def _unknown_key(loc: list[str]) -> str:
    """An unknown key with the nearest known one, or the list of them."""
    *where, name = loc
    if not where:
        model: type[BaseModel] = SettingsFile
    elif where[0] in _KEYED_SECTIONS and len(where) == 2:
        model = _KEYED_SECTIONS[where[0]]
    elif where[0] == "calendars" and len(where) == 2:
        model = SharedCalendar
    elif len(where) == 3 and tuple(where[:2]) in _KEYED_TABLES:
        model = _KEYED_TABLES[where[0], where[1]]
    else:
        # Any other table whose keys are checked is a section: a model of its own.
        model = cast(type[BaseModel], SettingsFile.model_fields[where[0]].annotation)
    allowed = list(model.model_fields)
    hint = difflib.get_close_matches(name, allowed, n=1)
    suggestion = (
        f" (did you mean {hint[0]!r}?)" if hint else f"; expected one of {', '.join(allowed)}"
    )
    return f"{'unknown key' if where else 'unknown section'}{suggestion}"
