"""Approved message templates (SOP: use approved templates, personalized; review them
monthly).

Templates come from `[templates.<name>]` in the settings (text, owner, reviewed date).
Filling one for a channel puts in what the channel tells: {client} is the channel's
client, {contact} the first name of the client person who wrote there last, {va} the
VA's first name, {task} the title (never the internal T-5) and {due} the due date of the
VA's most relevant open task of that client. A value that cannot be known is left in
the text, visibly, for the VA to write.

An owner marks a template reviewed; the latest review stored wins over the file's date.
The monthly review lists the templates not reviewed in the last 30 days.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from bot import clock
from bot.services.calendars import workspace_calendar
from bot.services.chats import (
    ChatMessage,
    ChatOutcome,
    client_channel,
    on_the_team,
    record_message,
)
from bot.services.errors import (
    AlreadyDone,
    FieldErrors,
    InputError,
    NotFound,
    PermissionDenied,
)
from bot.services.kpis import OPEN_STATUSES
from bot.services.parsing import format_task_id
from bot.services.people import Actor, ProfileLookup, client_for_channel
from bot.services.text import NOTES_LIMIT, quoted
from store.models import Conversation, Task, TemplateReview, TimeEntry, User

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.settings.schema import Template

REVIEW_ROUTINE = "template-review"
REVIEW_EVERY = timedelta(days=30)
TEXT_FIELD = "text"

# What a template may ask to have filled in, from the channel it is posted in.
TEMPLATE_PLACEHOLDERS = ("client", "contact", "va", "task", "due")

# What `{placeholder}` is filled with: text, like these (`[templates]` in the settings must
# fill in with them).
TEMPLATE_SAMPLES = {
    "client": "Acme Corp",
    "contact": "Maria",
    "va": "Ana",
    "task": "T-12 Inbox clean-up",
    "due": "Friday, December 4",
}


# -- the library and its reviews -------------------------------------------------------


def template_names(settings: Settings) -> str:
    names = ", ".join(f"`{t.name}`" for t in settings.templates)
    return names or "none yet (an owner adds them as `[templates.<name>]` in vadesk.toml)"


def get_template(settings: Settings, name: str) -> Template:
    """The approved template with this name; an unknown name is answered with the list."""
    if not name.strip():
        raise InputError(f"Name a template. Approved templates: {template_names(settings)}.")
    template = settings.template(name.strip().lower())
    if template is None:
        raise NotFound(
            f"There is no template {quoted(name)}. Approved templates: {template_names(settings)}."
        )
    return template


@dataclass(frozen=True)
class TemplateStatus:
    template: Template
    reviewed_on: date | None  # the stored review if any, else the file's date
    reviewed_by: str | None  # who marked it (None: the file's date, or never)


def _latest_reviews(
    session: Session, team_id: str, before: datetime | None = None
) -> dict[str, TemplateReview]:
    query = select(TemplateReview).where(TemplateReview.team_id == team_id)
    if before is not None:
        query = query.where(TemplateReview.recorded_at < before)
    rows = session.exec(query.order_by(col(TemplateReview.recorded_at), col(TemplateReview.id)))
    return {row.name: row for row in rows}  # the latest one per name wins


def _status(template: Template, review: TemplateReview | None) -> TemplateStatus:
    if review is not None:
        return TemplateStatus(template, review.reviewed_on, review.reviewed_by)
    return TemplateStatus(template, template.reviewed, None)


def list_templates(session: Session, settings: Settings, team_id: str) -> list[TemplateStatus]:
    """Every approved template with its last review (a stored one wins over the file)."""
    reviews = _latest_reviews(session, team_id)
    return [_status(t, reviews.get(t.name)) for t in settings.templates]


def is_due_for_review(status: TemplateStatus, today: date) -> bool:
    """Not reviewed in the last 30 days (never reviewed included)."""
    return status.reviewed_on is None or today - status.reviewed_on >= REVIEW_EVERY


def today_for_reviews(settings: Settings, at: datetime | None = None) -> date:
    return workspace_calendar(settings).local_day(at or clock.now())


@dataclass(frozen=True)
class ReviewItem:
    """A template the review routine lists: how it stood when the routine was posted,
    and the review marked since, if any."""

    status: TemplateStatus
    reviewed_since: TemplateReview | None


def review_list(
    session: Session, settings: Settings, team_id: str, posted_at: datetime
) -> list[ReviewItem] | None:
    """The templates due for review when a review routine was posted (`posted_at`), each
    with the review marked since then: the routine's message shows exactly these. None
    when there are no approved templates at all."""
    if not settings.templates:
        return None
    today = today_for_reviews(settings, posted_at)
    before = _latest_reviews(session, team_id, before=posted_at)
    latest = _latest_reviews(session, team_id)
    items = []
    for template in settings.templates:
        status = _status(template, before.get(template.name))
        if not is_due_for_review(status, today):
            continue
        review = latest.get(template.name)
        since = review if review is not None and review.recorded_at >= posted_at else None
        items.append(ReviewItem(status, since))
    return items


def mark_reviewed(session: Session, settings: Settings, actor: Actor, name: str) -> TemplateReview:
    """An owner marks a template reviewed today (their own calendar day)."""
    template = get_template(settings, name)
    if actor.role != "owner":
        raise PermissionDenied(
            f"Only an owner marks a template reviewed; *{template.name}* is unchanged. "
            "Tell an owner it has been reviewed."
        )
    today = clock.now().astimezone(actor.zone).date()
    latest = _latest_reviews(session, actor.team_id).get(template.name)
    if latest is not None and latest.reviewed_on == today:
        raise AlreadyDone(
            f"*{template.name}* was already marked reviewed today by <@{latest.reviewed_by}>."
        )
    review = TemplateReview(
        team_id=actor.team_id,
        name=template.name,
        reviewed_on=today,
        reviewed_by=actor.user_id,
        recorded_at=clock.now(),
    )
    session.add(review)
    session.flush()
    return review


# -- filling a template for a channel ----------------------------------------------------


@dataclass(frozen=True)
class Filled:
    """A template filled for a channel: the text, and what was left for the VA to write."""

    template: Template
    channel: str
    text: str
    client_name: str | None  # None: not a client channel
    unfilled: dict[str, str]  # placeholder -> why it could not be filled
    not_a_reply: str | None  # why posting it will not count as a client reply, if it won't


def _first_name(user: User | None, profile: dict[str, Any] | None) -> str | None:
    """A first name from a stored user, else from Slack's users.info answer."""
    if user is not None and user.display_name and user.display_name.strip():
        return user.display_name.split()[0]
    if not isinstance(profile, dict):
        return None
    nested = profile.get("profile")
    details: dict[str, Any] = nested if isinstance(nested, dict) else {}
    for name in (
        details.get("first_name"),
        profile.get("real_name"),
        details.get("real_name"),
        details.get("display_name"),
    ):
        if isinstance(name, str) and name.strip():
            return name.split()[0]
    return None


