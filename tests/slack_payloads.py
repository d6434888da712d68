"""Interaction payloads as Slack sends them, for driving the app in tests."""

from __future__ import annotations

import json

TEAM = "T0TEAM"


def view_submission(
    callback_id: str, values: dict, private_metadata: dict | str = "", user: str = "U0VA1"
) -> dict:
    """`values` maps block id -> the action's state (action id is always "value")."""
    metadata = (
        private_metadata if isinstance(private_metadata, str) else json.dumps(private_metadata)
    )
    return {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": user, "team_id": TEAM},
        "trigger_id": "trigger.submit",
        "view": {
            "id": "V000001",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": metadata,
            "state": {"values": {block: {"value": state} for block, state in values.items()}},
        },
    }


def block_action(action_id: str, value: str, user: str = "U0VA1") -> dict:
    return {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user, "team_id": TEAM},
        "trigger_id": "trigger.button",
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home"},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b1",
                "value": value,
                "action_ts": "1700000000.1",
            }
        ],
    }


def select_action(
    action_id: str,
    value: str,
    user: str = "U0VA1",
    channel: str = "C0ACME",
    ts: str = "1700000000.000300",
) -> dict:
    """An option picked in a static select menu of a message (a contact's card)."""
    return {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user, "team_id": TEAM},
        "trigger_id": "trigger.select",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel},
        "channel": {"id": channel},
        "message": {"ts": ts},
        "actions": [
            {
                "type": "static_select",
                "action_id": action_id,
                "block_id": "b1",
                "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
                "action_ts": "1700000000.3",
            }
        ],
    }


def message_shortcut(text: str, channel: str = "C0ACME", user: str = "U0VA1") -> dict:
    return {
        "type": "message_action",
        "callback_id": "create_task_from_message",
        "team": {"id": TEAM},
        "user": {"id": user, "team_id": TEAM},
        "channel": {"id": channel, "name": "acme"},
        "trigger_id": "trigger.shortcut",
        "message_ts": "1700000000.000200",
        "response_url": "http://127.0.0.1:9/respond/none",
        "message": {"type": "message", "user": "U0CLIENT", "ts": "1700000000.000200", "text": text},
    }


def global_shortcut(user: str = "U0VA1") -> dict:
    return {
        "type": "shortcut",
        "callback_id": "new_task",
        "team": {"id": TEAM},
        "user": {"id": user, "team_id": TEAM},
        "trigger_id": "trigger.global",
    }


def text_value(text: str) -> dict:
    return {"type": "plain_text_input", "value": text}


def picked_date(day: str | None) -> dict:
    return {"type": "datepicker", "selected_date": day}


def picked_time(at: str | None) -> dict:
    return {"type": "timepicker", "selected_time": at}


def picked_option(value: str) -> dict:
    return {"type": "static_select", "selected_option": {"value": value}}


def picked_user(user: str | None) -> dict:
    return {"type": "users_select", "selected_user": user}


def checklist_click(
    block_id: str,
    selected: list[int],
    user: str = "U0VA1",
    channel: str = "DU0VA1",
    ts: str = "1700000000.000001",
    response_url: str | None = None,
) -> dict:
    """A click on a routine checklist in a message: Slack sends the whole selection."""
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user, "team_id": TEAM},
        "trigger_id": "trigger.tick",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel},
        "channel": {"id": channel},
        "message": {"ts": ts},
        "actions": [
            {
                "type": "checkboxes",
                "action_id": "routine_tick",
                "block_id": block_id,
                "selected_options": [{"value": str(i)} for i in selected],
                "action_ts": "1700000000.2",
            }
        ],
    }
    if response_url:
        payload["response_url"] = response_url
    return payload
