"""The Slack request a thread is working for: an id made when the request arrives, and the
team, user and kind of request once Bolt has read it, in a context variable that the
listener threads inherit (`CarryContext`), so their log lines name the same request."""

from __future__ import annotations

import contextvars
import secrets
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

# How much of a command, action, view or event name a log line or metric label carries.
KIND_LIMIT = 80


@dataclass(slots=True)
class RequestInfo:
    id: str = field(default_factory=lambda: secrets.token_hex(8))
    arrived: float = field(default_factory=time.perf_counter)
    team: str | None = None
    user: str | None = None
    kind: str | None = None


_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar(
    "vadesk_request", default=None
)


def current() -> RequestInfo | None:
    return _current.get()


def begin() -> tuple[RequestInfo, contextvars.Token[RequestInfo | None]]:
    """A request has arrived (HTTP): its id, until `end` with the token."""
    info = RequestInfo()
    return info, _current.set(info)


def end(token: contextvars.Token[RequestInfo | None]) -> None:
    _current.reset(token)


def describe(team: str | None, user: str | None, body: dict[str, Any]) -> RequestInfo:
    """Bolt has read the request: who sent it and what kind it is. A request that did not
    come through `begin` (a Socket Mode envelope) gets its id here."""
    info = _current.get()
    if info is None or info.kind is not None:
        info = RequestInfo()
        _current.set(info)
    info.team, info.user, info.kind = team, user, kind_of(body)
    return info


def kind_of(body: Any) -> str:
    """A request named as an operator looks for it: `/timer`, `block_actions timer_stop`,
    `view_submission task_add`, `event_callback message`; never text a person typed, and
    whatever shape the body has (it is named before it is checked)."""
    if not isinstance(body, dict):
        return "request"
    if isinstance(body.get("command"), str):
        return body["command"][:KIND_LIMIT]
    given = body.get("type")
    kind = given if isinstance(given, str) else "request"
    detail: Any = None
    if kind == "block_actions":
        actions = body.get("actions")
        first = actions[0] if isinstance(actions, list) and actions else None
        detail = first.get("action_id") if isinstance(first, dict) else None
    elif kind in ("view_submission", "view_closed"):
        view = body.get("view")
        detail = view.get("callback_id") if isinstance(view, dict) else None
    elif kind == "event_callback":
        event = body.get("event")
        detail = event.get("type") if isinstance(event, dict) else None
    elif kind in ("shortcut", "message_action"):
        detail = body.get("callback_id")
    elif kind == "block_suggestion":
        detail = body.get("action_id")
    return (f"{kind} {detail}" if isinstance(detail, str) else kind)[:KIND_LIMIT]


class CarryContext(Executor):
    """An executor that runs each task in a copy of the submitting thread's context, so
    what Bolt runs after `ack()` logs under the request it belongs to."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        return self.inner.submit(contextvars.copy_context().run, fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.inner.shutdown(wait, cancel_futures=cancel_futures)
