"""Importing contacts from a CSV's rows: every row checked by the contacts' own rules
(`bot.services.contacts`: names, duplicates, stages) and the columns'
(`bot.services.contact_columns`), every bad row named with its line and all its reasons,
and the contacts made as `create_contact` makes them, a batch at a time
(`bot.services.contact_batch`), in the caller's one transaction, so the caller keeps all
of them or none (a dry run makes none)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlmodel import Session, select

from bot import clock
from bot.services import contact_columns as columns
from bot.services.billing.money import parse_money, to_minor_units
from bot.services.contact_batch import add_events, create_contacts, event, existing_duplicates
from bot.services.contacts import (
    DuplicateContact,
    NewContact,
    check_name,
    name_key,
    resolve_stage,
)
from bot.services.errors import InputError
from bot.services.people import Actor, roster
from bot.services.rows import saved_id
from bot.services.tags import resolve_tag
from bot.services.text import quoted
from store.models import Client

if TYPE_CHECKING:
    from bot.settings import Settings

T = TypeVar("T")
# Clients named in a refusal of an unknown one.
LISTED_CLIENTS = 20
# Rows checked against the database, and made, at a time.
BATCH = 500


@dataclass(frozen=True)
class CheckedRow:
    """A row that passed every check: what `create_contact` gets, and what only an import
    sets (notes, and the moments an export wrote)."""

    line: int
    new: NewContact
    stage: str
    client: str | None
    tag: str | None
    notes: tuple[str, ...]
    stage_since: datetime | None
    last_touch_at: datetime | None
    archived_at: datetime | None


@dataclass(frozen=True)
class RowProblem:
    line: int
    name: str
    reasons: tuple[str, ...]

    def text(self) -> str:
        """`line 4 (Bob Jones): email: 'bob@' is not an email address.` (mrkdwn)"""
        who = f" ({quoted(self.name)})" if self.name else ""
        return f"line {self.line}{who}: {' '.join(self.reasons)}"


@dataclass
class ImportOutcome:
    rows: list[CheckedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def by_stage(self) -> Counter[str]:
        return Counter(row.stage for row in self.rows)


def _reason(column: str, refusal: InputError) -> str:
    message = refusal.message.rstrip()
    return f"{column}: {message if message.endswith('.') else message + '.'}"


class RowChecker:
    """Checks rows one by one against the workspace (its clients, team, tags, stages) and
    against the rows before them in the file (a name or Slack user given twice)."""

    def __init__(self, session: Session, settings: Settings, team_id: str) -> None:
        self.settings = settings
        self.now = clock.now()
        self.clients = list(session.exec(select(Client).where(Client.team_id == team_id)))
        team = roster(session, settings, team_id)
        self.team = {*team.owners, *team.supervisors, *team.vas}
        self.names: dict[str, int] = {}
        self.slack_users: dict[str, int] = {}

    def client(self, text: str) -> Client:
        """A client by its key, else by its name (any case)."""
        wanted = text.casefold()
        for client in self.clients:
            if client.key.casefold() == wanted:
                return client
        named = [client for client in self.clients if client.name.casefold() == wanted]
        if len(named) == 1:
            return named[0]
        if named:
            keys = ", ".join(client.key for client in named)
            raise InputError(f"Several clients are called {quoted(text)}; use its key: {keys}.")
        keys = ", ".join(client.key for client in self.clients[:LISTED_CLIENTS]) or "none"
        raise InputError(f"There is no client {quoted(text)}; use a key of [clients] ({keys}).")

    def owner(self, text: str) -> str:
        user_id = columns.member_id(text)
        if user_id not in self.team:
            raise InputError(
                f"{user_id} is not on the team ([roles] in vadesk.toml, or /role); a contact's "
                "owner is a VA, a supervisor or an owner."
            )
        return user_id

    def slack_user(self, text: str) -> str:
        user_id = columns.member_id(text)
        if user_id in self.team:
            raise InputError(f"{user_id} is on the team, not a contact.")
        return user_id

    def check(self, line: int, cells: dict[str, str]) -> CheckedRow | RowProblem:
        reasons: list[str] = []

        def read(column: str, parse: Callable[[str], T]) -> T | None:
            text = cells.get(column, "")
            if not text:
                return None
            try:
                return parse(text)
            except InputError as refusal:
                reasons.append(_reason(column, refusal))
                return None

        name = self._name(line, cells.get("name", ""), reasons)
        client = read("client", self.client)
        stage = read("stage", lambda text: resolve_stage(self.settings, text))
        currency = read("currency", columns.currency_code) or self.settings.billing.currency
        amount = read("amount", lambda text: parse_money(text, currency))
        slack_user_id = read("slack_user_id", self.slack_user)
        if slack_user_id is not None:
            self._once(self.slack_users, slack_user_id, line, "slack_user_id", reasons)
        values: dict[str, Any] = {
            "company": read("company", columns.company_name),
            "email": read("email", columns.email_address),
            "phone": read("phone", columns.phone_number),
            "owner_id": read("owner", self.owner),
            "next_step": read("next_step", columns.next_step_text),
            "next_step_due": read("next_step_due", columns.day),
            "expected_close": read("expected_close", columns.day),
        }
        if values["next_step_due"] is not None and not cells.get("next_step"):
            reasons.append("next_step_due: a due date needs its next_step.")
        zone = self.settings.workspace.zone
        moments = {
            column: read(column, lambda text: columns.instant(text, zone, self.now))
            for column in ("stage_since", "last_touch_at", "archived_at")
        }
        tag = read("tag", lambda text: resolve_tag(self.settings.tags, text))
        notes = read("notes", columns.notes) or ()
        if reasons or name is None:
            reasons.sort(key=lambda reason: columns.COLUMNS.index(reason.split(":", 1)[0]))
            return RowProblem(line, cells.get("name", ""), tuple(reasons))
        new = NewContact(
            name=name,
            client_id=None if client is None else saved_id(client),
            slack_user_id=slack_user_id,
            source="import",
            stage=None if stage is None else stage.name,
            amount_minor=None if amount is None else to_minor_units(amount, currency),
            currency=None if amount is None else currency,
            **values,
        )
        return CheckedRow(
            line=line,
            new=new,
            stage=(stage or self.settings.pipeline.first_open).name,
            client=None if client is None else client.name,
            tag=tag,
            notes=notes,
            **moments,
        )

    def _name(self, line: int, text: str, reasons: list[str]) -> str | None:
        if not text:
            reasons.append("name: every contact needs one.")
            return None
        try:
            name = check_name(text)
        except InputError as refusal:
            reasons.append(_reason("name", refusal))
            return None
        self._once(self.names, name_key(name), line, "name", reasons)
        return name

    @staticmethod
    def _once(seen: dict[str, int], key: str, line: int, column: str, reasons: list[str]) -> None:
        first = seen.setdefault(key, line)
        if first != line:
            reasons.append(f"{column}: the same as line {first}'s; each contact is one row.")


def row_cells(header: tuple[str, ...], values: list[str]) -> dict[str, str] | str:
    """A row's cells by column (missing cells at the end are empty); a row with more cells
    than the header has columns is refused."""
    if len(values) > len(header):
        extra = [value for value in values[len(header) :] if value.strip()]
        if extra:
            return (
                f"the row has {len(values)} cells and the header {len(header)} columns "
                "(a comma in a cell needs the cell in double quotes)."
            )
    return {column: columns.cell_text(value) for column, value in zip(header, values, strict=False)}


def _moments(actor: Actor, row: CheckedRow) -> dict[str, Any]:
    """The columns an export wrote that the import keeps (the row's moments)."""
    changed: dict[str, Any] = {}
    if row.stage_since is not None:
        changed["stage_since"] = row.stage_since
    if row.last_touch_at is not None:
        changed["last_touch_at"] = row.last_touch_at
    if row.archived_at is not None:
        changed |= {"archived_at": row.archived_at, "archived_by": actor.user_id}
    return changed


class _Importer:
    """Rows checked in batches against the contacts already there; once every row is
    checked and none has a problem, the contacts are made, a batch at a time. (Checked
    before any is made, each check reads the table as it was: PostgreSQL plans a query
    by the statistics of the table before the import, which a table the import fills
    from empty would outgrow, scanning it whole for each batch.)"""

    def __init__(self, session: Session, settings: Settings, actor: Actor) -> None:
        self.session, self.settings, self.actor = session, settings, actor
        self.outcome = ImportOutcome()
        self.pending: list[CheckedRow] = []

    def add(self, row: CheckedRow | RowProblem) -> None:
        if isinstance(row, RowProblem):
            self.outcome.problems.append(row)
            return
        self.pending.append(row)
        if len(self.pending) >= BATCH:
            self.check()

    def check(self) -> None:
        batch, self.pending = self.pending, []
        news = [row.new for row in batch]
        duplicates = existing_duplicates(self.session, self.actor.team_id, news)
        for position, existing in duplicates.items():
            row = batch[position]
            column = "name" if existing.name_key == name_key(row.new.name) else "slack_user_id"
            reason = _reason(column, DuplicateContact(existing))
            self.outcome.problems.append(RowProblem(row.line, row.new.name, (reason,)))
        self.outcome.rows += [row for at, row in enumerate(batch) if at not in duplicates]

    def create(self) -> None:
        rows = self.outcome.rows
        for start in range(0, len(rows), BATCH):
            self._create(rows[start : start + BATCH])

    def _create(self, rows: list[CheckedRow]) -> None:
        actor = self.actor
        ids = create_contacts(
            self.session,
            self.settings,
            actor,
            [row.new for row in rows],
            [row.tag for row in rows],
            [_moments(actor, row) for row in rows],
        )
        now = clock.now()
        events = []
        for contact_id, row in zip(ids, rows, strict=True):
            events += [event(actor, contact_id, "note", now, note=note) for note in row.notes]
            if row.archived_at is not None:
                events.append(event(actor, contact_id, "archived", now))
        add_events(self.session, events)


def import_contacts(
    session: Session,
    settings: Settings,
    actor: Actor,
    header: tuple[str, ...],
    rows: Iterable[tuple[int, list[str]]],
    write: bool = True,
) -> ImportOutcome:
    """Check every row and, if none has a problem (and unless not `write`: a dry run),
    make a contact of each in `session` for the caller to commit. Rows whose cells are all
    empty are skipped. Problems are in line order."""
    checker = RowChecker(session, settings, actor.team_id)
    importer = _Importer(session, settings, actor)
    for line, values in rows:
        if not any(value.strip() for value in values):
            continue
        cells = row_cells(header, values)
        importer.add(
            RowProblem(line, "", (cells,)) if isinstance(cells, str) else checker.check(line, cells)
        )
    importer.check()
    outcome = importer.outcome
    outcome.problems.sort(key=lambda problem: problem.line)
    if write and not outcome.problems:
        importer.create()
    return outcome
