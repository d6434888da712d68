"""`vadesk.example.toml`, the file a new install copies, loads as it ships and names every
section and key the settings know, so it never falls behind them."""

from __future__ import annotations

import re
import tomllib
import typing
from pathlib import Path

from pydantic import BaseModel

from bot.settings import load_settings
from bot.settings.schema import SettingsFile

EXAMPLE = Path(__file__).resolve().parents[1] / "vadesk.example.toml"


def _entry_model(annotation) -> type[BaseModel] | None:
    """The model of a section's entries: `dict[str, ClientEntry]` -> ClientEntry."""
    for arg in typing.get_args(annotation):
        model = arg if isinstance(arg, type) and issubclass(arg, BaseModel) else None
        model = model or _entry_model(arg)
        if model is not None:
            return model
    return None


def test_the_example_settings_load_as_shipped():
    settings = load_settings({"VADESK_CONFIG": str(EXAMPLE)}, load_dotenv_file=False)
    assert settings.client("acme").name == "Acme Corp"
    assert "invoices" in {routine.name for routine in settings.routines}


def _commented(text: str) -> dict[str, set[str]]:
    """Keys the example shows commented out (a logo file it cannot ship, the older forms),
    by the section they are written in."""
    found: dict[str, set[str]] = {}
    section = ""
    for line in text.splitlines():
        if header := re.match(r"^\[([^\]]+)\]", line):
            section = header.group(1)
        elif key := re.match(r"^#\s*([a-z_]+)\s*=", line):
            found.setdefault(section, set()).add(key.group(1))
    return found


def test_the_example_settings_name_every_section_and_key():
    text = EXAMPLE.read_text(encoding="utf-8")
    example = tomllib.loads(text)
    commented = _commented(text)
    missing = []
    for section, field in SettingsFile.model_fields.items():
        if section not in example:
            missing.append(f"[{section}]")
            continue
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            # [calendars] names its shared calendars as tables of their own.
            tables = any(isinstance(value, dict) for value in example[section].values())
            missing += [
                f"{section}.{key}"
                for key in annotation.model_fields
                if key not in example[section]
                and key not in commented.get(section, ())
                and not (section == "calendars" and key == "shared" and tables)
            ]
            continue
        entry = _entry_model(annotation)
        if entry is None:  # [tags]: category = [subcategories]
            assert example[section], section
            continue
        named = {key for table in example[section].values() for key in table}
        missing += [f"{section}.<name>.{key}" for key in entry.model_fields if key not in named]
    assert not missing, f"vadesk.example.toml does not name {missing}"
