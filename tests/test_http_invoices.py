"""/invoice draft through the real app: the preview, Finalize (the invoice numbered, its
time locked, the PDF and the CSV in the owner's DM), time that changed since the preview,
Change period, Cancel, and who may press what."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import select

from bot import clock
from bot.services.billing.document import invoice_csv
from bot.services.billing.invoices import invoice_by_number, invoice_lines
from store.db import session_scope
from store.models import Delivery, Invoice, TimeEntry
from tests.conftest import CONFIG_TOML, TEAM
from tests.slack_payloads import text_value, view_submission

BILLING = """
[billing]
business_name = "Olivia's VA Agency"
rates = { acme = 40.0 }
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "vadesk.toml"
    path.write_text(CONFIG_TOML + BILLING, encoding="utf-8")
    return path


def _shown(message: dict) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + message.get("text", "")


def _november_of_work(live_app) -> None:
    """3h 30m on two Acme tasks in November, logged by a VA; the clock on 2 December."""
    clock.set_now("2026-11-10T15:00:00Z")
    live_app.command("/task", "add Inbox zero #acme")
    live_app.command("/task", "add Q4 report #acme")
    assert "Logged 2h" in live_app.command("/timer", "log T-1 2h 2026-11-10 sorted")["text"]
    assert "Logged 1h 30m" in live_app.command("/timer", "log T-2 1h30m 2026-11-10")["text"]
    clock.set_now("2026-12-02T15:00:00Z")


def _button(message: dict, action_id: str) -> str:
    for block in message["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element["value"]
    raise AssertionError(f"no {action_id} button in {message}")


def _press(
    live_app, action_id: str, value: str, user: str, name: str, answered: bool = True
) -> dict:
    """Press a preview's button; what came back on its response URL."""
    before = len(live_app.fake.calls("response_url"))
    payload = {
        "type": "block_actions",
        "user": {"id": user, "team_id": TEAM},
        "trigger_id": f"trigger.{name}",
        "container": {"type": "message", "is_ephemeral": True, "channel_id": "C0GEN"},
        "channel": {"id": "C0GEN"},
        "response_url": live_app.fake.response_url(name),
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "invoice_draft",
                "value": value,
                "action_ts": "1700000000.3",
            }
        ],
    }
    status, _ = live_app.interact(payload)
    assert status == 200
    return _answer(live_app, name, before) if answered else {}


