"""The weekly report's chart, drawn with matplotlib's Agg backend (no display needed):
hours by VA split by client, and the team's task completion day by day against target."""

from __future__ import annotations

import io
from datetime import date

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from bot.services.kpis import Scorecard


def weekly_chart(
    names: dict[str, str],
    cards: dict[str, Scorecard],
    trend: list[tuple[date, Scorecard]],
    target: float,
) -> bytes:
    """A PNG: left, hours per VA stacked by client; right, completion rate per day."""
    figure = Figure(figsize=(11, 4.5), dpi=100)
    hours_axes, trend_axes = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    people = list(cards)
    clients = sorted({client for card in cards.values() for client in card.by_client})
    left = [0.0] * len(people)
    for client in clients:
        widths = [
            cards[who].by_client[client].total_seconds() / 3600
            if client in cards[who].by_client
            else 0.0
            for who in people
        ]
        hours_axes.barh(
            [names.get(who, who) for who in people], widths, left=left, label=client[:30]
        )
        left = [a + b for a, b in zip(left, widths, strict=True)]
    hours_axes.set_title("Hours by VA and client")
    hours_axes.set_xlabel("hours")
    hours_axes.invert_yaxis()
    if clients:
        hours_axes.legend(fontsize="small", loc="lower right")
    if not people:
        hours_axes.text(
            0.5, 0.5, "no VAs on the roster", ha="center", transform=hours_axes.transAxes
        )

    days = [f"{day:%a}" for day, _ in trend]
    rates = [
        card.completion_rate * 100 if card.completion_rate is not None else float("nan")
        for _, card in trend
    ]
    trend_axes.plot(days, rates, marker="o", label="done on time")
    trend_axes.axhline(target * 100, color="gray", linestyle="--", label=f"target {target:.0%}")
    trend_axes.set_ylim(0, 105)
    trend_axes.set_title("Task completion by day")
    trend_axes.set_ylabel("% of tasks due")
    trend_axes.legend(fontsize="small", loc="lower left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
