"""/invoice list, show and void through the real app."""

from __future__ import annotations

from sqlmodel import select

from store.db import session_scope
from store.models import TimeEntry
from tests.test_http_invoices import (  # noqa: F401  (config_file is a fixture)
    _button,
    _invoices,
    _november_of_work,
    _press,
    _shown,
    config_file,
)


def _finalized(live_app) -> None:
    _november_of_work(live_app)
    preview = live_app.command("/invoice", "draft acme last month", user="U0OWNER")
    _press(live_app, "invoice_finalize", _button(preview, "invoice_finalize"), "U0OWNER", "fin")
    live_app.fake.wait_for("file_upload", 2)


def test_list_show_and_void(live_app):
    _finalized(live_app)
    owner = "U0OWNER"
    listed = live_app.command("/invoice", "list", user=owner)
    assert "*INV-2026-0001* · Acme Corp · November 2026" in _shown(listed)
    assert "$140.00 · open, due" in _shown(listed)
    assert "INV-2026-0001" in _shown(live_app.command("/invoice", "list Acme Corp all", user=owner))
    assert "No open invoices" in _shown(live_app.command("/invoice", "list globex", user=owner))

    shown = _shown(live_app.command("/invoice", "show inv-2026-0001", user=owner))
    assert "INV-2026-0001 · Acme Corp" in shown and "Inbox zero" in shown
    assert "*Total*\\n$140.00" in shown and "*Open*, due" in shown
    assert "INV-2026-0099" in live_app.command("/invoice", "show INV-2026-0099", user=owner)["text"]

    refused = live_app.command("/invoice", "void INV-2026-0001 wrong rate", user="U0SUPER")
    assert "owner" in refused["text"].lower()
    assert "reason" in live_app.command("/invoice", "void INV-2026-0001", user=owner)["text"]
    with session_scope(live_app.engine) as session:
        assert all(e.invoice_id for e in session.exec(select(TimeEntry)))
    voided = live_app.command("/invoice", "void INV-2026-0001 wrong rate", user=owner)["text"]
    assert "*INV-2026-0001* for Acme Corp is void (wrong rate)" in voided
    with session_scope(live_app.engine) as session:
        assert [e.invoice_id for e in session.exec(select(TimeEntry))] == [None, None]
    (invoice,) = _invoices(live_app)
    assert (invoice.status, invoice.void_reason) == ("void", "wrong rate")
    again = live_app.command("/invoice", "void INV-2026-0001 twice", user=owner)["text"]
    assert "void" in again and "twice" not in again
    assert "void: wrong rate" in _shown(live_app.command("/invoice", "list void", user=owner))
    assert ":no_entry: *Void*: wrong rate" in _shown(
        live_app.command("/invoice", "show INV-2026-0001", user=owner)
    )
