"""Finalized invoices: who may invoice, finding and listing them, voiding one (its
entries unlocked, its number kept and never given again), and the unbilled time per
client that the App Home and the weekly report show."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot import clock
from bot.services import audit
from bot.services.billing.billable import billable_clause
from bot.services.billing.period_time import utc_window
from bot.services.billing.rounding import whole_seconds
from bot.services.billing.terms import non_billable_categories
from bot.services.errors import AlreadyDone, InputError, NotFound, PermissionDenied
from bot.services.people import zones_and_names
from bot.services.rows import saved_id
from bot.services.text import quoted, shown
from bot.services.tracked import FINISHED
from store.models import Client, Invoice, InvoiceLine, Task, TimeEntry

if TYPE_CHECKING:
    from bot.settings import Settings

STATUSES = ("open", "void", "all")


def check_may_invoice(settings: Settings, role: str) -> None:
    """Owners invoice; supervisors too when `[billing] supervisors_may_draft` is set. The
    refusal says nothing of any client's figures."""
    if role == "owner" or (role == "supervisor" and settings.billing.supervisors_may_draft):
        return
    raise PermissionDenied("Only an owner drafts and sends invoices; nothing was shown or changed.")


def check_may_finalize(role: str) -> None:
    """Only owners finalize: a supervisor who may draft forwards the preview to one."""
    if role != "owner":
        raise PermissionDenied(
            "Only an owner finalizes invoices; forward the preview to one. "
            "Nothing was numbered or locked."
        )


def check_may_void(role: str) -> None:
    """Only owners void an invoice (a supervisor who may draft may not undo one)."""
    if role != "owner":
        raise PermissionDenied("Only an owner voids invoices; nothing was changed.")


def invoice_by_number(session: Session, team_id: str, number: str) -> Invoice:
    wanted = number.strip()
    invoice = session.exec(
        select(Invoice).where(
            Invoice.team_id == team_id, sa.func.lower(Invoice.number) == wanted.lower()
        )
    ).first()
    if invoice is None:
        raise NotFound(
            f"There is no invoice {quoted(wanted)} in this workspace; /invoice list shows them."
        )
    return invoice


def invoice_lines(session: Session, invoice_id: int) -> list[InvoiceLine]:
    return list(
        session.exec(
            select(InvoiceLine)
            .where(InvoiceLine.invoice_id == invoice_id)
            .order_by(col(InvoiceLine.position))
        )
    )


def list_invoices(
    session: Session, team_id: str, client_id: int | None, status: str
) -> list[Invoice]:
    """The workspace's invoices, newest first: open, void or all, of one client or all."""
    if status not in STATUSES:
        raise InputError(f"{quoted(status)} is not a status of invoices; use open, void or all.")
    query = select(Invoice).where(Invoice.team_id == team_id)
    if client_id is not None:
        query = query.where(Invoice.client_id == client_id)
    if status != "all":
        query = query.where(Invoice.status == status)
    newest = (col(Invoice.issued_on).desc(), col(Invoice.year).desc(), col(Invoice.seq).desc())
    return list(session.exec(query.order_by(*newest)))


def last_invoices(session: Session, team_id: str, limit: int = 5) -> list[Invoice]:
    """The latest invoices of any status (the App Home's "last five")."""
    query = select(Invoice).where(Invoice.team_id == team_id)
    newest = (col(Invoice.issued_on).desc(), col(Invoice.year).desc(), col(Invoice.seq).desc())
    return list(session.exec(query.order_by(*newest).limit(limit)))


def void_invoice(
    session: Session, team_id: str, actor_id: str, number: str, reason: str
) -> Invoice:
    """Mark the invoice void with the reason, who and when (audited), and unlock its
    entries. Its lines and the list of entries it billed stay; its number is never given
    again (the sequence only goes up)."""
    why = " ".join(reason.split())
    if not why:
        raise InputError("Say why the invoice is void: /invoice void INV-… <reason>.")
    invoice = invoice_by_number(session, team_id, number)
    if invoice.status == "void":
        raise AlreadyDone(
            f"{invoice.number} is already void ({shown(invoice.void_reason or '', 200)}); "
            "its time is unlocked."
        )
    invoice_id = saved_id(invoice)
    invoice.status = "void"
    invoice.voided_by = actor_id
    invoice.voided_at = clock.now()
    invoice.void_reason = why
    session.add(invoice)
    entries = TimeEntry.__table__  # type: ignore[attr-defined]
    unlocked = session.execute(
        sa.update(entries)
        .where(entries.c.invoice_id == invoice_id)
        .values(invoice_id=None)
        .execution_options(synchronize_session=False)
    )
    audit.record_by(
        session,
        team_id,
        actor_id,
        "invoice",
        invoice_id,
        "void",
        {"status": "open"},
        {"status": "void", "unlocked_entries": getattr(unlocked, "rowcount", 0)},
        why,
    )
    session.flush()
    return invoice


