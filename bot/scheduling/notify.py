"""The one way scheduled work posts to Slack.

Each message belongs to a (team, job, slot, recipient) and is *claimed* before it is posted:
a row inserted with ON CONFLICT DO NOTHING in the `delivery` table. Only the process
whose insert lands posts it; the row then gets the message's ts.

We record before the call, not after, and never post a claimed message again. Recording
after would let a crash between Slack's answer and our write post the message a second
time on the next run; recording before turns that same crash into one message that is
logged as unconfirmed instead. For a checklist or a digest a duplicate is worse than a
gap, and a 429 or an error answer (the message certainly not posted) is still retried or
reported. So: at most once, never twice.

Pacing: at most one message a second per channel, and `max_per_second` overall. A 429
holds that channel for Retry-After and the same message is sent again; the rest of the
fan-out goes on meanwhile, one worker per channel queue, so messages to one channel keep
their order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot import clock
from bot.failure_log import log_failure
from bot.services.text import readable
from store.db import session_scope
from store.models import Delivery, User
from store.sql import insert_or_ignore

logger = logging.getLogger(__name__)

PER_CHANNEL_INTERVAL = 1.0
# Slack publishes no workspace-wide figure for chat.postMessage. Against 50 a second
# (bench/fanout_bench.py) 49 finished 1,000 DMs in 1.06-1.08x the floor with 1-3 refusals
# over the limit; 48 took 1.07-1.10x, and 50 drew 11-15 more 429s.
MAX_PER_SECOND = 49.0
WORKERS = 8
MAX_RATE_LIMITED_TRIES = 10
UPLOAD_SERVER_ERROR_RETRIES = 2


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[Any] | None = None
    thread_ts: str | None = None  # a reply in the thread of this message


@dataclass(frozen=True)
class FileUpload:
    filename: str
    content: bytes
    title: str
    comment: str | None = None


@dataclass
class Outgoing:
    """One message of a job: what it is for, where it goes, and how to write it. `compose`
    runs inside the claim's transaction (it may add rows, such as a checklist the message
    refers to); `after_post` runs inside the transaction that records the posted ts."""

    team_id: str
    job: str
    slot: datetime
    recipient: str
    channel: str
    compose: Callable[[Session], Message | FileUpload | None]  # None: nothing to say after all
    after_post: Callable[[Session, str, str | None], None] | None = None


@dataclass(frozen=True)
class Outcome:
    outgoing: Outgoing
    status: str  # posted | already posted | nothing to post | failed | unconfirmed | would post
    detail: str = ""
    ts: str | None = None


class RateGate:
    """Turns to post: one per channel per interval, and a steady pace overall."""

    def __init__(
        self,
        per_channel_interval: float = PER_CHANNEL_INTERVAL,
        max_per_second: float = MAX_PER_SECOND,
    ) -> None:
        self._channel_interval = per_channel_interval
        self._spacing = 1.0 / max_per_second
        self._channel_next: dict[str, float] = {}
        self._global_next = 0.0
        self._lock = threading.Lock()

    def wait_turn(self, channel: str) -> None:
        """Wait until this channel may post again, then take the next turn overall. A
        channel held by a 429 waits without taking a turn, so it holds up nobody else."""
        while True:
            with self._lock:
                now = time.monotonic()
                channel_free = self._channel_next.get(channel, 0.0)
                if channel_free <= now:
                    turn = max(now, self._global_next)
                    self._global_next = turn + self._spacing
                    self._channel_next[channel] = turn + self._channel_interval
                    break
            time.sleep(channel_free - now)
        if turn > now:
            time.sleep(turn - now)

    def hold(self, channel: str, seconds: float) -> None:
        """Slack said 429 for this channel: nothing goes there for `seconds`."""
        with self._lock:
            until = time.monotonic() + seconds
            self._channel_next[channel] = max(self._channel_next.get(channel, 0.0), until)


def claim(session: Session, outgoing: Outgoing) -> int | None:
    """Insert the delivery row; its id, or None when another run already claimed it."""
    values = {
        "team_id": outgoing.team_id,
        "job": outgoing.job,
        "slot": outgoing.slot,
        "recipient": outgoing.recipient,
        "claimed_at": clock.now(),
        "channel_id": outgoing.channel,
    }
    key = ["team_id", "job", "slot", "recipient"]
    return insert_or_ignore(session, Delivery, values, returning="id", conflict_on=key)


def already_claimed(session: Session, outgoing: Outgoing) -> bool:
    found = session.exec(
        select(Delivery.id).where(
            col(Delivery.team_id) == outgoing.team_id,
            col(Delivery.job) == outgoing.job,
            col(Delivery.slot) == outgoing.slot,
            col(Delivery.recipient) == outgoing.recipient,
        )
    ).first()
    return found is not None


class Notifier:
    def __init__(
        self,
        client: WebClient,
        engine: Engine,
        gate: RateGate | None = None,
        workers: int = WORKERS,
    ) -> None:
        self._client = client
        self._engine = engine
        self._gate = gate or RateGate()
        self._workers = workers

    def deliver(self, outgoings: Sequence[Outgoing]) -> list[Outcome]:
        """Post each message once; in order per channel, channels side by side."""
        queues: OrderedDict[str, list[int]] = OrderedDict()
        for index, outgoing in enumerate(outgoings):
            queues.setdefault(outgoing.channel, []).append(index)
        outcomes: list[Outcome | None] = [None] * len(outgoings)

        def work(indexes: list[int]) -> None:
            for index in indexes:
                outcomes[index] = self._deliver_one(outgoings[index])

        if len(queues) <= 1:
            for indexes in queues.values():
                work(indexes)
        else:
            with ThreadPoolExecutor(min(self._workers, len(queues)), "vadesk-notify") as pool:
                list(pool.map(work, queues.values()))
        return [outcome for outcome in outcomes if outcome is not None]

    def _deliver_one(self, outgoing: Outgoing) -> Outcome:
        try:
            with session_scope(self._engine) as session:
                delivery_id = claim(session, outgoing)
                if delivery_id is None:
                    return Outcome(outgoing, "already posted")
                payload = outgoing.compose(session)
                if payload is None:
                    delivery = session.get_one(Delivery, delivery_id)
                    delivery.error = "nothing to post"
                    session.add(delivery)
                    return Outcome(outgoing, "nothing to post")
        except Exception as error:  # nothing was claimed: the next run tries again
            log_failure(
                logger, error, "could not prepare %s for %s", outgoing.job, outgoing.recipient
            )
            return Outcome(outgoing, "failed", f"not prepared: {error}")
        try:
            status, detail, channel, ts = self._post(outgoing, payload)
        except Exception as error:  # claimed, so not tried again (see the module text)
            log_failure(logger, error, "posting %s to %s failed", outgoing.job, outgoing.channel)
            status, detail, channel, ts = "failed", repr(error), outgoing.channel, None
        with session_scope(self._engine) as session:
            delivery = session.get_one(Delivery, delivery_id)
            delivery.channel_id = channel
            if status == "posted":
                delivery.posted_at = clock.now()
                delivery.message_ts = ts
                if outgoing.after_post is not None:
                    outgoing.after_post(session, channel, ts)
            else:
                delivery.error = detail[:1000]
            session.add(delivery)
        if status != "posted":
            logger.warning("%s for %s %s: %s", outgoing.job, outgoing.recipient, status, detail)
        return Outcome(outgoing, status, detail, ts)

    def _post(
        self, outgoing: Outgoing, payload: Message | FileUpload
    ) -> tuple[str, str, str, str | None]:
        """(status, detail, channel, ts) of one message, waiting out 429s (and a server
        error before a file is uploaded, which cannot have shared anything yet)."""
        server_errors = 0
        for _ in range(MAX_RATE_LIMITED_TRIES):
            self._gate.wait_turn(outgoing.channel)
            try:
                if isinstance(payload, FileUpload):
                    # A person's DM is named by their user id, which only `channels` takes.
                    to_person = outgoing.channel.startswith(("U", "W"))
                    self._client.files_upload_v2(
                        channel=None if to_person else outgoing.channel,
                        channels=[outgoing.channel] if to_person else None,
                        content=payload.content,
                        filename=payload.filename,
                        title=payload.title,
                        initial_comment=payload.comment,
                    )
                    return "posted", "", outgoing.channel, None
                answer = self._client.chat_postMessage(
                    channel=outgoing.channel,
                    text=payload.text,
                    blocks=payload.blocks,
                    thread_ts=payload.thread_ts,
                    unfurl_links=False,
                )
                return "posted", "", answer.get("channel") or outgoing.channel, answer.get("ts")
            except SlackApiError as error:
                if error.response.status_code == 429:
                    wait = float(error.response.headers.get("Retry-After", 1) or 1)
                    self._gate.hold(outgoing.channel, wait)
                    continue
                if _before_any_upload(error) and server_errors < UPLOAD_SERVER_ERROR_RETRIES:
                    server_errors += 1
                    self._gate.hold(outgoing.channel, float(server_errors))
                    continue
                return "failed", str(error.response.get("error")), outgoing.channel, None
            except SlackRequestError as error:  # the file upload itself was refused
                return "failed", str(error), outgoing.channel, None
            except OSError as error:
                # The call may have reached Slack: not sent again (see the module text).
                return "unconfirmed", f"no answer: {error}", outgoing.channel, None
        return "failed", "still rate limited after retries", outgoing.channel, None


def _before_any_upload(error: SlackApiError) -> bool:
    """A 5xx answer to asking for an upload URL: nothing was uploaded or shared."""
    status = error.response.status_code
    return status >= 500 and str(error.response.api_url).endswith("files.getUploadURLExternal")


class DryRun:
    """`vadesk job --dry-run`: what would be posted, to whom; nothing posted or kept."""

    def __init__(self, engine: Engine, out: TextIO) -> None:
        self._engine = engine
        self._out = out

    def deliver(self, outgoings: Sequence[Outgoing]) -> list[Outcome]:
        outcomes = []
        for outgoing in outgoings:
            with Session(self._engine) as session:  # rolled back on exit: nothing kept
                if already_claimed(session, outgoing):
                    outcomes.append(Outcome(outgoing, "already posted"))
                    continue
                payload = outgoing.compose(session)
                session.rollback()
                if payload is not None:
                    self._print(session, outgoing, payload)
            if payload is None:
                outcomes.append(Outcome(outgoing, "nothing to post"))
                continue
            outcomes.append(Outcome(outgoing, "would post"))
        return outcomes

    def _print(self, session: Session, outgoing: Outgoing, payload: Message | FileUpload) -> None:
        """The message as a person would read it: names, not `<@U…>` markup."""

        def name_of(user_id: str) -> str | None:
            user = session.get(User, (outgoing.team_id, user_id))
            return user.display_name if user else None

        to = (
            readable(f"<@{outgoing.channel}>", name_of)
            if outgoing.channel.startswith(("U", "W"))
            else outgoing.channel
        )
        head = f"-- {outgoing.job} to {to} (slot {outgoing.slot:%Y-%m-%d %H:%M} UTC)"
        print(head, file=self._out)
        if isinstance(payload, FileUpload):
            print(f"   file {payload.filename} ({len(payload.content)} bytes)", file=self._out)
            if payload.comment:
                print("   " + readable(payload.comment, name_of), file=self._out)
        else:
            for line in readable(payload.text, name_of).splitlines():
                print("   " + line, file=self._out)