def _name_of(
    session: Session, team_id: str, user_id: str, lookup: ProfileLookup | None
) -> str | None:
    user = session.get(User, (team_id, user_id))
    name = _first_name(user, None)
    if name is None and lookup is not None:
        name = _first_name(None, lookup(user_id))
    return name


def last_client_writer(session: Session, team_id: str, channel: str) -> str | None:
    """Who from the client wrote last in the channel: of its most recent conversation."""
    conversation = session.exec(
        select(Conversation)
        .where(Conversation.team_id == team_id, Conversation.channel_id == channel)
        .order_by(col(Conversation.last_client_at).desc(), col(Conversation.id).desc())
    ).first()
    if conversation is None:
        return None
    return conversation.last_client_id or conversation.opened_by


def client_of_channel(
    session: Session, settings: Settings, team_id: str, channel: str
) -> tuple[str | None, int | None]:
    """The name and id of the client whose chats this channel holds (configured, or a
    Slack Connect channel), or (None, None)."""
    if client_channel(session, settings, team_id, channel) is None:
        return None, None
    configured = settings.client_for_channel(channel)
    row = client_for_channel(session, team_id, channel)
    name = configured.name if configured is not None else (row.name if row else channel)
    return name, row.id if row else None


def task_for_client(session: Session, actor: Actor, client_id: int) -> Task | None:
    """The VA's most relevant open task of the client: the one their timer runs on, else
    the newest open one assigned to them."""
    running = session.exec(
        select(Task)
        .join(TimeEntry, col(TimeEntry.task_id) == Task.id)
        .where(
            TimeEntry.team_id == actor.team_id,
            TimeEntry.user_id == actor.user_id,
            col(TimeEntry.ended_at).is_(None),
        )
    ).first()
    if running is not None and running.client_id == client_id and running.status in OPEN_STATUSES:
        return running
    return session.exec(
        select(Task)
        .where(
            Task.team_id == actor.team_id,
            Task.client_id == client_id,
            Task.assignee_id == actor.user_id,
            col(Task.status).in_(OPEN_STATUSES),
        )
        .order_by(col(Task.created_at).desc(), col(Task.number).desc())
    ).first()


