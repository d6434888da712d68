"""Drafting an invoice: which client `/invoice draft` names, and the draft of its invoice
for a period (`Draft`), priced by the client's terms. A draft reads and locks nothing;
Finalize builds it again (bot/services/billing/finalizing.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot import clock
from bot.services.billing.drafts import (
    Draft,
    DraftLine,
    DraftRequest,
    InvoicedElsewhere,
    LeftOut,
    on_invoices,
)
from bot.services.billing.lines import FeeTask, fixed_lines, hourly_lines, retainer_lines
from bot.services.billing.money import tax_amount, to_minor_unit
from bot.services.billing.period_time import TrackedEntry, period_time, utc_window
from bot.services.billing.periods import describe_period, is_calendar_month
from bot.services.billing.terms import (
    BillingTerms,
    client_terms,
    non_billable_categories,
    sender,
)
from bot.services.errors import InputError, NotFound
from bot.services.parsing.markup import extract_channel_id
from bot.services.people import ensure_workspace, roster, user_zone
from bot.services.rows import saved_id
from bot.services.text import escape, quoted
from store.models import Client, Invoice, InvoiceLine, Task

if TYPE_CHECKING:
    from bot.settings import Settings


def _client_keys(session: Session, settings: Settings, team_id: str) -> list[str]:
    rows = session.exec(select(Client.key).where(Client.team_id == team_id)).all()
    return sorted({*rows, *(c.key for c in settings.clients)})


def _matching(session: Session, team_id: str, wanted: str) -> Client | None:
    for client in session.exec(
        select(Client).where(Client.team_id == team_id).order_by(col(Client.id))
    ):
        names = (client.key.lower(), client.name.lower(), (client.channel_id or "").lower())
        if wanted in names:
            return client
    return None


def find_client(session: Session, settings: Settings, team_id: str, text: str) -> Client:
    """The client `text` names: its key, its name or its channel (an id, or a channel
    link), in any case. A configured client nobody has tracked time for yet gets its row,
    as the workspace's clients are kept in step with the settings."""
    wanted = (extract_channel_id(text) or text).strip().lstrip("#").lower()
    keys = ", ".join(_client_keys(session, settings, team_id)) or "none are set up"
    if not wanted:
        raise InputError(f"Say which client to invoice: a client key, name or channel ({keys}).")
    client = _matching(session, team_id, wanted)
    if client is None and any(
        wanted in (c.key.lower(), c.name.lower(), (c.channel or "").lower())
        for c in settings.clients
    ):
        ensure_workspace(session, settings, team_id)
        client = _matching(session, team_id, wanted)
    if client is None:
        raise NotFound(f"No client called {quoted(text)}; the clients are: {keys}.")
    return client


def owner_zone(session: Session, settings: Settings, team_id: str) -> ZoneInfo:
    """The zone an invoice's dates are in: the (first) owner's, else the workspace's."""
    owners = roster(session, settings, team_id).owners
    if owners:
        return user_zone(session, settings, team_id, owners[0])
    return ZoneInfo(settings.workspace.timezone)


def _fee_tasks(
    session: Session,
    team_id: str,
    client_id: int,
    terms: BillingTerms,
    period: tuple[date, date],
    zone: ZoneInfo,
) -> tuple[list[FeeTask], tuple[InvoicedElsewhere, ...]]:
    """The client's tasks of a fee category completed on a day of the period (the owner's
    day), and those of them whose fee an open invoice bills already."""
    if not terms.fees:
        return [], ()
    first, last = period
    start, end = utc_window(first, last)
    query = select(Task).where(
        Task.team_id == team_id,
        Task.client_id == client_id,
        Task.status == "done",
        col(Task.category).in_(sorted(terms.fees)),
        col(Task.completed_at) >= start,
        col(Task.completed_at) < end,
    )
    tasks = [
        task
        for task in session.exec(query.order_by(col(Task.number)))
        if task.completed_at is not None
        and first <= task.completed_at.astimezone(zone).date() <= last
    ]
    billed = _fees_billed(session, team_id, [task.id for task in tasks if task.id is not None])
    fee_tasks = [
        FeeTask(task_id=task.id, number=task.number, title=task.title, category=task.category)
        for task in tasks
        if task.id is not None and task.category is not None and task.id not in billed
    ]
    by_number: dict[str, list[int]] = {}
    for task in tasks:
        if task.id in billed:
            by_number.setdefault(billed[task.id], []).append(task.number)
    invoiced = tuple(
        InvoicedElsewhere(number=number, entry_ids=(), task_numbers=tuple(sorted(numbers)))
        for number, numbers in sorted(by_number.items())
    )
    return fee_tasks, invoiced


def _by_invoice(items: tuple[InvoicedElsewhere, ...]) -> tuple[InvoicedElsewhere, ...]:
    """One item per invoice: its entries and its task fees together, by number."""
    merged: dict[str, InvoicedElsewhere] = {}
    for item in items:
        known = merged.get(item.number)
        merged[item.number] = (
            item
            if known is None
            else InvoicedElsewhere(
                item.number,
                tuple(sorted(known.entry_ids + item.entry_ids)),
                tuple(sorted(known.task_numbers + item.task_numbers)),
            )
        )
    return tuple(merged[number] for number in sorted(merged))


def _open_lines(team_id: str) -> sa.Select[Any]:
    return (
        sa.select(col(Invoice.number))
        .join(InvoiceLine, col(InvoiceLine.invoice_id) == Invoice.id)
        .where(col(Invoice.team_id) == team_id, col(Invoice.status) == "open")
    )


