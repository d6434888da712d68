"""/report through the real app: scoped by role, figures as words, refusals as sentences."""

from __future__ import annotations

import json

from bot import clock


def _shown(reply: dict) -> str:
    return json.dumps(reply.get("blocks", []), ensure_ascii=False)


def test_a_va_gets_their_own_scorecard(live_app):
    clock.set_now("2026-11-23T14:00:00Z")  # Monday 09:00 in New York
    live_app.command("/timer", "start Call with Acme")
    clock.set_now("2026-11-23T15:30:00Z")
    live_app.command("/timer", "stop")
    reply = live_app.command("/report", "week")
    shown = _shown(reply)
    assert reply["text"] == "Report: week"
    assert "Scorecard: week (2026-11-23)" in shown and "<@U0VA1>" in shown
    assert "*Hours logged*\\n1h 30m" in shown and "*Time-tracking accuracy*\\n100%" in shown
    assert "*Task completion* (target 90%)\\nno tasks were due" in shown
    assert "*First response* (business minutes)\\nno data" in shown
    assert "*CSAT* (target 4.5)\\nno ratings yet" in shown
    assert "*Unacknowledged assignments*\\n0" in shown
    assert "*Open escalations*\\n0" in shown


def test_a_va_asking_for_a_colleague_is_refused(live_app):
    reply = live_app.command("/report", "week <@U0VA2|maria>", user="U0VA1")
    assert reply["text"].startswith("You can see your own scorecard")
    assert "blocks" not in reply


def test_supervisors_see_the_team_and_anyone(live_app):
    clock.set_now("2026-11-24T14:00:00Z")
    live_app.command("/task", "add Renew domain due 2026-11-23", user="U0VA2")
    reply = live_app.command("/report", "week", user="U0SUPER")
    shown = _shown(reply)
    assert "Team report: week (2026-11-23 to 2026-11-24)" in shown
    assert "<@U0VA1> · 0m logged" in shown
    assert "<@U0VA2> · 0m logged (0m billable) · completion 0% (0/1 on time) :warning:" in shown
    assert "*Team totals*" in shown
    one = _shown(live_app.command("/report", "today <@U0VA2>", user="U0OWNER"))
    assert "Scorecard: today" in one and "<@U0VA2>" in one and "*Overdue tasks*\\n1" in one


def test_bad_input_and_help(live_app):
    assert "use today, week or month" in live_app.command("/report", "year")["text"]
    assert "&lt;!channel&gt;" in live_app.command("/report", "<!channel>")["text"]
    assert "/report week @maria" in live_app.command("/report", "help")["text"]
