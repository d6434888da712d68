"""What the testimonial tests set up: client work completed at a moment, a CSAT rating,
an earlier request, the weekly list posted, and its Request testimonial pressed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select

from bot import clock
from bot.services import contacts, people
from bot.services.contacts import NewContact
from bot.services.tasks import NewTask, create_task
from store.db import session_scope
from store.models import Client, Contact, ContactEvent, CsatPrompt, Task
from tests.conftest import TEAM
from tests.scheduling import Rig, posted_to

ROUTINE = "routine:testimonials"
SLOT = datetime.fromisoformat("2026-12-02T16:00:00+00:00")  # Wednesday 11:00 in New York
TEMPLATE_TOML = """
[templates.testimonial]
text = "Hi {contact}, would you share a few words about working with {va} on {client}?"
"""


def client_id(engine, key: str) -> int:
    with session_scope(engine) as session:
        return session.exec(select(Client.id).where(Client.key == key)).one()


def work_done(engine, settings, key: str, at: datetime, user: str = "U0VA1") -> Task:
    """A task of the client completed at `at`."""
    with session_scope(engine) as session:
        actor = people.resolve_actor(session, settings, TEAM, user)
        task = create_task(
            session, actor, NewTask(title=f"Work for {key}", client_id=_key_id(session, key))
        )
        task.status, task.completed_at, task.completed_by = "done", at, user
        session.add(task)
        return task


def _key_id(session, key: str) -> int:
    return session.exec(select(Client.id).where(Client.key == key)).one()


def rated(engine, task: Task, rating: int, at: datetime) -> None:
    with session_scope(engine) as session:
        session.add(
            CsatPrompt(
                team_id=TEAM,
                task_id=task.id,
                channel_id="C0ANY",
                created_at=at,
                closes_at=at + timedelta(days=7),
                rater_id="U0CLIENT",
                rating=rating,
                rated_at=at,
            )
        )


def contact_of(engine, settings, name: str, key: str | None, **fields) -> Contact:
    with session_scope(engine) as session:
        actor = people.resolve_actor(session, settings, TEAM, "U0VA1")
        cid = _key_id(session, key) if key else None
        return contacts.create_contact(
            session, settings, actor, NewContact(name=name, client_id=cid, **fields)
        )


def asked_before(engine, contact: Contact, at: datetime) -> None:
    with session_scope(engine) as session:
        contacts.record_event(
            session, session.get_one(Contact, contact.id), "testimonial_requested", "U0VA2", at
        )


def events(engine, kind: str) -> list[ContactEvent]:
    with session_scope(engine) as session:
        return list(
            session.exec(
                select(ContactEvent).where(ContactEvent.kind == kind).order_by(ContactEvent.id)
            )
        )


def weekly_list(rig: Rig, at: datetime = SLOT, user: str = "U0VA1"):
    """Post the testimonials routine at its slot; the message `user` got."""
    tick_at = (at + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    assert (ROUTINE, user) in posted_to(rig.tick(tick_at, only=ROUTINE))
    return [p for p in rig.posts(user) if p.params["text"].startswith("Testimonial")][-1]


def sections(blocks: list) -> dict[str, dict]:
    """The list's lines by block id (testimonials:<run>:<index>)."""
    return {b["block_id"]: b for b in blocks if b.get("block_id", "").startswith("testimonials:")}


def press(live_app, block: dict, user: str = "U0VA1", name: str = "press") -> None:
    payload = {
        "type": "block_actions",
        "user": {"id": user, "team_id": TEAM},
        "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": "D1"},
        "channel": {"id": "D1"},
        "trigger_id": f"trigger.{name}",
        "response_url": live_app.fake.response_url(name),
        "actions": [
            {
                "type": "button",
                "action_id": "testimonial_request",
                "block_id": block["block_id"],
                "value": block["accessory"]["value"],
                "action_ts": "1700000000.4",
            }
        ],
    }
    assert live_app.interact(payload)[0] == 200


def now_is(at: datetime) -> None:
    clock.set_now(at.isoformat().replace("+00:00", "Z"))