def _answer(live_app, name: str, before: int = 0, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for call in live_app.fake.calls("response_url")[before:]:
            if call.path == f"/respond/{name}":
                return call.params
        time.sleep(0.02)
    raise AssertionError(f"nothing came back on {name}")


def _invoices(live_app) -> list[Invoice]:
    with session_scope(live_app.engine) as session:
        return list(session.exec(select(Invoice).order_by(Invoice.id)))


def _locked(live_app) -> list[int | None]:
    with session_scope(live_app.engine) as session:
        return [e.invoice_id for e in session.exec(select(TimeEntry).order_by(TimeEntry.id))]


def _eventually(live_app, done, timeout: float = 10.0) -> list[Delivery]:
    """The invoice documents' deliveries, once `done(deliveries)` holds."""
    deadline = time.monotonic() + timeout
    while True:
        with session_scope(live_app.engine) as session:
            query = select(Delivery).where(Delivery.job == "invoice-document")
            jobs = list(session.exec(query))
        if done(jobs) or time.monotonic() > deadline:
            return jobs
        time.sleep(0.02)


def test_an_owner_drafts_finalizes_and_gets_the_pdf_and_the_csv(live_app):
    _november_of_work(live_app)
    preview = live_app.command("/invoice", "draft acme last month", user="U0OWNER")
    shown = _shown(preview)
    assert "Invoice draft: Acme Corp" in shown
    assert "November 2026 (Sun 2026-11-01 to Mon 2026-11-30)" in shown
    assert "T-1 Inbox zero" in shown and "T-2 Q4 report" in shown
    assert "$80.00" in shown and "$60.00" in shown and "*Total*\\n$140.00" in shown
    assert preview["response_type"] == "ephemeral"
    assert _invoices(live_app) == [] and _locked(live_app) == [None, None]  # a draft locks nothing

    done = _press(
        live_app, "invoice_finalize", _button(preview, "invoice_finalize"), "U0OWNER", "fin"
    )
    assert done["replace_original"] is True
    assert "*INV-2026-0001* for Acme Corp" in done["text"] and "$140.00" in done["text"]
    (invoice,) = _invoices(live_app)
    assert (invoice.number, invoice.total_minor, invoice.created_by) == (
        "INV-2026-0001",
        14000,
        "U0OWNER",
    )
    assert _locked(live_app) == [invoice.id, invoice.id]

    uploads = live_app.fake.wait_for("file_upload", 2)
    completed = live_app.fake.wait_for("files.completeUploadExternal", 2)
    pdf = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(uploads[0].body)).pages)
    for expected in ("INV-2026-0001", "Acme Corp", "Inbox zero", "Q4 report", "$140.00"):
        assert expected in pdf
    # The channel by the name Slack gives it (the fake Slack's: its ID in lower case).
    assert invoice.client_channel == "c0acme" and "Slack channel: #c0acme" in pdf
    with session_scope(live_app.engine) as session:
        stored = invoice_by_number(session, TEAM, "INV-2026-0001")
        expected_csv = invoice_csv(stored, invoice_lines(session, stored.id))
    assert uploads[1].body == expected_csv
    assert [c.params["channels"] for c in completed] == ["U0OWNER", "U0OWNER"]
    assert "INV-2026-0001" in completed[0].params["initial_comment"]
    assert "$140.00" in completed[0].params["initial_comment"]
    jobs = _eventually(live_app, lambda jobs: all(d.posted_at for d in jobs))
    assert sorted(d.recipient for d in jobs) == [
        f"U0OWNER:{invoice.id}:csv",
        f"U0OWNER:{invoice.id}:pdf",
    ]

    # The same button again bills nothing twice and sends nothing again.
    _press(live_app, "invoice_finalize", _button(preview, "invoice_finalize"), "U0OWNER", "again")
    assert len(_invoices(live_app)) == 1
    assert len(live_app.fake.calls("file_upload")) == 2


def test_a_refused_upload_is_told_and_the_invoice_stays_finalized(live_app):
    _november_of_work(live_app)
    live_app.fake.fail_next("files.getUploadURLExternal", error="not_allowed_token_type")
    preview = live_app.command("/invoice", "draft acme last month", user="U0OWNER")
    value = _button(preview, "invoice_finalize")
    before = len(live_app.fake.calls("response_url"))
    _press(live_app, "invoice_finalize", value, "U0OWNER", "fin")
    deadline = time.monotonic() + 10
    told: list[dict] = []
    while not told and time.monotonic() < deadline:
        calls = live_app.fake.calls("response_url")[before:]
        told = [c.params for c in calls if c.params.get("replace_original") is False]
        time.sleep(0.02)
    (warning,) = told
    assert "INV-2026-0001 is finalized and its time is locked" in warning["text"]
    assert "not_allowed_token_type" in warning["text"]
    assert "vadesk export invoice INV-2026-0001" in warning["text"]
    (invoice,) = _invoices(live_app)
    assert _locked(live_app) == [invoice.id, invoice.id]
    (csv_upload,) = live_app.fake.wait_for("file_upload")  # the CSV went all the same
    assert csv_upload.body.decode("utf-8-sig").count("\n") >= 2


def test_time_that_changed_since_the_preview_shows_the_new_draft_and_bills_nothing(live_app):
    _november_of_work(live_app)
    preview = live_app.command("/invoice", "draft Acme Corp 2026-11", user="U0OWNER")
    live_app.command("/timer", "log T-1 1h 2026-11-12")
    answer = _press(
        live_app, "invoice_finalize", _button(preview, "invoice_finalize"), "U0OWNER", "fin"
    )
    shown = _shown(answer)
    assert "changed since the preview" in shown and "*Total*\\n$180.00" in shown
    assert answer["replace_original"] is True
    assert _invoices(live_app) == [] and _locked(live_app) == [None, None, None]
    assert live_app.fake.calls("file_upload") == []
    # The new preview's Finalize bills what it shows.
    _press(live_app, "invoice_finalize", _button(answer, "invoice_finalize"), "U0OWNER", "fin2")
    (invoice,) = _invoices(live_app)
    assert invoice.total_minor == 18000


