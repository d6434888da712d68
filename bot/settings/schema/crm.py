"""`[pipeline]`, `[onboarding]` and `[testimonials]`: the stages a contact moves through
(each open, won or lost, with how long it may sit untouched), the onboarding checklist a
won client gets as tasks, and when a happy client is asked for a testimonial."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator

from bot.settings.schema.fields import (
    Section,
    describe,
    refuse,
    string_list,
    text_of_at_most,
    whole_number,
    whole_number_schema,
)

MAX_STAGE_CHARS = 60  # a stage's name: an option of a select menu holds 75
MAX_STAGES = 20
MAX_STALE_DAYS = 3650
MAX_ONBOARDING_ITEMS = 20
MAX_ONBOARDING_ITEM_CHARS = 200
MAX_AFTER_DAYS = 365
STAGE_TYPES = ("open", "won", "lost")

StageName: TypeAlias = Annotated[
    str,
    BeforeValidator(text_of_at_most(MAX_STAGE_CHARS, "a stage's name")),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": MAX_STAGE_CHARS}),
]
StaleDays: TypeAlias = Annotated[
    int,
    whole_number(MAX_STALE_DAYS, "ten years"),
    whole_number_schema(MAX_STALE_DAYS),
]


def _percent(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise refuse(f"must be a whole percent from 0 to 100, got {describe(value)}")
    return value


Probability: TypeAlias = Annotated[
    int,
    BeforeValidator(_percent),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 100}),
]


class PipelineStage(Section):
    """A stage: `open` stages make up the pipeline, `won` and `lost` close it. A contact in a
    stage with `stale_after_days` and no touch for that long is listed as stale.
    `probability` (percent) weighs the stage's amounts on `/pipeline`; by default 100 for
    won, 0 for lost and 50 for open stages."""

    name: StageName
    type: Literal["open", "won", "lost"] = "open"
    stale_after_days: StaleDays | None = None
    probability: Probability | None = None

    @property
    def weight(self) -> int:
        """The percent of an amount in this stage counted in the weighted total."""
        if self.probability is not None:
            return self.probability
        return {"won": 100, "lost": 0}.get(self.type, 50)


def _stage(
    name: str, kind: str, stale: int | None = None, probability: int | None = None
) -> PipelineStage:
    return PipelineStage.model_validate(
        {"name": name, "type": kind, "stale_after_days": stale, "probability": probability}
    )


# The CRM SOP's pipeline: Lead -> Booked -> Closed, and the leads that went cold.
DEFAULT_STAGES: tuple[PipelineStage, ...] = (
    _stage("Lead", "open", 14, 10),
    _stage("Booked", "open", 7, 50),
    _stage("Closed", "won"),
    _stage("Lost", "lost"),
)


class PipelineSettings(Section):
    """The pipeline's stages, in order; a new contact starts in the first open one."""

    stages: tuple[PipelineStage, ...] = Field(default=DEFAULT_STAGES, min_length=1)

    @field_validator("stages", mode="after")
    @classmethod
    def _stages_make_a_pipeline(
        cls, stages: tuple[PipelineStage, ...]
    ) -> tuple[PipelineStage, ...]:
        if len(stages) > MAX_STAGES:
            raise refuse(f"lists {len(stages)} stages; at most {MAX_STAGES}")
        names = [stage.name.casefold() for stage in stages]
        for stage in stages:
            if names.count(stage.name.casefold()) > 1:
                raise refuse(f"names the stage {stage.name!r} twice")
        if not any(stage.type == "open" for stage in stages):
            raise refuse("needs at least one open stage (where new contacts start)")
        if not any(stage.type == "lost" for stage in stages):
            raise refuse("needs a lost stage (where cold leads go, with their reason)")
        return stages

    @property
    def first_open(self) -> PipelineStage:
        return next(stage for stage in self.stages if stage.type == "open")

    def stage(self, name: str) -> PipelineStage | None:
        """The stage of this name, in any case."""
        folded = name.strip().casefold()
        return next((s for s in self.stages if s.name.casefold() == folded), None)


def _onboarding_items(value: Any) -> tuple[str, ...]:
    items = tuple(item.strip() for item in string_list(value))
    if len(items) > MAX_ONBOARDING_ITEMS:
        raise refuse(f"lists {len(items)} items; at most {MAX_ONBOARDING_ITEMS}")
    for item in items:
        if not item:
            raise refuse("has an empty item")
        if len(item) > MAX_ONBOARDING_ITEM_CHARS:
            raise refuse(f"item {item[:20]!r}… is over {MAX_ONBOARDING_ITEM_CHARS} characters")
    if len({item.casefold() for item in items}) != len(items):
        raise refuse("lists an item twice")
    return items


OnboardingItems: TypeAlias = Annotated[
    tuple[str, ...],
    BeforeValidator(_onboarding_items),
    WithJsonSchema(
        {
            "type": "array",
            "maxItems": MAX_ONBOARDING_ITEMS,
            "items": {"type": "string", "minLength": 1, "maxLength": MAX_ONBOARDING_ITEM_CHARS},
        }
    ),
]


class OnboardingSettings(Section):
    """What a new client gets done, as tasks for its contact's owner (an empty list: no
    onboarding tasks)."""

    items: OnboardingItems = (
        "Welcome message sent",
        "Account created",
        "First call booked",
        "Onboarding sequence triggered",
    )


AfterDays: TypeAlias = Annotated[
    int,
    whole_number(MAX_AFTER_DAYS, "a year"),
    whole_number_schema(MAX_AFTER_DAYS),
]


class AskTestimonialSettings(Section):
    """A client whose work was completed in the last `after_days` days, rated 4 or more and
    not asked in 90 days, is listed for a testimonial request."""

    after_days: AfterDays = 7
