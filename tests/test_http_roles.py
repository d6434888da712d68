"""`/role`: an owner changes roles and trust phases in Slack, audited; nobody else can."""

from __future__ import annotations

import json

from sqlmodel import select

from store.db import session_scope
from store.models import AuditRecord
from tests.slack_payloads import view_submission
from tests.test_http_delegation import _brief


def test_an_owner_changes_a_role_and_a_phase_and_it_takes_effect(live_app):
    listing = live_app.command("/role", "", user="U0VA1")["text"]
    assert "<@U0OWNER> · owner · phase I" in listing and "<@U0VA2> · va · phase I" in listing
    refused = live_app.command("/role", "<@U0VA2|maria> supervisor", user="U0SUPER")["text"]
    assert refused.startswith("Only an owner changes roles")
    reply = live_app.command("/role", "<@U0VA2|maria> supervisor", user="U0OWNER")["text"]
    assert reply == "<@U0VA2> is now a supervisor (was va)."
    reply = live_app.command("/role", "<@U0VA1> phase iii", user="U0OWNER")["text"]
    assert reply == "<@U0VA1> is now in trust phase III (was I)."
    listing = live_app.command("/role", "list", user="U0VA1")["text"]
    assert "<@U0VA2> · supervisor · phase I (set in Slack)" in listing
    # Phase III work now goes to U0VA1 without an override.
    brief = _brief(category="calendar")
    status, body = live_app.interact(view_submission("assignment_create", brief, user="U0SUPER"))
    assert status == 200 and "errors" not in body
    # The new supervisor may now see the team's report.
    assert "Team report" in json.dumps(live_app.command("/report", "today", user="U0VA2"))
    with session_scope(live_app.engine) as session:
        trail = session.exec(select(AuditRecord).where(AuditRecord.entity == "person")).all()
    assert [(r.action, json.loads(r.old_value), json.loads(r.new_value)) for r in trail] == [
        ("role", {"user": "U0VA2", "role": "va"}, {"user": "U0VA2", "role": "supervisor"}),
        ("phase", {"user": "U0VA1", "phase": "I"}, {"user": "U0VA1", "phase": "III"}),
    ]


def test_bad_role_changes_say_what_is_accepted(live_app):
    assert (
        "owner, supervisor, va"
        in live_app.command("/role", "<@U0VA1> boss", user="U0OWNER")["text"]
    )
    assert "I, II, III" in live_app.command("/role", "<@U0VA1> phase IV", user="U0OWNER")["text"]
    assert (
        "cannot step down yourself"
        in live_app.command("/role", "<@U0OWNER> va", user="U0OWNER")["text"]
    )
    assert "`/role @maria phase II`" in live_app.command("/role", "help")["text"]
