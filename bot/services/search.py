"""`/find` and "where are we on Jones?": the contacts and clients VA Desk's records name.

The words of a question are what names someone: `question_words` drops the few words a
question is made of (`QUESTION_WORDS`). `find` looks the rest up in the database's own
full-text index (store/search.py) over contacts (name, company, email, phone, notes),
clients (name, key) and tasks (title, description, notes: a task's match is its contact's,
else its client's), every word required and the last one also as a prefix ("Jon" finds
Jones). Ranked: a match on the name first, then on the contact's other fields, then on its
notes and tasks. Each match says why it matched. A VA never finds anything through a
colleague's delegated brief (bot/services/access.py): it neither matches nor shows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from sqlmodel import Session, col, select

from bot.services.access import check_may_read, readable_tasks
from bot.services.errors import InputError, NotFound, PermissionDenied
from bot.services.people import Actor, client_for_channel, roster
from bot.services.rows import saved_id
from bot.services.text import quoted
from store.models import Client, Contact, ContactEvent, Task
from store.search import Hit, fold, last_is_prefix, search_hits, words_of

if TYPE_CHECKING:
    from bot.settings import Settings

FIND_USAGE = (
    "Write whom to look for: `/find Jones`, `/find Acme`, `/find bob@jones.com`. You can "
    "also ask me in a DM, or mention me: _where are we on the Jones closing?_"
)
# The words a question about someone is made of, dropped to leave the name: "where are we
# on the Jones closing?" asks about Jones. Only these; when nothing else is left, the whole
# text is searched (a contact may be called "The Deal").
_QUESTION_WORDS = """
    where what whats who whos how hows when which why
    is are was were be been am do does did
    we us our i me my you your they them their it its
    on in at to for of with about from by and or the a an
    status update updates news latest progress up going happening doing
    closing deal any anything there here hey hi hello please thanks
    tell show give find know check look
"""
QUESTION_WORDS = frozenset(_QUESTION_WORDS.split())
DEFAULT_LIMIT = 8
MAX_TERMS = 8
MAX_TERM_CHARS = 64
PER_SOURCE = 50  # the best rows of each index looked at
TASK_REASONS = 2  # per match
NOTE_REASONS = 2
EXCERPT_BEFORE, EXCERPT_AFTER = 30, 60
_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b", re.IGNORECASE)
_EDGES = "\"'“”‘’«»¿¡?!.,;:()[]{}<>…*"


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
    record: Contact | Client | None = field(default=None, compare=False, repr=False)

    @property
    def pick(self) -> str:
        """What the list's button carries: `contact:12`, `client:3` (see `picked`)."""
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class FindResult:
    words: str  # what was looked for
    matches: tuple[Match, ...]
    more: bool  # more matched than are listed


def question_words(text: str) -> str:
    """The words of a question that name someone: "where are we on the Jones closing?"
    -> "Jones"; "status of Bob Jones?" -> "Bob Jones". Nothing left: the whole text."""
    kept = []
    for word in _POSSESSIVE.sub("", text).split():
        bare = word.strip(_EDGES)
        if bare and bare.lower().replace("'", "").replace("’", "") not in QUESTION_WORDS:
            kept.append(bare)
    return " ".join(kept) if kept else text.strip()


def search_terms(words: str) -> list[str]:
    """The terms looked up: the words as the index splits them, each once, at most
    `MAX_TERMS` of at most `MAX_TERM_CHARS`."""
    terms = dict.fromkeys(word[:MAX_TERM_CHARS] for word in words_of(words))
    return list(terms)[:MAX_TERMS]


def may_ask(
    session: Session,
    settings: Settings,
    team_id: str,
    user_id: str,
    channel_id: str | None,
    *,
    external: bool,
) -> bool:
    """Whether a question (a DM, an @mention) is answered: never for someone of another
    organization (Slack Connect), and in a client channel only for the team: anyone else
    writing there is a client, as client chats count them."""
    if external:
        return False
    if channel_id is None or client_for_channel(session, team_id, channel_id) is None:
        return True
    return user_id in roster(session, settings, team_id)