def format_due(day: date) -> str:
    return f"{day:%A}, {day:%B} {day.day}"  # Friday, December 4


class _Leave(dict[str, str]):
    """format_map values; a placeholder with no value stays as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """A template's text with `values` put in; a placeholder without one stays visible."""
    return text.format_map(_Leave(values))


def fill_template(
    session: Session,
    settings: Settings,
    actor: Actor,
    name: str,
    channel: str,
    lookup: ProfileLookup | None = None,
    addressed: str | None = None,
) -> Filled:
    """The template's text with what the channel tells filled in; `lookup` asks Slack for
    a person's profile when VA Desk does not know their name. `addressed`: the first name
    of the person the caller writes to, for {contact} when the channel does not tell."""
    template = get_template(settings, name)
    values: dict[str, str] = {}
    unfilled: dict[str, str] = {}
    client_name, client_id = client_of_channel(session, settings, actor.team_id, channel)
    va = _name_of(session, actor.team_id, actor.user_id, lookup)
    if va:
        values["va"] = va
    else:
        unfilled["va"] = "VA Desk does not know your name"
    if client_name is None:
        reason = "this is not a client channel"
        for placeholder in ("client", "contact", "task", "due"):
            unfilled[placeholder] = reason
    else:
        values["client"] = client_name
        writer = last_client_writer(session, actor.team_id, channel)
        contact = _name_of(session, actor.team_id, writer, lookup) if writer else None
        contact = contact or addressed
        if contact:
            values["contact"] = contact
        else:
            unfilled["contact"] = (
                f"nobody from {client_name} has written here yet"
                if writer is None
                else "VA Desk does not know their name"
            )
        task = task_for_client(session, actor, client_id) if client_id is not None else None
        if task is None:
            unfilled["task"] = unfilled["due"] = f"you have no open task of {client_name}"
        else:
            values["task"] = task.title  # the client knows the work, not VA Desk's T-5
            if task.due is not None:
                values["due"] = format_due(task.due)
            else:
                unfilled["due"] = f"{format_task_id(task.number)} has no due date"
    used = {field for _, field, _, _ in string.Formatter().parse(template.text) if field}
    text = fill_placeholders(template.text, values)
    return Filled(
        template=template,
        channel=channel,
        text=text,
        client_name=client_name,
        unfilled={p: why for p, why in unfilled.items() if p in used},
        not_a_reply=may_count_as_reply(session, settings, actor.team_id, actor.user_id, channel),
    )


def checked_post(text: str | None) -> str:
    """The text a VA is about to post: not empty, within Slack's limit, and with every
    placeholder written in."""
    text = (text or "").strip()
    if not text:
        raise FieldErrors({TEXT_FIELD: "Write the message: an empty one cannot be posted."})
    if len(text) > NOTES_LIMIT:
        raise FieldErrors({TEXT_FIELD: f"At most {NOTES_LIMIT:,} characters."})
    left = [f"{{{p}}}" for p in TEMPLATE_PLACEHOLDERS if f"{{{p}}}" in text]
    if left:
        raise FieldErrors({TEXT_FIELD: f"Write in {', '.join(left)} before posting."})
    return text


def may_count_as_reply(
    session: Session, settings: Settings, team_id: str, user_id: str, channel: str
) -> str | None:
    """Why a post by this person in this channel cannot count as a client reply, or None."""
    if client_channel(session, settings, team_id, channel) is None:
        return "this is not a client channel"
    if not on_the_team(session, settings, team_id, user_id):
        return "you are not on the team's roster (ask an owner)"
    return None


@dataclass(frozen=True)
class Posted:
    """A posted template as the client's clock saw it."""

    counted: bool  # recorded as the VA's reply in a client channel
    answered: ChatOutcome | None  # the conversation whose first-response clock it stopped
    why_not: str | None  # why it does not count, when it does not


def record_posted(
    session: Session, settings: Settings, team_id: str, user_id: str, channel: str, ts: str
) -> Posted:
    """A template posted for a VA counts as their reply in a client channel (the post's
    own ts): it stops the first-response clock of the conversation waiting there."""
    why_not = may_count_as_reply(session, settings, team_id, user_id, channel)
    if why_not is not None:
        return Posted(False, None, why_not)
    message = ChatMessage(team_id=team_id, channel=channel, user=user_id, ts=ts, thread_ts=None)
    return Posted(True, record_message(session, settings, message), None)
