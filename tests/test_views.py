"""Block Kit builders: Slack's length limits hold whatever the data."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.views.blocks import SECTION_TEXT_LIMIT, line_sections
from bot.views.tasks import task_list_blocks
from store.models import Task


def _task(number: int, title: str) -> Task:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    return Task(
        team_id="T0TEAM",
        number=number,
        title=title,
        creator_id="U0VA1",
        assignee_id="U0VA1",
        created_at=now,
        updated_at=now,
    )


def test_lines_are_packed_under_the_section_limit_and_none_is_lost():
    lines = [f"line {n} " + "x" * 290 for n in range(40)]
    sections = line_sections(lines)
    texts = [s.to_dict()["text"]["text"] for s in sections]
    assert len(sections) > 1
    assert all(len(text) <= SECTION_TEXT_LIMIT for text in texts)
    assert "\n".join(texts).split("\n") == lines


def test_a_long_task_list_stays_valid_block_kit():
    tasks = [_task(n, "Follow up with the client about " + "🧾" * 200) for n in range(1, 120)]
    blocks = task_list_blocks(tasks, "All open tasks", date(2026, 11, 23))
    assert len(blocks) <= 50
    rendered = [block.to_dict() for block in blocks]  # slack_sdk validates lengths here
    assert rendered[0]["text"]["text"] == "*All open tasks* (119)"
    assert "*T-1*" in rendered[1]["text"]["text"]


def test_nothing_open_says_so():
    (block,) = task_list_blocks([], "My open tasks", date(2026, 11, 23))
    assert block.to_dict()["text"]["text"] == "My open tasks: nothing open. :tada:"


def test_every_listener_answers_its_own_failures(engine, settings):
    """A listener that raised after ack() would make Bolt answer 404 three seconds later;
    each is wrapped so its failures are answered (handlers/failures.py)."""
    from bot.app import build_app

    app = build_app(settings, engine)
    listeners = app._listeners  # Bolt keeps no public list of registered listeners
    assert len(listeners) >= 9
    for listener in listeners:
        assert getattr(listener.ack_function, "guarded", False), listener.ack_function
