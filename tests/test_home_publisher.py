"""App Home publishing keeps to Slack's pace for views.publish per workspace: a burst,
then a steady rate, and every stale home still goes out."""

from __future__ import annotations

import time

from slack_sdk import WebClient
from slack_sdk.models.blocks import SectionBlock
from slack_sdk.models.views import View

from bot.slack.home_publisher import HomePublisher
from tests.fakeslack import FakeSlack


def _render(team_id: str, user_id: str) -> View:
    return View(type="home", blocks=[SectionBlock(text=f"home of {user_id}")])


def test_a_roster_gone_stale_goes_out_at_the_workspace_pace():
    with FakeSlack() as fake:
        client = WebClient(base_url=fake.base_url, token="xoxb-test")
        publisher = HomePublisher(client, _render, 0, per_second=20, burst=3)
        started = time.monotonic()
        publisher.mark_stale("T0TEAM", [f"U0VA{n}" for n in range(9)])
        publisher.mark_stale("T0OTHER", ["U0VA1"])  # another workspace has its own pace
        assert publisher.wait_idle()
        took = time.monotonic() - started
        publisher.close()
        published = fake.calls("views.publish")
    users = sorted(str(call.params["user_id"]) for call in published)
    assert users == sorted([f"U0VA{n}" for n in range(9)] + ["U0VA1"])
    assert took >= (9 - 3) / 20 * 0.9  # three at once, then one each 50 ms


def test_a_quiet_workspace_publishes_at_once():
    with FakeSlack() as fake:
        client = WebClient(base_url=fake.base_url, token="xoxb-test")
        publisher = HomePublisher(client, _render, 0, per_second=0.01, burst=2)
        started = time.monotonic()
        publisher.mark_stale("T0TEAM", ["U0VA1", "U0VA2"])
        assert publisher.wait_idle()
        assert time.monotonic() - started < 2  # the burst: no wait for the 0.01/s pace
        publisher.close()
        assert len(fake.calls("views.publish")) == 2
