"""The baseline for `ack_bench`: a do-nothing Bolt slash command behind waitress.

Run as its own process (`python bench/noop_app.py --port P`), so it pays the same
process, WSGI and Bolt costs as `vadesk serve` and nothing else. The signing secret
and the Web API URL come from SLACK_SIGNING_SECRET and SLACK_API_URL.
"""

from __future__ import annotations

import argparse
import logging
import os

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

EVENTS_PATH = "/slack/events"


def build_noop_app(signing_secret: str, api_url: str, process_before_response: bool) -> App:
    """A Bolt app whose listeners acknowledge `/noop` and message events, nothing else."""
    app = App(
        client=WebClient(token="xoxb-bench", base_url=api_url),
        signing_secret=signing_secret,
        process_before_response=process_before_response,
        token_verification_enabled=False,
    )

    @app.command("/noop")
    def noop(ack: Ack) -> None:
        ack()

    @app.event("message")
    def noop_message() -> None:
        """Events are acknowledged by Bolt before the listener runs; it does nothing."""

    return app


def main() -> None:
    from waitress import serve

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--process-before-response", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = build_noop_app(
        os.environ["SLACK_SIGNING_SECRET"],
        os.environ["SLACK_API_URL"],
        args.process_before_response,
    )
    # The same waitress settings as bot.server.serve.
    serve(
        SlackRequestHandler(app, path=EVENTS_PATH),
        host=args.host,
        port=args.port,
        threads=args.threads,
        ident="noop",
        channel_timeout=30,
        connection_limit=1000,
    )


if __name__ == "__main__":
    main()
