"""Time an open invoice bills is locked, through real HTTP: its entries are not edited,
no time is logged for its client on the days it covers, and a void unlocks both."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlmodel import select

from bot import clock
from store.db import session_scope
from store.models import AuditRecord, TimeEntry
from tests.invoices import make_invoice, void_invoice
from tests.slack_payloads import (
    picked_date,
    picked_option,
    picked_time,
    text_value,
    view_submission,
)

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
SENT = date(2026, 12, 1)
ENTRY_LOCKED = "E-1 is on INV-2026-0007, sent 2026-12-01; void the invoice to change it."
SPAN_LOCKED = (
    "Acme Corp is invoiced through 2026-11-30 on INV-2026-0007, sent 2026-12-01: log this "
    "time on a later day, or void the invoice to change it."
)


def _entries(live_app) -> list[TimeEntry]:
    with session_scope(live_app.engine) as session:
        return list(session.exec(select(TimeEntry).order_by(TimeEntry.id)))


def _november_work(live_app) -> None:
    """T-1 is Acme's, T-2 internal, T-3 Globex's; E-1 is an hour on T-1 on Nov 23."""
    clock.set_now("2026-11-23T20:00:00Z")  # Monday 15:00 in New York
    live_app.command("/task", "add Acme bookkeeping #acme")
    live_app.command("/task", "add Inbox zero")
    live_app.command("/task", "add Globex calls #globex")
    assert "Logged 1h" in live_app.command("/timer", "log T-1 1h")["text"]
    clock.set_now("2026-12-02T15:00:00Z")  # Wednesday 10:00 in New York


def _submit(live_app, callback: str, values: dict, meta: dict | str = "") -> dict:
    status, body = live_app.interact(view_submission(callback, values, meta))
    assert status == 200
    return json.loads(body) if body else {}


def _edit(start: str, end: str) -> dict:
    (start_day, start_at), (end_day, end_at) = start.split(), end.split()
    return {
        "start_date": picked_date(start_day),
        "start": picked_time(start_at),
        "end_date": picked_date(end_day),
        "end": picked_time(end_at),
        "reason": text_value("Started earlier"),
    }


def test_an_invoiced_entry_cannot_be_edited_until_the_invoice_is_void(live_app):
    _november_work(live_app)
    invoice = make_invoice(live_app.engine, "acme", NOVEMBER, SENT, entry_ids=(1,))
    before = _entries(live_app)
    opened = len(live_app.fake.calls("views.open"))
    assert live_app.command("/timer", "edit E-1")["text"] == ENTRY_LOCKED
    assert live_app.command("/timer", "edit")["text"] == ENTRY_LOCKED  # the latest is E-1
    assert live_app.command("/timer", "edit E-1", user="U0OWNER")["text"] == ENTRY_LOCKED
    assert len(live_app.fake.calls("views.open")) == opened
    # A form opened before the invoice was finalized is refused when submitted.
    meta = {"entry": 1, "zone": "America/New_York"}
    answer = _submit(live_app, "timer_edit", _edit("2026-11-23 13:30", "2026-11-23 15:00"), meta)
    assert answer["response_action"] == "errors"
    assert ENTRY_LOCKED in answer["errors"].values()
    assert _entries(live_app) == before
    with session_scope(live_app.engine) as session:
        assert session.exec(select(AuditRecord)).all() == []

    void_invoice(live_app.engine, invoice)
    live_app.send_command("/timer", "edit E-1")
    assert live_app.fake.wait_for("views.open", opened + 1)[opened].json("view")["callback_id"]
    assert (
        _submit(live_app, "timer_edit", _edit("2026-11-23 13:30", "2026-11-23 15:00"), meta) == {}
    )
    (entry,) = _entries(live_app)
    assert entry.started_at == datetime(2026, 11, 23, 18, 30, tzinfo=UTC)


def test_no_time_is_logged_for_a_client_on_a_day_its_invoice_covers(live_app):
    _november_work(live_app)
    invoice = make_invoice(live_app.engine, "acme", NOVEMBER, SENT, entry_ids=(1,))
    assert live_app.command("/timer", "log T-1 30m 2026-11-20")["text"] == SPAN_LOCKED
    assert live_app.command("/timer", "log T-1 30m 2026-11-30")["text"] == SPAN_LOCKED
    form = {"task": picked_option("1"), "duration": text_value("30m")}
    answer = _submit(live_app, "timer_log", form | {"day": picked_date("2026-11-27")})
    assert answer["errors"] == {"day": SPAN_LOCKED}
    assert len(_entries(live_app)) == 1
    # A later day, internal work and another client's task are not locked.
    assert "Logged 30m on *T-1*" in live_app.command("/timer", "log T-1 30m 2026-12-01")["text"]
    assert "Logged 30m on *T-2*" in live_app.command("/timer", "log T-2 30m 2026-11-20")["text"]
    assert "Logged 30m on *T-3*" in live_app.command("/timer", "log T-3 30m 2026-11-20")["text"]
    void_invoice(live_app.engine, invoice)
    assert "Logged 30m on *T-1*" in live_app.command("/timer", "log T-1 30m 2026-11-20")["text"]


def test_an_entry_is_not_moved_onto_an_invoiced_day_of_the_vas_own_calendar(live_app):
    """Nov 30 20:00 in New York is Dec 1 in UTC, and still Nov 30 for the VA: locked."""
    _november_work(live_app)
    live_app.command("/timer", "log T-1 1h 2026-12-01")  # E-2, after the invoiced span
    make_invoice(live_app.engine, "acme", NOVEMBER, SENT, entry_ids=(1,))
    meta = {"entry": 2, "zone": "America/New_York"}
    answer = _submit(live_app, "timer_edit", _edit("2026-11-30 20:00", "2026-11-30 21:00"), meta)
    assert answer["errors"] == {"start": SPAN_LOCKED}
    assert _entries(live_app)[1].source == "manual"
    assert (
        _submit(live_app, "timer_edit", _edit("2026-12-01 00:30", "2026-12-01 01:30"), meta) == {}
    )
    assert _entries(live_app)[1].started_at == datetime(2026, 12, 1, 5, 30, tzinfo=UTC)


def test_an_owner_moving_a_vas_entry_is_held_to_the_vas_days(live_app):
    """The owner works in London: 2026-12-01 02:00 there is still Nov 30 in New York."""
    _november_work(live_app)
    live_app.command("/timer", "log T-1 1h 2026-12-01")  # E-2
    make_invoice(live_app.engine, "acme", NOVEMBER, SENT, entry_ids=(1,))
    live_app.fake.add_user("U0OWNER", tz="Europe/London")
    meta = {"entry": 2, "zone": "Europe/London"}
    values = _edit("2026-12-01 02:00", "2026-12-01 03:00")
    status, body = live_app.interact(view_submission("timer_edit", values, meta, user="U0OWNER"))
    assert status == 200 and json.loads(body)["errors"] == {"start": SPAN_LOCKED}
