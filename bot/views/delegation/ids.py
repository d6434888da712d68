"""Slack's names for delegation: the Assign work shortcut, the forms' callbacks and the
buttons' action ids, which the handlers listen for and the views put on the elements."""

from __future__ import annotations

ASSIGN_CALLBACK = "assignment_create"
STEP_CALLBACK = "assignment_step"
ASSIGN_SHORTCUT = "assign_work"
BUTTON_ACTIONS = {
    "acknowledge": "assignment_acknowledge",
    "ask": "assignment_ask",
    "answer": "assignment_answer",
    "submit": "assignment_submit",
    "approve": "assignment_approve",
    "revise": "assignment_revise",
}
SHOW_ACTION = "assignment_show"
ACTION_IDS = {**BUTTON_ACTIONS, "show": SHOW_ACTION}
