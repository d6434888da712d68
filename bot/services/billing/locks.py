"""Locked time: what an open invoice bills stays as it was billed. An entry on an open
invoice (its `invoice_id`) is not edited, moved or deleted; no time is logged for a client
on a day its open invoice covers (Harvest locks the invoiced span the same way: late time
goes on a later day); a task whose time is on an open invoice keeps its client and its
billable switch. Only open invoices lock: voiding one clears its entries' `invoice_id`
and frees its span. A running timer is never on an invoice. Days are the VA's own, as
the timesheet counts them. Every refusal is a `Locked` naming the invoice; nothing is
changed by it."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.services.errors import Locked
from bot.services.parsing import format_entry_id, format_task_id
from bot.services.rows import saved_id
from bot.services.text import escape
from store.models import Invoice, Task, TimeEntry
from store.sql import advisory_lock

OPEN = "open"


def wait_for_invoicing(session: Session, team_id: str) -> None:
    """Take the workspace's turn to finalize invoices, held until this unit of work ends:
    a finalize in progress commits first, so a check made after this sees its invoice
    (and a finalize that comes later sees what this unit of work logged)."""
    advisory_lock(session, f"invoice-finalize:{team_id}")


def _sent(invoice: Invoice) -> str:
    return f"{invoice.number}, sent {invoice.issued_on.isoformat()}"


def entry_invoice(session: Session, entry: TimeEntry) -> Invoice | None:
    """The open invoice that bills this entry, if any (a void one no longer does)."""
    if entry.invoice_id is None:
        return None
    invoice = session.get(Invoice, entry.invoice_id)
    return invoice if invoice is not None and invoice.status == OPEN else None


def check_entry_unlocked(session: Session, entry: TimeEntry) -> None:
    """Refuse to edit, move or delete an entry an open invoice bills."""
    invoice = entry_invoice(session, entry)
    if invoice is not None:
        raise Locked(
            f"{format_entry_id(saved_id(entry))} is on {_sent(invoice)}; void the invoice to "
            "change it."
        )


def invoice_covering(session: Session, team_id: str, client_id: int, day: date) -> Invoice | None:
    """The open invoice of this client whose period holds `day` (the latest-ending one
    when several do)."""
    return session.exec(
        select(Invoice)
        .where(
            Invoice.team_id == team_id,
            Invoice.client_id == client_id,
            Invoice.status == OPEN,
            col(Invoice.period_start) <= day,
            col(Invoice.period_end) >= day,
        )
        .order_by(col(Invoice.period_end).desc(), col(Invoice.id).desc())
        .limit(1)
    ).first()


def check_day_unlocked(session: Session, task: Task, day: date) -> None:
    """Refuse time on a client's task on a day an open invoice of that client covers.
    Internal work (no client) is never invoiced, so never locked."""
    if task.client_id is None:
        return
    wait_for_invoicing(session, task.team_id)
    invoice = invoice_covering(session, task.team_id, task.client_id, day)
    if invoice is not None:
        raise Locked(
            f"{escape(invoice.client_name)} is invoiced through "
            f"{invoice.period_end.isoformat()} on {_sent(invoice)}: log this time on a "
            "later day, or void the invoice to change it."
        )


def check_start_unlocked(session: Session, task: Task, start: datetime, zone: ZoneInfo) -> None:
    """`check_day_unlocked` for an entry starting at `start`: its day is the VA's local
    day of its start (`zone`), the day the timesheet puts it on."""
    check_day_unlocked(session, task, start.astimezone(zone).date())


def task_invoice(session: Session, task: Task) -> Invoice | None:
    """An open invoice that bills time on this task (the earliest issued), if any."""
    return session.exec(
        select(Invoice)
        .join(TimeEntry, col(TimeEntry.invoice_id) == Invoice.id)
        .where(TimeEntry.task_id == saved_id(task), Invoice.status == OPEN)
        .order_by(col(Invoice.issued_on), col(Invoice.id))
        .limit(1)
    ).first()


def check_task_unlocked(session: Session, task: Task, what: str) -> None:
    """Refuse to change what decides a task's billing (`what`: "its client", "whether it
    is billable") while an open invoice bills time on it."""
    invoice = task_invoice(session, task)
    if invoice is not None:
        raise Locked(
            f"{format_task_id(task.number)} has time on {_sent(invoice)}; void the invoice "
            f"to change {what}."
        )
