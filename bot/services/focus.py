"""Focus blocks (`/timer start T-n pomodoro`): 25 minutes of work recorded as one time
entry, a 5-minute break, again, until the person stops or switches timers (or after
MAX_BLOCKS blocks). The scheduler's reminders job moves each session along at its
boundaries; entries start and end exactly on them, whenever the tick comes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot import clock
from bot.services.people import Actor
from bot.services.rows import saved_id
from bot.services.timers import (
    StartResult,
    StoppedEntry,
    end_entry_at,
    one_change_at_a_time,
    start_timer,
    stop_timer,
)
from store.models import FocusSession, Task, TimeEntry
from store.prepared import Prepared, loaded

FOCUS = timedelta(minutes=25)
BREAK = timedelta(minutes=5)
MAX_BLOCKS = 16  # eight hours of blocks: a forgotten session does not run for days
POMODORO_WORDS = ("pomodoro", "focus")


def wants_focus(text: str) -> tuple[str, bool]:
    """`T-12 pomodoro` -> ("T-12", True): the last word asks for focus blocks."""
    words = text.split()
    if len(words) > 1 and words[-1].lower() in POMODORO_WORDS:
        return " ".join(words[:-1]), True
    return text, False


# Built once: every `/timer stop` asks whether a focus session is on.
_FOCUS = FocusSession.__table__  # type: ignore[attr-defined]
_FOCUS_ON = Prepared(
    sa.select(*_FOCUS.c).where(
        _FOCUS.c.team_id == sa.bindparam("team_id"),
        _FOCUS.c.user_id == sa.bindparam("user_id"),
        _FOCUS.c.ended_at.is_(None),
    )
)


def end_focus(session: Session, team_id: str, user_id: str) -> FocusSession | None:
    """End the person's focus session, if one is on; it comes back as it was."""
    row = _FOCUS_ON.first(session, {"team_id": team_id, "user_id": user_id})
    if row is None:
        return None
    focus = loaded(session, FocusSession, row._asdict())
    was = focus.model_copy()
    focus.ended_at = clock.now()
    session.add(focus)
    return was


def start_focus(session: Session, actor: Actor, task: Task, max_hours: float) -> StartResult:
    """Start the timer and a focus session on it (ending any earlier session)."""
    end_focus(session, actor.team_id, actor.user_id)
    result = start_timer(session, actor, task, max_hours)
    start = result.entry.started_at
    session.add(
        FocusSession(
            team_id=actor.team_id,
            user_id=actor.user_id,
            task_id=saved_id(task),
            started_at=start,
            next_change_at=start + FOCUS,
        )
    )
    return result


@dataclass(frozen=True)
class FocusStop:
    stopped: StoppedEntry | None
    ended_on_break: FocusSession | None  # a session ended during its break


def stop_timer_or_focus(
    session: Session, actor: Actor, notes: str | None, max_hours: float
) -> FocusStop:
    """`/timer stop`: ends a focus session too; during its break there is no timer to
    stop, and that is said instead of "no timer is running"."""
    focus = end_focus(session, actor.team_id, actor.user_id)
    if focus is not None and focus.on_break:
        return FocusStop(None, focus)
    return FocusStop(stop_timer(session, actor, notes=notes, max_hours=max_hours), None)


@dataclass(frozen=True)
class FocusChange:
    """Where a session stands after moving along: on a break (with the block just
    recorded), back in focus (with the new block), or ended."""

    focus: FocusSession
    task: Task
    recorded: StoppedEntry | None = None
    started: TimeEntry | None = None  # the block that began, when back in focus
    ended_because: str | None = None


def sessions_due(
    session: Session, team_id: str, since: datetime, until: datetime
) -> list[FocusSession]:
    return list(
        session.exec(
            select(FocusSession).where(
                FocusSession.team_id == team_id,
                col(FocusSession.ended_at).is_(None),
                FocusSession.next_change_at > since,
                FocusSession.next_change_at <= until,
            )
        )
    )


def advance(session: Session, focus_id: int, now: datetime) -> FocusChange | None:
    """Take the session through every boundary up to now (exactly once: the caller holds
    the claim of this boundary). None when it had already moved or ended."""
    focus = session.get(FocusSession, focus_id)
    if focus is None or focus.ended_at is not None:
        return None
    one_change_at_a_time(session, focus.team_id, focus.user_id, focus)
    task = session.get_one(Task, focus.task_id)
    recorded = started = None
    ended_because = None
    while focus.next_change_at <= now and ended_because is None:
        boundary = focus.next_change_at
        if not focus.on_break:
            running = _running_entry(session, focus)
            if (
                running is None
                or running.task_id != focus.task_id
                or (running.started_at < boundary - FOCUS)
            ):
                ended_because = "your timer was stopped or moved to other work"
                break
            recorded = end_entry_at(session, saved_id(running), boundary)
            focus.on_break, focus.next_change_at = True, boundary + BREAK
        else:
            if _running_entry(session, focus) is not None:
                ended_because = "you started other work during the break"
            elif focus.blocks >= MAX_BLOCKS:
                ended_because = f"{MAX_BLOCKS} blocks is the most one session runs"
            else:
                started = TimeEntry(
                    team_id=focus.team_id,
                    user_id=focus.user_id,
                    task_id=focus.task_id,
                    started_at=boundary,
                    source="timer",
                    created_at=now,
                )
                session.add(started)
                focus.blocks += 1
                focus.on_break, focus.next_change_at = False, boundary + FOCUS
    if ended_because is not None:
        focus.ended_at = now
    session.add(focus)
    session.flush()
    if ended_because is not None or focus.on_break:
        started = None
    return FocusChange(focus, task, recorded, started, ended_because)


def _running_entry(session: Session, focus: FocusSession) -> TimeEntry | None:
    return session.exec(
        select(TimeEntry).where(
            TimeEntry.team_id == focus.team_id,
            TimeEntry.user_id == focus.user_id,
            col(TimeEntry.ended_at).is_(None),
        )
    ).first()
