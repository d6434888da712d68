"""Slack's Web API failing under the real app: a 429 with Retry-After, a 500, and an answer
that never comes (a timeout), on each kind of call a person waits for (`views.open`,
`chat.postMessage`, `views.publish`, a file upload).

What must hold each time: a failure that may pass is retried and then done once; a failure
that stays is told to the person in a sentence that says what was saved; nothing saved is
lost, and nothing is done twice (a call whose answer was lost is not repeated, since Slack
may have acted on it).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlmodel import select

from store.db import session_scope
from store.models import Delivery, Escalation, Task
from tests.conftest import CONFIG_TOML
from tests.slack_payloads import text_value, view_submission
from tests.test_http_invoices import BILLING, _button, _invoices, _november_of_work, _press

ESCALATIONS = "C0ESCAL"
CLIENT_TIMEOUT_SECONDS = 1


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "vadesk.toml"
    extra = f'\n[channels]\nescalations = "{ESCALATIONS}"\n' + BILLING
    path.write_text(CONFIG_TOML + extra, encoding="utf-8")
    return path


@pytest.fixture
def short_timeouts(monkeypatch):
    """Web API calls give up after a second, so a test can wait one out."""
    monkeypatch.setattr("bot.slack.web_client.DEFAULT_TIMEOUT_SECONDS", CLIENT_TIMEOUT_SECONDS)


def _wait(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError("never happened")


def _reply(live_app, name: str) -> str:
    return _wait(
        lambda: next(
            (c.params["text"] for c in live_app.fake.calls("response_url") if name in c.path), None
        )
    )


def _succeeded(live_app, method: str) -> list:
    """The calls of `method` the fake answered ok (failures injected are not)."""
    return [
        c for c in live_app.fake.calls(method) if c.status == 200 and (c.response or {}).get("ok")
    ]


def _settled(live_app) -> None:
    """Whatever an earlier request would still send has been sent."""
    live_app.command("/timer", "help")
    live_app.fake.wait_for("response_url", 1)


# ------------------------------------------------------------------------ views.open


@pytest.mark.parametrize("status", [429, 500])
def test_a_form_slack_fails_to_open_once_is_opened_on_the_retry(live_app, status):
    live_app.fake.fail_next("views.open", status=status, retry_after=1)
    live_app.send_command("/task", "", reply_to="form")
    opened = _wait(lambda: _succeeded(live_app, "views.open"))
    assert len(live_app.fake.calls("views.open")) == 2 and len(opened) == 1
    assert opened[0].json("view")["callback_id"] == "task_create"
    _settled(live_app)
    assert [c for c in live_app.fake.calls("response_url") if "form" in c.path] == []


def test_a_form_slack_keeps_refusing_is_told_after_the_retries(live_app):
    live_app.fake.fail_next("views.open", status=500, times=3)
    live_app.send_command("/task", "", reply_to="form")
    told = _reply(live_app, "form")
    assert "Slack" in told and "try again" in told.lower()
    assert "VA Desk's side" not in told
    assert len(live_app.fake.calls("views.open")) == 3  # the first try and two retries
    assert _succeeded(live_app, "views.open") == []


def test_a_form_whose_answer_never_comes_is_told_and_not_opened_twice(short_timeouts, live_app):
    release = live_app.fake.delay("views.open", CLIENT_TIMEOUT_SECONDS + 2)
    live_app.send_command("/task", "", reply_to="form")
    told = _reply(live_app, "form")
    release.set()
    assert "Slack" in told and "did not answer" in told
    assert len(live_app.fake.calls("views.open")) == 1


# --------------------------------------------------------------- chat.postMessage


def _escalate(live_app) -> tuple[int, str]:
    values = {
        "summary": text_value("Client wants a refund"),
        "actions_taken": text_value("Checked the order"),
        "question": text_value("Refund?"),
        "background": text_value(""),
        "contact_tag": text_value("Billing – Payment Question"),
        "urgency": {"type": "static_select", "selected_option": {"value": "normal"}},
    }
    return live_app.interact(view_submission("escalation_create", values, {}))


def _escalations(live_app) -> list[Escalation]:
    with session_scope(live_app.engine) as session:
        return list(session.exec(select(Escalation)))


def _posted_escalations(live_app) -> list:
    return [
        c for c in _succeeded(live_app, "chat.postMessage") if c.params["channel"] == ESCALATIONS
    ]


@pytest.mark.parametrize("status", [429, 500])
def test_an_escalation_post_that_fails_once_is_posted_once(live_app, status):
    live_app.fake.fail_next("chat.postMessage", status=status, retry_after=1)
    assert _escalate(live_app)[0] == 200
    (posted,) = _wait(lambda: _posted_escalations(live_app))
    (escalation,) = _wait(lambda: [e for e in _escalations(live_app) if e.message_ts])
    assert escalation.message_ts == posted.response["ts"]
    _settled(live_app)
    assert len(_posted_escalations(live_app)) == 1


def test_an_escalation_post_that_times_out_is_saved_told_and_not_posted_twice(
    short_timeouts, live_app
):
    release = live_app.fake.delay("chat.postMessage", CLIENT_TIMEOUT_SECONDS + 2)
    assert _escalate(live_app)[0] == 200
    told = _wait(
        lambda: [
            c.params["text"]
            for c in live_app.fake.calls("chat.postMessage")
            if c.params["channel"] == "U0VA1"
        ]
    )
    release.set()
    (escalation,) = _escalations(live_app)
    assert "*ESC-1*" in told[0] and "That is saved" in told[0] and "TimeoutError" in told[0]
    assert (
        len(
            [
                c
                for c in live_app.fake.calls("chat.postMessage")
                if c.params["channel"] == ESCALATIONS
            ]
        )
        == 1
    )
    assert escalation.message_ts is None


# ------------------------------------------------------------------------ views.publish


@pytest.mark.parametrize("status", [429, 500])
def test_an_app_home_slack_fails_to_take_once_is_published_once(live_app, status):
    live_app.fake.fail_next("views.publish", status=status, retry_after=1)
    live_app.command("/task", "add Call the bank")
    published = _wait(lambda: _succeeded(live_app, "views.publish"), timeout=15)
    assert "Call the bank" in json.dumps(published[-1].json("view"))
    _settled(live_app)
    assert len(_succeeded(live_app, "views.publish")) == 1


# ------------------------------------------------------------------------ uploads


@pytest.mark.parametrize("status", [429, 500])
def test_an_invoice_upload_that_fails_once_is_uploaded_once(live_app, status):
    _november_of_work(live_app)
    live_app.fake.fail_next("files.getUploadURLExternal", status=status, retry_after=1)
    preview = live_app.command("/invoice", "draft acme last month", user="U0OWNER")
    _press(live_app, "invoice_finalize", _button(preview, "invoice_finalize"), "U0OWNER", "fin")
    _wait(lambda: len(live_app.fake.calls("files.completeUploadExternal")) == 2, timeout=15)
    _settled(live_app)
    assert len(live_app.fake.calls("file_upload")) == 2  # the PDF and the CSV, once each
    (invoice,) = _invoices(live_app)
    with session_scope(live_app.engine) as session:
        jobs = list(session.exec(select(Delivery).where(Delivery.job == "invoice-document")))
    assert len(jobs) == 2 and all(job.posted_at for job in jobs), jobs
    assert len(live_app.fake.calls("files.completeUploadExternal")) == 2
    assert invoice.number == "INV-2026-0001"


def test_an_invoice_upload_slack_keeps_refusing_is_told_and_the_invoice_stays(live_app):
    _november_of_work(live_app)
    live_app.fake.fail_next("files.getUploadURLExternal", status=500, times=6)
    preview = live_app.command("/invoice", "draft acme last month", user="U0OWNER")
    _press(live_app, "invoice_finalize", _button(preview, "invoice_finalize"), "U0OWNER", "fin")
    told = _wait(
        lambda: [
            c.params["text"]
            for c in live_app.fake.calls("response_url")
            if c.params.get("replace_original") is False
        ],
        timeout=20,
    )
    assert "INV-2026-0001 is finalized" in told[0]
    assert "vadesk export invoice INV-2026-0001" in told[0]
    (invoice,) = _invoices(live_app)
    assert invoice.number == "INV-2026-0001"
    with session_scope(live_app.engine) as session:
        assert session.exec(select(Task)).all()
