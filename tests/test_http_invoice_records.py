"""/invoice list, show and void through the real app, and the owner's App Home: the
unbilled hours of the month per client and the last invoices."""

from __future__ import annotations

import json
import time

from sqlmodel import select

from bot import clock
from store.db import session_scope
from store.models import TimeEntry
from tests.fakeslack import event_body
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


def _home_showing(live_app, user: str, needle: str, event_id: str) -> dict:
    body = event_body(
        {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"},
        event_id=event_id,
    )
    assert live_app.post(body)[0] == 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for call in reversed(live_app.fake.calls("views.publish")):
            view = call.json("view")
            if call.params.get("user_id") == user and needle in json.dumps(
                view, ensure_ascii=False
            ):
                return view
        time.sleep(0.02)
    raise AssertionError(f"no App Home of {user} showed {needle!r}")


def test_the_owners_home_shows_unbilled_hours_and_the_last_invoices(live_app):
    _november_of_work(live_app)
    clock.set_now("2026-11-20T15:00:00Z")
    home = json.dumps(_home_showing(live_app, "U0OWNER", "Unbilled this month", "Ev1"))
    assert "Acme Corp 3.50 h" in home and "None yet." in home
    clock.set_now("2026-12-02T15:00:00Z")
    preview = live_app.command("/invoice", "draft acme last month", user="U0OWNER")
    _press(live_app, "invoice_finalize", _button(preview, "invoice_finalize"), "U0OWNER", "fin")
    home = json.dumps(_home_showing(live_app, "U0OWNER", "*INV-2026-0001*", "Ev2"))
    assert "every billable hour of the month is on an invoice" in home
    va_home = json.dumps(_home_showing(live_app, "U0VA1", "My open tasks", "Ev3"))
    assert "Unbilled" not in va_home and "INV-" not in va_home
