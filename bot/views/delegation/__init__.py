"""Block Kit for delegation: `forms` (the brief form, a step's form, Show all),
`messages` (the brief, the submission, the question, the news of a step) and `ids` (what
the handlers listen for). Callers import from the package."""

from bot.views.delegation.forms import STEP_FORMS, assign_modal, assignment_modal, step_modal
from bot.views.delegation.ids import (
    ASSIGN_CALLBACK,
    ASSIGN_SHORTCUT,
    BUTTON_ACTIONS,
    SHOW_ACTION,
    STEP_CALLBACK,
)
from bot.views.delegation.messages import (
    UNDELIVERED_WHAT,
    brief_blocks,
    brief_refused_text,
    brief_text,
    chase_text,
    question_blocks,
    question_text,
    review_blocks,
    review_text,
    sent_message,
    step_sent_text,
    told_text,
    undelivered_text,
    updated_message,
)

__all__ = [
    "ASSIGN_CALLBACK",
    "ASSIGN_SHORTCUT",
    "BUTTON_ACTIONS",
    "SHOW_ACTION",
    "STEP_CALLBACK",
    "STEP_FORMS",
    "UNDELIVERED_WHAT",
    "assign_modal",
    "assignment_modal",
    "brief_blocks",
    "brief_refused_text",
    "brief_text",
    "chase_text",
    "question_blocks",
    "question_text",
    "review_blocks",
    "review_text",
    "sent_message",
    "step_modal",
    "step_sent_text",
    "told_text",
    "undelivered_text",
    "updated_message",
]
