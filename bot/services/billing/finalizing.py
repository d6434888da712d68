"""Finalizing a draft: in one transaction the invoice takes the next number of its
workspace and year, stores its lines, totals and the terms they used, links and locks the
entries it bills, and is audited. If anything fails (the time changed since the preview,
an entry another invoice locked first), nothing is numbered, stored or locked: the
sequence's increment is part of the same transaction, so a refused finalize leaves no gap."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot import clock
from bot.services import audit
from bot.services.billing.drafting import AllInvoiced, draft_invoice
from bot.services.billing.drafts import Draft, DraftRequest, InvoicedElsewhere, on_invoices
from bot.services.billing.locks import wait_for_invoicing
from bot.services.billing.money import to_minor_units
from bot.services.billing.period_time import utc_window
from bot.services.errors import InputError
from bot.services.rows import saved_id
from store.models import Invoice, InvoiceEntry, InvoiceLine, InvoiceSequence, Task, TimeEntry
from store.sql import insert_or_ignore, lock_for_update

if TYPE_CHECKING:
    from bot.settings import Settings

# Entry ids bound per statement: well under SQLite's 32,766 and PostgreSQL's 65,535.
IDS_PER_STATEMENT = 20_000


class DraftChanged(InputError):
    """The tracked time changed since the preview: `draft` is the invoice as it is now."""

    def __init__(self, message: str, draft: Draft) -> None:
        super().__init__(message)
        self.draft = draft


class AlreadyInvoiced(InputError):
    """Another invoice locked some of the entries first: `invoiced` says which, on which."""

    def __init__(self, message: str, invoiced: tuple[InvoicedElsewhere, ...]) -> None:
        super().__init__(message)
        self.invoiced = invoiced


def _already_invoiced(invoiced: tuple[InvoicedElsewhere, ...]) -> AlreadyInvoiced:
    return AlreadyInvoiced(
        f"Not finalized: {on_invoices(invoiced)} already; nothing was numbered or locked. "
        "Draft the invoice again to bill the rest.",
        invoiced,
    )


def _next_seq(session: Session, team_id: str, year: int) -> int:
    """The next number of the workspace's sequence for `year`, its row locked until the
    transaction ends: two finalizes take turns, and a rolled-back one gives its back."""
    insert_or_ignore(
        session,
        InvoiceSequence,
        {"team_id": team_id, "year": year, "last_seq": 0},
        returning="year",
        conflict_on=["team_id", "year"],
    )
    table = InvoiceSequence.__table__  # type: ignore[attr-defined]
    taken = session.execute(
        sa.update(table)
        .where(table.c.team_id == team_id, table.c.year == year)
        .values(last_seq=table.c.last_seq + 1)
        .returning(table.c.last_seq)
    )
    return int(taken.scalar_one())


def _invoice_row(
    draft: Draft, actor_id: str, number: str, year: int, seq: int, channel_name: str | None
) -> Invoice:
    currency = draft.terms.currency
    return Invoice(
        team_id=draft.team_id,
        number=number,
        year=year,
        seq=seq,
        client_id=draft.request.client_id,
        client_name=draft.client_name,
        client_channel=channel_name or draft.client_channel,
        period_start=draft.request.first_day,
        period_end=draft.request.last_day,
        issued_on=draft.issued_on,
        due_on=draft.due_on,
        currency=currency,
        subtotal_minor=to_minor_units(draft.subtotal, currency),
        tax_minor=to_minor_units(draft.tax, currency),
        total_minor=to_minor_units(draft.total, currency),
        terms=json.dumps(draft.terms.to_record(), sort_keys=True),
        sender=json.dumps(asdict(draft.sender), ensure_ascii=False, sort_keys=True),
        created_by=actor_id,
        created_at=clock.now(),
    )


def _line_rows(draft: Draft, invoice_id: int) -> list[dict[str, Any]]:
    currency = draft.terms.currency
    return [
        {
            "invoice_id": invoice_id,
            "position": position,
            "kind": line.kind,
            "description": line.description,
            "person": line.person,
            "task_id": line.task_id,
            "day": line.day,
            "entry_count": len(line.entry_ids),
            "raw_seconds": line.raw_seconds,
            "billed_seconds": line.billed_seconds,
            "rate": None if line.rate is None else str(line.rate),
            "amount_minor": to_minor_units(line.amount, currency),
        }
        for position, line in enumerate(draft.lines, start=1)
    ]


def _taken_elsewhere(
    session: Session, entry_ids: tuple[int, ...], invoice_id: int
) -> tuple[InvoicedElsewhere, ...]:
    """Which of the entries another invoice locked, by invoice number."""
    by_number: dict[str, list[int]] = {}
    for start in range(0, len(entry_ids), IDS_PER_STATEMENT):
        query = (
            sa.select(col(TimeEntry.id), col(Invoice.number))
            .join(Invoice, col(Invoice.id) == TimeEntry.invoice_id)
            .where(
                col(TimeEntry.id).in_(entry_ids[start : start + IDS_PER_STATEMENT]),
                col(Invoice.id) != invoice_id,
            )
        )
        for entry_id, number in session.execute(query):
            by_number.setdefault(number, []).append(entry_id)
    return tuple(
        InvoicedElsewhere(number=number, entry_ids=tuple(sorted(ids)))
        for number, ids in sorted(by_number.items())
    )


def _lock_entries(session: Session, draft: Draft, invoice_id: int) -> None:
    """Lock the entries with one conditional UPDATE (per 20,000, the bound values a
    statement may carry): an entry another invoice locked first is not changed, and the
    count says so. Then link what was locked in one INSERT … SELECT."""
    entry_ids = draft.entry_ids
    if not entry_ids:
        return
    entries = TimeEntry.__table__  # type: ignore[attr-defined]
    locked = 0
    for start in range(0, len(entry_ids), IDS_PER_STATEMENT):
        result: sa.CursorResult[Any] = session.execute(  # type: ignore[assignment]
            sa.update(entries)
            .where(
                entries.c.id.in_(entry_ids[start : start + IDS_PER_STATEMENT]),
                entries.c.invoice_id.is_(None),
            )
            .values(invoice_id=invoice_id)
            .execution_options(synchronize_session=False)
        )
        locked += result.rowcount
    if locked != len(entry_ids):
        raise _already_invoiced(_taken_elsewhere(session, entry_ids, invoice_id))
    links = InvoiceEntry.__table__  # type: ignore[attr-defined]
    session.execute(
        sa.insert(links).from_select(
            ["invoice_id", "entry_id"],
            sa.select(sa.literal(invoice_id), entries.c.id).where(
                entries.c.invoice_id == invoice_id
            ),
        )
    )


def _hold_the_period(session: Session, team_id: str, request: DraftRequest) -> None:
    """Wait for every change of the client's time in the period to commit, and hold it:
    first the entries (an edit that holds one finishes first, and the draft sees it), then
    the workspace's turn to finalize, which `/timer log` and moved edits also wait for
    (`locks.wait_for_invoicing`). The draft built after this is the time as it stays until
    the invoice commits. Entries before the turn, as edits take them: no deadlock."""
    start, end = utc_window(request.first_day, request.last_day)
    entries = (
        select(TimeEntry.id)
        .join(Task, col(Task.id) == TimeEntry.task_id)
        .where(
            TimeEntry.team_id == team_id,
            Task.client_id == request.client_id,
            TimeEntry.started_at >= start,
            TimeEntry.started_at < end,
        )
        .order_by(col(TimeEntry.id))
    )
    lock_for_update(session, entries)
    wait_for_invoicing(session, team_id)


def finalize_draft(
    session: Session,
    settings: Settings,
    team_id: str,
    actor_id: str,
    request: DraftRequest,
    fingerprint: str,
    channel_name: str | None = None,
) -> Invoice:
    """The invoice of the draft the preview showed (`fingerprint`), numbered and stored,
    its entries locked; the caller's unit of work commits it. `channel_name` is the client
    channel's name as Slack shows it (the document prints it; the channel ID otherwise).
    The workspace's finalizes take turns from the start, so each builds its draft after
    the one before committed: a fee without entries (a fixed fee, a task's fee, a
    retainer's month) is billed once.
    The conditional lock of the entries stays the last word on the time."""
    _hold_the_period(session, team_id, request)
    try:
        draft = draft_invoice(
            session, settings, team_id, request.client_id, request.first_day, request.last_day
        )
    except AllInvoiced as taken:
        raise _already_invoiced(taken.invoiced) from None
    if draft.fingerprint != fingerprint:
        changed = on_invoices(draft.left_out.invoiced)
        raise DraftChanged(
            "Not finalized: the time this invoice bills changed since the preview"
            + (f" ({changed})" if changed else "")
            + "; nothing was numbered or locked. Check the new draft and finalize it.",
            draft,
        )
    number_format = settings.billing.number_format
    year = draft.issued_on.year
    # A format without {year} numbers across years: one sequence (year 0) then.
    sequence_year = year if "{year" in number_format else 0
    with session.begin_nested():
        seq = _next_seq(session, team_id, sequence_year)
        number = number_format.format(year=year, seq=seq)
        invoice = _invoice_row(draft, actor_id, number, year, seq, channel_name)
        session.add(invoice)
        session.flush()
        invoice_id = saved_id(invoice)
        lines = InvoiceLine.__table__  # type: ignore[attr-defined]
        session.execute(sa.insert(lines), _line_rows(draft, invoice_id))
        _lock_entries(session, draft, invoice_id)
        audit.record_by(
            session,
            team_id,
            actor_id,
            "invoice",
            invoice_id,
            "finalize",
            None,
            {
                "number": invoice.number,
                "client": draft.client_key,
                "period": f"{request.first_day.isoformat()}..{request.last_day.isoformat()}",
                "total": f"{draft.total} {draft.terms.currency}",
                "entries": len(draft.entry_ids),
                "terms": draft.terms.to_record(),
            },
        )
        session.flush()
    return invoice
