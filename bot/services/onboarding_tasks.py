"""The `[onboarding] items` made into tasks: one per item, numbered like every task,
marked as onboarding (`Task.onboarding`) and tagged `Client – Onboarding` when the
taxonomy has that tag (without it they have no tag).

Below the people and tasks modules on purpose: storing a client added to the settings
(`people.sync_configured_clients`) makes its onboarding in the same unit of work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session

from bot import clock
from bot.services.task_numbers import take_task_number
from store.models import Task

if TYPE_CHECKING:
    from bot.settings import Settings

ONBOARDING_TAG = "Client – Onboarding"
# Who made a new client's tasks when neither the client nor the workspace names a person.
NOBODY = "USLACKBOT"


def onboarding_tag(settings: Settings) -> str | None:
    """`Client – Onboarding` as the taxonomy writes it, or None when it has no such tag."""
    wanted = ONBOARDING_TAG.casefold()
    return next((tag for tag in settings.tags if tag.casefold() == wanted), None)


def make_onboarding_tasks(
    session: Session,
    settings: Settings,
    team_id: str,
    maker_id: str,
    owner_id: str | None,
    client_id: int | None,
    contact_id: int | None = None,
) -> list[Task]:
    """The items as open tasks of the client (and contact), for `owner_id` (None:
    unassigned), made by `maker_id`. The items were checked when the settings loaded."""
    tag = onboarding_tag(settings)
    now = clock.now()
    made = []
    for item in settings.onboarding.items:
        task = Task(
            team_id=team_id,
            number=take_task_number(session, team_id),
            title=item,
            client_id=client_id,
            contact_id=contact_id,
            assignee_id=owner_id,
            creator_id=maker_id,
            tag=tag,
            onboarding=True,
            created_at=now,
            updated_at=now,
        )
        session.add(task)
        made.append(task)
    session.flush()
    return made


def onboard_new_client(
    session: Session, settings: Settings, team_id: str, client_id: int, owner_id: str | None
) -> list[Task]:
    """A client added to the settings gets the items as its tasks, for its `owner`
    (unassigned without one), made by that owner, else the workspace's first owner."""
    maker_id = owner_id or next(iter(settings.roles.owners), NOBODY)
    return make_onboarding_tasks(session, settings, team_id, maker_id, owner_id, client_id)
