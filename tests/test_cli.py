"""The `vadesk` console script end to end: each test runs it as a subprocess."""

from __future__ import annotations

import contextlib
import json
import socket
from pathlib import Path

import pytest

from manifests import load_manifest
from tests.conftest import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET
from tests.fakeslack import DEFAULT_SCOPES, FakeSlack, signed_headers, slash_command_body
from tests.vadesk_process import (
    NOWHERE_API_URL,
    SCHEMA_DIR,
    child_signed_headers,
    machine_time,
    one_line,
    run_vadesk,
    served_vadesk,
    vadesk_env,
)


@pytest.mark.parametrize(
    ("command", "credentials", "missing"),
    [
        ("run", {"SLACK_APP_TOKEN": APP_TOKEN}, "SLACK_BOT_TOKEN"),
        ("run", {"SLACK_BOT_TOKEN": BOT_TOKEN}, "SLACK_APP_TOKEN"),
        ("serve", {"SLACK_BOT_TOKEN": BOT_TOKEN}, "SLACK_SIGNING_SECRET"),
        ("serve", {"SLACK_SIGNING_SECRET": SIGNING_SECRET}, "SLACK_BOT_TOKEN"),
    ],
)
def test_missing_credential_exits_2_with_one_line_naming_it(
    tmp_path: Path, command: str, credentials: dict[str, str], missing: str
):
    env = vadesk_env(
        f"sqlite:///{tmp_path / 'vadesk.db'}", SLACK_API_URL=NOWHERE_API_URL, **credentials
    )
    result = run_vadesk(command, env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    line = one_line(result.stderr)
    assert line.startswith(f"vadesk: {missing} is not set")
    assert "https://api.slack.com/apps" in line  # where to get it
    assert not (tmp_path / "vadesk.db").exists()  # refused before touching anything


def test_a_user_token_is_refused_as_bot_token(tmp_path: Path):
    env = vadesk_env(
        f"sqlite:///{tmp_path / 'vadesk.db'}",
        SLACK_API_URL=NOWHERE_API_URL,
        SLACK_BOT_TOKEN="xoxp-a-user-token",
        SLACK_APP_TOKEN=APP_TOKEN,
    )
    result = run_vadesk("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "SLACK_BOT_TOKEN" in line
    assert "xoxb-" in line
    assert "xoxp-" in line


def test_run_with_a_refused_app_token_says_which_token(tmp_path: Path, fake_slack):
    fake_slack.set_response("apps.connections.open", {"ok": False, "error": "invalid_auth"})
    env = vadesk_env(
        f"sqlite:///{tmp_path / 'vadesk.db'}",
        SLACK_API_URL=fake_slack.base_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN="xapp-revoked",
    )
    result = run_vadesk("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("vadesk: SLACK_APP_TOKEN was refused by Slack (invalid_auth)")


@pytest.mark.parametrize(
    ("command", "url", "message"),
    [
        ("migrate", "not a url", "DATABASE_URL is not a database VA Desk can use"),
        (
            "serve",
            "sqlite:////nonexistent-dir/vadesk.db",
            "cannot open the database (DATABASE_URL)",
        ),
    ],
)
def test_unusable_database_url_is_one_line(tmp_path: Path, url: str, message: str, command: str):
    env = vadesk_env(
        url,
        SLACK_API_URL=NOWHERE_API_URL,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
    )
    result = run_vadesk(command, env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"vadesk: {message}")


@pytest.mark.parametrize("port", ["99999", "0", "-1", "http"])
def test_serve_refuses_a_port_that_is_no_port(tmp_path: Path, port: str):
    env = vadesk_env(
        f"sqlite:///{tmp_path / 'vadesk.db'}",
        SLACK_API_URL=NOWHERE_API_URL,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
    )
    result = run_vadesk("serve", "--port", port, env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "argument --port" in result.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "vadesk.db").exists()


@pytest.mark.parametrize("command", ["run", "serve", "job daily-digest"])
def test_a_bot_token_slack_refuses_exits_2_naming_it(tmp_path: Path, fake_slack, command):
    fake_slack.set_response("auth.test", {"ok": False, "error": "invalid_auth"})
    env = vadesk_env(
        f"sqlite:///{tmp_path / 'vadesk.db'}",
        SLACK_API_URL=fake_slack.base_url,
        SLACK_BOT_TOKEN="xoxb-revoked",
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
    )
    result = run_vadesk(*command.split(), env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert one_line(result.stderr).startswith(
        "vadesk: SLACK_BOT_TOKEN was refused by Slack (invalid_auth)"
    )


@pytest.mark.parametrize("command", ["doctor", "run", "job daily-digest"])
def test_offline_commands_print_one_line_without_the_clients_retries(tmp_path: Path, command):
    env = vadesk_env(
        f"sqlite:///{tmp_path / 'vadesk.db'}",
        SLACK_API_URL=NOWHERE_API_URL,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
    )
    result = run_vadesk(*command.split(), env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "slack_sdk" not in result.stderr + result.stdout
    if command == "doctor":
        assert "FAIL  auth.test: cannot reach http://127.0.0.1:9/api/" in result.stdout
    else:
        assert one_line(result.stderr).startswith("vadesk: cannot connect to Slack at ")


def test_serve_on_a_taken_port_says_so(tmp_path: Path):
    env = vadesk_env(
        f"sqlite:///{tmp_path / 'vadesk.db'}",
        SLACK_API_URL=NOWHERE_API_URL,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_vadesk(
            "serve", "--host", "127.0.0.1", "--port", str(port), env=env, cwd=tmp_path
        )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"vadesk: cannot serve on 127.0.0.1:{port}: ")


# --------------------------------------------------------------------------- settings file


@pytest.mark.parametrize(
    ("settings_text", "expected"),
    [
        (
            "[sla]\nfirst_response_minutes = -3\n",
            "vadesk: vadesk.toml: sla.first_response_minutes: must be a positive integer, got -3",
        ),
        (
            '[templates.welcome]\ntext = "Hi {name}, this is {va}."\nowner = "U0OWNER"\n',
            "vadesk: vadesk.toml: templates.welcome.text: unknown placeholder {name}; "
            "use {client} {contact} {va} {task} {due}",
        ),
    ],
)
def test_invalid_settings_file_stops_start_up_naming_file_key_and_reason(
    tmp_path: Path, settings_text: str, expected: str
):
    (tmp_path / "vadesk.toml").write_text(settings_text)
    env = vadesk_env(
        f"sqlite:///{tmp_path / 'vadesk.db'}",
        SLACK_API_URL=NOWHERE_API_URL,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
    )
    result = run_vadesk("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result.stderr).startswith(expected)
    assert not (tmp_path / "vadesk.db").exists()


def test_settings_file_syntax_error_names_the_file_and_the_line(tmp_path: Path):
    config = tmp_path / "conf" / "settings.toml"
    config.parent.mkdir()
    config.write_text('[workspace]\ntimezone = "America/New_York"\n[sla\n')
    env = vadesk_env(f"sqlite:///{tmp_path / 'vadesk.db'}", VADESK_CONFIG=str(config))
    result = run_vadesk("migrate", env=env, cwd=tmp_path)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert str(config) in line
    assert "line 3" in line


def test_missing_settings_file_named_by_vadesk_config(tmp_path: Path):
    env = vadesk_env(f"sqlite:///{tmp_path / 'vadesk.db'}", VADESK_CONFIG="nope.toml")
    result = run_vadesk("migrate", env=env, cwd=tmp_path)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "VADESK_CONFIG" in line
    assert "'nope.toml' does not exist" in line


# --------------------------------------------------------------------------- manifest


def _validate_manifest(manifest: dict) -> None:
    import jsonschema

    major = manifest["_metadata"]["major_version"]
    schema_path = SCHEMA_DIR / f"manifest.schema.{major}.0.0.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = sorted(validator_class(schema).iter_errors(manifest), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_manifest_is_socket_mode_by_default_and_valid(tmp_path: Path):
    result = run_vadesk("manifest", env=vadesk_env(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    manifest = json.loads(result.stdout)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert {c["command"] for c in manifest["features"]["slash_commands"]} >= {"/task", "/timer"}
    assert "request_url" not in manifest["settings"]["interactivity"]
    _validate_manifest(manifest)


def test_manifest_for_http_mode_points_everything_at_the_url(tmp_path: Path):
    url = "https://x.example/slack/events"
    result = run_vadesk("manifest", "--http-url", url, env=vadesk_env(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    manifest = json.loads(result.stdout)
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False
    assert settings["interactivity"] == {"is_enabled": True, "request_url": url}
    assert settings["event_subscriptions"]["request_url"] == url
    commands = manifest["features"]["slash_commands"]
    assert commands
    assert all(command["url"] == url for command in commands)
    # Same scopes and events as the Socket Mode manifest: only the transport changes.
    socket_manifest = load_manifest()
    assert manifest["oauth_config"] == socket_manifest["oauth_config"]
    assert (
        settings["event_subscriptions"]["bot_events"]
        == socket_manifest["settings"]["event_subscriptions"]["bot_events"]
    )
    _validate_manifest(manifest)


@pytest.mark.parametrize("url", ["not-a-url", "ftp://x.example/slack/events", "https://"])
def test_manifest_refuses_a_bad_url(tmp_path: Path, url: str):
    result = run_vadesk("manifest", "--http-url", url, env=vadesk_env(), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    line = one_line(result.stderr)
    assert "--http-url" in line
    assert url in line


def test_manifest_piped_into_a_reader_that_stops_early_ends_quietly(tmp_path: Path):
    """`vadesk manifest | head -1`: the reader closes the pipe before VA Desk writes."""
    import subprocess

    from tests.vadesk_process import vadesk_argv

    process = subprocess.Popen(
        vadesk_argv("manifest"),
        env=vadesk_env(),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=30) == 0
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr


# --------------------------------------------------------------------------- migrate


def test_migrate_then_up_to_date(tmp_path: Path):
    database = tmp_path / "fresh.db"
    env = vadesk_env(f"sqlite:///{database}")
    first = run_vadesk("migrate", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Migrated the database from empty to revision ")
    assert database.is_file()
    second = run_vadesk("migrate", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "up to date" in second.stdout
    revision = first.stdout.strip().rsplit(" ", 1)[-1].rstrip(".")
    assert f"(revision {revision})" in second.stdout


# --------------------------------------------------------------------------- doctor


def _doctor_env(database_url: str, fake: FakeSlack | None, **tokens: str) -> dict[str, str]:
    return vadesk_env(
        database_url, SLACK_API_URL=fake.base_url if fake else NOWHERE_API_URL, **tokens
    )


ALL_TOKENS = {
    "SLACK_BOT_TOKEN": BOT_TOKEN,
    "SLACK_APP_TOKEN": APP_TOKEN,
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
}


def test_doctor_passes_against_a_healthy_workspace(tmp_path, engine, database_url, fake_slack):
    env = _doctor_env(database_url, fake_slack, **ALL_TOKENS)
    result = run_vadesk("doctor", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for name in (
        "config",
        "database",
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "auth.test",
        "scopes",
    ):
        assert any(line.startswith(f"ok    {name}: ") for line in lines), result.stdout
    assert "bot vadesk in workspace Fake Team" in result.stdout
    assert lines[-1] == "All checks passed."
    assert "FAIL" not in result.stdout


def test_doctor_reads_credentials_from_dotenv(tmp_path, engine, database_url, fake_slack):
    """`.env` in the working directory fills in what the environment does not set."""
    lines = [f"{name}={value}" for name, value in ALL_TOKENS.items()]
    lines += [f"SLACK_API_URL={fake_slack.base_url}", f"DATABASE_URL={database_url}"]
    (tmp_path / ".env").write_text("\n".join(lines) + "\n")
    (tmp_path / ".env").chmod(0o600)  # doctor fails a .env everyone may read
    result = run_vadesk("doctor", env=vadesk_env(), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed." in result.stdout


def test_doctor_names_a_missing_scope(tmp_path, engine, database_url, fake_slack):
    fake_slack.scopes = ",".join(s for s in DEFAULT_SCOPES.split(",") if s != "users:read")
    env = _doctor_env(database_url, fake_slack, **ALL_TOKENS)
    result = run_vadesk("doctor", env=env, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    (scope_line,) = [line for line in result.stdout.splitlines() if "scopes:" in line]
    assert scope_line.startswith("FAIL  scopes: missing users:read")
    assert "reinstall" in scope_line
    assert "1 check(s) failed." in result.stdout


def test_doctor_reports_a_refused_token(tmp_path, engine, database_url, fake_slack):
    fake_slack.fail_next("auth.test", error="invalid_auth")
    env = _doctor_env(database_url, fake_slack, **ALL_TOKENS)
    result = run_vadesk("doctor", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "FAIL  auth.test: Slack refused the bot token: invalid_auth" in result.stdout


def test_doctor_without_tokens_names_each_missing_one(tmp_path, engine, database_url):
    result = run_vadesk("doctor", env=_doctor_env(database_url, None), cwd=tmp_path)
    assert result.returncode == 1
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert [line.split(":")[0] for line in failed] == [
        "FAIL  SLACK_BOT_TOKEN",
        "FAIL  SLACK_APP_TOKEN",
        "FAIL  SLACK_SIGNING_SECRET",
    ]
    assert all("is not set" in line for line in failed)
    assert "auth.test" not in result.stdout  # no point asking Slack without a token
    assert "Traceback" not in result.stderr


def test_doctor_says_an_unmigrated_database_needs_migrate(tmp_path, fake_slack):
    env = _doctor_env(f"sqlite:///{tmp_path / 'new.db'}", fake_slack, **ALL_TOKENS)
    result = run_vadesk("doctor", env=env, cwd=tmp_path)
    assert result.returncode == 1
    (line,) = [line for line in result.stdout.splitlines() if "database:" in line]
    assert line.startswith("FAIL  database:")
    assert "vadesk migrate" in line


def test_serve_answers_healthz_and_refuses_unsigned_requests(
    tmp_path, engine, database_url, fake_slack
):
    env = vadesk_env(
        database_url,
        SLACK_API_URL=fake_slack.base_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
    )
    with served_vadesk(env, tmp_path) as server:
        status, health = server.get("/healthz")
        assert status == 200
        assert health["ok"] is True
        assert health["database"]["ok"] is True
        assert health["database"]["revision"] == health["database"]["head"]

        body = slash_command_body("/timer", "help", response_url=fake_slack.response_url("h"))
        forged = signed_headers("not-the-signing-secret", body)
        assert server.post(body, forged)[0] == 401
        stale = child_signed_headers(body, timestamp=int(machine_time()) - 600)
        assert server.post(body, stale)[0] == 401
        assert fake_slack.calls("response_url") == []  # nothing was answered

        # The same request, properly signed, is served: the 401s were the signature.
        reply = server.command(fake_slack, "/timer", "help", "help")
        assert "/timer start" in reply["text"]

        status, _ = server.get("/nothing-here")
        assert status == 404


def test_serve_reports_unhealthy_database_as_503(tmp_path, fake_slack):
    """A server whose database was dropped under it says so on /healthz."""
    database = tmp_path / "gone.db"
    env = vadesk_env(
        f"sqlite:///{database}",
        SLACK_API_URL=fake_slack.base_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
    )
    with served_vadesk(env, tmp_path) as server:
        import sqlite3

        with contextlib.closing(sqlite3.connect(database)) as connection:
            connection.execute("DROP TABLE alembic_version")
            connection.commit()
        status, health = server.get("/healthz")
        assert status == 503
        assert health["ok"] is False
        assert health["database"]["ok"] is False


def test_doctor_names_the_client_channels_the_app_cannot_see(
    tmp_path, engine, database_url, fake_slack
):
    (tmp_path / "vadesk.toml").write_text(
        '[clients.acme]\nname = "Acme"\nchannel = "C0ACME"\n'
        '[clients.globex]\nname = "Globex"\nchannel = "C0GLOBEX"\n'
        '[clients.initech]\nname = "Initech"\nchannel = "G0INITECH"\n',
        encoding="utf-8",
    )
    fake_slack.left.add("C0GLOBEX")
    fake_slack.unknown_channels.add("G0INITECH")
    result = run_vadesk(
        "doctor", env=_doctor_env(database_url, fake_slack, **ALL_TOKENS), cwd=tmp_path
    )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "ok    client acme: watching #c0acme (C0ACME)" in lines
    assert any(
        line.startswith("FAIL  client globex: the app is not in #c0globex (C0GLOBEX): invite it")
        for line in lines
    )
    assert any(line.startswith("FAIL  client initech: G0INITECH not found") for line in lines)
    assert lines[-1] == "2 check(s) failed."
