"""Customer satisfaction: when a task of a client whose `csat = true` is done, the
client channel gets one "How did we do?" prompt with 1-5; the first client to answer owns
the rating (they may change it while the prompt is open); nobody else's click counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from bot import clock
from bot.services.errors import AlreadyDone, NotFound, PermissionDenied
from bot.services.people import roster
from bot.services.rows import saved_id
from bot.services.text import time_token
from store.models import Client, CsatPrompt, Task

if TYPE_CHECKING:
    from bot.settings import Settings

PROMPT_OPEN = timedelta(days=7)
RATINGS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class PromptDue:
    task: Task
    channel: str


def prompts_due(
    session: Session, settings: Settings, team_id: str, since: datetime, until: datetime
) -> list[PromptDue]:
    """Client tasks done in (since, until] whose client asks for CSAT, not yet prompted;
    onboarding items are the team's own steps, never rated one by one."""
    asking = {c.key: c.channel for c in settings.clients if c.csat and c.channel}
    if not asking:
        return []
    clients = session.exec(
        select(Client).where(Client.team_id == team_id, col(Client.key).in_(list(asking)))
    ).all()
    channel_of = {client.id: asking[client.key] for client in clients}
    if not channel_of:
        return []
    prompted = select(CsatPrompt.task_id)
    tasks = session.exec(
        select(Task).where(
            Task.team_id == team_id,
            Task.status == "done",
            col(Task.onboarding).is_(False),
            col(Task.client_id).in_(list(channel_of)),
            col(Task.completed_at) > since,
            col(Task.completed_at) <= until,
            col(Task.id).not_in(prompted),
        )
    ).all()
    return [PromptDue(task, channel_of[task.client_id]) for task in tasks]


def open_prompt(session: Session, team_id: str, task: Task, channel: str) -> CsatPrompt:
    prompt = session.exec(select(CsatPrompt).where(CsatPrompt.task_id == task.id)).first()
    if prompt is None:
        now = clock.now()
        prompt = CsatPrompt(
            team_id=team_id,
            task_id=saved_id(task),
            channel_id=channel,
            created_at=now,
            closes_at=now + PROMPT_OPEN,
        )
        session.add(prompt)
        session.flush()
    return prompt


def record_posted(session: Session, prompt_id: int, ts: str | None) -> None:
    prompt = session.get_one(CsatPrompt, prompt_id)
    prompt.message_ts = ts
    session.add(prompt)


def _on_the_team(session: Session, settings: Settings, team_id: str, user_id: str) -> bool:
    return user_id in roster(session, settings, team_id)


def rate(
    session: Session, settings: Settings, team_id: str, prompt_id: int, user_id: str, rating: int
) -> CsatPrompt:
    prompt = session.get(CsatPrompt, prompt_id, with_for_update=True)
    if prompt is None or prompt.team_id != team_id:
        raise NotFound("That rating prompt is no longer in VA Desk.")
    if rating not in RATINGS:
        raise NotFound("Ratings go from 1 to 5.")
    if clock.now() >= prompt.closes_at:
        raise AlreadyDone(f"This prompt closed {time_token(prompt.closes_at)}; thank you anyway.")
    if _on_the_team(session, settings, team_id, user_id):
        raise PermissionDenied("Ratings come from the client; the team's own clicks do not count.")
    if prompt.rater_id not in (None, user_id):
        raise PermissionDenied(f"<@{prompt.rater_id}> has rated this one already.")
    prompt.rater_id, prompt.rating, prompt.rated_at = user_id, rating, clock.now()
    session.add(prompt)
    return prompt
