"""`/agenda` through the real app on a pinned clock (Monday 2026-11-30 14:00 UTC): an
owner in New York and one in Manila see the same instants on their own local days, the
day the clocks go back, who is refused whose agenda, an unknown word, a broken feed
beside the rest of the day, conflicts, and a crowded week kept within Slack's limits."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from bot import clock
from bot.views.agenda import AGENDA_HELP
from tests.agenda_world import AgendaWorld, agenda_toml
from tests.conftest import CONFIG_TOML
from tests.contact_world import NOW

MONDAY = date(2026, 11, 30)


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "vadesk.toml"
    path.write_text(agenda_toml(CONFIG_TOML, tmp_path), encoding="utf-8")
    return path


@pytest.fixture
def world(live_app) -> AgendaWorld:
    live_app.fake.add_user("U0MANILA", tz="Asia/Manila", real_name="Maria")
    live_app.fake.add_user("U0VA1", tz="Asia/Manila", real_name="Jane")
    return AgendaWorld(live_app.engine, live_app.settings)


def shown(reply: dict) -> str:
    return reply.get("text", "") + json.dumps(reply.get("blocks", []), ensure_ascii=False)


def both_calendars(world: AgendaWorld) -> None:
    for user_id, title in (("U0OWNER", "Olivia's calendar"), ("U0MANILA", "Maria's calendar")):
        key = world.feed(user_id, title)
        world.event(key, "Board call", "2026-12-01T01:00:00", "2026-12-01T02:00:00")


def test_new_york_and_manila_see_the_same_call_on_their_own_days(live_app, world) -> None:
    both_calendars(world)
    olivia = shown(live_app.command("/agenda", "", user="U0OWNER"))
    maria_today = shown(live_app.command("/agenda", "today", user="U0MANILA"))
    maria_tomorrow = shown(live_app.command("/agenda", "tomorrow", user="U0MANILA"))
    assert "Your agenda for Mon 2026-11-30: 1 appointment" in olivia
    assert "Board call" in olivia and "|20:00>" in olivia  # Monday evening in New York
    assert "Days run midnight to midnight in America/New_York" in olivia
    assert "Board call" not in maria_today and "Nothing on." in maria_today
    assert "Your agenda for Tue 2026-12-01: 1 appointment" in maria_tomorrow
    assert "|09:00>" in maria_tomorrow and "Asia/Manila" in maria_tomorrow
    token = f"<!date^{int((NOW + timedelta(hours=11)).timestamp())}^{{time}}"
    assert token in olivia and token in maria_tomorrow  # one instant, two local days


def test_the_supporting_va_in_manila_sees_the_owners_new_york_day(live_app, world) -> None:
    both_calendars(world)
    clock.set_now("2026-11-30T23:30:00Z")  # Tuesday 07:30 for the VA, Monday for Olivia
    reply = shown(live_app.command("/agenda", "<@U0OWNER|olivia>", user="U0VA1"))
    assert "<@U0OWNER>'s agenda for Mon 2026-11-30" in reply
    assert "Board call" in reply and "|20:00>" in reply
    own = shown(live_app.command("/agenda", "", user="U0VA1"))
    assert "Your agenda for Tue 2026-12-01" in own


def test_the_day_the_clocks_go_back(live_app, world) -> None:
    clock.set_now("2026-10-31T16:00:00Z")
    key = world.feed("U0OWNER", "Olivia's calendar", good_at=clock.now())
    world.event(key, "Saturday night", "2026-11-01T03:30:00", "2026-11-01T03:45:00")
    world.event(key, "Sunday night", "2026-11-02T04:30:00", "2026-11-02T04:45:00")  # 23:30 EST
    reply = shown(live_app.command("/agenda", "2026-11-01", user="U0OWNER"))
    assert "Sun 2026-11-01" in reply and "25 hours: the clocks change" in reply
    assert "Sunday night" in reply and "|23:30>" in reply
    assert "Saturday night" not in reply


@pytest.mark.parametrize(
    ("viewer", "words"),
    [
        ("U0VA2", "<@U0OWNER|olivia>"),  # supports the owner, but phase II
        ("U0VA1", "<@U0MANILA|maria> week"),  # phase III, not one of the owners supported
        ("U0VA1", "<@U0VA2|sam>"),  # a colleague
    ],
)
def test_someone_not_allowed_is_refused_and_nothing_is_shown(live_app, world, viewer, words):
    key = world.feed("U0OWNER", "Olivia's calendar")
    world.event(key, "Private appointment", "2026-11-30T15:00:00", "2026-11-30T16:00:00")
    reply = live_app.command("/agenda", words, user=viewer)
    assert reply["text"].startswith("You may not see <@")
    assert "agenda: besides your own, supervisors and owners see anyone's" in reply["text"]
    assert "Private appointment" not in shown(reply) and not reply.get("blocks")


def test_supervisors_and_owners_see_anyones(live_app, world) -> None:
    world.task("File the report", due=MONDAY, assignee="U0VA2")
    for viewer in ("U0SUPER", "U0OWNER", "U0VA2"):
        reply = shown(live_app.command("/agenda", "<@U0VA2|sam>", user=viewer))
        assert "File the report" in reply, viewer


def test_an_unknown_word_gets_the_words_it_knows(live_app, world) -> None:
    reply = live_app.command("/agenda", "yesterday", user="U0OWNER")
    assert reply["text"] == (
        "I don't know 'yesterday' here; use `today`, `tomorrow`, `week` (7 days from "
        "today) or a date as `YYYY-MM-DD`, and `@person` for someone else's agenda."
    )
    assert live_app.command("/agenda", "help", user="U0OWNER")["text"] == AGENDA_HELP


def test_a_broken_feed_is_named_with_its_age_and_the_rest_still_shown(live_app, world) -> None:
    key = world.feed(
        "U0OWNER", "Olivia's calendar", good_at=NOW - timedelta(hours=5),
        error="the server did not answer within 10 seconds",
    )  # fmt: skip
    world.event(key, "Client call", "2026-11-30T15:00:00", "2026-11-30T16:00:00")
    world.task("Send the invoice", due=MONDAY, assignee="U0OWNER")
    world.task("Late report", due=MONDAY - timedelta(days=2), assignee="U0OWNER")
    reply = shown(live_app.command("/agenda", "", user="U0OWNER"))
    assert (
        "Olivia's calendar could not be read (the server did not answer within 10 seconds); "
        "showing its copy from 5 hours ago." in reply
    )
    assert "Client call" in reply and "Send the invoice" in reply
    assert "Late report" in reply and "overdue, due Sat 2026-11-28" in reply


def test_conflicts_are_flagged(live_app, world) -> None:
    key = world.feed("U0OWNER", "Olivia's calendar")
    world.event(key, "Client call", "2026-11-30T15:00:00", "2026-11-30T16:00:00")
    world.event(key, "Dentist", "2026-11-30T15:30:00", "2026-11-30T16:30:00")
    world.event(key, "Review", "2026-11-30T16:30:00", "2026-11-30T17:00:00")
    world.event(key, "Board", "2026-11-30T21:30:00", "2026-11-30T22:30:00")
    world.task("Send the invoice", due=MONDAY, assignee="U0OWNER")
    reply = live_app.command("/agenda", "", user="U0OWNER")
    text = shown(reply)
    assert "3 conflicts" in reply["text"]
    assert "Overlap: *Client call* and *Dentist*" in text
    assert "Back to back: *Dentist* ends as *Review* starts" in text
    assert "is due at <!date^" in text and "during *Board*" in text


def test_a_crowded_week_stays_within_slacks_limits(live_app, world) -> None:
    key = world.feed("U0OWNER", "Olivia's calendar")
    for day in range(7):
        for slot in range(72):
            hour, minute = divmod(slot * 20, 60)
            day_of = f"2026-{11 if day == 0 else 12}-{30 if day == 0 else day:02d}"
            start = f"{day_of}T{hour:02d}:{minute:02d}:00"
            end = f"{day_of}T{hour:02d}:{minute + 15:02d}:00"
            summary = f"<Meeting> & {'very long words ' * 30}{day}-{slot}"
            world.event(key, summary, start, end, location="Room <&> " * 20)
    for number in range(80):
        world.task(f"Task {number} " + "&" * 100, due=MONDAY, assignee="U0OWNER")
    reply = live_app.command("/agenda", "week", user="U0OWNER")
    assert len(reply["blocks"]) <= 50
    text = shown(reply)
    assert "and 20 more tasks" in text and "more not shown; ask for one day at a time" in text
    assert "&lt;Meeting&gt; &amp;" in text
    live_app.fake.assert_no_rejections()
