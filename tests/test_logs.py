"""The log: JSON lines (LOG_FORMAT=json) naming the request each line belongs to, on the
thread that received it and on the listener thread that did its work, and no token,
secret or text a person typed in any line."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator

import pytest

from bot.observe.logs import JsonFormatter, Redact, install, secret_values
from bot.settings import load_settings
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM
from tests.vadesk_process import served_vadesk, vadesk_env

CALENDAR_URL = "https://calendar.example.com/private-5f2a9c/basic.ics?token=s3cr3t"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What the root logger writes, as LOG_FORMAT=json writes it, with the test's secrets."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    install(handler, "json", [SIGNING_SECRET, CALENDAR_URL])
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_line_logged_outside_a_request_is_json_without_request_fields(json_log):
    logging.getLogger("vadesk.test").warning("disk %s full", "/var")
    (line,) = lines(json_log)
    assert line["message"] == "disk /var full"
    assert line["level"] == "WARNING" and line["logger"] == "vadesk.test"
    assert line["time"].endswith("+00:00")
    assert "request_id" not in line and "team" not in line


def logged(stream: io.StringIO, part: str, count: int) -> list[dict]:
    """The lines whose message has `part`, once `count` of them are written (the fake
    records a call on arrival, before the app has logged what it answered)."""
    deadline = time.monotonic() + 10
    while True:
        found = [line for line in lines(stream) if part in line["message"]]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def test_the_listener_threads_lines_carry_the_request_that_caused_them(live_app, json_log):
    live_app.fake.fail_next("response_url", status=404, times=2)
    live_app.send_command("/timer", "start Quarterly filing for Mrs Lee", reply_to="gone")
    live_app.send_command("/timer", "status", user="U0VA2", reply_to="gone-too")
    first, second = logged(json_log, "refused: HTTP 404", 2)
    for line in (first, second):
        assert line["thread"].startswith("test-listener")  # not the thread that received it
        assert line["team"] == TEAM and line["kind"] == "/timer"
        assert len(line["request_id"]) == 16
    assert {first["user"], second["user"]} == {"U0VA1", "U0VA2"}
    assert first["request_id"] != second["request_id"]
    # Once the request is answered, this thread (and the next request) is in none.
    logging.getLogger("vadesk.test").warning("after")
    assert "request_id" not in logged(json_log, "after", 1)[0]
    # What the person typed is in no line.
    assert "Mrs Lee" not in json_log.getvalue()


def test_tokens_and_configured_secrets_are_masked_wherever_they_are(json_log):
    logger = logging.getLogger("vadesk.test")
    logger.warning("bot token %s and app token xapp-1-A0B-77-ffee", "xoxb-1234-5678-abcdef")
    logger.warning(f"signed with {SIGNING_SECRET}; feed {CALENDAR_URL} unreadable")
    logger.warning("answer at https://hooks.slack.com/commands/T0/123/abcDEF")
    try:
        raise RuntimeError(f"cannot read {CALENDAR_URL} with xoxp-9-9-9")
    except RuntimeError:
        logger.exception("refresh failed")
    text = json_log.getvalue()
    for secret in (
        "xoxb-1234",
        "xapp-1-A0B",
        SIGNING_SECRET,
        "private-5f2a9c",
        "s3cr3t",
        "abcDEF",
        "xoxp-9",
    ):
        assert secret not in text, secret
    first, second, third, fourth = lines(json_log)
    assert first["message"] == "bot token xoxb-[redacted] and app token xapp-[redacted]"
    assert second["message"] == "signed with [redacted]; feed [redacted] unreadable"
    assert third["message"] == "answer at https://hooks.slack.com/[redacted]"
    assert "RuntimeError: cannot read [redacted] with xoxp-[redacted]" in fourth["error"]


def test_the_secrets_to_mask_come_from_the_settings(tmp_path):
    config = tmp_path / "vadesk.toml"
    config.write_text(
        f'[calendars.shared.office]\nurl = "{CALENDAR_URL}"\ntitle = "Office"\n'
        f'[users.U0OWNER]\ncalendar = "https://outlook.example.com/owner-feed-77.ics"\n',
        encoding="utf-8",
    )
    settings = load_settings(
        {
            "VADESK_CONFIG": str(config),
            "DATABASE_URL": "postgresql+psycopg://vadesk:pg-pass-word@db/vadesk",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        },
        load_dotenv_file=False,
    )
    secrets = secret_values(settings)
    assert set(secrets) >= {
        BOT_TOKEN,
        SIGNING_SECRET,
        "pg-pass-word",
        CALENDAR_URL,
        "https://outlook.example.com/owner-feed-77.ics",
    }
    redact = Redact(secrets)
    assert redact.mask("db pg-pass-word down") == "db [redacted] down"


def test_a_record_whose_arguments_do_not_fit_is_still_masked(json_log):
    record = logging.LogRecord("vadesk", logging.WARNING, __file__, 1, "%s %s", ("xoxb-1-2",), None)
    Redact().filter(record)
    assert "xoxb-1-2" not in record.getMessage()
    assert JsonFormatter().format(record)


def test_vadesk_serve_logs_json_lines_when_asked(tmp_path, fake_slack):
    env = vadesk_env(
        f"sqlite:///{tmp_path / 'vadesk.db'}",
        SLACK_API_URL=fake_slack.base_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        LOG_FORMAT="json",
    )
    fake_slack.fail_next("response_url", status=404)
    with served_vadesk(env, tmp_path) as server:
        server.command(fake_slack, "/timer", "start Payroll for Mr Tan", "gone")
        server.command(fake_slack, "/timer", "status", "r2")
        output = server.output()
    parsed = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert any("VA Desk is serving" in line["message"] for line in parsed)
    (refused,) = [line for line in parsed if "refused: HTTP 404" in line["message"]]
    assert refused["kind"] == "/timer" and refused["team"] == TEAM
    assert BOT_TOKEN not in output and SIGNING_SECRET not in output
    assert "Mr Tan" not in output


def test_an_unknown_log_format_is_refused_naming_it():
    from bot.settings import ConfigError

    with pytest.raises(ConfigError) as caught:
        load_settings({"LOG_FORMAT": "yaml"}, load_dotenv_file=False)
    assert caught.value.key == "LOG_FORMAT" and "text or json" in caught.value.reason


def test_a_database_error_carries_no_value_a_person_typed(engine):
    import sqlalchemy as sa

    from bot.failure_log import summary

    with engine.connect() as connection, pytest.raises(sa.exc.SQLAlchemyError) as caught:
        connection.execute(
            sa.text("INSERT INTO no_such_table (title) VALUES (:title)"),
            {"title": "Payroll for Mr Tan"},
        )
    assert "Mr Tan" not in str(caught.value)
    assert "Mr Tan" not in summary(caught.value)
    assert "no_such_table" in str(caught.value)  # the statement itself is still named


def test_socket_mode_envelopes_each_get_a_request_id(tmp_path, engine, database_url):
    from urllib.parse import parse_qsl

    from tests.conftest import APP_TOKEN
    from tests.fakeslack import FakeSlack, slash_command_body
    from tests.fakesocket import FakeSocketModeServer
    from tests.vadesk_process import started_vadesk

    with FakeSocketModeServer() as socket_server, FakeSlack(socket_server=socket_server) as fake:
        env = vadesk_env(
            database_url,
            SLACK_API_URL=fake.base_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_APP_TOKEN=APP_TOKEN,
            LOG_FORMAT="json",
        )
        with started_vadesk("run", env=env, cwd=tmp_path) as app:
            app.wait_until(lambda: socket_server.connection_count, "a Socket Mode connection")
            fake.fail_next("response_url", status=404, times=2)
            for user, name in (("U0VA1", "one"), ("U0VA2", "two")):
                body = slash_command_body(
                    "/timer",
                    "status",
                    team_id=TEAM,
                    user_id=user,
                    response_url=fake.response_url(name),
                )
                socket_server.send_slash_command(dict(parse_qsl(body)))

            def refusals() -> list[dict]:
                parsed = [json.loads(line) for line in app.output().splitlines() if line.strip()]
                found = [line for line in parsed if "refused: HTTP 404" in line["message"]]
                return found if len(found) == 2 else []

            first, second = app.wait_until(refusals, "two refused replies in the log", 20)
    assert {first["user"], second["user"]} == {"U0VA1", "U0VA2"}
    assert first["kind"] == second["kind"] == "/timer" and first["team"] == TEAM
    assert first["request_id"] != second["request_id"]
