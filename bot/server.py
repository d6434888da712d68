"""HTTP mode: `POST /slack/events` into Bolt, `GET /healthz` and `GET /metrics`, served by
waitress."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy.engine import Engine
from waitress.server import create_server

from bot.observe import requests
from bot.observe.health import Health, SlackCheck
from bot.observe.metrics import CONTENT_TYPE, CountedWebClient, Metrics
from bot.shutdown import Drain, HttpIntake, serve_until_stopped

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"


def app_metrics(app: App) -> Metrics:
    """The registry the app's client counts into (`bot.app.build_app` gives it one)."""
    client = app.client
    return client.metrics if isinstance(client, CountedWebClient) else Metrics()


def make_wsgi_app(app: App, engine: Engine, health: Health | None = None) -> Callable:
    """The WSGI callable: Slack's endpoint, a health check, the metrics, 404 for anything
    else. Each Slack request is counted by kind and outcome, and its time to the answer
    observed, once Bolt has answered it."""
    slack_handler = SlackRequestHandler(app, path=EVENTS_PATH)
    if health is None:
        health = Health(engine, SlackCheck(app.client.token, app.client.base_url))

    metrics = app_metrics(app)

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        info, token = requests.begin()  # the request id of every line logged for it
        try:
            if environ.get("PATH_INFO") != EVENTS_PATH:
                return answer(environ, start_response)
            statuses: list[str] = []

            def note_status(status: str, headers: list, exc_info: object = None) -> Callable:
                statuses.append(status)
                return start_response(status, headers, exc_info)

            body = answer(environ, note_status)
            ok = bool(statuses) and statuses[-1].startswith("2")
            metrics.request_answered(
                info.kind or "unverified", ok, time.perf_counter() - info.arrived
            )
            return body
        finally:
            requests.end(token)

    def answer(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            healthy, report = health.report()
            body = json.dumps(report).encode()
            status = "200 OK" if healthy else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json")])
            return [body]
        if environ.get("PATH_INFO") == METRICS_PATH and environ.get("REQUEST_METHOD") == "GET":
            start_response("200 OK", [("Content-Type", CONTENT_TYPE)])
            return [metrics.render()]
        try:
            return slack_handler(environ, start_response)
        except Exception as error:  # Bolt dispatches safely; only reading the body raises
            logger.warning("request refused: malformed body (%s: %s)", type(error).__name__, error)
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"malformed request"]

    return wsgi


def serve(
    app: App,
    engine: Engine,
    host: str,
    port: int,
    threads: int,
    drain: Drain,
    on_listening: Callable[[], None] | None = None,
) -> bool:
    """Serve with waitress, a production WSGI server (not Bolt's development server),
    until SIGTERM or SIGINT, then finish the requests in progress; False if some had to
    be abandoned."""
    socket_map: dict = {}
    server = create_server(
        make_wsgi_app(app, engine),
        map=socket_map,
        host=host,
        port=port,
        threads=threads,
        ident="vadesk",
        channel_timeout=30,
        connection_limit=1000,
    )
    server.print_listen("Serving on http://{}:{}")
    if on_listening is not None:
        on_listening()
    return serve_until_stopped(HttpIntake(server, socket_map), drain)
