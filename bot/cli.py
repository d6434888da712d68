"""The `vadesk` command: run, serve, scheduler, job, migrate, manifest, doctor, config,
export, import, backup, restore."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import clock
from bot.cli_backup import add_arguments as add_backup
from bot.cli_database import database_engine as _engine
from bot.cli_database import reachable_database as _reachable_database
from bot.cli_database import ready_engine as _ready_engine
from bot.contacts_io import add_arguments as add_contacts_io
from bot.invoice_export import add_arguments as add_invoice_export
from bot.observe.logs import configure_logging, secret_values
from bot.services.errors import VADeskError
from bot.settings import ConfigError, MissingCredential, Settings, load_settings

EXIT_USAGE = 2
DEFAULT_PORT = 3000
# On SIGTERM, how long `run` and `serve` may take to finish the requests in progress:
# inside Kubernetes' 30 s grace period and systemd's 90 s stop timeout.
DRAIN_SECONDS = 25.0


def _sync_clients(settings: Settings, engine, team_id: str | None) -> None:
    """The `[clients]` of the settings are rows of the workspace from the start, so the
    first task made in a client's channel is that client's: the token's workspace, else
    the one the database knows."""
    from bot.services.people import ensure_workspace, only_known_workspace
    from store.db import session_scope

    with _reachable_database(), session_scope(engine) as session:
        team = team_id or only_known_workspace(session)
        if team:
            ensure_workspace(session, settings, team)


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    from bot.shutdown import SocketModeIntake, drainable_app, serve_until_stopped
    from bot.slack.web_client import check_bot_token

    settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    team_id = check_bot_token(settings, unreachable_is_fatal=True)
    engine = _ready_engine(settings)
    _sync_clients(settings, engine, team_id)
    app, drain = drainable_app(settings, engine, args.drain_timeout)
    intake = SocketModeIntake(SocketModeHandler(app, app_token=settings.app_token))
    try:
        intake.handler.connect()
    except SlackApiError as error:
        problem = f"was refused by Slack ({error.response.get('error')})"
        raise MissingCredential("SLACK_APP_TOKEN", problem) from None
    except OSError as error:
        raise VADeskError(f"cannot connect to Slack at {settings.slack_api_url}: {error}") from None
    _start_scheduler(settings, engine, app, drain, args)
    logging.getLogger("vadesk").info("VA Desk is running in Socket Mode")
    return _exit_code(serve_until_stopped(intake, drain))


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.server import serve
    from bot.shutdown import drainable_app
    from bot.slack.web_client import check_bot_token

    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    team_id = check_bot_token(settings, unreachable_is_fatal=False)
    engine = _ready_engine(settings)
    _sync_clients(settings, engine, team_id)
    app, drain = drainable_app(settings, engine, args.drain_timeout)
    logging.getLogger("vadesk").info(
        "VA Desk is serving POST /slack/events and GET /healthz on %s:%s", args.host, args.port
    )
    try:
        finished = serve(
            app,
            engine,
            args.host,
            args.port,
            args.threads,
            drain,
            on_listening=lambda: _start_scheduler(settings, engine, app, drain, args),
        )
    except OSError as error:
        reason = error.strerror or error
        raise VADeskError(f"cannot serve on {args.host}:{args.port}: {reason}") from None
    return _exit_code(finished)


def _start_scheduler(settings: Settings, engine, app, drain, args: argparse.Namespace) -> None:
    """Scheduled jobs in this process too, unless --no-scheduler; the drain stops them."""
    from bot.scheduling.scheduler import start_scheduler
    from bot.server import app_metrics

    if not args.no_scheduler:
        drain.scheduler = start_scheduler(settings, engine, app.client, app_metrics(app))


def cmd_scheduler(settings: Settings, args: argparse.Namespace) -> int:
    from bot.scheduling.scheduler import start_scheduler
    from bot.shutdown import StopSignals
    from bot.slack.web_client import check_bot_token, make_web_client

    settings.require("SLACK_BOT_TOKEN")
    team_id = check_bot_token(settings, unreachable_is_fatal=False)
    engine = _ready_engine(settings)
    _sync_clients(settings, engine, team_id)
    stop = StopSignals(None)
    scheduler = start_scheduler(
        settings, engine, make_web_client(settings.bot_token, settings.slack_api_url)
    )
    signal_name = stop.wait()
    logging.getLogger("vadesk").info("%s received: finishing the scheduler's tick", signal_name)
    return 0 if scheduler.stop(args.drain_timeout) else _exit_code(False)


def cmd_job(settings: Settings, args: argparse.Namespace) -> int:
    from bot.scheduling.job_command import print_upcoming, run_by_hand, scheduler_for, sender_for
    from bot.scheduling.scheduler import UnknownJob, all_jobs
    from bot.slack.web_client import check_bot_token

    if args.now:
        try:
            clock.set_now(args.now)
        except ValueError:
            raise VADeskError(f"--now {args.now!r} is not an ISO 8601 instant") from None
    listing = args.list or not args.name
    jobs = all_jobs(settings)
    if not listing and args.name not in jobs:
        raise VADeskError(str(UnknownJob(args.name, list(jobs))))
    team_id = None
    if not (args.dry_run or listing):
        settings.require("SLACK_BOT_TOKEN")
        team_id = check_bot_token(settings, unreachable_is_fatal=True)
    engine = _ready_engine(settings)
    now = clock.now()
    scheduler, team = scheduler_for(settings, engine, team_id)
    _sync_clients(settings, engine, team)
    if listing:
        print_upcoming(scheduler, now)
        return 0
    sender = sender_for(settings, engine, dry_run=args.dry_run)
    return run_by_hand(scheduler, sender, now, args.name, refresh=not args.dry_run)


def _exit_code(finished: bool) -> int:
    """0 once every request in progress was finished after SIGTERM; else leave at once."""
    from bot.shutdown import exit_abandoned

    return 0 if finished else exit_abandoned()


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from store.db import migrate

    engine = _engine(settings)
    with _reachable_database():
        before, after = migrate(engine)
    if before == after:
        print(f"The database is up to date (revision {after}).")
    else:
        print(f"Migrated the database from {before or 'empty'} to revision {after}.")
    return 0


def cmd_manifest(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from manifests import load_manifest

    try:
        manifest = load_manifest(args.http_url)
    except ValueError as error:
        raise VADeskError(str(error)) from error
    print(json.dumps(manifest, indent=2, ensure_ascii=False))
    return 0


def cmd_doctor(settings: Settings, args: argparse.Namespace) -> int:
    from bot.doctor import print_checks

    return print_checks(settings, _engine(settings))


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.parsing import parse_date
    from bot.services.timesheet import timesheet_rows, write_csv
    from store.db import session_scope

    today = clock.now().astimezone(settings.workspace.zone).date()
    first = parse_date(args.date_from, today=today, direction="past")
    last = parse_date(args.date_to, today=today, direction="past")
    engine = _ready_engine(settings)
    with session_scope(engine) as session:
        rows = timesheet_rows(session, settings, first, last, args.client, args.user)
    if args.out:
        try:
            with Path(args.out).open("w", encoding="utf-8-sig", newline="") as stream:
                write_csv(rows, stream)
        except OSError as error:
            print(f"vadesk: cannot write {args.out}: {error.strerror or error}", file=sys.stderr)
            return 1
        print(f"Wrote {len(rows)} entries ({sum(r.hours for r in rows):.2f} h) to {args.out}")
    else:
        write_csv(rows, sys.stdout)
    return 0


def cmd_export_invoice(settings: Settings, args: argparse.Namespace) -> int:
    from bot.invoice_export import export_invoice

    return export_invoice(settings, _ready_engine(settings), args)


def _add_drain_timeout(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--drain-timeout",
        type=float,
        default=DRAIN_SECONDS,
        metavar="SECONDS",
        help=f"on SIGTERM or SIGINT, how long to finish the requests in progress "
        f"(default {DRAIN_SECONDS:g})",
    )


def cmd_config_schema(settings: Settings | None, args: argparse.Namespace) -> int:
    import json

    from bot.settings.schema import SettingsFile

    print(json.dumps(SettingsFile.model_json_schema(), indent=2, ensure_ascii=False))
    return 0


def cmd_config_show(settings: Settings, args: argparse.Namespace) -> int:
    import json

    print(json.dumps(settings.for_display(), indent=2, ensure_ascii=False))
    return 0


def _port(text: str) -> int:
    """A TCP port: waitress would quietly serve 99999 on another one."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: use 1 to 65535")
    return port


