"""The App Home's contacts part through the real app: an owner sees the pipeline's
figures per stage and how many contacts are stale, with where to act on them; a VA sees
the contacts they own whose next step is due today or overdue in their own time zone,
oldest first, and nobody else's."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

from bot import clock
from bot.services import contacts, stale
from bot.services.contacts import NewContact
from bot.services.people import resolve_actor
from store.db import session_scope
from tests.conftest import TEAM
from tests.fakeslack import event_body

NOW = "2026-11-30T23:30:00Z"  # Monday 18:30 in New York, already Tuesday in Manila


def add(live_app, name: str, owner: str | None, due: date | None, days_old: int = 0) -> int:
    clock.set_now(clock.parse_instant(NOW) - timedelta(days=days_old))
    with session_scope(live_app.engine) as session:
        actor = resolve_actor(session, live_app.settings, TEAM, "U0SUPER", lambda _u: {})
        new = NewContact(
            name=name, owner_id=owner, next_step=f"Call {name}" if due else None, next_step_due=due
        )
        contact = contacts.create_contact(session, live_app.settings, actor, new)
    clock.set_now(NOW)
    return contact.id


def home_of(live_app, user: str, event_id: str) -> dict:
    before = len(live_app.fake.calls("views.publish"))
    body = event_body(
        {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"},
        event_id=event_id,
    )
    assert live_app.post(body)[0] == 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for call in live_app.fake.calls("views.publish")[before:]:
            if call.params.get("user_id") == user:
                return call.json("view")
        time.sleep(0.02)
    raise AssertionError(f"no App Home published for {user}")


def text_of(view: dict) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def test_an_owner_sees_the_stale_count_and_where_to_act_on_it(live_app):
    add(live_app, "Olga Old", None, None, days_old=30)
    add(live_app, "Mike Mid", "U0VA2", None, days_old=20)
    archived = add(live_app, "Archie Archived", None, None, days_old=40)
    add(live_app, "Fresh Fay", None, None, days_old=1)
    with session_scope(live_app.engine) as session:
        actor = resolve_actor(session, live_app.settings, TEAM, "U0OWNER", lambda _u: {})
        stale.archive_contact(session, actor, archived)
    shown = text_of(home_of(live_app, "U0OWNER", "EvOwner"))
    # The pipeline's figures per stage (the archived contact is out of it).
    assert '"text": "Pipeline"' in shown
    assert "*Lead* · 3 contacts\\n*Booked* · 0 contacts" in shown
    assert "*All stages* · 3 contacts" in shown
    assert "*2 stale contacts* (no touch for longer than the stage allows)" in shown
    assert "the daily digest lists them with *Archive*, *Re-engage*" in shown
    va_home = text_of(home_of(live_app, "U0VA1", "EvVa"))
    assert "stale contact" not in va_home and "All stages" not in va_home


def test_a_va_sees_their_own_next_steps_due_in_their_own_day_oldest_first(live_app):
    live_app.fake.add_user("U0VA2", tz="Asia/Manila")
    add(live_app, "Due Today NY", "U0VA1", date(2026, 11, 30))
    add(live_app, "Three Days Late", "U0VA1", date(2026, 11, 27))
    add(live_app, "Due Tomorrow", "U0VA1", date(2026, 12, 1))
    add(live_app, "Someone Else's", "U0VA2", date(2026, 11, 29))
    gone = add(live_app, "Archived Late", "U0VA1", date(2026, 11, 20))
    add(live_app, "Manila Tuesday", "U0VA2", date(2026, 12, 1))
    with session_scope(live_app.engine) as session:
        actor = resolve_actor(session, live_app.settings, TEAM, "U0VA1", lambda _u: {})
        stale.archive_contact(session, actor, gone)
    shown = text_of(home_of(live_app, "U0VA1", "EvVa1"))
    late = "• *Three Days Late* · Lead · Call Three Days Late · due Fri 2026-11-27, 3 days overdue"
    today = "• *Due Today NY* · Lead · Call Due Today NY · due today"
    assert late in shown and today in shown
    assert shown.index(late) < shown.index(today)
    for hidden in ("Due Tomorrow", "Someone Else's", "Archived Late", "Manila Tuesday"):
        assert hidden not in shown
    # In Manila it is already Tuesday 1 December: that next step is due today there.
    manila = text_of(home_of(live_app, "U0VA2", "EvVa2"))
    assert "• *Manila Tuesday* · Lead · Call Manila Tuesday · due today" in manila
    assert "*Someone Else's* · Lead · Call Someone Else's · due Sun 2026-11-29" in manila


def test_a_va_with_many_next_steps_due_sees_ten_and_how_many_more(live_app):
    for n in range(12):
        add(live_app, f"Contact {n:02d}", "U0VA1", date(2026, 11, 1) + timedelta(days=n))
    shown = text_of(home_of(live_app, "U0VA1", "EvMany"))
    assert "Contact 09" in shown and "Contact 10" not in shown
    assert "… and 2 more; `/contact <name>` shows each one." in shown
