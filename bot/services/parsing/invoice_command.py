"""The `/invoice` grammars: `draft <client> [period]` and `list [client] [status]`. A
client is its key or its name, which may hold spaces, so the period (or the status) is
read from the end and the rest is the client."""

from __future__ import annotations

import re

from bot.services.errors import InputError

# What `billing_period` reads, as the last words of `/invoice draft`.
_PERIOD_AT_END = re.compile(
    r"(?:^|\s)((?:this|last)\s+month|\d{4}-\d{1,2}|from\s+\S+\s+to\s+\S+)\s*$", re.IGNORECASE
)
INVOICE_STATUSES = ("open", "void", "all")

DRAFT_USAGE = (
    "Name the client: `/invoice draft acme last month` (its key or its name, then "
    "`this month`, `last month`, `2026-11` or `from 2026-11-01 to 2026-11-15`)."
)


def split_draft(text: str) -> tuple[str, str]:
    """(client, period) of `/invoice draft`; the period is empty when none is named."""
    text = " ".join(text.split())
    found = _PERIOD_AT_END.search(text)
    client, period = (text[: found.start(1)].strip(), found[1]) if found else (text, "")
    if not client:
        raise InputError(DRAFT_USAGE)
    return client, period


def split_list(text: str) -> tuple[str, str]:
    """(client, status) of `/invoice list`: open invoices of every client by default."""
    words = text.split()
    if words and words[-1].lower() in INVOICE_STATUSES:
        return " ".join(words[:-1]), words[-1].lower()
    return " ".join(words), "open"
