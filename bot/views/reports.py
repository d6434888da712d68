"""Block Kit for `/report`: a scorecard, or one line per person and the team's totals."""

from __future__ import annotations

import math
from datetime import timedelta

from slack_sdk.models.blocks import ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.services.kpis import Report, Scorecard
from bot.services.parsing import format_duration, format_task_id
from bot.services.text import escape, shown, time_token, truncate
from bot.services.tracked import RunningTimer
from bot.views.blocks import line_sections

REPORT_HELP = (
    "*`/report`* — KPI scorecard\n"
    "• `/report [today|week|month]` — your own (today by default; a week starts on Monday)\n"
    "• `/report week @maria` — someone else's (supervisors and owners)\n"
    "• `/report week #lead-hot-prospect` — only tasks with that tag, the time on them, "
    "their CSAT and conversations with that tag (`/task help` lists the tags)\n"
    "Supervisors and owners see the whole team with `/report [today|week|month]`."
)
BELOW_TARGET = " :warning:"
HEADER_LIMIT = 150  # Slack's limit for a header block's text


def _percent(value: float | None) -> str:
    return "no data" if value is None else f"{value:.0%}"


def _completion(card: Scorecard, target: float) -> str:
    rate = card.completion_rate
    if rate is None:
        return "no tasks were due"
    mark = BELOW_TARGET if rate < target else ""
    return f"{rate:.0%} ({card.done_on_time}/{card.due} on time){mark}"


def csat_figure(card: Scorecard, target: float) -> str:
    """`4.6 (12 ratings, 75% at 4.5 or more)`, marked when below target."""
    if card.csat is None:
        return "no ratings yet"
    count = len(card.csat_ratings)
    high = sum(1 for rating in card.csat_ratings if rating >= target) / count
    mark = BELOW_TARGET if card.csat < target else ""
    ratings = f"{count} rating{'s' if count != 1 else ''}"
    return f"{card.csat:.1f} ({ratings}, {high:.0%} at {target:g} or more){mark}"


def first_response_figure(card: Scorecard, target_minutes: int) -> str:
    """`avg 6.5 min, p90 12 min, 80% within 15 min`, marked when the average misses."""
    minutes = sorted(card.first_responses)
    if not minutes:
        return "no data"
    average = sum(minutes) / len(minutes)
    p90 = minutes[min(len(minutes) - 1, math.ceil(0.9 * len(minutes)) - 1)]
    within = sum(1 for m in minutes if m <= target_minutes) / len(minutes)
    mark = BELOW_TARGET if average > target_minutes else ""
    return (
        f"avg {minutes_text(average)}, p90 {minutes_text(p90)}, "
        f"{within:.0%} within {target_minutes} min{mark}"
    )


def minutes_text(minutes: float) -> str:
    """`under a minute`, `6.5 min`, `12 min`: never `0.02 min`."""
    if minutes < 1:
        return "under a minute"
    if minutes < 10:
        return f"{minutes:.1f}".removesuffix(".0") + " min"
    return f"{minutes:.0f} min"


def running_note(timer: RunningTimer) -> str:
    """A running timer beside the figures, never in them: `+ 47h 5m running on T-4 since
    …, not counted: check it` when it ran past its working day or the entry limit."""
    what = (
        f"+ {format_duration(timer.elapsed)} running on {format_task_id(timer.task_number)} "
        f"since {time_token(timer.started_at)}"
    )
    if timer.to_check:
        return f"{what}, not counted: *check it*"
    return f"{what}, counted when it stops"


def running_summary(card: Scorecard) -> str | None:
    """The running timers of a scorecard (a team's has several), or None."""
    if not card.running:
        return None
    if len(card.running) == 1:
        return running_note(card.running[0])
    elapsed = sum((timer.elapsed for timer in card.running), timedelta(0))
    to_check = sum(1 for timer in card.running if timer.to_check)
    what = f"+ {format_duration(elapsed)} on {len(card.running)} running timers, not counted"
    return f"{what}: *{to_check} to check*" if to_check else f"{what} until they stop"


# Figures that belong to no task or conversation: a report by tag leaves them out.
UNTAGGED_FIELDS = ("*Routines completed*", "*Open escalations*", "*Unacknowledged assignments*")


