"""What a draft invoice is: the lines it would bill, its totals, and what it leaves out.
A draft locks nothing; finalizing builds it again and bills exactly what it shows, or is
refused if the tracked time changed since (its `fingerprint`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bot.services.billing.money import hours
from bot.services.billing.terms import BillingTerms, Sender
from bot.services.parsing.ids import format_entry_id

# A sentence names at most this many entries of one invoice, then "and N more".
NAMED_ENTRIES = 5


@dataclass(frozen=True)
class DraftRequest:
    """What a preview's buttons carry: whose invoice, for which days (inclusive)."""

    client_id: int
    first_day: date
    last_day: date


@dataclass(frozen=True)
class DraftLine:
    """One line: time on a task (or on a day, `lines = "day"`), a fixed fee, a retainer's
    fee or its overage. `raw_seconds` is the tracked time, `billed_seconds` after
    rounding; `rate` is per hour for time lines, None for a fee."""

    kind: str  # time | fee | retainer | overage (store.models.LINE_KINDS)
    description: str
    amount: Decimal
    person: str | None = None
    task_id: int | None = None
    task_number: int | None = None
    day: date | None = None
    entry_ids: tuple[int, ...] = ()
    raw_seconds: int = 0
    billed_seconds: int = 0
    rate: Decimal | None = None


@dataclass(frozen=True)
class InvoicedElsewhere:
    """Entries of the period that an open invoice already bills."""

    number: str
    entry_ids: tuple[int, ...]
    # Fixed fees per task: the tasks (their numbers) whose fee that invoice bills.
    task_numbers: tuple[int, ...] = ()

    def sentence(self) -> str:
        """ "E-3, E-4 are on INV-2026-0001", "E-1, …, E-5 and 20 more are on …"."""
        named = [format_entry_id(entry) for entry in self.entry_ids[:NAMED_ENTRIES]]
        named += [f"the fee of T-{number}" for number in self.task_numbers[:NAMED_ENTRIES]]
        more = len(self.entry_ids) + len(self.task_numbers) - len(named)
        listed = ", ".join(named) + (f" and {more} more" if more else "")
        verb = "is" if len(self.entry_ids) + len(self.task_numbers) == 1 else "are"
        return f"{listed} {verb} on {self.number}"


def on_invoices(items: tuple[InvoicedElsewhere, ...]) -> str:
    """Which entries are on which invoice, in one sentence part."""
    return "; ".join(item.sentence() for item in items)


@dataclass(frozen=True)
class LeftOut:
    """What the period holds that the draft does not bill, with counts."""

    running_timers: int = 0
    non_billable_entries: int = 0
    non_billable_seconds: int = 0
    invoiced: tuple[InvoicedElsewhere, ...] = ()

    @property
    def invoiced_entries(self) -> int:
        return sum(len(item.entry_ids) for item in self.invoiced)

    def sentence(self) -> str:
        """What was left out with counts, "" when nothing was."""
        parts = []
        if self.running_timers:
            timers = "timer" if self.running_timers == 1 else "timers"
            parts.append(f"{self.running_timers} running {timers} (billed once stopped)")
        if self.non_billable_entries:
            entries = "entry" if self.non_billable_entries == 1 else "entries"
            parts.append(
                f"{self.non_billable_entries} non-billable {entries} "
                f"({hours(self.non_billable_seconds)} h)"
            )
        parts.extend(f"{item.sentence()} already" for item in self.invoiced)
        return "; ".join(parts)


@dataclass(frozen=True)
class Draft:
    request: DraftRequest
    team_id: str
    client_key: str
    client_name: str
    client_channel: str | None
    terms: BillingTerms
    sender: Sender
    issued_on: date
    due_on: date
    lines: tuple[DraftLine, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    left_out: LeftOut = field(default_factory=LeftOut)

    @property
    def entry_ids(self) -> tuple[int, ...]:
        return tuple(sorted(entry for line in self.lines for entry in line.entry_ids))

    @property
    def fingerprint(self) -> str:
        """Changes when what the draft bills changes: its entries, lines and total."""
        digest = hashlib.sha256()
        digest.update(f"{self.request}|{self.total}|{self.terms.to_record()}".encode())
        for line in self.lines:
            digest.update(f"|{line.kind}|{line.billed_seconds}|{line.amount}".encode())
        digest.update(",".join(str(entry) for entry in self.entry_ids).encode())
        return digest.hexdigest()[:16]
