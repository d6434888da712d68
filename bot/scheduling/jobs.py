"""What a scheduled job is, as the scheduler and `vadesk job` run it.

A job says which slots fell due in a window of time (per recipient), when it runs next,
and which messages a due slot sends. The scheduler (`bot.scheduling.scheduler`) decides
which due slots are still worth sending; `bot.scheduling.notify` sends each message once.
Each capability's jobs are in the module of its name beside this one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.scheduling.notify import FileUpload, Message, Outgoing
from bot.services.schedules import Slot
from bot.settings import Settings


@dataclass(frozen=True)
class Due:
    """A slot of a job for one recipient (a person or a channel)."""

    job: str  # the name a delivery is claimed under
    team_id: str
    recipient: str
    slot: Slot
    subject: Any = None  # what the message is about: a routine, a nudge


@dataclass(frozen=True)
class JobContext:
    settings: Settings
    engine: Engine


class Job:
    """A job posts what `messages` writes for each due slot; a *chore* (`chore = True`)
    posts nothing and does its work in `run` on every tick (the calendar refresh)."""

    name: str
    summary: str
    chore: bool = False

    def due(self, ctx: JobContext, team_id: str, since: datetime, until: datetime) -> list[Due]:
        raise NotImplementedError

    def next_run(self, ctx: JobContext, team_id: str, after: datetime) -> datetime | None:
        raise NotImplementedError

    def unscheduled_reason(self, ctx: JobContext) -> str:
        """Why `next_run` is None, for the person who ran `vadesk job`."""
        return "its schedule has no working day in the next 62 days"

    def messages(self, ctx: JobContext, due: Due) -> list[Outgoing]:
        raise NotImplementedError

    def run(self, ctx: JobContext, team_id: str, now: datetime, force: bool = False) -> list[str]:
        """A chore's work at `now` (all of it with `force`): one line per thing done."""
        raise NotImplementedError


def outgoing(
    due: Due,
    recipient: str,
    compose: Callable[[Session], Message | FileUpload | None],
    after_post: Callable[[Session, str, str | None], None] | None = None,
    channel: str | None = None,
) -> Outgoing:
    """A message of a due slot, claimed under (team, job, slot, recipient)."""
    return Outgoing(
        team_id=due.team_id,
        job=due.job,
        slot=due.slot.at,
        recipient=recipient,
        channel=channel or due.recipient,
        compose=compose,
        after_post=after_post,
    )
