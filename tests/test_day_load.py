"""A short day under load in CI (`bench/day_load.py`, scaled down): 12 VAs and 4 clients for
40 s against `vadesk serve` with its scheduler on PostgreSQL, and the same reconciliation
the bench prints, asserted: no errors, every command answered, each confirmed stop exactly
one entry inside its requests' times, every client-channel message counted, no scheduled
post twice. Latency is the bench's business, not this test's."""

from __future__ import annotations

import argparse
import os

import pytest

from bench.day_load import run_day
from tests.fakeslack import FakeSlack


@pytest.mark.real_clock
def test_a_short_day_under_load_reconciles(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set: the day under load runs on PostgreSQL")
    args = argparse.Namespace(
        database_url=url,
        seconds=40.0,
        vas=12,
        clients=4,
        connections=4,
        va_rate=60.0,
        client_rate=20.0,
    )
    with FakeSlack() as fake:
        result = run_day(args, fake, tmp_path)
    totals = result["totals"]
    assert totals.errors == [] and result["failed_replies"] == []
    assert result["unanswered"] == 0
    assert not result["log_problems"], result["log_problems"].most_common(5)
    kinds = {ack.kind for ack in totals.acks}
    assert kinds >= {"timer_start", "timer_stop", "task_add", "home", "report", "va_reply"}
    assert kinds >= {"client_message", "escalation"}
    timers = result["timers"]
    assert timers["confirmed"] > 0 and timers["wrong"] == []
    assert timers["confirmed"] == timers["matched"] == timers["entries"]
    messages = result["messages"]
    assert messages["sent"] == messages["counted"] > 0
    assert result["escalations"] > 0
    scheduled = result["scheduled"]
    assert scheduled["posted"] >= 12 and scheduled["doubled"] == []
