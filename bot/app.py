"""Build the Bolt app: credentials, the shared WebClient, middleware and listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.listener_matcher import CustomListenerMatcher, ListenerMatcher
from slack_bolt.listener_matcher.builtins import BuiltinListenerMatcher
from slack_bolt.middleware import Middleware
from slack_bolt.request.payload_utils import to_event
from sqlalchemy.engine import Engine

from bot.observe.metrics import Metrics
from bot.observe.requests import CarryContext, describe
from bot.settings import Settings
from bot.slack.desk import Desk
from bot.slack.home_publisher import HomePublisher
from bot.slack.web_client import make_web_client
from handlers import register_listeners
from handlers.failures import answer_failure, handle_unexpected_error
from handlers.home import render_home
from handlers.payload import MalformedPayload, scrub, unroutable
from handlers.workspaces import OtherWorkspaces

logger = logging.getLogger(__name__)

# Work after ack() runs on these threads. Bolt's own default of 5 measured best in
# bench/ack_bench.py: with 8 or 16, threads contend for the GIL and the SQLite writer
# and throughput falls by a third.
LISTENER_THREADS = 5


def build_app(
    settings: Settings,
    engine: Engine,
    *,
    process_before_response: bool = False,
    listener_executor: Executor | None = None,
    desk: Desk | None = None,
    metrics: Metrics | None = None,
) -> App:
    """One Bolt app for Socket Mode and HTTP alike. Its client counts into `metrics` (a
    new registry when not given), where `bot.server` counts the requests too."""
    desk = desk or Desk(settings, engine)
    app = App(
        logger=_quiet_bolt_logger(),
        listener_executor=CarryContext(listener_executor or _listener_pool()),
        client=make_web_client(settings.bot_token, settings.slack_api_url, metrics or Metrics()),
        signing_secret=settings.signing_secret or "",
        process_before_response=process_before_response,
        token_verification_enabled=False,
        request_verification_enabled=bool(settings.signing_secret),
    )

    app.middleware(DeskMiddleware(desk))
    app.error(handle_unexpected_error)
    register_listeners(app)
    direct_matchers(app)
    desk.homes = HomePublisher(
        app.client, lambda team_id, user_id: render_home(desk, app.client, team_id, user_id)
    )
    return app


class DeskMiddleware(Middleware):
    """Hands the desk to every listener and scrubs text both databases can store; a
    request for a workspace VA Desk is not installed in is answered here and goes no
    further (`handlers.workspaces`).

    Events are acknowledged without touching the database: a listener that must not
    act twice on an event Slack delivers again checks `handlers.common.first_time`
    when it runs (client-channel messages are counted once by their ts instead).

    A plain Middleware subclass: Bolt calls it directly, without the argument
    injection a function middleware costs on every request."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.other_workspaces = OtherWorkspaces()

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        req.context["desk"] = self.desk
        describe(req.context.team_id, req.context.user_id, req.body)  # for the log lines
        body = scrub(req.body)
        elsewhere = self.other_workspaces.answer(req, body)
        if elsewhere is not None:
            return elsewhere
        problem = unroutable(body)
        if problem is not None:
            answer_failure(MalformedPayload(problem), body, req.context.client, self.desk)
            return BoltResponse(status=400, body="")
        return next()


def _listener_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="vadesk-listener")


class BodyMatcher(ListenerMatcher):
    """A listener's matcher called with the request's body (or its event) alone.

    Bolt asks each registered listener in turn whether a request is for it, and each of
    its matchers builds every argument a listener could ask for (say, respond, the
    payload's parts…) to hand it one: with VA Desk's listeners that was an eighth of the
    server's CPU on client messages in a profile under bench/chat_bench.py."""

    def __init__(self, func: Callable[..., Any], event: bool = False) -> None:
        self.func = func
        self.event = event

    def matches(self, req: BoltRequest, resp: BoltResponse) -> bool:
        return bool(self.func(to_event(req.body) if self.event else req.body))


def direct_matchers(app: App) -> None:
    """Swap each matcher that takes only `body` (Bolt's own: the command, action, view
    or event it listens for) or only `event` (VA Desk's) for a BodyMatcher; any other
    is kept as it is."""
    for listener in app._listeners:  # Bolt keeps them there; tests check it still does
        listener.matchers = [_direct(matcher) for matcher in listener.matchers]


def _direct(matcher: ListenerMatcher) -> ListenerMatcher:
    if not isinstance(matcher, BuiltinListenerMatcher | CustomListenerMatcher):
        return matcher
    if list(matcher.arg_names) == ["body"]:
        return BodyMatcher(matcher.func)
    if list(matcher.arg_names) == ["event"]:
        return BodyMatcher(matcher.func, event=True)
    return matcher


class _SkipTokenNotice(logging.Filter):
    """Bolt notes that SLACK_BOT_TOKEN is unused when a client is given; that is intended."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _quiet_bolt_logger() -> logging.Logger:
    bolt_logger = logging.getLogger("vadesk.bolt")
    if not any(isinstance(f, _SkipTokenNotice) for f in bolt_logger.filters):
        bolt_logger.addFilter(_SkipTokenNotice())
    return bolt_logger