def test_change_period_redraws_the_preview_and_refuses_a_period_on_its_field(live_app):
    _november_of_work(live_app)
    preview = live_app.command("/invoice", "draft acme last month", user="U0OWNER")
    _press(
        live_app,
        "invoice_change_period",
        _button(preview, "invoice_change_period"),
        "U0OWNER",
        "p",
        answered=False,
    )
    (opened,) = live_app.fake.wait_for("views.open")
    form = opened.json("view")
    assert form["callback_id"] == "invoice_period"
    assert form["blocks"][1]["element"]["initial_value"] == "2026-11"
    metadata = form["private_metadata"]

    def submit(period: str) -> tuple[int, str]:
        values = {"period": text_value(period)}
        return live_app.interact(
            view_submission("invoice_period", values, metadata, user="U0OWNER")
        )

    status, body = submit("2027-01")
    assert status == 200 and "after today" in json.loads(body)["errors"]["period"]
    status, body = submit("2026-10")
    assert status == 200 and "period" in json.loads(body)["errors"]
    before = len(live_app.fake.calls("response_url"))
    status, body = submit("from 2026-11-10 to 2026-11-10")
    assert status == 200 and not body
    redrawn = _answer(live_app, "p", before)
    assert redrawn["replace_original"] is True
    assert "Tue 2026-11-10 to Tue 2026-11-10" in _shown(redrawn)
    assert live_app.fake.calls("chat.postMessage") == []  # shown in place, not in a DM
    assert _invoices(live_app) == []


def test_cancel_takes_the_preview_away_and_changes_nothing(live_app):
    _november_of_work(live_app)
    preview = live_app.command("/invoice", "draft acme last month", user="U0OWNER")
    answer = _press(live_app, "invoice_cancel", _button(preview, "invoice_cancel"), "U0OWNER", "c")
    assert answer["replace_original"] is True and "cancelled" in answer["text"]
    assert _invoices(live_app) == [] and _locked(live_app) == [None, None]


def test_a_non_owner_pressing_a_forwarded_finalize_is_refused(live_app):
    _november_of_work(live_app)
    preview = live_app.command("/invoice", "draft acme last month", user="U0OWNER")
    value = _button(preview, "invoice_finalize")
    for user in ("U0VA1", "U0SUPER"):
        answer = _press(live_app, "invoice_finalize", value, user, f"fwd-{user}")
        assert answer.get("replace_original") is False and "$" not in answer["text"]
    assert _invoices(live_app) == [] and _locked(live_app) == [None, None]
    assert live_app.fake.calls("file_upload") == []


def test_who_may_draft_and_what_gets_a_sentence(live_app):
    _november_of_work(live_app)
    for user in ("U0VA1", "U0SUPER"):
        for text in ("", "draft acme last month", "list", "show INV-2026-0001"):
            reply = live_app.command("/invoice", text, user=user)
            assert "blocks" not in reply and "$" not in reply["text"], (user, text)
            assert "owner" in reply["text"].lower(), (user, text)
    owner = "U0OWNER"
    assert "acmee" in live_app.command("/invoice", "draft acmee last month", user=owner)["text"]
    assert "after today" in live_app.command("/invoice", "draft acme 2027-01", user=owner)["text"]
    nothing = live_app.command("/invoice", "draft acme 2026-10", user=owner)
    assert "blocks" not in nothing and "nothing to bill" in nothing["text"].lower()
    assert "Name the client" in live_app.command("/invoice", "draft", user=owner)["text"]
    assert (
        "/invoice draft &lt;client&gt;" in live_app.command("/invoice", "help", user=owner)["text"]
    )
    assert _invoices(live_app) == []


def test_a_draft_over_invoiced_time_bills_the_rest_and_names_the_invoice(live_app):
    _november_of_work(live_app)
    tenth = "draft acme from 2026-11-10 to 2026-11-10"
    preview = live_app.command("/invoice", tenth, user="U0OWNER")
    _press(live_app, "invoice_finalize", _button(preview, "invoice_finalize"), "U0OWNER", "fin")
    live_app.fake.wait_for("file_upload", 2)
    assert "Logged 45m" in live_app.command("/timer", "log T-1 45m 2026-11-12")["text"]
    again = _shown(live_app.command("/invoice", "draft acme last month", user="U0OWNER"))
    assert "*Total*\\n$30.00" in again
    assert "E-1, E-2 are on INV-2026-0001 already" in again
