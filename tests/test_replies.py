"""Command replies through response URLs: delivered, retried once, never raised."""

from __future__ import annotations

import socket

from bot.slack.response_urls import ResponseUrlSender


def test_reply_is_posted_as_json(fake_slack):
    sender = ResponseUrlSender()
    assert sender.send(fake_slack.response_url("a"), {"text": "Timer started", "x": "تقرير 📊"})
    assert sender.send(fake_slack.response_url("b"), {"text": "second"})
    posted = fake_slack.wait_for("response_url", 2)
    assert [c.params["text"] for c in posted] == ["Timer started", "second"]
    assert posted[0].params["x"] == "تقرير 📊"
    assert posted[0].path == "/respond/a"


def test_a_server_error_is_retried_once(fake_slack):
    fake_slack.fail_next("response_url", status=503)
    assert ResponseUrlSender().send(fake_slack.response_url(), {"text": "hi"})
    assert [c.status for c in fake_slack.calls("response_url")] == [503, 200]


def test_failures_are_reported_not_raised(fake_slack):
    fake_slack.fail_next("response_url", status=500, times=2)
    sender = ResponseUrlSender(timeout=2)
    assert sender.send(fake_slack.response_url(), {"text": "lost"}) is False
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    assert sender.send(f"http://127.0.0.1:{closed_port}/respond/x", {"text": "x"}) is False
    assert sender.send("not a url", {"text": "x"}) is False
