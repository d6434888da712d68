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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session

from bot.services.access import readable_tasks
from bot.services.errors import InputError, NotFound
from bot.services.people import Actor, client_for_channel, roster
from bot.services.search_reasons import Found, Match, Reason, Terms, reasons_of
from bot.services.text import quoted
from store.models import Client, Contact
from store.search import Hit, search_hits, words_of

if TYPE_CHECKING:
    from bot.settings import Settings

__all__ = [
    "FIND_USAGE",
    "QUESTION_WORDS",
    "FindResult",
    "Match",
    "Reason",
    "find",
    "may_ask",
    "picked",
    "question_words",
    "search_terms",
]

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
_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b", re.IGNORECASE)
_EDGES = "\"'“”‘’«»¿¡?!.,;:()[]{}<>…*"


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


# The rule of bot/services/access.py for a VA, made once: the reader's id bound by name.
_READABLE = readable_tasks(sa.bindparam("reader", type_=sa.String))


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
        task_filter=None if actor.is_manager else _READABLE,
        filter_params={"reader": actor.user_id},
    )
    matching = Terms.of(terms)
    ranked = _rank(_found(session, actor.team_id, hits), hits, matching)
    shown = ranked[:limit]
    why = reasons_of(session, actor, hits, shown, matching)
    matches = tuple(row.match(why.get(row.key, ())) for row in shown)
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


def _target(hit: Hit) -> tuple[str, int] | None:
    if hit.contact_id is not None:
        return ("contact", hit.contact_id)
    return ("client", hit.client_id) if hit.client_id is not None else None


def _table(model: type[Contact] | type[Client]) -> sa.Table:
    table = getattr(model, "__table__", None)
    assert isinstance(table, sa.Table)
    return table


# What the list shows of the contacts and clients hit, read by id alone (the workspace is
# checked on the rows): SQLite, without statistics, would otherwise read a workspace's
# every contact through an index on team_id. Built once; the ids are bound.
_CONTACT, _CLIENT = _table(Contact).c, _table(Client).c
_CONTACTS = sa.select(
    _CONTACT.id,
    _CONTACT.team_id,
    _CONTACT.name,
    _CONTACT.company,
    _CONTACT.email,
    _CONTACT.phone,
    _CONTACT.stage,
    _CONTACT.archived_at,
).where(_CONTACT.id.in_(sa.bindparam("ids", expanding=True)))
_CLIENTS = sa.select(_CLIENT.id, _CLIENT.team_id, _CLIENT.name, _CLIENT.key).where(
    _CLIENT.id.in_(sa.bindparam("ids", expanding=True))
)


def _found(session: Session, team_id: str, hits: Iterable[Hit]) -> dict[tuple[str, int], Found]:
    """What the list shows of each contact and client hit: a few columns, not records."""
    wanted: dict[str, set[int]] = {"contact": set(), "client": set()}
    for key in filter(None, map(_target, hits)):
        wanted[key[0]].add(key[1])
    found: dict[tuple[str, int], Found] = {}
    if wanted["contact"]:
        for row in session.execute(_CONTACTS, {"ids": sorted(wanted["contact"])}):
            if row.team_id != team_id:
                continue
            fields = (
                ("name", row.name),
                ("company", row.company),
                ("email", row.email),
                ("phone", row.phone),
            )
            archived = row.archived_at is not None
            found[("contact", row.id)] = Found(
                "contact", row.id, row.name, fields, row.company, row.stage, archived
            )
    if wanted["client"]:
        for row in session.execute(_CLIENTS, {"ids": sorted(wanted["client"])}):
            if row.team_id == team_id:
                own = (("name", row.name), ("key", row.key))
                found[("client", row.id)] = Found("client", row.id, row.name, own)
    return found


def _rank(found: dict[tuple[str, int], Found], hits: Sequence[Hit], terms: Terms) -> list[Found]:
    """Best first: the tier (0: a contact's or client's name or a client's key matched; 1:
    a contact's other fields; 2: only its notes or tasks), active before archived, then
    the index's rank, then the name."""
    best: dict[tuple[str, int], tuple[int, float]] = {}
    for hit in hits:
        key = _target(hit)
        if key is None or key not in found:
            continue
        if hit.source == "client":
            tier = 0
        elif hit.source == "contact":
            tier = 0 if terms.held_by(found[key].name) else 1
        else:
            tier = 2
        rank = (tier, -hit.score)
        best[key] = min(best.get(key, rank), rank)

    def order(key: tuple[str, int]) -> tuple[int, bool, float, str, str, int]:
        row, (tier, score) = found[key], best[key]
        return (tier, row.archived, score, row.name.casefold(), *key)

    return [found[key] for key in sorted(best, key=order)]
