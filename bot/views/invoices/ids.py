"""Slack's names for invoices: the draft preview's buttons and the Change period form,
which the handlers listen for and the views put on the elements."""

from __future__ import annotations

FINALIZE_ACTION = "invoice_finalize"
CHANGE_PERIOD_ACTION = "invoice_change_period"
CANCEL_ACTION = "invoice_cancel"
PERIOD_CALLBACK = "invoice_period"
