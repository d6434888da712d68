"""Why a contact or client matched a search: the fields of its own that hold the words
(its name, company, email, phone; a client's name and key), and the best of its notes and
tasks that do, each shown as the words around the match. A task a VA may not read (a
colleague's delegated brief, `may_read` in bot/services/access.py) is never a reason."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.services.access import may_read
from bot.services.people import Actor
from store.models import Assignment, ContactEvent, Task
from store.search import Hit, fold, last_is_prefix, words_of

TASK_REASONS = 2  # per match
NOTE_REASONS = 2
EXCERPT_BEFORE, EXCERPT_AFTER = 30, 60
_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Reason:
    """Why a contact or client matched: the field, and its text (a note's or task's
    excerpt around the match; a task's title, with `excerpt` when the match is elsewhere)."""

    field: str  # name | company | email | phone | key | note | task
    text: str
    task_number: int | None = None
    excerpt: str | None = None
    at: datetime | None = None  # a note's moment


@dataclass(frozen=True)
class Match:
    kind: str  # contact | client
    id: int
    name: str
    reasons: tuple[Reason, ...]
    company: str | None = None
    stage: str | None = None
    archived: bool = False

    @property
    def pick(self) -> str:
        """What the list's button carries: `contact:12`, `client:3` (search.picked)."""
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Found:
    """A contact or client a search hit, as the list shows it (no record loaded)."""

    kind: str
    id: int
    name: str
    fields: tuple[tuple[str, str | None], ...]  # its own searched fields, in reason order
    company: str | None = None
    stage: str | None = None
    archived: bool = False

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.id)

    def match(self, reasons: Sequence[Reason]) -> Match:
        return Match(
            self.kind, self.id, self.name, tuple(reasons), self.company, self.stage, self.archived
        )


def _loose(text: str) -> str:
    """Accents off as SQLite's tokenizer takes them (all of them), for saying why."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Terms:
    """The searched terms, ready to tell which words of a text they match."""

    whole: frozenset[str]
    prefix: str | None  # the last term, when it is searched as a prefix

    @classmethod
    def of(cls, terms: Sequence[str]) -> Terms:
        loose = [_loose(term) for term in terms]
        return cls(frozenset(loose), loose[-1] if last_is_prefix(terms) else None)

    def matches(self, word: str) -> bool:
        return word in self.whole or (self.prefix is not None and word.startswith(self.prefix))

    def held_by(self, text: str) -> bool:
        return any(self.matches(word) for word in words_of(_loose(text)))

    def excerpt(self, text: str) -> str:
        """The text around its first matching word, cut with "…" on a side that goes on."""
        flat = " ".join(text.split())
        folded = fold(_loose(flat))
        start = 0
        if len(folded) == len(flat):
            for token in _TOKEN.finditer(folded):
                if self.matches(token.group()):
                    start = token.start()
                    break
        begin = max(0, start - EXCERPT_BEFORE)
        end = min(len(flat), start + EXCERPT_AFTER)
        return ("…" if begin else "") + flat[begin:end] + ("…" if end < len(flat) else "")


def _target(hit: Hit) -> tuple[str, int] | None:
    if hit.contact_id is not None:
        return ("contact", hit.contact_id)
    return ("client", hit.client_id) if hit.client_id is not None else None


# Built once; the ids are bound.
_IDS: sa.BindParameter[int] = sa.bindparam("ids", expanding=True)
_NOTES = select(ContactEvent).where(col(ContactEvent.id).in_(_IDS))
_TASKS = select(Task).where(col(Task.id).in_(_IDS))
_DELEGATED = select(Assignment.task_id).where(col(Assignment.task_id).in_(_IDS))


def _notes(session: Session, ids: Iterable[int]) -> dict[int, ContactEvent]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.exec(_NOTES, params={"ids": wanted})
    return {row.id: row for row in rows if row.id is not None}


def _readable_tasks(session: Session, actor: Actor, ids: Iterable[int]) -> dict[int, Task]:
    """The tasks of these ids the actor may read (one query for which are delegated)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    tasks = {
        row.id: row for row in session.exec(_TASKS, params={"ids": wanted}) if row.id is not None
    }
    delegated: set[int] = set()
    if not actor.is_manager and tasks:
        delegated = set(session.exec(_DELEGATED, params={"ids": sorted(tasks)}))
    return {n: t for n, t in tasks.items() if may_read(actor, t, n in delegated)}


def _note_reason(note: ContactEvent | None, terms: Terms) -> Reason | None:
    if note is None or not note.note:
        return None
    return Reason("note", terms.excerpt(note.note), at=note.at)


def _task_reason(task: Task | None, terms: Terms) -> Reason | None:
    if task is None:
        return None
    excerpt = None
    if not terms.held_by(task.title):
        elsewhere = [text for text in (task.description, task.notes) if text]
        matching = [text for text in elsewhere if terms.held_by(text)] or elsewhere
        excerpt = terms.excerpt(matching[0]) if matching else None
    return Reason("task", task.title, task_number=task.number, excerpt=excerpt)


def reasons_of(
    session: Session,
    actor: Actor,
    hits: Sequence[Hit],
    shown: Sequence[Found],
    terms: Terms,
) -> dict[tuple[str, int], list[Reason]]:
    """Why each contact or client shown matched: its own fields, then its best notes
    and tasks (at most `NOTE_REASONS` and `TASK_REASONS`)."""
    listed = {row.key: row for row in shown}
    reasons: dict[tuple[str, int], list[Reason]] = {key: [] for key in listed}
    own = {_target(h) for h in hits if h.source in ("contact", "client")}
    for listed_key, row in listed.items():
        if listed_key in own:
            reasons[listed_key] += [
                Reason(name, value) for name, value in row.fields if value and terms.held_by(value)
            ]
    later: list[Hit] = []  # the best notes and tasks of each, in rank order
    counts: dict[tuple[tuple[str, int] | None, str], int] = {}
    for hit in sorted(hits, key=lambda h: -h.score):
        key = _target(hit)
        limit = {"note": NOTE_REASONS, "task": TASK_REASONS}.get(hit.source, 0)
        if key in listed and counts.get((key, hit.source), 0) < limit:
            later.append(hit)
            counts[(key, hit.source)] = counts.get((key, hit.source), 0) + 1
    notes = _notes(session, (h.row_id for h in later if h.source == "note"))
    tasks = _readable_tasks(session, actor, (h.row_id for h in later if h.source == "task"))
    for hit in later:
        reason = (
            _note_reason(notes.get(hit.row_id), terms)
            if hit.source == "note"
            else _task_reason(tasks.get(hit.row_id), terms)
        )
        key = _target(hit)
        if reason is not None and key is not None:
            reasons[key].append(reason)
    return reasons
