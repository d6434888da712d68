"""Billing: what tracked time is billable, how it is rounded and priced, and the invoices
that bill it. Plain Python over the store, like every service (no Slack imports)."""