def scorecard_fields(
    card: Scorecard,
    target: float,
    csat_target: float = 4.5,
    response_target: int = 15,
    tagged: bool = False,
) -> list[str]:
    running = running_summary(card)
    logged = format_duration(card.logged) + (f"\n{running}" if running else "")
    fields = [
        f"*Hours logged*\n{logged}",
        f"*Billable*\n{format_duration(card.billable)}",
        f"*Task completion* (target {target:.0%})\n{_completion(card, target)}",
        f"*Time-tracking accuracy*\n{_percent(card.tracking_accuracy)}",
        f"*Overdue tasks*\n{card.overdue}{BELOW_TARGET if card.overdue else ''}",
        f"*Routines completed*\n{routine_completion(card)}",
        f"*Open escalations*\n{card.open_escalations}",
        f"*Unacknowledged assignments*\n{card.unacknowledged}",
        f"*CSAT* (target {csat_target:g})\n{csat_figure(card, csat_target)}",
        f"*First response* (business minutes)\n{first_response_figure(card, response_target)}",
    ]
    if tagged:
        fields = [f for f in fields if not f.startswith(UNTAGGED_FIELDS)]
    return fields


def routine_completion(card: Scorecard) -> str:
    rate = card.routine_completion
    if rate is None:
        return "none posted"
    mark = BELOW_TARGET if rate < 1 else ""
    return f"{rate:.0%} ({card.routines_done}/{card.routines_posted}){mark}"


def person_line(card: Scorecard, target: float, tagged: bool = False) -> str:
    line = (
        f"<@{card.user_id}> · {format_duration(card.logged)} logged "
        f"({format_duration(card.billable)} billable){_running_part(card)} · "
        f"completion {_completion(card, target)} · "
        f"accuracy {_percent(card.tracking_accuracy)} · overdue {card.overdue}"
        f"{BELOW_TARGET if card.overdue else ''}"
    )
    return line if tagged else f"{line} · routines {routine_completion(card)}"


def _running_part(card: Scorecard) -> str:
    running = running_summary(card)
    return f" {running}" if running else ""


def by_client_blocks(clients: dict[str, timedelta]) -> list:
    """Hours by client, the ten largest, on one line (nothing when no time was tracked)."""
    if not clients:
        return []
    spent = " · ".join(
        f"{shown(name, 60)} {format_duration(time_spent)}"
        for name, time_spent in list(clients.items())[:10]
    )
    return [SectionBlock(text=MarkdownTextObject(text=f"*By client*: {spent}"))]


def report_blocks(
    report: Report,
    completion_target: float,
    csat_target: float = 4.5,
    response_target: int = 15,
) -> list:
    period = report.period
    span = (
        period.first.isoformat()
        if period.first == period.last
        else f"{period.first.isoformat()} to {period.last.isoformat()}"
    )
    tagged = report.tag is not None
    filtered = f" · tag {report.tag}" if tagged else ""
    blocks: list = []
    if report.team:
        heading = f"Team report: {period.name} ({span}){filtered}"
        blocks.append(HeaderBlock(text=truncate(heading, HEADER_LIMIT)))
        lines = [person_line(card, completion_target, tagged) for card in report.cards.values()]
        blocks += line_sections(lines or ["Nobody is on the roster or tracked time yet."])
        total = report.total
        blocks.append(SectionBlock(text=MarkdownTextObject(text="*Team totals*")))
    else:
        (total,) = report.cards.values()
        heading = f"Scorecard: {period.name} ({span}){filtered}"
        blocks.append(HeaderBlock(text=truncate(heading, HEADER_LIMIT)))
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"<@{total.user_id}>")))
    blocks.append(
        SectionBlock(
            fields=[
                MarkdownTextObject(text=f)
                for f in scorecard_fields(
                    total, completion_target, csat_target, response_target, tagged
                )
            ]
        )
    )
    blocks += by_client_blocks(report.by_client)
    notes = "Days are in your time zone; first response counts business minutes."
    if report.tag is not None:
        shown = escape(report.tag)
        notes = (
            f"Only tasks tagged *{shown}*, the time tracked on them, their CSAT and "
            f"conversations tagged *{shown}*; routines, escalations and assignments are left "
            f"out. {notes}"
        )
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=notes)]))
    return blocks