def find(
    session: Session, settings: Settings, actor: Actor, words: str, limit: int = DEFAULT_LIMIT
) -> FindResult:
    """The contacts and clients the words name, best first, each with why it matched."""
    if not words.strip():
        raise InputError(FIND_USAGE)
    terms = search_terms(words)
    if not terms:
        raise InputError(f"{quoted(words)} has no letters or digits to look for. {FIND_USAGE}")
    hits = search_hits(
        session,
        actor.team_id,
        terms,
        per_source=PER_SOURCE,
        task_filter=readable_tasks(actor),
    )
    ranked = _rank(session, hits, terms)
    shown = ranked[:limit]
    reasons = _reasons(session, actor, hits, shown, terms)
    matches = tuple(_match(record, reasons.get(_key(record), ())) for record, _ in shown)
    return FindResult(words=" ".join(words.split()), matches=matches, more=len(ranked) > limit)


def picked(session: Session, actor: Actor, pick: str) -> Contact | Client:
    """The contact or client a list's button names (`Match.pick`), in the actor's team."""
    kind, _, number = pick.partition(":")
    if kind not in ("contact", "client") or not number.isdigit():
        raise NotFound("That is not a contact or client VA Desk knows.")
    record: Contact | Client | None = (
        session.get(Contact, int(number)) if kind == "contact" else session.get(Client, int(number))
    )
    if record is None or record.team_id != actor.team_id:
        raise NotFound(f"That {kind} is not in VA Desk (anymore).")
    return record


Key = tuple[str, int]


def _key(record: Contact | Client) -> Key:
    return ("contact" if isinstance(record, Contact) else "client", saved_id(record))


def _target(hit: Hit) -> Key | None:
    if hit.contact_id is not None:
        return ("contact", hit.contact_id)
    return ("client", hit.client_id) if hit.client_id is not None else None


def _records(session: Session, keys: Iterable[Key]) -> dict[Key, Contact | Client]:
    wanted: dict[str, set[int]] = {"contact": set(), "client": set()}
    for kind, number in keys:
        wanted[kind].add(number)
    found: dict[Key, Contact | Client] = {}
    if wanted["contact"]:
        for contact in session.exec(select(Contact).where(col(Contact.id).in_(wanted["contact"]))):
            found[("contact", saved_id(contact))] = contact
    if wanted["client"]:
        for client in session.exec(select(Client).where(col(Client.id).in_(wanted["client"]))):
            found[("client", saved_id(client))] = client
    return found


def _tier(hit: Hit, record: Contact | Client, terms: Sequence[str]) -> int:
    """0: the name matched (a contact's, or a client's name or key); 1: a contact's other
    fields; 2: only its notes or tasks."""
    if hit.source == "client":
        return 0
    if hit.source == "contact":
        return 0 if _holds(record.name, terms) else 1
    return 2


def _rank(
    session: Session, hits: Sequence[Hit], terms: Sequence[str]
) -> list[tuple[Contact | Client, tuple[int, float]]]:
    records = _records(session, filter(None, map(_target, hits)))
    best: dict[Key, tuple[int, float]] = {}
    for hit in hits:
        key = _target(hit)
        if key is None or key not in records:
            continue
        rank = (_tier(hit, records[key], terms), -hit.score)
        best[key] = min(best.get(key, rank), rank)

    def order(key: Key) -> tuple[int, bool, float, str, str, int]:
        record, (tier, score) = records[key], best[key]
        archived = isinstance(record, Contact) and record.archived_at is not None
        return (tier, archived, score, record.name.casefold(), *key)

    return [(records[key], best[key]) for key in sorted(best, key=order)]