def _add_job_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    job = commands.add_parser(
        "job",
        help="run one scheduled job now, or list them with their next run",
        description="Run what one job has due at --now (default: the real time), exactly "
        "as the scheduler would; what was already posted is not posted again.",
    )
    job.add_argument(
        "name",
        nargs="?",
        help="daily-digest, weekly-report, reminders, calendars-refresh, routine:NAME",
    )
    job.add_argument("--now", help="the clock to run with, ISO 8601 (e.g. 2026-11-30T14:05Z)")
    job.add_argument(
        "--dry-run", action="store_true", help="print what would be posted, to whom; post nothing"
    )
    job.add_argument("--list", action="store_true", help="every job with its next run")
    job.set_defaults(handler=cmd_job)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vadesk", description="VA Desk: tasks, timers and timesheets for a VA team in Slack."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run in Socket Mode (no public URL needed)")
    run.add_argument(
        "--no-scheduler",
        action="store_true",
        help="do not run scheduled jobs here (another process runs `vadesk scheduler`)",
    )
    _add_drain_timeout(run)
    run.set_defaults(handler=cmd_run)

    serve = commands.add_parser("serve", help="serve HTTP: POST /slack/events, GET /healthz")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, help="1-65535 (default 3000)")
    serve.add_argument("--threads", type=int, default=16, help="worker threads (default 16)")
    serve.add_argument(
        "--no-scheduler",
        action="store_true",
        help="do not run scheduled jobs here: for extra web replicas",
    )
    _add_drain_timeout(serve)
    serve.set_defaults(handler=cmd_serve)

    scheduler = commands.add_parser(
        "scheduler", help="run the scheduled jobs alone (routines, digests, reminders)"
    )
    _add_drain_timeout(scheduler)
    scheduler.set_defaults(handler=cmd_scheduler)

    _add_job_command(commands)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(
        handler=cmd_migrate
    )

    manifest = commands.add_parser("manifest", help="print the Slack app manifest")
    manifest.add_argument("--http-url", help="request URL for HTTP mode (default: Socket Mode)")
    manifest.set_defaults(handler=cmd_manifest)

    commands.add_parser("doctor", help="check tokens, scopes, database and config").set_defaults(
        handler=cmd_doctor
    )

    config = commands.add_parser("config", help="the settings: their schema, or what is in effect")
    configs = config.add_subparsers(dest="what", required=True, metavar="WHAT")
    configs.add_parser(
        "schema", help="JSON Schema of vadesk.toml, for editors that validate and complete it"
    ).set_defaults(handler=cmd_config_schema, without_settings=True)
    configs.add_parser(
        "show", help="the settings in effect (environment, .env and file), secrets hidden"
    ).set_defaults(handler=cmd_config_show)

    export = commands.add_parser("export", help="export data")
    exports = export.add_subparsers(dest="what", required=True, metavar="WHAT")
    timesheet = exports.add_parser("timesheet", help="CSV of time entries for billing")
    timesheet.add_argument("--from", dest="date_from", required=True, help="first day")
    timesheet.add_argument("--to", dest="date_to", required=True, help="last day")
    timesheet.add_argument("--client", help="client key, name or channel id")
    timesheet.add_argument("--user", help="Slack user id of the VA")
    timesheet.add_argument("--out", help="file to write (default: standard output)")
    timesheet.set_defaults(handler=cmd_export)
    add_invoice_export(exports).set_defaults(handler=cmd_export_invoice)
    add_contacts_io(commands, exports)
    add_backup(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "without_settings", False):  # the schema helps fix a broken file
            return args.handler(None, args)
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format, secret_values(settings))
        return args.handler(settings, args)
    except (ConfigError, MissingCredential, VADeskError) as error:
        print(f"vadesk: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`vadesk manifest | head`): what it read was all it wanted.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