def _fees_billed(session: Session, team_id: str, task_ids: list[int]) -> dict[int, str]:
    """Of these tasks, those whose fee an open invoice bills, with its number."""
    if not task_ids:
        return {}
    query = (
        _open_lines(team_id)
        .add_columns(col(InvoiceLine.task_id))
        .where(col(InvoiceLine.kind) == "fee", col(InvoiceLine.task_id).in_(task_ids))
    )
    return {task_id: number for number, task_id in session.execute(query)}


def _refuse_fee_billed_twice(
    session: Session, team_id: str, client: Client, terms: BillingTerms, period: tuple[date, date]
) -> None:
    """A period's fixed fee or a retainer's month is billed once: an open invoice whose
    period overlaps this one and bills that fee refuses the draft."""
    if terms.model == "hourly" or (terms.model == "fixed" and terms.fee is None):
        return
    kind = "retainer" if terms.model == "retainer" else "fee"
    query = _open_lines(team_id).where(
        col(Invoice.client_id) == client.id,
        col(InvoiceLine.kind) == kind,
        col(InvoiceLine.task_id).is_(None),
        col(Invoice.period_start) <= period[1],
        col(Invoice.period_end) >= period[0],
    )
    numbers = sorted(set(session.execute(query).scalars()))
    if numbers:
        what = "retainer" if kind == "retainer" else "fixed fee"
        raise InputError(
            f"{escape(client.name)}'s {what} for {describe_period(*period)} overlaps "
            f"{', '.join(numbers)}, which bills it already; void that invoice to draft "
            "this period again."
        )


def _lines(
    session: Session,
    team_id: str,
    client: Client,
    terms: BillingTerms,
    period: tuple[date, date],
    entries: tuple[TrackedEntry, ...],
    zone: ZoneInfo,
) -> tuple[list[DraftLine], tuple[InvoicedElsewhere, ...]]:
    """The lines the client's model bills, and the task fees an open invoice has."""
    _refuse_fee_billed_twice(session, team_id, client, terms, period)
    if terms.model == "retainer":
        if not is_calendar_month(*period):
            raise InputError(
                f"{escape(client.name)} is on a monthly retainer: draft one calendar month "
                "(this month, last month or YYYY-MM)."
            )
        return retainer_lines(client.name, entries, terms, period), ()
    if terms.model == "fixed":
        fee_tasks, invoiced = _fee_tasks(session, team_id, saved_id(client), terms, period, zone)
        if terms.fee is None and not fee_tasks and not invoiced:
            categories = ", ".join(sorted(terms.fees))
            raise InputError(
                f"Nothing to bill for {escape(client.name)} in {describe_period(*period)}: "
                f"no task of its fee categories ({categories}) was done in it."
            )
        return fixed_lines(client.name, entries, terms, period, fee_tasks), invoiced
    return hourly_lines(client.name, entries, terms), ()


class AllInvoiced(InputError):
    """Everything the period would bill is on open invoices (`invoiced` says which)."""

    def __init__(self, message: str, invoiced: tuple[InvoicedElsewhere, ...]) -> None:
        super().__init__(message)
        self.invoiced = invoiced


def _nothing_to_bill(client: Client, period: tuple[date, date], left_out: LeftOut) -> InputError:
    when = describe_period(*period)
    if left_out.invoiced and not (left_out.running_timers or left_out.non_billable_entries):
        return AllInvoiced(
            f"All of {escape(client.name)}'s billable time in {when} is invoiced already: "
            f"{on_invoices(left_out.invoiced)}. Void an invoice to bill its time again.",
            left_out.invoiced,
        )
    what = left_out.sentence()
    if what:
        return InputError(f"Nothing to bill for {escape(client.name)} in {when}; left out: {what}.")
    return InputError(f"Nothing to bill for {escape(client.name)} in {when}: no time was tracked.")


def workspace_client(session: Session, team_id: str, client_id: int) -> Client | None:
    """The client a preview's button or form names, if it is this workspace's."""
    client = session.get(Client, client_id)
    return client if client is not None and client.team_id == team_id else None


def draft_invoice(
    session: Session,
    settings: Settings,
    team_id: str,
    client_id: int,
    first_day: date,
    last_day: date,
) -> Draft:
    """The invoice the client would get for the period, and what the period holds that
    it does not bill (running timers, non-billable time, time on open invoices)."""
    client = workspace_client(session, team_id, client_id)
    if client is None:
        raise NotFound("That client is not in this workspace.")
    terms = client_terms(settings, client.key)
    period = (first_day, last_day)
    tracked = period_time(
        session,
        settings,
        team_id,
        client_id,
        first_day,
        last_day,
        non_billable_categories(settings),
    )
    zone = owner_zone(session, settings, team_id)
    lines, fees_invoiced = _lines(session, team_id, client, terms, period, tracked.entries, zone)
    invoiced = _by_invoice(tracked.left_out.invoiced + fees_invoiced)
    left_out = replace(tracked.left_out, invoiced=invoiced)
    if not any(line.kind != "time" or line.rate is not None for line in lines):
        raise _nothing_to_bill(client, period, left_out)
    subtotal = sum((line.amount for line in lines), to_minor_unit(Decimal(0), terms.currency))
    tax = tax_amount(subtotal, terms.tax_percent, terms.currency)
    issued_on = clock.now().astimezone(zone).date()
    return Draft(
        request=DraftRequest(client_id=client_id, first_day=first_day, last_day=last_day),
        team_id=team_id,
        client_key=client.key,
        client_name=client.name,
        client_channel=client.channel_id,
        terms=terms,
        sender=sender(settings),
        issued_on=issued_on,
        due_on=issued_on + timedelta(days=terms.payment_terms_days),
        lines=tuple(lines),
        subtotal=subtotal,
        tax=tax,
        total=subtotal + tax,
        left_out=left_out,
    )
