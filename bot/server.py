"""HTTP mode: `POST /slack/events` into Bolt and `GET /healthz`, served by waitress."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy.engine import Engine
from waitress.server import create_server

from bot.observe import requests
from bot.observe.health import Health, SlackCheck
from bot.shutdown import Drain, HttpIntake, serve_until_stopped

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def make_wsgi_app(app: App, engine: Engine, health: Health | None = None) -> Callable:
    """The WSGI callable: Slack's endpoint, a health check, 404 for anything else."""
    slack_handler = SlackRequestHandler(app, path=EVENTS_PATH)
    if health is None:
        health = Health(engine, SlackCheck(app.client.token, app.client.base_url))

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        _info, token = requests.begin()  # the request id of every line logged for it
        try:
            return answer(environ, start_response)
        finally:
            requests.end(token)

    def answer(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            healthy, report = health.report()
            body = json.dumps(report).encode()
            status = "200 OK" if healthy else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json")])
            return [body]
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
