"""Failures outside a request (an App Home that cannot be built, a job, a post) are one
ERROR line naming what failed and why; the traceback is logged only at DEBUG."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.slack.home_publisher import HomePublisher
from tests.fakeslack import FakeSlack


def test_an_app_home_that_cannot_be_built_is_one_error_line(caplog):
    caplog.set_level(logging.INFO)

    def render(team_id: str, user_id: str):
        raise RuntimeError("no such task\nsecond line")

    with FakeSlack() as fake:
        publisher = HomePublisher(WebClient(base_url=fake.base_url, token="xoxb-test"), render, 0)
        publisher.mark_stale("T0TEAM", ["U0VA1"])
        assert publisher.wait_idle()
        publisher.close()
        assert not fake.calls("views.publish")
    (line,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert line.name == "bot.slack.home_publisher" and line.exc_info is None
    assert line.getMessage() == (
        "could not publish the App Home of U0VA1: RuntimeError: no such task"
    )


def test_the_traceback_is_there_at_debug(caplog):
    caplog.set_level(logging.DEBUG, logger="bot.slack.home_publisher")

    def render(team_id: str, user_id: str):
        raise RuntimeError("boom")

    with FakeSlack() as fake:
        publisher = HomePublisher(WebClient(base_url=fake.base_url, token="xoxb-test"), render, 0)
        publisher.mark_stale("T0TEAM", ["U0VA1"])
        assert publisher.wait_idle()
        publisher.close()
    (debug,) = [r for r in caplog.records if r.levelno == logging.DEBUG and r.exc_info]
    assert debug.getMessage() == "could not publish the App Home of U0VA1"
