"""The daily digest says what each VA finished, with the completion notes: one line per
VA with the count and the first items, the whole list one click away, escaped and within
Slack's limits for a team of 20 with long notes full of &, < and >."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import clock
from bot.services.digest import FinishedList, period_between
from bot.views.blocks import SECTION_TEXT_LIMIT, VIEW_BLOCKS_LIMIT
from bot.views.finished import SHOW_FINISHED_ACTION, finished_modal
from store.db import session_scope
from store.models import Task, Workspace
from tests.conftest import CONFIG_TOML, TEAM
from tests.scheduling import Rig
from tests.slack_payloads import block_action

VAS = [f"U0VA{n:02d}" for n in range(1, 21)]
TASKS_EACH = 5
# Markup a person might type: it must reach Slack escaped, never as a mention or a link.
NOTE = "Reconciled R&D <b>invoices</b> & sent the <!channel> summary > see sheet. " * 20


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """The shared settings with a roster of 20 and a digest channel."""
    roster = ", ".join(f'"{va}"' for va in VAS)
    text = CONFIG_TOML.replace('vas = ["U0VA1", "U0VA2"]', f"vas = [{roster}]")
    path = tmp_path / "vadesk.toml"
    path.write_text(text + '\n[channels]\ndigest = "C0DIGEST"\n', encoding="utf-8")
    return path


def _finished_day(engine) -> None:
    """Monday 2026-11-30: each VA finished five tasks, with long notes; the last VA none."""
    clock.set_now("2026-11-30T13:00:00Z")
    done_at = datetime(2026, 11, 30, 15, tzinfo=UTC)
    with session_scope(engine) as session:
        if session.get(Workspace, TEAM) is None:
            session.add(Workspace(id=TEAM, created_at=clock.now(), next_task_number=200))
            session.flush()
        number = 0
        for va in VAS[:-1]:
            for n in range(TASKS_EACH):
                number += 1
                session.add(
                    Task(
                        team_id=TEAM,
                        number=number,
                        title=f"Books & <ledger> for client {n}",
                        status="done",
                        assignee_id=va,
                        creator_id=va,
                        completed_by=va,
                        completed_at=done_at + timedelta(minutes=number),
                        notes=f"{number}: {NOTE}",
                        created_at=done_at,
                        updated_at=done_at,
                    )
                )


def _escaped_everywhere(text: str) -> None:
    """Every & is an entity Slack reads; no typed tag or <!channel> reaches it raw."""
    assert "<b>" not in text and "<!channel>" not in text and "<ledger>" not in text
    assert re.findall(r"&(?!amp;|lt;|gt;)", text) == []


def test_the_digest_lists_what_each_va_finished_and_shows_all_in_one_click(live_app):
    _finished_day(live_app.engine)
    rig = Rig(live_app.settings, live_app.engine, live_app.fake)
    outcomes = rig.tick("2026-11-30T21:30:00Z", only="daily-digest")
    assert [o.status for o in outcomes] == ["posted"]
    (digest,) = rig.posts("C0DIGEST")
    assert "Finished: 95 tasks by 19 VAs" in digest.params["text"]
    blocks = digest.json("blocks")
    assert len(blocks) <= 50
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    assert all(len(text) <= SECTION_TEXT_LIMIT for text in sections)
    shown = "\n".join(sections)
    _escaped_everywhere(shown)
    assert "*Finished on Mon 30 Nov*, with completion notes" in shown
    lines = [line for line in shown.splitlines() if " done: *T-" in line]
    assert len(lines) == 19  # one line per VA who finished something
    first = lines[0]
    assert first.startswith("• <@U0VA01> · 5 done: *T-1* Books &amp; &lt;ledger&gt; for client 0")
    assert "— 1: Reconciled R&amp;D &lt;b&gt;invoices&lt;/b&gt;" in first
    assert first.endswith("; and 3 more") and "*T-3*" not in first
    assert "• Nothing marked done: <@U0VA20>" in shown
    (actions,) = [b for b in blocks if b["type"] == "actions"]
    (button,) = actions["elements"]
    assert (button["action_id"], button["value"]) == (SHOW_FINISHED_ACTION, "2026-11-30/2026-11-30")

    status, _ = live_app.interact(block_action(SHOW_FINISHED_ACTION, button["value"], "U0SUPER"))
    assert status == 200
    (opened,) = live_app.fake.wait_for("views.open")
    view = opened.json("view")
    assert view["title"]["text"] == "Finished tasks"
    assert len(view["blocks"]) <= VIEW_BLOCKS_LIMIT
    everything = "\n".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    _escaped_everywhere(everything)
    for number in range(1, 96):
        assert f"*T-{number}* Books" in everything  # every task, none left out
    assert "*<@U0VA19>* · 5 done" in everything
    assert "U0VA20" not in everything


def test_a_va_clicking_show_all_is_refused_privately(live_app):
    _finished_day(live_app.engine)
    clock.set_now("2026-11-30T21:35:00Z")
    live_app.interact(block_action(SHOW_FINISHED_ACTION, "2026-11-30/2026-11-30", "U0VA01"))
    (told,) = live_app.fake.wait_for("chat.postMessage")
    assert told.params["text"] == "The team's finished tasks are for supervisors and owners."
    assert live_app.fake.calls("views.open") == []


def test_a_list_too_long_for_one_modal_names_the_rest(settings):
    """A week of 40 tasks a day for 20 VAs: notes shortest, then the rest by ID."""
    clock.set_now("2026-12-04T22:00:00Z")
    day = datetime(2026, 11, 30, 15, tzinfo=UTC)
    finished = {
        va: [
            Task(
                team_id=TEAM,
                number=index * 1000 + n,
                title="Inbox & <triage>",
                status="done",
                creator_id=va,
                completed_by=va,
                completed_at=day,
                notes=NOTE,
                created_at=day,
                updated_at=day,
            )
            for n in range(200)
        ]
        for index, va in enumerate(VAS, start=1)
    }
    first, last = datetime(2026, 11, 30).date(), datetime(2026, 12, 4).date()
    view = finished_modal(FinishedList(period_between("week", first, last, settings), finished))
    blocks = view.to_dict()["blocks"]
    assert len(blocks) <= VIEW_BLOCKS_LIMIT
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(text) <= SECTION_TEXT_LIMIT for text in texts)
    everything = "\n".join(texts)
    _escaped_everywhere(everything)
    listed = re.findall(r"^• \*T-\d+\*", everything, flags=re.MULTILINE)
    (more,) = re.findall(r"^… and (\d+) more: T-", everything, flags=re.MULTILINE)
    assert len(listed) + int(more) == 4000, "every task is listed or counted"
    assert len(listed) > 1000
    assert json.dumps(view.to_dict())  # it serializes as Slack receives it
