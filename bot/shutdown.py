"""Stopping `vadesk serve` and `vadesk run` without losing a reply.

A deploy or `systemctl restart` sends SIGTERM (Ctrl-C sends SIGINT). Either one stops
intake, then waits, up to a deadline, for the work already in progress: HTTP requests
being answered or Socket Mode envelopes being acknowledged, what Bolt runs after `ack()`
on its listener threads (replies to response URLs, Web API calls), and the App Home
updates that work queued. Past the deadline the process says what it abandons and
leaves anyway: the supervisor's kill is coming. A second signal ends it at once.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from queue import SimpleQueue
from typing import Any, NoReturn, Protocol, TypeVar

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from sqlalchemy.engine import Engine
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, MultiSocketServer

from bot.app import LISTENER_THREADS, build_app
from bot.scheduling.scheduler import Scheduler
from bot.settings import Settings
from bot.slack.desk import Desk
from bot.slack.home_publisher import HomePublisher

logger = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# A drain that gave up: some reply may be lost, so the supervisor should hear of it.
EXIT_ABANDONED = 1
# SocketModeHandler's own default number of threads dispatching envelopes.
ENVELOPE_THREADS = 10
# How long one wait of the HTTP drain may block before the deadline is looked at again.
POLL_SECONDS = 1.0

T = TypeVar("T")


class DrainablePool(ThreadPoolExecutor):
    """A thread pool that counts the work it was given, so a shutdown can wait for that
    work with a deadline (`ThreadPoolExecutor.shutdown(wait=True)` has none)."""

    def __init__(self, max_workers: int, thread_name_prefix: str) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._unfinished = 0
        self._changed = threading.Condition()

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        with self._changed:
            self._unfinished += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished()
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future: Future | None = None) -> None:
        with self._changed:
            self._unfinished -= 1
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> int:
        """Wait for every submitted task to finish; how many still have not."""
        with self._changed:
            self._changed.wait_for(lambda: not self._unfinished, timeout)
            return self._unfinished


class Deadline:
    def __init__(self, seconds: float) -> None:
        self._at = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self._at - time.monotonic())


class StopSignals:
    """SIGTERM or SIGINT asks for a drain; a second one ends the process at once.

    The handler only puts to a SimpleQueue (safe in a signal handler, where taking a
    lock the interrupted code holds would deadlock) and calls `wake`, which must be
    as safe: a write to a pipe."""

    def __init__(self, wake: Callable[[], None] | None) -> None:
        self._received: SimpleQueue[int] = SimpleQueue()
        self._wake = wake
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame: object) -> None:
        for other in STOP_SIGNALS:
            signal.signal(other, signal.SIG_DFL)
        self._received.put(signum)
        if self._wake is not None:
            self._wake()

    @property
    def requested(self) -> bool:
        return not self._received.empty()

    def wait(self) -> str:
        """Block until a stop signal arrives; its name."""
        signum = self._received.get()
        self._received.put(signum)  # put back: `requested` stays true, `wait` answers again
        return signal.Signals(signum).name


class Intake(Protocol):
    """Where requests come in: served until a stop signal, then stopped gently."""

    unit: str  # what one unfinished piece of intake is called in the log

    @property
    def wake(self) -> Callable[[], None] | None: ...  # called from the signal handler
    def serve(self, stop: StopSignals) -> None: ...
    def stop_accepting(self) -> None: ...
    def wait(self, deadline: Deadline) -> int: ...
    def close(self) -> None: ...


class HttpIntake:
    """waitress, stopped gently: its listening sockets close, so new connections are
    refused; a connection with a request (or part of one, or an answer still being
    written) is served to the end; idle keep-alive connections are closed.

    The loop is run here rather than by `server.run()`, whose only way out drops the
    requests being served."""

    unit = "HTTP request(s)"

    def __init__(self, server: BaseWSGIServer | MultiSocketServer, socket_map: dict) -> None:
        self._adj = server.adj
        self._dispatcher = server.task_dispatcher
        self._map = socket_map
        self._listeners = [d for d in socket_map.values() if isinstance(d, BaseWSGIServer)]
        self.wake = self._listeners[0].pull_trigger

    def _poll(self, timeout: float) -> None:
        wasyncore.loop(timeout, use_poll=self._adj.asyncore_use_poll, map=self._map, count=1)

    def serve(self, stop: StopSignals) -> None:
        while not stop.requested:
            self._poll(self._adj.asyncore_loop_timeout)

    def stop_accepting(self) -> None:
        for listener in self._listeners:
            # The listening socket only: BaseWSGIServer.close() would also close the
            # trigger the worker threads pull when an answer is ready to be written.
            wasyncore.dispatcher.close(listener)

    def wait(self, deadline: Deadline) -> int:
        while True:
            channels = [c for c in self._map.values() if isinstance(c, HTTPChannel)]
            busy = [
                c for c in channels if c.requests or c.request is not None or c.total_outbufs_len
            ]
            for channel in channels:
                channel.will_close = channel.will_close or channel not in busy
            if not channels or not deadline.left():
                break
            self._poll(min(deadline.left(), POLL_SECONDS))
        if busy:
            return len(busy)
        # A worker may still run the app for a client that went away; it may hand Bolt
        # listener work yet. Nothing is queued: every connection is closed.
        # waitress adds the timeout to time.time(), so seconds with a fraction do; its stubs
        # say int.
        self._dispatcher.shutdown(cancel_pending=False, timeout=deadline.left())  # type: ignore[arg-type]
        return len(self._dispatcher.threads)

    def close(self) -> None:
        wasyncore.close_all(self._map)


class SocketModeIntake:
    """Bolt's SocketModeHandler, stopped gently: nothing more is read from the
    connection, which stays open until the envelopes already received are dispatched
    and acknowledged, then closes."""

    unit = "Socket Mode envelope(s)"
    wake = None  # `serve` blocks on the signal itself

    def __init__(self, handler: SocketModeHandler) -> None:
        self.handler = handler
        client = handler.client
        # Counted, so the envelopes being dispatched can be waited for with a deadline.
        client.message_workers.shutdown()
        self._workers = DrainablePool(ENVELOPE_THREADS, "vadesk-envelope")
        client.message_workers = self._workers

    def serve(self, stop: StopSignals) -> None:
        stop.wait()

    def stop_accepting(self) -> None:
        """The steps of `client.close()` that stop reading, without closing the socket."""
        client = self.handler.client
        client.auto_reconnect_enabled = False
        client.current_app_monitor.event.set()
        client.current_session_runner.event.set()
        client.current_session_state.terminated = True
        if client.current_session is not None:
            # The pong wakes the reader from a recv() that would otherwise wait 3 s.
            with suppress(OSError):
                client.current_session.ping("vadesk-shutdown")

    def wait(self, deadline: Deadline) -> int:
        client = self.handler.client
        client.current_session_runner.thread.join(deadline.left())
        # The queue's consumer stops after the message in hand, and wakes from its get() now.
        client.closed = True
        client.message_processor.event.set()
        client.message_queue.put(None)
        client.message_processor.thread.join(deadline.left())
        while not client.message_queue.empty():
            client.process_message()  # what it left, handed to the workers
        return self._workers.wait_idle(deadline.left())

    def close(self) -> None:
        self.handler.close()


@dataclass
class Drain:
    """The work that outlives intake: Bolt's listener threads and the App Home publisher."""

    listeners: DrainablePool
    homes: HomePublisher | None
    seconds: float
    scheduler: Scheduler | None = None

    def run(self, intake: Intake, signal_name: str) -> bool:
        """Stop intake and finish what is in progress; False if some was abandoned."""
        deadline = Deadline(self.seconds)
        intake.stop_accepting()
        logger.info(
            "%s received: accepting no new requests, finishing those in progress (at most %g s)",
            signal_name,
            self.seconds,
        )
        abandoned = []
        if self.scheduler is not None and not self.scheduler.stop(deadline.left()):
            abandoned.append("a scheduler tick")
        if unfinished := intake.wait(deadline):
            abandoned.append(f"{unfinished} {intake.unit}")
        if unfinished := self.listeners.wait_idle(deadline.left()):
            abandoned.append(f"{unfinished} listener task(s) after ack()")
        if self.homes is not None and not self.homes.wait_idle(deadline.left()):
            abandoned.append("App Home updates")
        if abandoned:
            logger.warning("Stopping after %g s; abandoned %s", self.seconds, ", ".join(abandoned))
            return False
        if self.homes is not None:
            self.homes.close(deadline.left())
        intake.close()
        logger.info("Every request in progress is finished; stopped")
        return True


def drainable_app(
    settings: Settings, engine: Engine, seconds: float, *, process_before_response: bool = False
) -> tuple[App, Drain]:
    """The Bolt app on a listener pool a shutdown can wait for, and the drain that waits
    (for the scheduler too, once `start_scheduler` gave it one)."""
    listeners = DrainablePool(LISTENER_THREADS, "vadesk-listener")
    desk = Desk(settings, engine)
    app = build_app(
        settings,
        engine,
        process_before_response=process_before_response,
        listener_executor=listeners,
        desk=desk,
    )
    return app, Drain(listeners, desk.homes, seconds)


def serve_until_stopped(intake: Intake, drain: Drain) -> bool:
    """Serve until SIGTERM or SIGINT, then drain; False if work was abandoned."""
    stop = StopSignals(intake.wake)
    intake.serve(stop)
    return drain.run(intake, stop.wait())


def exit_abandoned() -> NoReturn:
    """Leave now: the interpreter's own exit would wait for every thread of a
    ThreadPoolExecutor, and some are stuck in the work being abandoned."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_ABANDONED)
