"""Work made in a client's channel is that client's, from the first command of a fresh
install: `/task add`, `/timer start <free text>` and the New task form take the channel's
client (its timesheet column, its CSAT prompt, its `{task}` in a template), and `#key`
names a configured client anywhere (a key that is also a tag stops start-up)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from bot import clock
from bot.services.timesheet import timesheet_rows
from bot.settings import ConfigError, load_settings
from store.db import session_scope
from store.models import Client, CsatPrompt, Task
from tests.conftest import CONFIG_TOML, PINNED_NOW, TEAM
from tests.fakeslack import slash_command_body
from tests.scheduling import Rig, posted_to
from tests.slack_payloads import picked_option, text_value, view_submission

CHANNEL_TOML = """
[templates.welcome]
text = "Hi, this is the {client} team. I'm on {task}."
"""


@pytest.fixture(autouse=True)
def _pinned_clock() -> None:
    clock.set_now(PINNED_NOW)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "vadesk.toml"
    text = CONFIG_TOML.replace('channel = "C0ACME"', 'channel = "C0ACME"\ncsat = true')
    path.write_text(text + CHANNEL_TOML, encoding="utf-8")
    return path


def _clients(engine) -> dict[str, tuple[int, str, str | None]]:
    with session_scope(engine) as session:
        rows = session.exec(select(Client).where(Client.team_id == TEAM)).all()
        return {row.key: (row.id, row.name, row.channel_id) for row in rows}


def _task(engine, number: int) -> Task:
    with session_scope(engine) as session:
        return session.exec(select(Task).where(Task.number == number)).one()


def _client_key(engine, task: Task) -> str | None:
    by_id = {row_id: key for key, (row_id, _name, _channel) in _clients(engine).items()}
    return by_id.get(task.client_id)


def _command_in(live_app, channel: str, command: str, text: str, user: str = "U0VA1") -> dict:
    """A slash command typed in `channel`; what the app answered privately."""
    before = len(live_app.fake.calls("response_url"))
    body = slash_command_body(
        command,
        text,
        user_id=user,
        team_id=TEAM,
        channel_id=channel,
        response_url=live_app.fake.response_url(f"in-{channel}-{before}"),
        trigger_id="trig.channel",
    )
    assert live_app.post(body)[0] == 200
    return live_app.fake.wait_for("response_url", before + 1)[before].params


def test_a_client_key_that_is_also_a_tag_stops_start_up(tmp_path):
    path = tmp_path / "vadesk.toml"
    path.write_text('[clients.billing-payment-question]\nname = "Billing Co"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_settings({"VADESK_CONFIG": str(path)}, load_dotenv_file=False)
    message = str(refused.value)
    assert "clients.billing-payment-question" in message
    assert "Billing – Payment Question" in message and "rename" in message


# --------------------------------------------------------------------------- the channel's client


def test_task_add_in_a_client_channel_is_that_clients(live_app):
    reply = _command_in(live_app, "C0ACME", "/task", "add Send invoice")
    assert reply["text"].startswith("Created")
    task = _task(live_app.engine, 1)
    assert _client_key(live_app.engine, task) == "acme"
    assert task.channel_id == "C0ACME"
    shown = json.dumps(live_app.command("/task", "show T-1")["blocks"])
    assert "*Client*\\nAcme Corp" in shown
    _command_in(live_app, "C0GEN", "/task", "add Tidy the shared drive")
    assert _task(live_app.engine, 2).client_id is None


def test_the_readme_example_names_the_client_with_its_key(live_app):
    reply = _command_in(
        live_app,
        "C0GEN",
        "/task",
        "add Send invoice #acme <@U0VA2|maria> due friday !high #billing-payment-question",
    )
    assert reply["text"].startswith("Created"), reply["text"]
    task = _task(live_app.engine, 1)
    assert _client_key(live_app.engine, task) == "acme"
    assert (task.title, task.assignee_id, task.due, task.priority, task.tag) == (
        "Send invoice",
        "U0VA2",
        date(2026, 12, 4),
        "high",
        "Billing – Payment Question",
    )
    # The key names the client in any channel, and over the channel typed in.
    _command_in(live_app, "C0ACME", "/task", "add Globex report #Globex")
    assert _client_key(live_app.engine, _task(live_app.engine, 2)) == "globex"
    assert _task(live_app.engine, 2).channel_id is None
    # A channel named acme arrives as a link: the same client.
    _command_in(live_app, "C0GEN", "/task", "add Call back <#C0ACME|acme>")
    assert _client_key(live_app.engine, _task(live_app.engine, 3)) == "acme"


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("add Report #acme #globex", "A task has one client; you wrote #acme and #globex."),
        ("add Report #acme <#C0GLOBEX|globex>", "A task has one client; you wrote #acme"),
        ("add Report #acme #no-such-tag", "There is no tag '#no-such-tag'."),
    ],
)
def test_two_clients_or_an_unknown_tag_are_refused_and_nothing_is_made(live_app, text, refusal):
    reply = _command_in(live_app, "C0ACME", "/task", text)
    assert reply["text"].startswith(refusal), reply["text"]
    with session_scope(live_app.engine) as session:
        assert session.exec(select(Task)).all() == []


def test_timer_start_with_free_text_in_a_client_channel_bills_the_client(live_app):
    reply = _command_in(live_app, "C0ACME", "/timer", "start Call with Acme")
    assert "Call with Acme" in reply["text"]
    assert _client_key(live_app.engine, _task(live_app.engine, 1)) == "acme"
    clock.set_now("2026-11-30T14:30:00Z")
    live_app.command("/timer", "stop")
    with session_scope(live_app.engine) as session:
        (row,) = timesheet_rows(session, live_app.settings, date(2026, 11, 30), date(2026, 11, 30))
    assert (row.client, row.title) == ("Acme Corp", "Call with Acme")


def test_the_new_task_form_opened_in_a_client_channel_defaults_to_its_client(live_app):
    before = len(live_app.fake.calls("views.open"))
    body = slash_command_body(
        "/task", "", user_id="U0VA1", team_id=TEAM, channel_id="C0ACME", trigger_id="trig.form"
    )
    assert live_app.post(body)[0] == 200
    view = live_app.fake.wait_for("views.open", before + 1)[before].json("view")
    blocks = {block["block_id"]: block for block in view["blocks"]}
    picked = blocks["client"]["element"]["initial_option"]
    assert picked["text"]["text"] == "Acme Corp"
    status, _ = live_app.interact(
        view_submission(
            "task_create",
            {
                "title": text_value("Renew the domain"),
                "client": picked_option(picked["value"]),
                "priority": picked_option("normal"),
            },
            view["private_metadata"],
        )
    )
    assert status == 200
    task = _task(live_app.engine, 1)
    assert (_client_key(live_app.engine, task), task.channel_id) == ("acme", "C0ACME")
    # Elsewhere the form starts without a client.
    live_app.send_command("/task")
    other = live_app.fake.wait_for("views.open", before + 2)[before + 1].json("view")
    blocks = {block["block_id"]: block for block in other["blocks"]}
    assert "initial_option" not in blocks["client"]["element"]


def test_a_task_done_in_a_client_channel_prompts_csat_and_fills_the_template(live_app):
    rig = Rig(live_app.settings, live_app.engine, live_app.fake)
    _command_in(live_app, "C0ACME", "/task", "add Send the invoice")
    before = len(live_app.fake.calls("views.open"))
    body = slash_command_body(
        "/template", "welcome", user_id="U0VA1", team_id=TEAM, channel_id="C0ACME"
    )
    assert live_app.post(body)[0] == 200
    view = live_app.fake.wait_for("views.open", before + 1)[before].json("view")
    (field,) = [b for b in view["blocks"] if b.get("block_id") == "text"]
    assert field["element"]["initial_value"] == (
        "Hi, this is the Acme Corp team. I'm on Send the invoice."
    )
    clock.set_now("2026-11-30T15:00:00Z")
    live_app.command("/task", "done T-1 Sent and confirmed")
    assert len(posted_to(rig.tick("2026-11-30T15:00:30Z", only="csat-prompts"))) == 1
    (prompt,) = rig.posts("C0ACME")
    assert "How did we do on Send the invoice" in prompt.params["text"]
    with session_scope(live_app.engine) as session:
        assert session.exec(select(CsatPrompt.channel_id)).all() == ["C0ACME"]


def test_the_help_names_the_clients_keys(live_app):
    text = live_app.command("/task", "help")["text"]
    assert "`#acme` (Acme Corp), `#globex` (Globex)" in text
