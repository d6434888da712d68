"""A contact's history as its card shows it: each step (added, note, moved, edited,
tagged, archived, ...) with who, when and what was said, an edit's old and new values."""

from __future__ import annotations

import json

from bot.services.text import escape, fit, shown, time_token
from store.models import ContactEvent

NOTE_SHOWN = 300


def archive_link(channel_id: str | None, ts: str | None) -> str | None:
    """A message's address that Slack resolves to the message (no Web API call)."""
    if not channel_id or not ts:
        return None
    return f"https://slack.com/archives/{channel_id}/p{ts.replace('.', '')}"


EVENT_WORDS = {
    "created": "added",
    "note": "note",
    "moved": "moved",
    "edited": "edited",
    "tagged": "tagged",
    "archived": "archived",
    "restored": "restored",
    "snoozed": "snoozed",
    "reengaged": "re-engaged",
    "onboarding": "onboarding started",
    "testimonial_requested": "testimonial requested",
    "testimonial_answer": "testimonial answered",
}


def edited_text(note: str | None) -> str:
    """An `edited` step's note (JSON: field -> [old, new]) as mrkdwn."""
    try:
        changes = json.loads(note or "{}")
    except ValueError:
        return shown(note or "", NOTE_SHOWN)
    if not isinstance(changes, dict):
        return shown(note or "", NOTE_SHOWN)
    parts = []
    for field, values in changes.items():
        old, new = values if isinstance(values, list) and len(values) == 2 else (None, values)
        shown_old, shown_new = (_edited_value(field, value) for value in (old, new))
        parts.append(f"{escape(str(field))} {shown_old} → {shown_new}")
    return fit("; ".join(parts), NOTE_SHOWN * 3)


def _edited_value(field: str, value: object) -> str:
    if value in (None, ""):
        return "—"
    if field == "owner" and isinstance(value, str) and value.isalnum():
        return f"<@{value}>"
    return shown(str(value), 80)


def event_line(event: ContactEvent) -> str:
    word = EVENT_WORDS.get(event.kind, escape(event.kind))
    if event.kind == "moved":
        word += f" {escape(event.from_stage or '—')} → {escape(event.to_stage or '—')}"
    elif event.kind == "created" and event.to_stage:
        word += f" in {escape(event.to_stage)}"
    who = f" by <@{event.actor_id}>" if event.actor_id else ""
    line = f"• {word}{who} {time_token(event.at)}"
    if event.kind == "edited":
        line += f": {edited_text(event.note)}"
    elif event.note:
        line += f": {shown(event.note, NOTE_SHOWN)}"
    link = archive_link(event.channel_id, event.message_ts)
    return line + (f" · <{escape(link)}|message>" if link else "")
