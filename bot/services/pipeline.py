"""The pipeline: moving a contact from stage to stage, and what each stage holds.

A move is refused unless the mover may change the contact (a VA moves the contacts they own
and those nobody owns; supervisors and owners move any), the contact is not archived, the
stage is one of `[pipeline] stages` and not the one it is in, and a move to a `lost` stage
says why (the reason is its note). The move is a `moved` step of the contact's history
(who, when, from, to, the note), puts the contact in the stage since now and touches it;
an amount or expected close date given with it is kept on the contact (an `edited` step).
A move to a `won` stage starts the contact's onboarding (bot/services/onboarding.py: its
tasks, once per contact).

What the pipeline holds per stage (`pipeline_summary`, `stage_list`) comes from one
grouped query over the contacts in the pipeline (not archived) and, per stage, the few in
it longest, both on the index `ix_contact_team_stage`. A contact whose stage was taken out
of the settings keeps its stage's name and is shown under it, marked, so none disappears.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from bot import clock
from bot.services import contacts
from bot.services.billing.money import (
    MAX_WRITTEN_AMOUNT,
    format_amount,
    from_minor_units,
    parse_money,
    to_minor_units,
)
from bot.services.errors import AlreadyDone, FieldErrors, InputError, NotFound
from bot.services.onboarding import start_onboarding
from bot.services.parsing import MOVE_GRAMMAR
from bot.services.people import Actor
from bot.services.pipeline_figures import (
    InStage,
    StageFigures,
    StageList,
    Summary,
    pipeline_summary,
    stage_list,
)
from bot.services.rows import saved_id
from bot.services.text import day_text, escape, quoted, shown
from store.models import Contact, Task

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.settings.schema import PipelineStage

__all__ = [
    "InStage",
    "Move",
    "MoveWords",
    "StageFigures",
    "StageList",
    "Summary",
    "check_move",
    "move_contact",
    "move_from_form",
    "parse_amount",
    "pipeline_summary",
    "read_move",
    "stage_list",
]

# The move form's fields; a refusal of one of them shows on it.
NOTE_FIELD = "note"
AMOUNT_FIELD = "amount"
CLOSE_FIELD = "expected_close"
_WORD_RE = re.compile(r"\S+")


@dataclass(frozen=True)
class Move:
    """A contact moved: from the stage it was in (as stored: perhaps one no longer in the
    settings) to a stage of the settings, with the note (a lost stage's reason)."""

    contact: Contact
    from_stage: str
    to_stage: PipelineStage
    note: str | None
    # The onboarding tasks a won move made (none when the contact was onboarded before).
    onboarding: tuple[Task, ...] = ()

    @property
    def won(self) -> bool:
        """The move closed the contact as won: its onboarding starts with this move."""
        return self.to_stage.type == "won"


def today_of(actor: Actor) -> date:
    return clock.now().astimezone(actor.zone).date()


def amount_example(currency: str) -> str:
    return format_amount(Decimal(1200), currency)


def parse_amount(settings: Settings, text: str | None) -> int:
    """`1200`, `1,200.50`, `$1,200.50`, `1200 USD`: an amount in the workspace's currency
    (`[billing] currency`, read by money.parse_money), as the whole minor units the
    contact stores (cents)."""
    currency = settings.billing.currency
    return to_minor_units(parse_money(text or "", currency), currency)


def amount_text(units: int, currency: str) -> str:
    """A stored amount as people read it: `$1,500.00`."""
    return format_amount(from_minor_units(units, currency), currency)


def check_move(settings: Settings, actor: Actor, contact: Contact, written: str) -> PipelineStage:
    """The stage of the settings `written` names, if `actor` may move the contact there;
    refused with a sentence otherwise."""
    name = escape(contact.name)
    if contact.archived_at is not None:
        raise InputError(f"{name} is archived; only a contact in the pipeline can be moved.")
    contacts.check_may_change_contact(actor, contact)
    stage = contacts.resolve_stage(settings, written)
    if stage.name.casefold() == contact.stage.casefold():
        days = contacts.days_in_stage(contact)
        raise AlreadyDone(f"{name} is already in {escape(stage.name)} ({days} days).")
    return stage


def _problems(
    settings: Settings,
    actor: Actor,
    stage: PipelineStage,
    note: str | None,
    amount_minor: int | None,
    expected_close: date | None,
) -> dict[str, str]:
    """What is wrong with a move's note, amount and expected close, by the form's field."""
    problems: dict[str, str] = {}
    if note is not None and len(note) > contacts.MAX_NOTE_CHARS:
        problems[NOTE_FIELD] = f"A note is at most {contacts.MAX_NOTE_CHARS:,} characters."
    elif stage.type == "lost" and not note:
        problems[NOTE_FIELD] = (
            f"A move to {escape(stage.name)} needs a reason: say why the contact is lost "
            "(it stays in the contact's history)."
        )
    currency = settings.billing.currency
    largest = to_minor_units(MAX_WRITTEN_AMOUNT, currency)
    if amount_minor is not None and not 0 <= amount_minor <= largest:
        problems[AMOUNT_FIELD] = f"An amount is from 0 to {amount_text(largest, currency)}."
    if expected_close is not None and expected_close < today_of(actor):
        problems[CLOSE_FIELD] = (
            f"The expected close, {day_text(expected_close)}, is in the past; "
            "pick today or a later day."
        )
    return problems


def _keep_deal(
    session: Session,
    settings: Settings,
    actor: Actor,
    contact: Contact,
    amount_minor: int | None,
    expected_close: date | None,
) -> None:
    """The amount (in the workspace's currency) and expected close given with a move, kept
    on the contact with an `edited` step of what changed (JSON: field -> [old, new], as
    the contact's edit form records them: amounts as shown, days as ISO)."""
    currency = settings.billing.currency
    changes: dict[str, list[str | None]] = {}
    if amount_minor is not None and (amount_minor, currency) != (
        contact.amount_minor,
        contact.currency,
    ):
        before = (
            amount_text(contact.amount_minor, contact.currency)
            if contact.amount_minor is not None and contact.currency
            else None
        )
        changes["amount"] = [before, amount_text(amount_minor, currency)]
        contact.amount_minor, contact.currency = amount_minor, currency
    if expected_close is not None and expected_close != contact.expected_close:
        before = contact.expected_close.isoformat() if contact.expected_close else None
        changes["expected close"] = [before, expected_close.isoformat()]
        contact.expected_close = expected_close
    if changes:
        contacts.record_event(
            session, contact, "edited", actor.user_id, note=json.dumps(changes, ensure_ascii=False)
        )


def move_contact(
    session: Session,
    settings: Settings,
    actor: Actor,
    contact: Contact,
    stage_written: str,
    note: str | None = None,
    *,
    amount_minor: int | None = None,
    expected_close: date | None = None,
) -> Move:
    """Move the contact to the stage written (any case), as `actor`, with its row locked;
    refusals name what is wrong (on the move form's field when there is one)."""
    row = contacts.get_contact(session, actor.team_id, saved_id(contact), for_update=True)
    stage = check_move(settings, actor, row, stage_written)
    text = (note or "").strip() or None
    problems = _problems(settings, actor, stage, text, amount_minor, expected_close)
    if problems:
        raise FieldErrors(problems)
    now = clock.now()
    before = row.stage
    contacts.record_event(
        session, row, "moved", actor.user_id, now, from_stage=before, to_stage=stage.name, note=text
    )
    _keep_deal(session, settings, actor, row, amount_minor, expected_close)
    row.stage, row.stage_since, row.updated_at = stage.name, now, now
    contacts.touch(session, row, now)
    session.add(row)
    made = start_onboarding(session, settings, actor.user_id, row) if stage.type == "won" else []
    return Move(row, before, stage, text, tuple(made))


def move_from_form(
    session: Session,
    settings: Settings,
    actor: Actor,
    contact_id: int,
    stage_written: str,
    note: str | None,
    amount_written: str | None,
    expected_close: date | None,
) -> Move:
    """The move form's submission: every field's problem at once, else the move."""
    contact = contacts.get_contact(session, actor.team_id, contact_id, for_update=True)
    stage = check_move(settings, actor, contact, stage_written)
    amount: int | None = None
    problems: dict[str, str] = {}
    if amount_written and amount_written.strip():
        try:
            amount = parse_amount(settings, amount_written)
        except InputError as refusal:
            problems[AMOUNT_FIELD] = refusal.message
    text = (note or "").strip() or None
    problems = {**_problems(settings, actor, stage, text, amount, expected_close), **problems}
    if problems:
        raise FieldErrors(problems)
    return move_contact(
        session,
        settings,
        actor,
        contact,
        stage.name,
        text,
        amount_minor=amount,
        expected_close=expected_close,
    )


@dataclass(frozen=True)
class MoveWords:
    """What `/pipeline move` names: the contact, the stage as written, the note."""

    contact: Contact
    stage: str
    note: str | None


def _stage_words(settings: Settings, words: list[str]) -> tuple[int, str]:
    """How many of the first words name a stage of the settings (the most that do, spaces
    and case aside) and the stage's name; (0, "") when none do."""
    stages = {contacts.name_key(stage.name): stage.name for stage in settings.pipeline.stages}
    longest = max(len(key.split(" ")) for key in stages)
    for count in range(min(len(words), longest), 0, -1):
        name = stages.get(contacts.name_key(" ".join(words[:count])))
        if name is not None:
            return count, name
    return 0, ""


def _name_lengths(session: Session, team_id: str, words: list[str]) -> list[int]:
    """How many of the first words make a contact's name, longest first (one query)."""
    keys: dict[str, int] = {}
    for count in range(1, len(words)):
        key = contacts.name_key(" ".join(words[:count]))
        if len(key) > contacts.MAX_NAME_CHARS:
            break
        keys[key] = count
    if not keys:
        return []
    found = session.exec(
        select(Contact.name_key)
        .where(Contact.team_id == team_id, col(Contact.name_key).in_(list(keys)))
        .distinct()
    )
    return sorted((keys[key] for key in found), reverse=True)


def read_move(session: Session, settings: Settings, team_id: str, text: str) -> MoveWords:
    """`<name> <stage> [note]`, where names and stages may have spaces: the longest run of
    first words that is a contact's name and is followed by a stage (the longest run of
    words that is one); what follows the stage is the note, as typed."""
    spans = list(_WORD_RE.finditer(text))
    words = [span[0] for span in spans]
    if len(words) < 2:
        raise InputError(f"Usage: `{escape(MOVE_GRAMMAR)}`")
    lengths = _name_lengths(session, team_id, words)
    for length in lengths:
        stage_length, stage = _stage_words(settings, words[length:])
        if stage_length:
            contact = contacts.contact_named(session, team_id, text[: spans[length - 1].end()])
            note = text[spans[length + stage_length - 1].end() :].strip()
            return MoveWords(contact, stage, note or None)
    if lengths:
        contacts.resolve_stage(settings, words[lengths[0]])  # no stage follows: refused
    for length in range(1, len(words)):
        if _stage_words(settings, words[length:])[0]:
            contacts.contact_named(session, team_id, text[: spans[length - 1].end()])
    raise NotFound(
        f"No contact's name begins {quoted(text)}. Usage: `{escape(MOVE_GRAMMAR)}`; "
        f"`/find {shown(words[0], 60)}` searches everything."
    )
