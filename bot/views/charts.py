"""The weekly report's chart, drawn with matplotlib's Agg backend (no display needed):
hours by VA split by client, and the team's task completion per business day against
target. Bars and points carry their values; legends sit below the plots, off the data.

Positions are numbers with tick labels (never lists of strings): matplotlib logs "Using
categorical units" at INFO for names that look like numbers or dates.
"""

from __future__ import annotations

import io
import math
from datetime import timedelta
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bot.services.digest import WeeklyChartData

LEGEND_BELOW: dict[str, Any] = {
    "loc": "upper center",
    "bbox_to_anchor": (0.5, -0.14),
    "fontsize": "small",
}


def hours(seconds: float) -> float:
    return seconds / 3600


def hours_label(finished: float, running: float) -> str:
    """`21.5 h`, and a running timer apart, not in the bar: `21.5 h` over `+ 47.1 h running`."""
    label = f"{finished:.1f} h"
    return f"{label}\n+ {running:.1f} h running" if running else label


def title(data: WeeklyChartData) -> str:
    first, last = data.period.first, data.period.last
    span = f"{first:%a %d %b} to {last:%a %d %b %Y}" if first != last else f"{first:%a %d %b %Y}"
    return f"Weekly check-in: {span}"


def _draw_hours(axes: Axes, data: WeeklyChartData) -> None:
    people = list(data.cards)
    positions = list(range(len(people)))
    clients = sorted({client for card in data.cards.values() for client in card.by_client})
    left = [0.0] * len(people)
    for client in clients:
        widths = [
            hours(data.cards[who].by_client.get(client, timedelta(0)).total_seconds())
            for who in people
        ]
        axes.barh(positions, widths, left=left, label=client[:30])
        left = [a + b for a, b in zip(left, widths, strict=True)]
    for position, who in zip(positions, people, strict=True):
        card = data.cards[who]
        running = hours(sum(timer.elapsed.total_seconds() for timer in card.running))
        axes.annotate(
            hours_label(hours(card.logged.total_seconds()), running),
            (hours(card.logged.total_seconds()), position),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    axes.set_yticks(positions, labels=[data.names.get(who, who)[:30] for who in people])
    axes.invert_yaxis()
    axes.set_title("Hours by VA and client (finished time)")
    axes.set_xlabel("hours")
    widest = max(left, default=0.0)
    axes.set_xlim(0, max(widest * 1.5, 1.0))  # room for the labels beside the bars
    if clients:
        axes.legend(ncol=min(4, len(clients)), **LEGEND_BELOW)
    if not people:
        axes.set_yticks([])
        axes.text(0.5, 0.5, "no VAs on the roster", ha="center", transform=axes.transAxes)


def _draw_completion(axes: Axes, data: WeeklyChartData) -> None:
    positions = list(range(len(data.trend)))
    rates = [
        card.completion_rate * 100 if card.completion_rate is not None else math.nan
        for _, card in data.trend
    ]
    axes.plot(positions, rates, marker="o", label="done on time")
    for position, (_, card), rate in zip(positions, data.trend, rates, strict=True):
        if card.due:
            tasks = f"{card.done_on_time} of {card.due} task{'s' if card.due != 1 else ''}"
            axes.annotate(
                tasks,
                (position, rate),
                xytext=(0, 7),
                textcoords="offset points",
                ha="center",
                fontsize="small",
            )
        else:
            axes.text(position, 3, "none due", ha="center", fontsize="small", color="gray")
    axes.axhline(data.target * 100, color="gray", linestyle="--", label=f"target {data.target:.0%}")
    axes.set_xticks(positions, labels=[f"{day:%a %d}" for day, _ in data.trend])
    axes.set_xlim(-0.5, max(len(positions) - 0.5, 0.5))
    axes.set_ylim(0, 115)  # room for the labels over 100 %
    axes.set_title("Task completion by business day")
    axes.set_ylabel("% of the tasks due done on time")
    axes.legend(ncol=2, **LEGEND_BELOW)


def weekly_figure(data: WeeklyChartData) -> Figure:
    """The chart as a figure: its texts can be read before it is drawn."""
    figure = Figure(figsize=(12, 5), dpi=100, layout="constrained")
    figure.suptitle(title(data))
    hours_axes, completion_axes = figure.subplots(1, 2, width_ratios=[3, 2])
    _draw_hours(hours_axes, data)
    _draw_completion(completion_axes, data)
    return figure


def weekly_chart(data: WeeklyChartData) -> bytes:
    """A PNG of `weekly_figure`."""
    buffer = io.BytesIO()
    weekly_figure(data).savefig(buffer, format="png")
    return buffer.getvalue()
