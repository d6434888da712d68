"""Onboarding (SOP: check that every new client got each onboarding step).

`[onboarding] items` become tasks, one per item, marked as onboarding (`Task.onboarding`)
and tagged `Client – Onboarding` when the taxonomy has that tag (without it they have no
tag). Two things start an onboarding, each once:

- a contact moved to a `won` stage: the tasks are for the contact (and its client), for
  its owner, unassigned when it has none. A later won move, or won → open → won, makes
  none: the contact's `onboarding` step in its history says it was done, and two moves at
  once take turns.
- a `[clients.<key>]` added to the settings of a workspace that already has clients: the
  first time its row is stored (`people.sync_configured_clients`, in the same unit of
  work, so of two processes starting at once only the one that stores the row makes
  them), for the client's `owner` (unassigned without one). The clients stored at a
  workspace's first start are the ones the agency already had and get none.

The weekly `onboarding-check` lists every contact and client with an onboarding task not
done yet and which items are missing; a cancelled item counts as not needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from bot.services.contacts import record_event
from bot.services.onboarding_tasks import make_onboarding_tasks
from bot.services.parsing import format_task_id
from bot.services.rows import saved_id
from store.models import CLOSED_STATUSES, Client, Contact, ContactEvent, Task
from store.sql import advisory_lock

if TYPE_CHECKING:
    from bot.settings import Settings

ONBOARDING_EVENT = "onboarding"
CHECK_ROUTINE = "onboarding-check"


def was_onboarded(session: Session, contact: Contact) -> bool:
    """Whether the contact's onboarding was made (its history has the step)."""
    return (
        session.exec(
            select(ContactEvent.id)
            .where(
                ContactEvent.contact_id == saved_id(contact),
                ContactEvent.kind == ONBOARDING_EVENT,
            )
            .limit(1)
        ).first()
        is not None
    )


def start_onboarding(
    session: Session, settings: Settings, actor_id: str, contact: Contact
) -> list[Task]:
    """The `[onboarding] items` as tasks of the contact (and its client) for its owner,
    unassigned when it has none, made by `actor_id`; once per contact: [] when it was
    onboarded before, or when there are no items."""
    if not settings.onboarding.items:
        return []
    advisory_lock(session, f"vadesk-onboarding:{contact.team_id}:{saved_id(contact)}")
    if was_onboarded(session, contact):
        return []
    tasks = make_onboarding_tasks(
        session,
        settings,
        contact.team_id,
        actor_id,
        contact.owner_id,
        contact.client_id,
        saved_id(contact),
    )
    numbers = ", ".join(format_task_id(task.number) for task in tasks)
    record_event(session, contact, ONBOARDING_EVENT, actor_id, note=numbers)
    return tasks


@dataclass(frozen=True)
class Unfinished:
    """A contact's (or a client's own) onboarding with items not done yet."""

    name: str  # the contact's name, or the client's when the onboarding is the client's
    client_name: str | None  # the contact's client, if any (None for a client's own)
    owner_id: str | None  # the contact's owner (a client's own: None)
    is_contact: bool
    missing: list[Task]  # the open items, by number
    done: int
    total: int


def _group(task: Task) -> tuple[str, int]:
    if task.contact_id is not None:
        return ("contact", task.contact_id)
    return ("client", task.client_id or 0)


def unfinished_onboarding(session: Session, team_id: str) -> list[Unfinished]:
    """Every onboarding with an item not done (nor cancelled), oldest first."""
    open_tasks = list(
        session.exec(
            select(Task)
            .where(
                Task.team_id == team_id,
                col(Task.onboarding).is_(True),
                col(Task.status).not_in(CLOSED_STATUSES),
            )
            .order_by(col(Task.number))
        )
    )
    if not open_tasks:
        return []
    contact_ids = {t.contact_id for t in open_tasks if t.contact_id is not None}
    client_ids = {t.client_id for t in open_tasks if t.client_id is not None}
    every = session.exec(
        select(Task).where(
            Task.team_id == team_id,
            col(Task.onboarding).is_(True),
            col(Task.contact_id).in_(contact_ids)
            | (col(Task.contact_id).is_(None) & col(Task.client_id).in_(client_ids)),
        )
    ).all()
    totals: dict[tuple[str, int], list[Task]] = {}
    for task in every:
        totals.setdefault(_group(task), []).append(task)
    contacts = {
        c.id: c for c in session.exec(select(Contact).where(col(Contact.id).in_(contact_ids)))
    }
    clients = {
        c.id: c
        for c in session.exec(
            select(Client).where(
                col(Client.id).in_(client_ids | {c.client_id for c in contacts.values()})
            )
        )
    }
    found: dict[tuple[str, int], list[Task]] = {}
    for task in open_tasks:
        found.setdefault(_group(task), []).append(task)
    listed = []
    for (kind, key), missing in found.items():
        group = totals.get((kind, key), missing)
        done = sum(1 for task in group if task.status == "done")
        if kind == "contact":
            contact = contacts[key]
            client = clients.get(contact.client_id) if contact.client_id else None
            listed.append(
                Unfinished(
                    contact.name,
                    client.name if client else None,
                    contact.owner_id,
                    True,
                    missing,
                    done,
                    len(group),
                )
            )
        else:
            row = clients.get(key)
            name = row.name if row else "a client no longer stored"
            listed.append(Unfinished(name, None, None, False, missing, done, len(group)))
    return listed
