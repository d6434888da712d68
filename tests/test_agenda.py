"""The agenda's rules on a pinned clock (Monday 2026-11-30 14:00 UTC): the words, local
days over DST, the same instants on different local days in New York and Manila, the
work due, conflicts, a broken feed shown with its age, who may see whose, and the one
appointment formatter."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import clock
from bot.services.agenda.appointments import Appointment
from bot.services.agenda.conflicts import BACK_TO_BACK, DEADLINE, OVERLAP
from bot.services.agenda.day import agenda_for, local_days
from bot.services.agenda.viewing import asked_agenda, may_see
from bot.services.agenda.work import CHAT, DELEGATED, FOLLOW_UP, KIND_LIMIT, NEXT_STEP, TASK
from bot.services.errors import InputError, PermissionDenied
from bot.services.parsing import days_asked, parse_agenda_words
from bot.views.agenda import agenda_blocks, agenda_text
from bot.views.appointments import appointment_line, appointment_when
from store.db import session_scope
from tests.agenda_world import AgendaWorld, agenda_toml, utc
from tests.conftest import CONFIG_TOML, TEAM
from tests.contact_world import NOW

NEW_YORK, MANILA = ZoneInfo("America/New_York"), ZoneInfo("Asia/Manila")
MONDAY = date(2026, 11, 30)


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "vadesk.toml"
    path.write_text(agenda_toml(CONFIG_TOML, tmp_path), encoding="utf-8")
    return path


@pytest.fixture
def world(engine, settings) -> AgendaWorld:
    return AgendaWorld(engine, settings)


def agenda(world: AgendaWorld, user_id: str, first: date, days: int = 1):
    with session_scope(world.engine) as session:
        return agenda_for(session, world.settings, TEAM, user_id, first, days, clock.now())


def summaries(found) -> list[list[str]]:
    return [[a.summary for a in day.appointments] for day in found.days]


# -- the words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first", "days", "subject"),
    [
        ("", MONDAY, 1, None),
        ("today", MONDAY, 1, None),
        ("TOMORROW", MONDAY + timedelta(days=1), 1, None),
        ("week", MONDAY, 7, None),
        ("2026-12-24", date(2026, 12, 24), 1, None),
        ("<@U0OWNER|olivia> tomorrow", MONDAY + timedelta(days=1), 1, "U0OWNER"),
        ("week <@U0OWNER>", MONDAY, 7, "U0OWNER"),
        ("<@U0OWNER> <@U0OWNER>", MONDAY, 1, "U0OWNER"),
    ],
)
def test_the_words(text: str, first: date, days: int, subject: str | None) -> None:
    ask = parse_agenda_words(text)
    assert days_asked(ask, MONDAY) == (first, days)
    assert ask.subject_id == subject


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("yesterday", "I don't know 'yesterday' here; use `today`, `tomorrow`, `week`"),
        ("next week", "I don't know 'next' here"),
        ("today tomorrow", "Name one day or `week`, not two"),
        ("<@U0OWNER> <@U0VA2>", "Name one person"),
        ("2026-02-30", "'2026-02-30' is not a valid date"),
        ("<!channel>", "I don't know '&lt;!channel&gt;' here"),
    ],
)
def test_words_it_does_not_know_are_refused_with_those_it_does(text: str, says: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_agenda_words(text)
    assert says in refused.value.message
    assert "@person" in refused.value.message or "Name one" in refused.value.message


def test_a_day_more_than_a_year_away_is_refused() -> None:
    with pytest.raises(InputError, match="more than 366 days from today"):
        days_asked(parse_agenda_words("2028-01-01"), MONDAY)


# -- local days --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "zone", "hours"),
    [
        (date(2026, 11, 1), NEW_YORK, 25),  # the US autumn change
        (date(2026, 3, 8), NEW_YORK, 23),  # the US spring change
        (date(2026, 10, 25), ZoneInfo("Europe/Berlin"), 25),  # the EU autumn change
        (date(2026, 3, 29), ZoneInfo("Europe/Berlin"), 23),
        (date(2026, 11, 1), MANILA, 24),  # Manila keeps no DST
    ],
)
def test_a_day_runs_from_local_midnight_to_local_midnight(day, zone, hours) -> None:
    [(found, start, end)] = local_days(day, 1, zone)
    assert found == day
    assert start.astimezone(zone).hour == 0 and end.astimezone(zone).hour == 0
    assert (end - start) == timedelta(hours=hours)


def test_a_week_is_seven_local_days_from_the_first() -> None:
    days = local_days(date(2026, 10, 29), 7, NEW_YORK)
    assert [d for d, _s, _e in days] == [date(2026, 10, 29) + timedelta(days=n) for n in range(7)]
    assert all(days[n][2] == days[n + 1][1] for n in range(6))  # no gap, no overlap
    assert days[-1][2] - days[0][1] == timedelta(days=7, hours=1)


def test_new_york_and_manila_see_the_same_instants_on_their_own_days(world) -> None:
    for user_id, title in (("U0OWNER", "Olivia's calendar"), ("U0MANILA", "Maria's calendar")):
        key = world.feed(user_id, title)
        world.event(key, "Board call", "2026-12-01T01:00:00", "2026-12-01T02:00:00")
        world.event(key, "Standup", "2026-11-30T15:00:00", "2026-11-30T15:30:00")
    new_york = agenda(world, "U0OWNER", MONDAY, 2)
    manila = agenda(world, "U0MANILA", MONDAY, 2)
    # 01:00 UTC is Monday 20:00 in New York and Tuesday 09:00 in Manila.
    assert summaries(new_york) == [["Standup", "Board call"], []]
    assert summaries(manila) == [["Standup"], ["Board call"]]
    assert new_york.today == MONDAY and manila.today == MONDAY  # 22:00 in Manila
    [_standup, call] = new_york.days[0].appointments
    assert "|20:00>" in appointment_line(call, new_york.zone, MONDAY)
    assert "|09:00>" in appointment_line(call, manila.zone, MONDAY + timedelta(days=1))
    assert f"<!date^{int(utc('2026-12-01T01:00:00').timestamp())}^" in appointment_line(
        call, manila.zone
    )


def test_the_day_the_clocks_go_back_has_25_hours_of_appointments(world) -> None:
    clock.set_now("2026-10-31T16:00:00Z")
    key = world.feed("U0OWNER", "Olivia's calendar", good_at=clock.now())
    world.event(key, "Late Saturday", "2026-11-01T03:30:00", "2026-11-01T03:45:00")  # Sat 23:30
    world.event(key, "Just after midnight", "2026-11-01T04:30:00", "2026-11-01T05:00:00")
    world.event(key, "Sunday night", "2026-11-02T04:30:00", "2026-11-02T04:45:00")  # 23:30 EST
    world.event(key, "Monday", "2026-11-02T05:00:00", "2026-11-02T05:30:00")  # Mon 00:00 EST
    sunday = agenda(world, "U0OWNER", date(2026, 11, 1))
    assert summaries(sunday) == [["Just after midnight", "Sunday night"]]  # not now + 24 h
    assert sunday.days[0].hours == 25
    text = str([b.to_dict() for b in agenda_blocks(sunday, "U0OWNER")])
    assert "25 hours: the clocks change" in text


# -- the work due ------------------------------------------------------------------------


def test_the_work_due_on_a_day_and_what_is_overdue_on_today(world) -> None:
    task = world.task("Send the invoice", due=MONDAY, assignee="U0OWNER")
    world.task("Late report", due=MONDAY - timedelta(days=3), assignee="U0OWNER")
    world.task("Done already", due=MONDAY, assignee="U0OWNER", status="done")
    world.task("Someone else's", due=MONDAY, assignee="U0VA2")
    world.task("Next week", due=MONDAY + timedelta(days=8), assignee="U0OWNER")
    world.followup_due(task, "Chase the payment", MONDAY)
    brief = world.task("Research venues", due=MONDAY + timedelta(days=1), assignee="U0VA2")
    world.deadline(brief, "U0VA2", MONDAY + timedelta(days=1))
    given = world.task("Book flights", due=MONDAY, assignee="U0OWNER")
    world.deadline(given, "U0OWNER", MONDAY, assigner="U0SUPER")
    world.conversation("U0CLIENT", 5, assignee_id="U0OWNER")
    world.conversation("U0CLIENT2", 30, assignee_id="U0OWNER")
    owner_actor = _actor(world, "U0OWNER")
    world.contact(
        owner_actor,
        "Bob Jones",
        owner_id="U0OWNER",
        next_step="Send the quote",
        next_step_due=MONDAY,
    )

    today = agenda(world, "U0OWNER", MONDAY)
    kinds = [(item.kind, item.title or item.ref, item.overdue) for item in today.days[0].work]
    assert sorted(kinds) == sorted(
        [
            (TASK, "Send the invoice", False),
            (TASK, "Late report", True),
            (FOLLOW_UP, "Chase the payment", False),
            (DELEGATED, "Book flights", False),
            (NEXT_STEP, "Send the quote", False),
            (CHAT, "Acme Corp", False),
            (CHAT, "Acme Corp", True),
        ]
    )
    tomorrow = agenda(world, "U0OWNER", MONDAY + timedelta(days=1))
    [(item)] = tomorrow.days[0].work  # the deadline given to a VA; nothing overdue again
    assert (item.kind, item.title, item.given_by_subject, item.person) == (
        DELEGATED, "Research venues", True, "U0VA2",
    )  # fmt: skip
    # Due on a date: at the end of the owner's working day (17:00 in New York).
    send = next(i for i in today.days[0].work if i.title == "Send the invoice")
    assert send.due_at == utc("2026-11-30T22:00:00")


def test_next_steps_due_on_a_later_day_are_found_past_many_overdue(world) -> None:
    owner = _actor(world, "U0OWNER")
    for number in range(KIND_LIMIT + 1):
        world.contact(
            owner, f"Lead {number}", owner_id="U0OWNER", next_step="Call", next_step_due=MONDAY
        )
    thursday = MONDAY + timedelta(days=3)
    world.contact(
        owner, "Carol King", owner_id="U0OWNER", next_step="Send the quote", next_step_due=thursday
    )
    clock.set_now(NOW + timedelta(days=2))  # Wednesday: the leads' steps are overdue
    later = agenda(world, "U0OWNER", thursday)
    assert [(i.ref, i.overdue) for i in later.days[0].work] == [("Carol King", False)]
    today = agenda(world, "U0OWNER", MONDAY + timedelta(days=2))
    assert len(today.days[0].work) == KIND_LIMIT and today.more_work == {NEXT_STEP: 1}
    assert all(item.overdue for item in today.days[0].work)


def _actor(world, user_id: str):
    from bot.services.people import resolve_actor

    with session_scope(world.engine) as session:
        return resolve_actor(session, world.settings, TEAM, user_id, lambda _u: {})


# -- conflicts ---------------------------------------------------------------------------


def test_overlaps_back_to_back_and_a_deadline_in_a_meeting_are_flagged(world) -> None:
    key = world.feed("U0OWNER", "Olivia's calendar")
    world.event(key, "Client call", "2026-11-30T15:00:00", "2026-11-30T16:00:00")  # 10:00-11:00
    world.event(key, "Dentist", "2026-11-30T15:30:00", "2026-11-30T16:30:00")  # overlaps
    world.event(key, "Review", "2026-11-30T16:30:00", "2026-11-30T17:00:00")  # right after
    world.event(key, "Board", "2026-11-30T21:30:00", "2026-11-30T22:30:00")  # over 17:00
    world.event(key, "Later", "2026-11-30T23:00:00", "2026-11-30T23:30:00")  # a gap before
    world.all_day(key, "Conference", MONDAY, MONDAY)  # blocks no time
    world.task("Send the invoice", due=MONDAY, assignee="U0OWNER")
    found = agenda(world, "U0OWNER", MONDAY)
    conflicts = [
        (c.kind, c.first.summary, c.second.summary if c.second else c.item and c.item.title)
        for c in found.days[0].conflicts
    ]
    assert conflicts == [
        (OVERLAP, "Client call", "Dentist"),
        (BACK_TO_BACK, "Dentist", "Review"),
        (DEADLINE, "Board", "Send the invoice"),
    ]
    lines = str([b.to_dict() for b in agenda_blocks(found, "U0OWNER")])
    assert "Overlap: *Client call* and *Dentist*" in lines
    assert "Back to back: *Dentist* ends as *Review* starts" in lines
    assert "`T-1` is due at <!date^" in lines and "during *Board*" in lines


def test_the_same_event_in_the_stored_copy_twice_is_no_overlap() -> None:
    from bot.services.agenda.conflicts import find_conflicts

    one = Appointment(
        "user:U1", "cal", "uid-1", "", "Call", "",
        utc("2026-11-30T15:00:00"), utc("2026-11-30T16:00:00"), False,
    )  # fmt: skip
    other = Appointment(
        "shared:bookings", "Bookings", "uid-1", "", "Call", "",
        utc("2026-11-30T15:00:00"), utc("2026-11-30T16:00:00"), False,
    )  # fmt: skip
    assert find_conflicts([one, other], [], NEW_YORK, NOW) == []


# -- a broken feed -----------------------------------------------------------------------


def test_a_broken_feed_shows_its_last_copy_with_its_age_and_the_rest(world) -> None:
    key = world.feed(
        "U0OWNER",
        "Olivia's calendar",
        good_at=NOW - timedelta(hours=3),
        error="the server answered 500 Internal Server Error",
    )
    world.event(key, "Client call", "2026-11-30T15:00:00", "2026-11-30T16:00:00")
    world.task("Send the invoice", due=MONDAY, assignee="U0OWNER")
    found = agenda(world, "U0OWNER", MONDAY)
    assert summaries(found) == [["Client call"]]
    assert [item.title for item in found.days[0].work] == ["Send the invoice"]
    [note] = found.feeds
    assert note.age == timedelta(hours=3) and note.error
    text = str([b.to_dict() for b in agenda_blocks(found, "U0OWNER")])
    assert (
        "Olivia's calendar could not be read (the server answered 500 Internal Server Error); "
        "showing its copy from 3 hours ago." in text
    )


def test_a_feed_never_read_says_so_and_the_work_is_still_listed(world) -> None:
    world.task("Send the invoice", due=MONDAY, assignee="U0OWNER")
    found = agenda(world, "U0OWNER", MONDAY)  # the feed has no row yet
    assert [note.good_at for note in found.feeds] == [None]
    text = str([b.to_dict() for b in agenda_blocks(found, "U0OWNER")])
    assert "Your calendar feed has not been read yet" in text and "Send the invoice" in text


@pytest.mark.parametrize(("minutes", "mentioned"), [(30, False), (31, True)])
def test_a_copy_two_refreshes_old_is_mentioned_with_its_age(world, minutes, mentioned) -> None:
    # refresh_minutes is 10 by default: two missed refreshes and 10 minutes' margin.
    key = world.feed("U0OWNER", "Olivia's calendar", good_at=NOW - timedelta(minutes=minutes))
    world.event(key, "Client call", "2026-11-30T15:00:00", "2026-11-30T16:00:00")
    found = agenda(world, "U0OWNER", MONDAY)
    assert summaries(found) == [["Client call"]]
    assert bool(found.feeds) is mentioned
    if mentioned:
        text = str([b.to_dict() for b in agenda_blocks(found, "U0OWNER")])
        assert "Olivia's calendar was last read 31 minutes ago." in text


# -- who may see whose -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "subject", "allowed"),
    [
        ("U0VA2", "U0VA2", True),  # yourself
        ("U0OWNER", "U0VA2", True),  # owners anyone
        ("U0SUPER", "U0OWNER", True),  # supervisors anyone
        ("U0VA1", "U0OWNER", True),  # phase III, supports the owner
        ("U0VA1", "U0MANILA", False),  # an owner they do not support
        ("U0VA1", "U0VA2", False),  # a colleague
        ("U0VA2", "U0OWNER", False),  # supports the owner, but phase II
    ],
)
def test_who_may_see_whose_agenda(world, viewer, subject, allowed) -> None:
    actor = _actor(world, viewer)
    with session_scope(world.engine) as session:
        assert may_see(session, world.settings, actor, subject) is allowed


def test_a_refusal_is_a_sentence_and_reads_nothing(world) -> None:
    actor = _actor(world, "U0VA2")
    with session_scope(world.engine) as session, pytest.raises(PermissionDenied) as refused:
        asked_agenda(session, world.settings, actor, "<@U0OWNER> week")
    assert refused.value.message.startswith("You may not see <@U0OWNER>'s agenda")


def test_the_words_are_read_in_the_subjects_zone(world) -> None:
    clock.set_now("2026-11-30T23:30:00Z")  # Monday 18:30 in New York, Tuesday 07:30 in Manila
    viewer = _actor(world, "U0VA1")
    with session_scope(world.engine) as session:
        theirs = asked_agenda(session, world.settings, viewer, "<@U0OWNER>")
        mine = asked_agenda(session, world.settings, viewer, "today")
    assert theirs.first_day == MONDAY and theirs.zone == NEW_YORK
    assert mine.first_day == MONDAY + timedelta(days=1)
    assert agenda_text(theirs, "U0VA1").startswith("<@U0OWNER>'s agenda for Mon 2026-11-30")


# -- the formatter -----------------------------------------------------------------------


def test_a_summary_is_escaped_then_fitted_on_one_line() -> None:
    long = "<b>Q&A</b>\nwith <@U0VA1> " + "x" * 400
    appointment = Appointment(
        "user:U1", "Olivia's calendar", "u", "", long, "Room <1>",
        utc("2026-11-30T15:00:00"), utc("2026-11-30T16:00:00"), False,
    )  # fmt: skip
    line = appointment_line(appointment, NEW_YORK, MONDAY, calendar=True)
    assert "&lt;b&gt;Q&amp;A&lt;/b&gt; with &lt;@U0VA1&gt;" in line and "\n" not in line
    assert "<@" not in line and "<b>" not in line
    title = line.split("*")[1]
    assert len(title) <= 200 and title.endswith("…")
    assert "Room &lt;1&gt;" in line and "_Olivia's calendar_" in line
    assert line.startswith(
        f"<!date^{int(utc('2026-11-30T15:00:00').timestamp())}^{{time}}|10:00>–"
        f"<!date^{int(utc('2026-11-30T16:00:00').timestamp())}^{{time}}|11:00>"
    )


def test_all_day_and_overnight_appointments_say_their_days() -> None:
    def made(start: datetime, end: datetime, all_day: bool) -> Appointment:
        return Appointment("k", "c", "u", "", "Trip", "", start, end, all_day)

    midnight = datetime(2026, 11, 30, tzinfo=NEW_YORK)
    trip = made(midnight, midnight + timedelta(days=3), True)
    assert appointment_when(trip, NEW_YORK, MONDAY) == "All day, to Wed 2026-12-02"
    assert appointment_when(trip, NEW_YORK, date(2026, 12, 1)) == (
        "All day, Mon 2026-11-30 to Wed 2026-12-02"
    )
    assert appointment_when(made(midnight, midnight + timedelta(days=1), True), NEW_YORK) == (
        "All day"
    )
    night = made(utc("2026-12-01T03:00:00"), utc("2026-12-01T06:00:00"), False)
    when = appointment_when(night, NEW_YORK, MONDAY)  # 22:00 Monday to 01:00 Tuesday
    assert when.endswith("{date_short_pretty} {time}|Tue 2026-12-01 01:00>")
    assert "^{time}|22:00>" in when
