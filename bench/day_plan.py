"""What the simulated team of `bench/day_load.py` sends: its settings, and each VA's and
client's next request, with what the reconciliation needs to know about it."""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from dataclasses import dataclass, field

from bench.chat_bench import settings_toml as chat_settings_toml
from tests.fakeslack import TEAM_ID, event_body, interactive_body, slash_command_body

ESCALATIONS = "C0ESCAL"
REDELIVERED = 0.02  # share of client messages Slack sends twice (same event id and ts)


def va_id(number: int) -> str:
    return f"U0VA{number}"  # as bench.chat_bench.settings_toml names the roster


def client_channel(number: int) -> str:
    return f"C0CLIENT{number}"


def settings_toml(vas: int, clients: int) -> str:
    return chat_settings_toml(vas, clients, escalations=ESCALATIONS)


@dataclass
class Request:
    kind: str
    body: str
    va: int | None = None
    reply: str | None = None
    """The response_url name a command's reply comes back on (None: nothing comes back)."""


@dataclass
class TimerCycle:
    """One VA's start and stop, as the load generator saw them (time.time())."""

    va: int
    start_sent: float = 0.0
    start_reply: str = ""
    stop_sent: float = 0.0
    stop_reply: str = ""


@dataclass
class Conversations:
    """The client messages sent (their ts, once each however often they were delivered)
    and the latest top-level message per client channel, which VAs answer in thread."""

    distinct_ts: set[str] = field(default_factory=set)
    latest: dict[int, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _counter: itertools.count = field(default_factory=itertools.count)

    def new_ts(self) -> str:
        with self._lock:
            ts = f"{time.time():.0f}.{next(self._counter):06d}"
            self.distinct_ts.add(ts)
            return ts

    def thread_of(self, client: int) -> str | None:
        with self._lock:
            return self.latest.get(client)

    def opened(self, client: int, ts: str) -> None:
        with self._lock:
            self.latest[client] = ts


ESCALATION_VALUES = {
    "summary": {"type": "plain_text_input", "value": "Client disputes the invoice"},
    "actions_taken": {"type": "plain_text_input", "value": "Checked the hours logged"},
    "question": {"type": "plain_text_input", "value": "Credit the hour?"},
    "background": {"type": "plain_text_input", "value": ""},
    "contact_tag": {"type": "plain_text_input", "value": "Billing – Payment Question"},
    "urgency": {"type": "static_select", "selected_option": {"value": "normal"}},
}


class VaScript:
    """Each VA repeats: start the timer on their task, open App Home, add a task, stop
    the timer, read /report, answer a client in thread; every fifth round, an escalation."""

    STEPS = ("timer_start", "home", "task_add", "timer_stop", "report", "reply")

    def __init__(self, vas: int, clients: int, reply_url, conversations: Conversations):
        self.vas, self.clients = vas, clients
        self.reply_url = reply_url
        self.conversations = conversations
        self.round = [0] * vas
        self.step = [0] * vas
        self.task_numbers: dict[int, int] = {}
        self.cycles: list[TimerCycle] = []
        self.open_cycle: dict[int, TimerCycle] = {}
        self.sequence = itertools.count()

    def first_task(self, va: int) -> Request:
        name = f"setup-{va}"
        return Request(
            "task_add", self._command(va, "/task", f"add Day work of VA {va}", name), va, name
        )

    def next_request(self, va: int) -> Request:
        step = self.STEPS[self.step[va]]
        self.step[va] = (self.step[va] + 1) % len(self.STEPS)
        if self.step[va] == 0:
            self.round[va] += 1
            if self.round[va] % 5 == 0:
                return self._escalation(va)
        return getattr(self, f"_{step}")(va)

    def _command(self, va: int, command: str, text: str, name: str) -> str:
        return slash_command_body(
            command, text, user_id=va_id(va), team_id=TEAM_ID, response_url=self.reply_url(name)
        )

    def _named(self, va: int, kind: str) -> str:
        return f"{kind}-{va}-{next(self.sequence)}"

    def _timer_start(self, va: int) -> Request:
        name = self._named(va, "start")
        cycle = TimerCycle(va, start_reply=name)
        self.open_cycle[va] = cycle
        self.cycles.append(cycle)
        body = self._command(va, "/timer", f"start T-{self.task_numbers[va]}", name)
        return Request("timer_start", body, va, name)

    def _timer_stop(self, va: int) -> Request:
        name = self._named(va, "stop")
        self.open_cycle[va].stop_reply = name
        return Request("timer_stop", self._command(va, "/timer", "stop", name), va, name)

    def _task_add(self, va: int) -> Request:
        name = self._named(va, "add")
        return Request(
            "task_add", self._command(va, "/task", f"add Follow up {name}", name), va, name
        )

    def _report(self, va: int) -> Request:
        name = self._named(va, "report")
        return Request("report", self._command(va, "/report", "today", name), va, name)

    def _home(self, va: int) -> Request:
        event = {
            "type": "app_home_opened",
            "user": va_id(va),
            "channel": f"D0{va:02d}",
            "tab": "home",
        }
        return Request(
            "home", event_body(event, event_id=self._named(va, "EvHome"), team_id=TEAM_ID), va
        )

    def _reply(self, va: int) -> Request:
        client = va % self.clients
        thread = self.conversations.thread_of(client)
        event = {
            "type": "message",
            "channel": client_channel(client),
            "channel_type": "channel",
            "user": va_id(va),
            "text": "On it, back to you shortly",
            "ts": self.conversations.new_ts(),
        }
        if thread is not None:
            event["thread_ts"] = thread
        body = event_body(event, event_id=self._named(va, "EvReply"), team_id=TEAM_ID)
        return Request("va_reply", body, va)

    def _escalation(self, va: int) -> Request:
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID},
            "user": {"id": va_id(va), "team_id": TEAM_ID},
            "trigger_id": "trigger.submit",
            "view": {
                "id": f"V{va:06d}",
                "type": "modal",
                "callback_id": "escalation_create",
                "private_metadata": json.dumps({}),
                "state": {"values": {b: {"value": s} for b, s in ESCALATION_VALUES.items()}},
            },
        }
        return Request("escalation", interactive_body(payload), va)


class ClientScript:
    """Each client writes in their channel: a new top-level message or more in the
    latest thread; a few are delivered twice, as Slack's retries are."""

    def __init__(self, conversations: Conversations, seed: int = 11) -> None:
        self.conversations = conversations
        self.rng = random.Random(seed)
        self.sequence = itertools.count()

    def next_requests(self, client: int) -> list[Request]:
        thread = self.conversations.thread_of(client)
        ts = self.conversations.new_ts()
        event = {
            "type": "message",
            "channel": client_channel(client),
            "channel_type": "channel",
            "user": f"U0CLIENT{client:02d}",
            "text": "Hi, any news on this?",
            "ts": ts,
        }
        if thread is not None and self.rng.random() < 0.5:
            event["thread_ts"] = thread
        else:
            self.conversations.opened(client, ts)
        body = event_body(event, event_id=f"EvClient{next(self.sequence)}", team_id=TEAM_ID)
        request = Request("client_message", body)
        return [request, request] if self.rng.random() < REDELIVERED else [request]
