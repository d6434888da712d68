"""Delegation as the SOP runs it, one state machine: the owner's brief (objective,
deliverables, deadline, resources) -> the VA acknowledges or asks a clarifying question
(answered by the assigner) -> the VA submits the deliverables -> a supervisor or owner
approves, or requests revisions (counted) -> the VA resubmits -> ...

Every step is stored with who, when and what was said (`AssignmentEvent`); a step the
state does not allow is refused with a sentence naming the state and who put it there.
The assignment is a task (`T-n`) assigned to the VA, with its timers; approval completes it.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from bot import clock
from bot.config import Settings
from bot.services.calendars import person_calendar
from bot.services.errors import AlreadyDone, FieldErrors, PermissionDenied
from bot.services.parsing import format_task_id
from bot.services.people import Actor, resolve_actor, role_and_phase, roster
from bot.services.schedules import Calendar, latest_repeat
from bot.services.tasks import NewTask, complete_task, create_task
from bot.services.text import NOTES_LIMIT, day_text, time_token
from bot.settings_models import PHASES
from store.models import Assignment, AssignmentEvent, Task

URL_RE = re.compile(r"^https?://\S+$")
TITLE_LIMIT = 500
STATE_WORDS = {
    "assigned": "waiting for the VA's acknowledgment",
    "questioned": "waiting for an answer to the VA's question",
    "acknowledged": "acknowledged, in progress",
    "submitted": "submitted for review",
    "revisions": "sent back for revisions",
    "approved": "approved",
}
# The same states as the VA the work was given to reads them, in their own brief.
STATE_WORDS_FOR_VA = {
    **STATE_WORDS,
    "assigned": "waiting for your acknowledgment",
    "questioned": "waiting for an answer to your question",
}
# action: (the states it may start from, the state it leads to (None: unchanged), who)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None, str]] = {
    "acknowledge": (("assigned", "questioned"), "acknowledged", "assignee"),
    "ask": (("assigned", "questioned", "acknowledged", "revisions"), None, "assignee"),
    "answer": (("assigned", "questioned", "acknowledged", "revisions"), None, "reviewer"),
    "submit": (("acknowledged", "revisions"), "submitted", "assignee"),
    "approve": (("submitted",), "approved", "reviewer"),
    "revise": (("submitted",), "revisions", "reviewer"),
}


@dataclass(frozen=True)
class Brief:
    assignee_id: str | None
    title: str | None
    objective: str | None
    deliverables: str | None
    deadline: date | None
    resources: str | None = None
    category: str | None = None
    override_reason: str | None = None  # an owner assigning above the VA's phase
    recurrence: str | None = "none"


def resource_links(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _checked_brief(
    session: Session, settings: Settings, actor: Actor, brief: Brief
) -> dict[str, str]:
    errors: dict[str, str] = {}
    today = clock.now().astimezone(actor.zone).date()
    if not brief.assignee_id:
        errors["assignee"] = "Pick the VA who does it."
    elif role_and_phase(session, settings, actor.team_id, brief.assignee_id)[0] != "va":
        errors["assignee"] = "Work is delegated to a VA; this person is a supervisor or owner."
    elif brief.assignee_id == actor.user_id:
        errors["assignee"] = "Pick someone other than yourself."
    if not (brief.title or "").strip():
        errors["title"] = "Give the task a title."
    elif len(brief.title) > TITLE_LIMIT:
        errors["title"] = f"At most {TITLE_LIMIT} characters."
    if not (brief.objective or "").strip():
        errors["objective"] = "Say what the work is for: a clearly defined objective."
    if not (brief.deliverables or "").strip():
        errors["deliverables"] = "Say what you expect back."
    if brief.deadline is None:
        errors["deadline"] = "Pick a deadline."
    elif brief.deadline < today:
        errors["deadline"] = f"{day_text(brief.deadline)} has passed; pick today or later."
    errors.update(_phase_problems(session, settings, actor, brief))
    if (brief.recurrence or "none") not in RECURRENCES:
        errors["recurrence"] = f"Pick one of: {', '.join(RECURRENCES)}."
    bad = [link for link in resource_links(brief.resources) if not URL_RE.match(link)]
    if bad:
        errors["resources"] = f"One link per line, each starting with https:// ({bad[0][:40]})."
    return errors


def phase_override(
    session: Session, settings: Settings, team_id: str, brief: Brief
) -> tuple[str, str] | None:
    """(phase needed, the VA's phase) when the category is above the VA's trust phase."""
    needed = settings.delegation.phase_needed(brief.category)
    if needed is None or not brief.assignee_id:
        return None
    has = role_and_phase(session, settings, team_id, brief.assignee_id)[1]
    return (needed, has) if PHASES.index(needed) > PHASES.index(has) else None


def _phase_problems(
    session: Session, settings: Settings, actor: Actor, brief: Brief
) -> dict[str, str]:
    categories = settings.delegation.categories
    if brief.category and brief.category not in categories:
        return {"category": f"Pick one of: {', '.join(categories)}."}
    above = phase_override(session, settings, actor.team_id, brief)
    if above is None:
        return {}
    needed, has = above
    if actor.role != "owner":
        return {
            "category": f"{brief.category} needs trust phase {needed}; <@{brief.assignee_id}> "
            f"is phase {has}. Only an owner can assign it, with a reason."
        }
    if not (brief.override_reason or "").strip():
        return {"override": f"Phase {needed} work for a phase {has} VA: give the reason."}
    return {}


def assign(session: Session, settings: Settings, actor: Actor, brief: Brief) -> Assignment:
    """Create the task and its assignment; only supervisors and owners delegate."""
    if not actor.is_manager:
        raise PermissionDenied("Supervisors and owners assign work; ask one of them.")
    errors = _checked_brief(session, settings, actor, brief)
    if errors:
        raise FieldErrors(errors)
    task = create_task(
        session,
        actor,
        NewTask(
            title=brief.title.strip(),
            description=brief.objective.strip()[:NOTES_LIMIT],
            assignee_id=brief.assignee_id,
            due=brief.deadline,
            category=(brief.category or "").strip() or None,
        ),
    )
    now = clock.now()
    assignment = Assignment(
        team_id=actor.team_id,
        task_id=task.id,
        assigner_id=actor.user_id,
        assignee_id=brief.assignee_id,
        objective=brief.objective.strip(),
        deliverables=brief.deliverables.strip(),
        resources="\n".join(resource_links(brief.resources)) or None,
        deadline=brief.deadline,
        recurrence=brief.recurrence or "none",
        created_at=now,
    )
    session.add(assignment)
    session.flush()
    above = phase_override(session, settings, actor.team_id, brief)
    note = None
    if above is not None:
        reason = brief.override_reason.strip()
        note = f"override: phase {above[0]} work for a phase {above[1]} VA: {reason}"
    _record(session, assignment, actor, "assign", "assigned", "assigned", note)
    return assignment


def _record(
    session: Session,
    assignment: Assignment,
    actor: Actor,
    action: str,
    from_state: str,
    to_state: str,
    note: str | None,
) -> None:
    session.add(
        AssignmentEvent(
            assignment_id=assignment.id,
            actor_id=actor.user_id,
            at=clock.now(),
            action=action,
            from_state=from_state,
            to_state=to_state,
            note=note,
        )
    )


def get_assignment(session: Session, team_id: str, assignment_id: int, lock: bool = False):
    assignment = session.get(Assignment, assignment_id, with_for_update=lock)
    if assignment is None or assignment.team_id != team_id:
        raise AlreadyDone("That assignment is no longer in VA Desk.")
    return assignment


def task_of(session: Session, assignment: Assignment) -> Task:
    return session.get(Task, assignment.task_id)


def readable(session: Session, actor: Actor, assignment_id: int) -> Assignment:
    """The assignment, for its VA, whoever assigned it, supervisors and owners."""
    assignment = get_assignment(session, actor.team_id, assignment_id)
    involved = actor.user_id in (assignment.assignee_id, assignment.assigner_id)
    if not involved and not actor.is_manager:
        raise PermissionDenied(
            "Only its VA, whoever assigned it, supervisors and owners see this work."
        )
    return assignment


def _last_event(session: Session, assignment: Assignment) -> AssignmentEvent | None:
    return session.exec(
        select(AssignmentEvent)
        .where(AssignmentEvent.assignment_id == assignment.id)
        .order_by(AssignmentEvent.id.desc())
    ).first()


def reviews_work(session: Session, settings: Settings, team_id: str, user_id: str) -> bool:
    """Whether the person approves others' work (a supervisor or an owner)."""
    return role_and_phase(session, settings, team_id, user_id)[0] in ("owner", "supervisor")


def check_step(session: Session, actor: Actor, assignment: Assignment, action: str) -> None:
    """Refuse a step the person or the state does not allow, saying why."""
    allowed_from, _, who = TRANSITIONS[action]
    ref = format_task_id(task_of(session, assignment).number)
    if who == "assignee" and actor.user_id != assignment.assignee_id:
        raise PermissionDenied(f"{ref} is <@{assignment.assignee_id}>'s; only they can do that.")
    if who == "reviewer":
        if not actor.is_manager:
            raise PermissionDenied(f"A supervisor or owner does that on {ref}.")
        if actor.user_id == assignment.assignee_id:
            raise PermissionDenied("Nobody reviews their own work.")
    if action == "answer" and not assignment.open_question:
        raise AlreadyDone(f"There is no open question on {ref}.")
    if assignment.state not in allowed_from:
        words = STATE_WORDS_FOR_VA if actor.user_id == assignment.assignee_id else STATE_WORDS
        if assignment.state in ("assigned", "questioned"):  # waiting on someone, not done
            raise AlreadyDone(f"{ref} is {words[assignment.state]}.")
        last = _last_event(session, assignment)
        by = f" by <@{last.actor_id}> {time_token(last.at)}" if last else ""
        raise AlreadyDone(f"{ref} is already {words[assignment.state]}{by}.")


def step(
    session: Session, actor: Actor, assignment_id: int, action: str, note: str | None = None
) -> Assignment:
    """Take one step of the lifecycle (under a row lock, so a double click takes one)."""
    assignment = get_assignment(session, actor.team_id, assignment_id, lock=True)
    check_step(session, actor, assignment, action)
    note = (note or "").strip() or None
    required = {
        "ask": ("question", "Write the question."),
        "answer": ("answer", "Write the answer."),
        "submit": ("deliverables", "Say what you deliver (or link it)."),
        "revise": ("feedback", "Say what to revise: the VA works from it."),
    }
    if action in required and not note:
        field, reason = required[action]
        raise FieldErrors({field: reason})
    if note and len(note) > NOTES_LIMIT:
        raise FieldErrors(
            {required.get(action, ("note",))[0]: f"At most {NOTES_LIMIT:,} characters."}
        )
    before = assignment.state
    after = TRANSITIONS[action][1] or before
    now = clock.now()
    if action == "ask":
        assignment.open_question = note
        after = "questioned" if before == "assigned" else before
    elif action == "answer":
        assignment.open_question = None
        after = "assigned" if before == "questioned" else before
    elif action == "acknowledge":
        assignment.acknowledged_at = assignment.acknowledged_at or now
    elif action == "revise":
        assignment.revisions += 1
    elif action == "approve":
        assignment.approved_at = now
        complete_task(
            session, actor, task_of(session, assignment).number, note or "Approved on review."
        )
    assignment.state = after
    session.add(assignment)
    _record(session, assignment, actor, action, before, after, note)
    session.flush()
    return assignment


def answer_in_thread(
    session: Session, actor: Actor, channel: str, thread_ts: str, text: str
) -> Assignment | None:
    """A reply in the thread of a question VA Desk asked the assigner is the answer; None
    when the thread is not one of those questions."""
    assignment = session.exec(
        select(Assignment).where(
            Assignment.team_id == actor.team_id,
            Assignment.question_channel == channel,
            Assignment.question_ts == thread_ts,
        )
    ).first()
    if assignment is None:
        return None
    return step(session, actor, assignment.id, "answer", text)


def record_message(
    session: Session, assignment_id: int, which: str, channel: str | None, ts: str | None
) -> None:
    """Remember where the brief (`va`), the latest submission (`review`) or the latest
    question (`question`) was posted (None: Slack refused it, so it is sent again)."""
    assignment = session.get(Assignment, assignment_id)
    setattr(assignment, f"{which}_channel", channel)
    setattr(assignment, f"{which}_ts", ts)
    session.add(assignment)


def last_note(session: Session, assignment: Assignment, action: str) -> str | None:
    event = session.exec(
        select(AssignmentEvent)
        .where(AssignmentEvent.assignment_id == assignment.id, AssignmentEvent.action == action)
        .order_by(AssignmentEvent.id.desc())
    ).first()
    return event.note if event else None


@dataclass(frozen=True)
class Chase:
    assignment: Assignment
    task: Task
    at: datetime
    count: int


def chases_due(
    session: Session, settings: Settings, team_id: str, since: datetime, until: datetime
) -> list[Chase]:
    """The latest chase in (since, until] of each assignment still waiting for its VA's
    acknowledgment: every `chase_after_business_hours` of the VA's own working time (a
    brief Slack refused to deliver is sent then instead)."""
    every = timedelta(hours=settings.delegation.chase_after_business_hours)
    found = []
    waiting = session.exec(
        select(Assignment, Task)
        .join(Task, Task.id == Assignment.task_id)
        .where(
            Assignment.team_id == team_id,
            Assignment.state == "assigned",
        )
    ).all()
    for assignment, task in waiting:
        calendar = person_calendar(session, settings, team_id, assignment.assignee_id)
        latest = latest_repeat(calendar, assignment.created_at, every, since, until)
        if latest is not None:
            found.append(Chase(assignment, task, *latest))
    return found


@dataclass(frozen=True)
class Undelivered:
    """A submission (`review`) or question (`question`) Slack refused to deliver to the
    assigner, due to be sent again."""

    assignment: Assignment
    task: Task
    which: str
    at: datetime


def undelivered_due(
    session: Session, settings: Settings, team_id: str, since: datetime, until: datetime
) -> list[Undelivered]:
    """Submissions and open questions whose message to the assigner Slack refused: sent
    again every `chase_after_business_hours` of the assigner's working time after the
    step, until one is delivered (or the step is overtaken)."""
    every = timedelta(hours=settings.delegation.chase_after_business_hours)
    found = []
    rows = session.exec(
        select(Assignment, Task)
        .join(Task, Task.id == Assignment.task_id)
        .where(
            Assignment.team_id == team_id,
            sa.or_(
                sa.and_(Assignment.state == "submitted", Assignment.review_ts.is_(None)),
                sa.and_(Assignment.open_question.is_not(None), Assignment.question_ts.is_(None)),
            ),
        )
    ).all()
    for assignment, task in rows:
        calendar = person_calendar(session, settings, team_id, assignment.assigner_id)
        waiting = []
        if assignment.state == "submitted" and assignment.review_ts is None:
            waiting.append(("review", "submit"))
        if assignment.open_question is not None and assignment.question_ts is None:
            waiting.append(("question", "ask"))
        for which, action in waiting:
            step = _last_event_of(session, assignment, action)
            start = step.at if step is not None else assignment.created_at
            latest = latest_repeat(calendar, start, every, since, until)
            if latest is not None:
                found.append(Undelivered(assignment, task, which, latest[0]))
    return found


def _last_event_of(session: Session, assignment: Assignment, action: str):
    return session.exec(
        select(AssignmentEvent)
        .where(AssignmentEvent.assignment_id == assignment.id, AssignmentEvent.action == action)
        .order_by(AssignmentEvent.id.desc())
    ).first()


def unacknowledged(session: Session, team_id: str, limit: int) -> list[tuple[Assignment, Task]]:
    """Assignments still waiting for their VA's acknowledgment, oldest first."""
    rows = session.exec(
        select(Assignment, Task)
        .join(Task, Task.id == Assignment.task_id)
        .where(Assignment.team_id == team_id, Assignment.state == "assigned")
        .order_by(Assignment.created_at)
        .limit(limit)
    ).all()
    return [(assignment, task) for assignment, task in rows]


PROMOTION_STREAK = 20


def promotion_candidates(
    session: Session, settings: Settings, team_id: str
) -> list[tuple[str, str, str]]:
    """(VA, current phase, next phase) for each rostered VA whose last PROMOTION_STREAK
    reviewed assignments were all approved without revisions (the SOP's trust phases)."""
    found = []
    for user_id in roster(session, settings, team_id).vas:
        role, phase = role_and_phase(session, settings, team_id, user_id)
        if role != "va" or phase == PHASES[-1]:
            continue
        reviewed = session.exec(
            select(Assignment.state, Assignment.revisions)
            .where(
                Assignment.team_id == team_id,
                Assignment.assignee_id == user_id,
                (Assignment.state == "approved") | (Assignment.revisions > 0),
            )
            .order_by(Assignment.created_at.desc())
            .limit(PROMOTION_STREAK)
        ).all()
        clean = all(state == "approved" and revisions == 0 for state, revisions in reviewed)
        if len(reviewed) == PROMOTION_STREAK and clean:
            found.append((user_id, phase, PHASES[PHASES.index(phase) + 1]))
    return found


def open_for(session: Session, team_id: str, user_id: str, limit: int):
    """The person's delegated work not approved yet, newest first, with its tasks."""
    rows = session.exec(
        select(Assignment, Task)
        .join(Task, Task.id == Assignment.task_id)
        .where(
            Assignment.team_id == team_id,
            Assignment.assignee_id == user_id,
            Assignment.state != "approved",
        )
        .order_by(Assignment.created_at.desc())
        .limit(limit)
    ).all()
    return [(assignment, task) for assignment, task in rows]


RECURRENCES = ("none", "daily", "weekly", "monthly")


def occurrence_day(calendar: Calendar, first: date, recurrence: str, k: int) -> date:
    """The day occurrence k of a series starts (k = 0: the first): the k-th working day
    after, or k weeks or k months later (the month's last day when it is shorter), moved
    to the next working day when it falls on a day off."""
    if recurrence == "daily":
        day, left = first, k
        while left:
            day += timedelta(days=1)
            left -= calendar.is_working_day(day)
    elif recurrence == "weekly":
        day = first + timedelta(weeks=k)
    else:
        month = first.month - 1 + k
        year, month = first.year + month // 12, month % 12 + 1
        day = date(year, month, min(first.day, monthrange(year, month)[1]))
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class OccurrenceDue:
    head: Assignment
    occurrence: int
    at: datetime


def _latest_of_series(session: Session, head: Assignment) -> Assignment:
    latest = session.exec(
        select(Assignment)
        .where((Assignment.series_id == head.id) | (Assignment.id == head.id))
        .order_by(Assignment.occurrence.desc())
    ).first()
    return latest or head


def occurrences_due(
    session: Session, settings: Settings, team_id: str, until: datetime
) -> list[OccurrenceDue]:
    """The next occurrence of each recurring series once its day's work starts (the VA's
    calendar); a series whose latest task was cancelled has ended."""
    heads = session.exec(
        select(Assignment).where(
            Assignment.team_id == team_id,
            Assignment.recurrence != "none",
            Assignment.series_id.is_(None),
        )
    ).all()
    found = []
    for head in heads:
        latest = _latest_of_series(session, head)
        if task_of(session, latest).status == "cancelled":
            continue
        calendar = person_calendar(session, settings, team_id, head.assignee_id)
        first = calendar.local_day(head.created_at)
        k = latest.occurrence + 1
        day = occurrence_day(calendar, first, head.recurrence, k)
        at = calendar.at(day, calendar.start)
        if at <= until:
            found.append(OccurrenceDue(head, k, at))
    return found


def create_occurrence(
    session: Session, settings: Settings, head_id: int, k: int
) -> Assignment | None:
    """Occurrence k of the series: its own task, acknowledged when the series was (the VA
    acknowledges a recurring assignment once). None when it exists already."""
    head = session.get(Assignment, head_id)
    latest = _latest_of_series(session, head)
    if latest.occurrence != k - 1:
        return None
    calendar = person_calendar(session, settings, head.team_id, head.assignee_id)
    first = calendar.local_day(head.created_at)
    day = occurrence_day(calendar, first, head.recurrence, k)
    assigner = resolve_actor(session, settings, head.team_id, head.assigner_id)
    head_task = task_of(session, head)
    task = create_task(
        session,
        assigner,
        NewTask(
            title=head_task.title,
            description=head_task.description,
            assignee_id=head.assignee_id,
            due=head.deadline + (day - first),
            category=head_task.category,
        ),
    )
    state = "acknowledged" if head.acknowledged_at else "assigned"
    occurrence = Assignment(
        team_id=head.team_id,
        task_id=task.id,
        assigner_id=head.assigner_id,
        assignee_id=head.assignee_id,
        objective=head.objective,
        deliverables=head.deliverables,
        resources=head.resources,
        deadline=head.deadline + (day - first),
        recurrence=head.recurrence,
        series_id=head.id,
        occurrence=k,
        state=state,
        acknowledged_at=head.acknowledged_at,
        created_at=clock.now(),
    )
    session.add(occurrence)
    session.flush()
    _record(session, occurrence, assigner, "recur", state, state, f"occurrence {k}")
    return occurrence
