"""What is billable, through real HTTP: `/task billable T-n on|off` (supervisors and
owners, audited, locked while an open invoice bills the task's time), the New task form's
Billable box, and /task show saying when a task's time is not billed."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import select

from bot import clock
from store.db import session_scope
from store.models import AuditRecord, Task
from tests.invoices import make_invoice, void_invoice
from tests.slack_payloads import text_value, view_submission

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def _task(live_app, number: int) -> Task:
    with session_scope(live_app.engine) as session:
        return session.exec(select(Task).where(Task.number == number)).one()


def _audit(live_app) -> list[AuditRecord]:
    with session_scope(live_app.engine) as session:
        return list(session.exec(select(AuditRecord).where(AuditRecord.action == "billable")))


def _card(live_app, ref: str) -> str:
    return json.dumps(live_app.command("/task", f"show {ref}")["blocks"], ensure_ascii=False)


def test_supervisors_and_owners_switch_a_tasks_billing_and_it_is_audited(live_app):
    live_app.command("/task", "add Acme bookkeeping #acme")
    live_app.command("/task", "add Inbox zero")
    assert "*Billable*\\nyes" in _card(live_app, "T-1")
    refused = live_app.command("/task", "billable T-1 off")["text"]
    assert refused.startswith("Only supervisors and owners decide whether a task's time is billed")
    assert _task(live_app, 1).billable

    reply = live_app.command("/task", "billable T-1 off", user="U0SUPER")["text"]
    assert reply == (
        "*T-1* Acme bookkeeping is switched to not billable: its time is left out of billable "
        "hours and invoices (`/task billable T-1 on` undoes it)."
    )
    assert not _task(live_app, 1).billable
    assert "not billable: switched off (`/task billable T-1 on`)" in _card(live_app, "T-1")
    again = live_app.command("/task", "billable T-1 off", user="U0OWNER")["text"]
    assert again == "T-1 is already switched to not billable."
    reply = live_app.command("/task", "billable t-1 ON", user="U0OWNER")["text"]
    assert (
        reply == "*T-1* Acme bookkeeping is switched to billable: its time is billed to its client."
    )
    (off, on) = _audit(live_app)
    assert (off.actor_id, json.loads(off.old_value), json.loads(off.new_value)) == (
        "U0SUPER",
        {"billable": True},
        {"billable": False},
    )
    assert (on.actor_id, json.loads(on.new_value)) == ("U0OWNER", {"billable": True})

    # Internal work is not billed whatever its switch says, and the answer says so.
    assert "not billable: no client (internal work)" in _card(live_app, "T-2")
    live_app.command("/task", "billable T-2 off", user="U0OWNER")
    reply = live_app.command("/task", "billable T-2 on", user="U0OWNER")["text"]
    assert reply == (
        "*T-2* Inbox zero is switched to billable, but its time is still not billable: no "
        "client (internal work)."
    )
    for typed in ("billable", "billable T-1", "billable T-1 maybe"):
        assert live_app.command("/task", typed, user="U0OWNER")["text"] == (
            "Usage: /task billable T-12 on|off"
        )
    assert "no T-9" in live_app.command("/task", "billable T-9 off", user="U0OWNER")["text"]
    assert "/task billable T-12 on|off" in live_app.command("/task", "help")["text"]


def test_the_switch_is_locked_while_an_open_invoice_bills_the_tasks_time(live_app):
    clock.set_now("2026-11-23T20:00:00Z")
    live_app.command("/task", "add Acme bookkeeping #acme")
    live_app.command("/timer", "log T-1 1h")
    clock.set_now("2026-12-02T15:00:00Z")
    invoice = make_invoice(live_app.engine, "acme", NOVEMBER, date(2026, 12, 1), entry_ids=(1,))
    reply = live_app.command("/task", "billable T-1 off", user="U0OWNER")["text"]
    assert reply == (
        "T-1 has time on INV-2026-0007, sent 2026-12-01; void the invoice to change whether "
        "it is billable."
    )
    assert _task(live_app, 1).billable and _audit(live_app) == []
    void_invoice(live_app.engine, invoice)
    assert (
        "switched to not billable"
        in live_app.command("/task", "billable T-1 off", user="U0OWNER")["text"]
    )


def test_the_new_task_form_has_a_billable_box_ticked_by_default(live_app):
    live_app.send_command("/task")
    view = live_app.fake.wait_for("views.open")[0].json("view")
    box = next(b for b in view["blocks"] if b["block_id"] == "billable")
    assert box["optional"] is True
    assert [o["value"] for o in box["element"]["initial_options"]] == ["billable"]

    def create(title: str, billable: list | None) -> Task:
        values = {"title": text_value(title)}
        if billable is not None:
            values["billable"] = {"type": "checkboxes", "selected_options": billable}
        status, body = live_app.interact(view_submission("task_create", values))
        assert (status, body) == (200, "")
        with session_scope(live_app.engine) as session:
            return session.exec(select(Task).where(Task.title == title)).one()

    assert not create("Team lunch", []).billable
    assert create("Acme call", [{"value": "billable"}]).billable
    assert create("Opened before the box existed", None).billable