def _unbilled_query(settings: Settings, first_day: date, last_day: date, *whose: Any) -> Any:
    """The billable finished entries that may start on a day of the period in their VA's
    zone, with their client's name and invoice (`whose`: the workspace's entries on no
    invoice, or one client's tasks)."""
    start, end = utc_window(first_day, last_day)
    return (
        sa.select(
            col(Client.name),
            col(TimeEntry.user_id),
            col(TimeEntry.started_at),
            col(TimeEntry.ended_at),
            col(TimeEntry.invoice_id),
        )
        .join(Task, col(Task.id) == TimeEntry.task_id)
        .join(Client, col(Client.id) == Task.client_id)
        .where(
            *whose,
            FINISHED,
            billable_clause(non_billable_categories(settings)),
            col(TimeEntry.started_at) >= start,
            col(TimeEntry.started_at) < end,
        )
    )


def _seconds_by_client(
    session: Session, settings: Settings, team_id: str, first_day: date, last_day: date, query: Any
) -> dict[str, int]:
    """The query's seconds on no invoice per client name, of the entries that start on a
    day of the period (a day is the VA's own, as drafts count it)."""
    rows = [row for row in session.execute(query) if row[4] is None]
    people = zones_and_names(session, settings, team_id, {row[1] for row in rows})
    seconds: dict[str, int] = {}
    for name, user_id, started_at, ended_at, _invoice in rows:
        if first_day <= started_at.astimezone(people[user_id][0]).date() <= last_day:
            seconds[name] = seconds.get(name, 0) + whole_seconds(ended_at - started_at)
    return seconds


def unbilled_by_client(
    session: Session, settings: Settings, team_id: str, first_day: date, last_day: date
) -> list[tuple[str, int]]:
    """Per client (by name), the billable finished seconds of the period that no invoice
    bills yet; a day is the VA's own, as drafts count it. Clients without any are left
    out."""
    on_no_invoice = (col(TimeEntry.team_id) == team_id, col(TimeEntry.invoice_id).is_(None))
    query = _unbilled_query(settings, first_day, last_day, *on_no_invoice)
    seconds = _seconds_by_client(session, settings, team_id, first_day, last_day, query)
    return sorted(
        ((name, total) for name, total in seconds.items() if total > 0),
        key=lambda item: item[0].lower(),
    )


def unbilled_of_client(
    session: Session,
    settings: Settings,
    team_id: str,
    client_id: int,
    first_day: date,
    last_day: date,
) -> int:
    """One client's billable finished seconds of the period that no invoice bills yet
    (the contact card's unbilled hours), counted as `unbilled_by_client` counts them."""
    # Only the client's tasks are named, so the entries are found from them: naming the
    # workspace's entries, or those on no invoice, would let SQLite (which keeps no
    # statistics) read every one of them instead; the invoiced ones are left out after.
    of_client = (col(Task.team_id) == team_id, col(Task.client_id) == client_id)
    query = _unbilled_query(settings, first_day, last_day, *of_client)
    seconds = _seconds_by_client(session, settings, team_id, first_day, last_day, query)
    return sum(seconds.values())


def last_invoice_of(session: Session, team_id: str, client_id: int) -> Invoice | None:
    """The client's latest invoice of any status."""
    newest = (col(Invoice.issued_on).desc(), col(Invoice.year).desc(), col(Invoice.seq).desc())
    return session.exec(
        select(Invoice)
        .where(Invoice.team_id == team_id, Invoice.client_id == client_id)
        .order_by(*newest)
        .limit(1)
    ).first()
