"""The forms' selects at the edges of what the settings allow, through the real app: more
clients than a select holds, and no task categories at all. Slack refuses a select whose
initial option it does not offer, and one without options; the fake Slack refuses them
as Slack does."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CONFIG_TOML
from tests.slack_payloads import message_shortcut

CLIENTS = 120  # past the 100 options a select holds


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    clients = "".join(
        f'\n[clients.c{n:03}]\nname = "Client {n:03}"\nchannel = "C0C{n:03}"\n'
        for n in range(CLIENTS)
    )
    path = tmp_path / "vadesk.toml"
    path.write_text(CONFIG_TOML + clients + "\n[delegation.categories]\n", "utf-8")
    return path


def test_create_task_in_the_channel_of_a_client_past_the_first_hundred(live_app):
    live_app.interact(message_shortcut("Please send the invoice", channel="C0C119"))
    (opened,) = live_app.fake.wait_for("views.open")
    assert opened.status == 200 and opened.response["ok"], opened.response
    (client_select,) = [
        b["element"] for b in opened.json("view")["blocks"] if b.get("block_id") == "client"
    ]
    assert client_select["initial_option"]["text"]["text"] == "Client 119"
    assert client_select["options"][0] == client_select["initial_option"]
    assert len(client_select["options"]) == 100


def test_the_assign_form_without_categories_leaves_the_category_out(live_app):
    live_app.send_command("/assign", "", user="U0OWNER")
    (opened,) = live_app.fake.wait_for("views.open")
    assert opened.status == 200 and opened.response["ok"], opened.response
    blocks = [b.get("block_id") for b in opened.json("view")["blocks"]]
    assert "category" not in blocks and "title" in blocks
