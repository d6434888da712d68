"""An invoice's lines from the time it bills, by the client's model: hourly time at the
rate; a fixed fee per period or per completed task of a fee category, with the hours shown
for information; a retainer's monthly fee, the hours it used, and the hours above the
included ones at the rate. Decimal arithmetic; each line's amount to the minor unit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.services.billing.drafts import DraftLine
from bot.services.billing.money import SECONDS_PER_HOUR, hours, time_amount, to_minor_unit
from bot.services.billing.period_time import TrackedEntry
from bot.services.billing.periods import describe_period
from bot.services.billing.rounding import billed_seconds
from bot.services.billing.terms import BillingTerms
from bot.services.errors import InputError
from bot.services.text import escape

# A day line names at most this many of the day's tasks, then "and N more".
DAY_TITLES = 3


@dataclass(frozen=True)
class FeeTask:
    """A task of a fee category completed in the period (fixed fees per task)."""

    task_id: int
    number: int
    title: str
    category: str


def _time_line(entries: list[TrackedEntry], terms: BillingTerms, priced: bool) -> DraftLine:
    first = entries[0]
    raw = sum(entry.seconds for entry in entries)
    billed = billed_seconds([entry.seconds for entry in entries], terms.rounding)
    rate = terms.rate if priced else None
    amount = (
        time_amount(billed, rate, terms.currency)
        if rate is not None
        else to_minor_unit(Decimal(0), terms.currency)
    )
    people = sorted({entry.person for entry in entries})
    if terms.lines == "day":
        titles = list(dict.fromkeys(entry.task_title for entry in entries))
        shown = "; ".join(titles[:DAY_TITLES])
        more = len(titles) - DAY_TITLES
        description = f"{first.day:%a} {first.day.day} {first.day:%b %Y}: {shown}"
        if more > 0:
            description += f" and {more} more task{'s' if more != 1 else ''}"
        return DraftLine(
            kind="time",
            description=description,
            amount=amount,
            person=people[0] if len(people) == 1 else None,
            day=first.day,
            entry_ids=tuple(sorted(entry.id for entry in entries)),
            raw_seconds=raw,
            billed_seconds=billed,
            rate=rate,
        )
    return DraftLine(
        kind="time",
        description=first.task_title,
        amount=amount,
        person=first.person,
        task_id=first.task_id,
        task_number=first.task_number,
        entry_ids=tuple(sorted(entry.id for entry in entries)),
        raw_seconds=raw,
        billed_seconds=billed,
        rate=rate,
    )


def time_lines(
    entries: Iterable[TrackedEntry], terms: BillingTerms, priced: bool = True
) -> list[DraftLine]:
    """One line per (task, VA) in task order, or per day with `lines = "day"`; without
    `priced` (a fixed fee's or a retainer's hours) each has no rate and amount 0."""
    groups: dict[tuple[object, ...], list[TrackedEntry]] = {}
    for entry in entries:
        if terms.lines == "day":
            key: tuple[object, ...] = (entry.day,)
        else:
            key = (entry.task_number, entry.person.lower(), entry.user_id)
        groups.setdefault(key, []).append(entry)
    return [_time_line(groups[key], terms, priced) for key in sorted(groups)]


def hourly_lines(
    name: str, entries: Iterable[TrackedEntry], terms: BillingTerms
) -> list[DraftLine]:
    if terms.rate is None:
        raise InputError(
            f"{escape(name)} has no hourly rate; add rate to [billing.clients.{terms.client_key}] "
            "in vadesk.toml."
        )
    return time_lines(entries, terms)


def fixed_lines(
    name: str,
    entries: Iterable[TrackedEntry],
    terms: BillingTerms,
    period: tuple[date, date],
    fee_tasks: Iterable[FeeTask],
) -> list[DraftLine]:
    """The period's fee (if `fee` is set) and a fee per completed task of a `fees`
    category, then the hours for information."""
    if terms.fee is None and not terms.fees:
        raise InputError(
            f"{escape(name)} is billed a fixed fee but none is set; add fee (per period) or fees "
            f"(per task category) to [billing.clients.{terms.client_key}] in vadesk.toml."
        )
    lines: list[DraftLine] = []
    if terms.fee is not None:
        lines.append(
            DraftLine(
                kind="fee",
                description=f"Fixed fee, {describe_period(*period)}",
                amount=to_minor_unit(terms.fee, terms.currency),
            )
        )
    for task in sorted(fee_tasks, key=lambda task: task.number):
        lines.append(
            DraftLine(
                kind="fee",
                description=f"{task.title} ({task.category})",
                amount=to_minor_unit(terms.fees[task.category], terms.currency),
                task_id=task.task_id,
                task_number=task.number,
            )
        )
    return lines + time_lines(entries, terms, priced=False)


def _hours_text(value: Decimal) -> str:
    """Included hours as written: 30, 7.5."""
    return f"{value.normalize():f}"


def retainer_lines(
    name: str, entries: Iterable[TrackedEntry], terms: BillingTerms, month: tuple[date, date]
) -> list[DraftLine]:
    """The monthly fee "includes N h" with the hours used, each task's hours for
    information, and the hours above the included ones at the rate."""
    if terms.fee is None:
        raise InputError(
            f"{escape(name)} is on a retainer but has no monthly fee; add fee to "
            f"[billing.clients.{terms.client_key}] in vadesk.toml."
        )
    used_lines = time_lines(entries, terms, priced=False)
    used = sum(line.billed_seconds for line in used_lines)
    included = int(terms.included_hours * SECONDS_PER_HOUR)
    included_text = _hours_text(terms.included_hours)
    fee = DraftLine(
        kind="retainer",
        description=(
            f"Monthly retainer, {describe_period(*month)}: includes {included_text} h, "
            f"{hours(used)} h used"
        ),
        amount=to_minor_unit(terms.fee, terms.currency),
    )
    over = max(0, used - included)
    if not over:
        return [fee, *used_lines]
    if terms.rate is None:
        raise InputError(
            f"{escape(name)} used {hours(used)} h, more than the {included_text} h its retainer "
            f"includes, and has no rate for the hours above; add rate to "
            f"[billing.clients.{terms.client_key}] in vadesk.toml."
        )
    overage = DraftLine(
        kind="overage",
        description=f"Hours above the {included_text} included",
        amount=time_amount(over, terms.rate, terms.currency),
        billed_seconds=over,
        rate=terms.rate,
    )
    return [fee, *used_lines, overage]
