"""/metrics: requests by kind and outcome, the acknowledgement's latency, scheduler ticks,
and what Slack took and rate-limited, in Prometheus' text format, each app counting in a
registry of its own."""

from __future__ import annotations

import time
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.errors import SlackApiError

from bot.observe.metrics import Metrics
from bot.scheduling.notify import Notifier
from bot.scheduling.scheduler import Scheduler
from bot.slack.web_client import make_posting_client, make_web_client
from store.heartbeat import last_ticks
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.fakeslack import event_body, slash_command_body
from tests.vadesk_process import served_vadesk, vadesk_env


def samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(url: str) -> tuple[str, str]:
    with urllib.request.urlopen(url + "/metrics", timeout=10) as response:
        return response.headers["Content-Type"], response.read().decode()


def test_requests_are_counted_by_kind_and_outcome_with_their_ack_time(live_app):
    live_app.command("/timer", "start Filing")
    live_app.command("/timer", "stop")
    body = slash_command_body("/timer", "status")
    assert live_app.post(body, {"Content-Type": "application/x-www-form-urlencoded"})[0] == 401
    content_type, text = scrape(live_app.url)
    assert content_type.startswith("text/plain")
    found = samples(text)
    assert found[("vadesk_requests_total", (("kind", "/timer"), ("outcome", "ok")))] == 2
    assert found[("vadesk_requests_total", (("kind", "unverified"), ("outcome", "error")))] == 1
    assert found[("vadesk_ack_seconds_count", ())] == 3
    assert 0 < found[("vadesk_ack_seconds_sum", ())] < 30
    assert found[("vadesk_ack_seconds_bucket", (("le", "+Inf"),))] == 3
    # GET /healthz and /metrics themselves are not Slack requests.
    live_app.get("/healthz")
    assert samples(scrape(live_app.url)[1])[("vadesk_ack_seconds_count", ())] == 3


def test_posts_slack_took_and_429s_it_gave_are_counted(fake_slack):
    metrics = Metrics()
    client = make_web_client(BOT_TOKEN, fake_slack.base_url, metrics)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=1)
    client.chat_postMessage(channel="C0ACME", text="retried after the 429")
    poster = make_posting_client(BOT_TOKEN, fake_slack.base_url, metrics)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=1)
    with pytest.raises(SlackApiError):  # the posting client waits out a 429 itself
        poster.chat_postMessage(channel="C0ACME", text="not retried here")
    poster.chat_postMessage(channel="C0ACME", text="posted")
    client.users_info(user="U0VA1")  # not a post
    found = samples(metrics.render().decode())
    assert found[("vadesk_slack_posts_total", (("method", "chat.postMessage"),))] == 2
    assert found[("vadesk_slack_rate_limited_total", (("method", "chat.postMessage"),))] == 2
    assert not any(labels == (("method", "users.info"),) for _, labels in found)


def test_the_app_counts_its_posts_where_the_server_serves_them(live_app):
    live_app.fake.fail_next("views.publish", status=429, retry_after=1)
    body = event_body(
        {"type": "app_home_opened", "user": "U0VA1", "channel": "D0HOME", "tab": "home"},
        event_id="Ev-metrics",
    )
    assert live_app.post(body)[0] == 200  # the Home is published, after one 429
    method = (("method", "views.publish"),)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = samples(scrape(live_app.url)[1])
        if found.get(("vadesk_slack_posts_total", method)):
            break
        time.sleep(0.05)
    assert found[("vadesk_slack_posts_total", method)] == 1
    assert found[("vadesk_slack_rate_limited_total", method)] == 1
    kind = (("kind", "event_callback app_home_opened"), ("outcome", "ok"))
    assert found[("vadesk_requests_total", kind)] == 1


def test_scheduler_ticks_are_timed(live_app):
    metrics = Metrics()
    fake = live_app.fake
    scheduler = Scheduler(
        live_app.settings,
        live_app.engine,
        make_web_client(BOT_TOKEN, fake.base_url),
        metrics=metrics,
    )
    scheduler.start(Notifier(make_posting_client(BOT_TOKEN, fake.base_url), live_app.engine), 600)
    try:
        deadline = time.monotonic() + 20
        while len(last_ticks(live_app.engine)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        assert scheduler.stop()
    found = samples(metrics.render().decode())
    for tick in ("posts", "chores"):
        assert found[("vadesk_scheduler_tick_seconds_count", (("tick", tick),))] == 1


def test_each_app_counts_in_its_own_registry():
    first, second = Metrics(), Metrics()
    first.request_answered("/timer", True, 0.01)
    assert (
        samples(second.render().decode()).get(
            ("vadesk_requests_total", (("kind", "/timer"), ("outcome", "ok")))
        )
        is None
    )


def test_vadesk_serve_serves_metrics(tmp_path, fake_slack):
    env = vadesk_env(
        f"sqlite:///{tmp_path / 'vadesk.db'}",
        SLACK_API_URL=fake_slack.base_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
    )
    with served_vadesk(env, tmp_path) as server:
        server.command(fake_slack, "/timer", "help", "help")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the scheduler ticks at start
            found = samples(scrape(server.url)[1])
            if ("vadesk_scheduler_tick_seconds_count", (("tick", "posts"),)) in found:
                break
            time.sleep(0.1)
    assert found[("vadesk_requests_total", (("kind", "/timer"), ("outcome", "ok")))] == 1
    assert found[("vadesk_scheduler_tick_seconds_count", (("tick", "posts"),))] >= 1