def _reasons(
    session: Session,
    actor: Actor,
    hits: Sequence[Hit],
    shown: Sequence[tuple[Contact | Client, tuple[int, float]]],
    terms: Sequence[str],
) -> dict[Key, list[Reason]]:
    listed = {_key(record): record for record, _ in shown}
    reasons: dict[Key, list[Reason]] = {key: [] for key in listed}
    for key, record in listed.items():
        if any(h.source in ("contact", "client") and _target(h) == key for h in hits):
            reasons[key].extend(_field_reasons(record, terms))
    later = [h for h in hits if h.source in ("note", "task") and _target(h) in listed]
    notes = _rows(session, ContactEvent, [h.row_id for h in later if h.source == "note"])
    tasks = _rows(session, Task, [h.row_id for h in later if h.source == "task"])
    counts: dict[tuple[Key, str], int] = {}
    for hit in sorted(later, key=lambda h: -h.score):
        target = _target(hit)
        assert target is not None
        key = target
        limit = NOTE_REASONS if hit.source == "note" else TASK_REASONS
        if counts.get((key, hit.source), 0) >= limit:
            continue
        reason = (
            _note_reason(notes.get(hit.row_id), terms)
            if hit.source == "note"
            else _task_reason(session, actor, tasks.get(hit.row_id), terms)
        )
        if reason is not None:
            reasons[key].append(reason)
            counts[(key, hit.source)] = counts.get((key, hit.source), 0) + 1
    return reasons


Row = TypeVar("Row", ContactEvent, Task)


def _rows(session: Session, model: type[Row], ids: Sequence[int]) -> dict[int, Row]:
    if not ids:
        return {}
    rows = session.exec(select(model).where(col(model.id).in_(ids)))
    return {saved_id(row): row for row in rows}


def _field_reasons(record: Contact | Client, terms: Sequence[str]) -> list[Reason]:
    if isinstance(record, Client):
        fields: dict[str, str | None] = {"name": record.name, "key": record.key}
    else:
        fields = {
            "name": record.name,
            "company": record.company,
            "email": record.email,
            "phone": record.phone,
        }
    return [Reason(name, value) for name, value in fields.items() if value and _holds(value, terms)]


def _note_reason(note: ContactEvent | None, terms: Sequence[str]) -> Reason | None:
    if note is None or not note.note:
        return None
    return Reason("note", _excerpt(note.note, terms), at=note.at)


def _task_reason(
    session: Session, actor: Actor, task: Task | None, terms: Sequence[str]
) -> Reason | None:
    if task is None:
        return None
    try:
        check_may_read(session, actor, task)
    except PermissionDenied:
        return None
    excerpt = None
    if not _holds(task.title, terms):
        elsewhere = [text for text in (task.description, task.notes) if text]
        matching = [text for text in elsewhere if _holds(text, terms)] or elsewhere
        excerpt = _excerpt(matching[0], terms) if matching else None
    return Reason("task", task.title, task_number=task.number, excerpt=excerpt)


def _loose(text: str) -> str:
    """For saying why: accents off as SQLite's tokenizer takes them (all of them)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _matching(token: str, terms: Sequence[str]) -> bool:
    if last_is_prefix(terms) and token.startswith(_loose(terms[-1])):
        return True
    return any(token == _loose(term) for term in terms)


def _holds(text: str, terms: Sequence[str]) -> bool:
    return any(_matching(token, terms) for token in words_of(_loose(text)))


_TOKEN = re.compile(r"[^\W_]+")


def _excerpt(text: str, terms: Sequence[str]) -> str:
    """The text around its first matching word, cut with "…" on a side that goes on."""
    flat = " ".join(text.split())
    folded = fold(_loose(flat))
    start = 0
    if len(folded) == len(flat):
        for token in _TOKEN.finditer(folded):
            if _matching(token.group(), terms):
                start = token.start()
                break
    begin = max(0, start - EXCERPT_BEFORE)
    end = min(len(flat), start + EXCERPT_AFTER)
    return ("…" if begin else "") + flat[begin:end] + ("…" if end < len(flat) else "")


def _match(record: Contact | Client, reasons: Sequence[Reason]) -> Match:
    if isinstance(record, Client):
        return Match("client", saved_id(record), record.name, tuple(reasons), record=record)
    return Match(
        "contact",
        saved_id(record),
        record.name,
        tuple(reasons),
        company=record.company,
        stage=record.stage,
        archived=record.archived_at is not None,
        record=record,
    )
