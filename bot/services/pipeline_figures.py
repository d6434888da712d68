"""What the pipeline holds: per stage (in the settings' order) the contacts in it that are
not archived, their amounts and weighted amounts, and those longest in it.

One grouped query counts and sums every stage (`GROUP BY stage, currency` on the index
`ix_contact_team_stage`); the contacts longest in a stage are one query per stage shown,
read from the same index in `stage_since` order. Amounts are summed per currency (a
contact's amount keeps the currency it was given in), and a stage's weighted amount is its
total times the stage's weight (`probability`, by default 100 for won, 0 for lost and 50
for open stages) over 100, rounded half up to the currency's minor unit; the overall
figures add up the stages'. A stage no longer in the settings is listed after them under
its stored name, with no weight.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot import clock
from bot.services import contacts
from store.models import Contact

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.settings.schema import PipelineStage

OLDEST_PER_STAGE = 3
STAGE_LIST_LIMIT = 50

# Amounts per currency code, in minor units.
Amounts = dict[str, int]


@dataclass(frozen=True)
class InStage:
    """A contact in its stage for `days` whole days."""

    contact: Contact
    days: int


@dataclass(frozen=True)
class StageFigures:
    """One stage: `stage` is None for a stage no longer in the settings (`name` is then
    the stored one). `oldest` are the contacts in it longest, oldest first."""

    name: str
    stage: PipelineStage | None
    count: int = 0
    amounts: Amounts = field(default_factory=dict)
    weighted: Amounts = field(default_factory=dict)
    oldest: tuple[InStage, ...] = ()

    @property
    def in_settings(self) -> bool:
        return self.stage is not None


@dataclass(frozen=True)
class Summary:
    """Every stage of the settings in order (empty ones too), then stages no longer in
    the settings that still hold contacts; and the figures of them all."""

    stages: tuple[StageFigures, ...]
    count: int
    amounts: Amounts
    weighted: Amounts


@dataclass(frozen=True)
class StageList:
    """One stage's contacts, oldest first, up to `limit` of its `figures.count`."""

    figures: StageFigures
    limit: int

    @property
    def more(self) -> int:
        return self.figures.count - len(self.figures.oldest)


@dataclass
class _Group:
    """The stored stage names one stage answers to (an owner may have changed a stage's
    case in the settings), with their count and sums."""

    name: str
    stage: PipelineStage | None
    stored: list[str] = field(default_factory=list)
    count: int = 0
    amounts: Amounts = field(default_factory=lambda: defaultdict(int))


def _groups(session: Session, settings: Settings, team_id: str) -> list[_Group]:
    """The settings' stages in order, then the stored stages they do not know (by name)."""
    groups = {stage.name: _Group(stage.name, stage) for stage in settings.pipeline.stages}
    removed: dict[str, _Group] = {}
    rows = session.exec(
        select(Contact.stage, Contact.currency, func.count(), func.sum(Contact.amount_minor))
        .where(Contact.team_id == team_id, col(Contact.archived_at).is_(None))
        .group_by(col(Contact.stage), col(Contact.currency))
    )
    for stored, currency, count, total in rows:
        stage = settings.pipeline.stage(stored)
        if stage is not None:
            group = groups[stage.name]
        else:
            key = contacts.name_key(stored)
            group = removed.setdefault(key, _Group(stored, None))
        if stored not in group.stored:
            group.stored.append(stored)
        group.count += count
        if currency and total is not None:
            group.amounts[currency] += int(total)
    return [*groups.values(), *(removed[key] for key in sorted(removed))]


def _weighted(amounts: Amounts, stage: PipelineStage | None) -> Amounts:
    weight = Decimal(stage.weight if stage is not None else 0)
    return {
        currency: int((Decimal(total) * weight / 100).quantize(Decimal(1), ROUND_HALF_UP))
        for currency, total in amounts.items()
    }


def _in_stage(
    session: Session, team_id: str, stored: list[str], limit: int, now: datetime
) -> tuple[InStage, ...]:
    """The contacts longest in a stage (by its stored names), oldest first."""
    if not stored or limit <= 0:
        return ()
    named = Contact.stage == stored[0] if len(stored) == 1 else col(Contact.stage).in_(stored)
    rows = session.exec(
        select(Contact)
        .where(Contact.team_id == team_id, col(Contact.archived_at).is_(None), named)
        .order_by(col(Contact.stage_since), col(Contact.id))
        .limit(limit)
    )
    return tuple(InStage(row, contacts.days_in_stage(row, now)) for row in rows)


def _figures(session: Session, team_id: str, group: _Group, limit: int) -> StageFigures:
    amounts = dict(group.amounts)
    return StageFigures(
        name=group.name,
        stage=group.stage,
        count=group.count,
        amounts=amounts,
        weighted=_weighted(amounts, group.stage),
        oldest=_in_stage(session, team_id, group.stored, limit, clock.now()),
    )


def _added(totals: list[Amounts]) -> Amounts:
    added: dict[str, int] = defaultdict(int)
    for amounts in totals:
        for currency, total in amounts.items():
            added[currency] += total
    return dict(added)


def pipeline_summary(
    session: Session, settings: Settings, team_id: str, oldest_per_stage: int = OLDEST_PER_STAGE
) -> Summary:
    """Every stage's count, amounts, weighted amounts and the few contacts longest in it;
    a stage no longer in the settings shows only while contacts are in it."""
    stages = tuple(
        _figures(session, team_id, group, oldest_per_stage)
        for group in _groups(session, settings, team_id)
        if group.stage is not None or group.count
    )
    return Summary(
        stages=stages,
        count=sum(stage.count for stage in stages),
        amounts=_added([stage.amounts for stage in stages]),
        weighted=_added([stage.weighted for stage in stages]),
    )


def stage_list(
    session: Session,
    settings: Settings,
    team_id: str,
    stage_written: str,
    limit: int = STAGE_LIST_LIMIT,
) -> StageList:
    """A stage's contacts, longest in it first: a stage of the settings (any case), or a
    stage no longer in them that contacts are still in; anything else is refused with
    the valid stages."""
    groups = _groups(session, settings, team_id)
    group = None
    if settings.pipeline.stage(stage_written) is None:
        wanted = contacts.name_key(stage_written)
        group = next((g for g in groups if g.count and contacts.name_key(g.name) == wanted), None)
    if group is None:
        stage = contacts.resolve_stage(settings, stage_written)  # else refused, naming them
        group = next(g for g in groups if g.name == stage.name)
    return StageList(_figures(session, team_id, group, limit), limit)
