"""CSAT through the real app: a client task done -> one prompt in the client channel; the
client's rating (changeable by them only), the team's clicks refused, a closed prompt,
and the figures in /report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from bot import clock
from store.db import session_scope
from store.models import CsatPrompt
from tests.conftest import CONFIG_TOML
from tests.scheduling import Rig, posted_to
from tests.slack_payloads import block_action


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "vadesk.toml"
    path.write_text(CONFIG_TOML.replace('channel = "C0ACME"', 'channel = "C0ACME"\ncsat = true'))
    return path


def _rate(live_app, rating: int, user: str, name: str | None = None) -> str | None:
    payload = block_action(f"csat_rate_{rating}", f"1:{rating}", user=user)
    if "CLIENT" in user:  # a Slack Connect guest: the button is ours, their team their own
        payload["user"]["team_id"] = "T0CLIENTORG"
    if name:
        payload["response_url"] = live_app.fake.response_url(name)
    live_app.interact(payload)
    if name is None:
        return None
    for _ in range(250):
        for call in live_app.fake.calls("response_url"):
            if call.path == f"/respond/{name}":
                return call.params["text"]
        __import__("time").sleep(0.02)
    raise AssertionError("no private answer")


def test_a_done_client_task_gets_one_prompt_and_the_clients_rating_counts(live_app):
    rig = Rig(live_app.settings, live_app.engine, live_app.fake)
    clock.set_now("2026-11-30T15:00:00Z")
    live_app.command("/task", "add Send the Acme invoice <#C0ACME|acme>")
    live_app.command("/task", "add Internal clean-up")
    live_app.command("/task", "done T-1 Sent and confirmed")
    live_app.command("/task", "done T-2 Done")
    outcomes = rig.tick("2026-11-30T15:00:30Z", only="csat-prompts")
    assert len(posted_to(outcomes)) == 1
    (prompt,) = rig.posts("C0ACME")
    assert "How did we do on Send the Acme invoice" in prompt.params["text"]
    assert posted_to(rig.tick("2026-11-30T15:01:00Z", only="csat-prompts")) == []
    # The team's own clicks do not count; the client's does, and they may change it.
    assert "Ratings come from the client" in _rate(live_app, 5, "U0VA1", "team")
    _rate(live_app, 4, "U0CLIENT")
    update = live_app.fake.wait_for("chat.update")[0]
    assert "Thank you, <@U0CLIENT>: 4/5" in update.params["text"]
    _rate(live_app, 5, "U0CLIENT")
    assert "5/5" in live_app.fake.wait_for("chat.update", 2)[1].params["text"]
    assert "has rated this one already" in _rate(live_app, 1, "U0OTHERCLIENT", "other")
    with session_scope(live_app.engine) as session:
        rated = session.exec(select(CsatPrompt)).one()
    assert (rated.rater_id, rated.rating) == ("U0CLIENT", 5)
    shown = json.dumps(live_app.command("/report", "today")["blocks"])
    assert "*CSAT* (target 4.5)\\n5.0 (1 rating, 100% at 4.5 or more)" in shown
    # A week later the prompt is closed.
    clock.set_now("2026-12-08T15:00:00Z")
    assert "closed" in _rate(live_app, 3, "U0CLIENT", "late")


def test_clients_without_csat_get_no_prompt(live_app):
    rig = Rig(live_app.settings, live_app.engine, live_app.fake)
    clock.set_now("2026-11-30T15:00:00Z")
    live_app.command("/task", "add Globex report <#C0GLOBEX|globex>")
    live_app.command("/task", "done T-1 Sent")
    assert rig.tick("2026-11-30T15:00:30Z", only="csat-prompts") == []
