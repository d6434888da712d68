"""Delegation as the SOP runs it, one state machine: the owner's brief (objective,
deliverables, deadline, resources) -> the VA acknowledges or asks a clarifying question
(answered by the assigner) -> the VA submits the deliverables -> a supervisor or owner
approves, or requests revisions (counted) -> the VA resubmits -> ...

Every step is stored with who, when and what was said (`AssignmentEvent`); a step the
state does not allow is refused with a sentence naming the state and who put it there.
The assignment is a task (`T-n`) assigned to the VA, with its timers; approval completes it.

One module per capability: `brief` (what a delegation says, assigning it), `steps` (the
state machine), `phases` (trust phases of categories, promotion suggestions), `chasing`
(work not acknowledged, messages Slack refused), `news` (what a step shows and tells,
and what is sent again), `recurrence` (recurring series) and `assignments` (the rows
they share). Callers import from the package.
"""

from bot.services.delegation.assignments import (
    get_assignment,
    last_note,
    open_for,
    readable,
    record_message,
    task_of,
)
from bot.services.delegation.brief import TITLE_LIMIT, Brief, assign
from bot.services.delegation.chasing import (
    Chase,
    Undelivered,
    chases_due,
    unacknowledged,
    undelivered_due,
)
from bot.services.delegation.news import StepNews, owed_to_assigner, step_news
from bot.services.delegation.phases import (
    DEFAULT_CATEGORIES,
    PHASES,
    PROMOTION_STREAK,
    promotion_candidates,
)
from bot.services.delegation.recurrence import (
    RECURRENCES,
    OccurrenceDue,
    create_occurrence,
    occurrence_day,
    occurrences_due,
)
from bot.services.delegation.steps import (
    STATE_WORDS,
    STATE_WORDS_FOR_VA,
    answer_in_thread,
    check_step,
    reviews_work,
    step,
)

__all__ = [
    "DEFAULT_CATEGORIES",
    "PHASES",
    "PROMOTION_STREAK",
    "RECURRENCES",
    "STATE_WORDS",
    "STATE_WORDS_FOR_VA",
    "TITLE_LIMIT",
    "Brief",
    "Chase",
    "OccurrenceDue",
    "StepNews",
    "Undelivered",
    "answer_in_thread",
    "assign",
    "chases_due",
    "check_step",
    "create_occurrence",
    "get_assignment",
    "last_note",
    "occurrence_day",
    "occurrences_due",
    "open_for",
    "owed_to_assigner",
    "promotion_candidates",
    "readable",
    "record_message",
    "reviews_work",
    "step",
    "step_news",
    "task_of",
    "unacknowledged",
    "undelivered_due",
]
