"""`vadesk import contacts FILE.csv [--dry-run] [--as U…]` and `vadesk export contacts
[--stage S] [--archived] [--out FILE]`: the file's bytes, its encoding and its lines for
the console. The rules are the services' (`bot.services.contact_import`,
`bot.services.contact_export`, `bot.services.contact_columns`).

Exit codes of the import: 0 imported (or, with --dry-run, all rows would be); 1 some rows
have problems, each named on standard error, and nothing was imported; 2 the command
could not read the file (missing, not UTF-8, a bad header) or the database."""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

from bot.cli_database import reachable_database, ready_engine
from bot.services.errors import VADeskError
from bot.services.text import counted, readable

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from bot.services.contact_import import CheckedRow, ImportOutcome
    from bot.services.people import Actor
    from bot.settings import Settings

EXIT_PROBLEMS = 1
# Byte-order marks of the encodings a spreadsheet may save that are not UTF-8.
_OTHER_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}
SAVE_AS_UTF8 = 'save it as UTF-8 (Excel: "CSV UTF-8"; LibreOffice: character set Unicode (UTF-8))'


def add_arguments(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    exports: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """`import contacts` and `export contacts`, each with its handler."""
    imports = commands.add_parser("import", help="import data")
    what = imports.add_subparsers(dest="what", required=True, metavar="WHAT")
    contacts = what.add_parser(
        "contacts",
        help="contacts from a CSV file: all rows or none",
        description="Import contacts from a UTF-8 CSV file whose first row names the columns "
        "(the README lists them). Every bad row is named with its line and reason, and "
        "then nothing is imported.",
    )
    contacts.add_argument("file", metavar="FILE.csv")
    contacts.add_argument(
        "--dry-run", action="store_true", help="check every row and say what would be imported"
    )
    contacts.add_argument(
        "--as",
        dest="actor",
        metavar="U…",
        help="who imports, recorded on each contact (default: the first of [roles] owners)",
    )
    contacts.set_defaults(handler=import_command)

    export = exports.add_parser("contacts", help="CSV of contacts, in the columns the import reads")
    export.add_argument("--stage", help="only the contacts in this stage")
    export.add_argument("--archived", action="store_true", help="archived contacts too")
    export.add_argument("--out", help="file to write (default: standard output)")
    export.set_defaults(handler=export_command)


@contextmanager
def _console() -> Iterator[None]:
    """Services refuse in Slack's markup; the console reads it as plain text."""
    try:
        yield
    except VADeskError as refusal:
        raise VADeskError(readable(refusal.message, lambda _user: None)) from None


def _not_utf8(name: str, line: int, raw: bytes, start: int) -> VADeskError:
    byte = raw[start : start + 1]
    guess = byte.decode("cp1252", errors="replace")
    return VADeskError(
        f"{name} is not UTF-8: line {line} has the byte 0x{byte.hex().upper()}, which UTF-8 "
        f"does not allow there (in Latin-1 or Windows-1252 it is {guess!r}). "
        f"Nothing was imported; {SAVE_AS_UTF8} and import it again."
    )


def _lines(stream: BinaryIO, name: str) -> Iterator[str]:
    """The file's lines as text, each checked to be UTF-8 as it is read (a byte-order
    mark at the start is dropped)."""
    head = stream.read(4)
    for mark, encoding in _OTHER_BOMS.items():
        if head.startswith(mark):
            raise VADeskError(f"{name} is {encoding}, not UTF-8: {SAVE_AS_UTF8}.")
    stream.seek(0)
    for number, raw in enumerate(stream, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _not_utf8(name, number, raw, error.start) from None
        yield text.removeprefix("\ufeff") if number == 1 else text


def _delimiter(header_line: str) -> str:
    """A comma; a semicolon or a tab when the header has those and no comma (spreadsheets
    in many languages save "CSV" with semicolons)."""
    if "," in header_line:
        return ","
    return next((mark for mark in (";", "\t") if mark in header_line), ",")


def read_csv(
    stream: BinaryIO, name: str
) -> tuple[tuple[str, ...], Iterator[tuple[int, list[str]]]]:
    """The header's columns, and the rows as they are read, each with the line it starts
    on (a quoted cell may hold line breaks)."""
    from bot.services.contact_columns import COLUMNS, check_header

    lines = _lines(stream, name)
    first = next(lines, None)
    if first is None or not first.strip():
        raise VADeskError(
            f"{name} is empty: its first row names the columns ({', '.join(COLUMNS)})."
        )
    reader = csv.reader(itertools.chain([first], lines), delimiter=_delimiter(first))
    with _console():
        header = check_header(next(reader))

    def rows() -> Iterator[tuple[int, list[str]]]:
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise VADeskError(f"{name}, line {reader.line_num}: {error}") from None
            yield start, cells

    return header, rows()


def _workspace(settings: Settings, engine: Engine) -> str:
    """The workspace the database knows; in a database that knows none (or several), the
    one Slack names for SLACK_BOT_TOKEN."""
    from bot.services.people import only_known_workspace
    from store.db import session_scope

    with session_scope(engine) as session:
        team = only_known_workspace(session)
    if team is None and settings.bot_token:
        from bot.slack.web_client import check_bot_token

        team = check_bot_token(settings, unreachable_is_fatal=True)
    if team is None:
        raise VADeskError(
            "The database holds no workspace, or several: set SLACK_BOT_TOKEN (Slack's "
            "auth.test names its workspace), or use VA Desk in Slack once."
        )
    return team


def _importer(session: Session, settings: Settings, team_id: str, written: str | None) -> Actor:
    """Who imports: `--as`, else the workspace's first owner; someone on the team. The
    workspace's `[clients]` become its rows first, as at start."""
    from bot.services.contact_columns import member_id
    from bot.services.people import ensure_workspace, resolve_actor, roster

    ensure_workspace(session, settings, team_id)
    team = roster(session, settings, team_id)
    if written is None:
        if not team.owners:
            raise VADeskError(
                "No one is an owner ([roles] owners in vadesk.toml): name who imports "
                "with --as U0123ABCD."
            )
        user_id = team.owners[0]
    else:
        user_id = member_id(written.strip())
        if user_id not in (*team.owners, *team.supervisors, *team.vas):
            raise VADeskError(
                f"{user_id} is not on the team ([roles] in vadesk.toml, or /role): --as "
                "names who imports, a VA, a supervisor or an owner."
            )
    return resolve_actor(session, settings, team_id, user_id)


def _run_import(
    settings: Settings, engine: Engine, path: Path, args: argparse.Namespace
) -> ImportOutcome:
    from sqlalchemy.exc import IntegrityError

    from bot.services.contact_import import import_contacts
    from store.db import session_scope

    with path.open("rb") as stream:
        header, rows = read_csv(stream, args.file)
        team = _workspace(settings, engine)
        try:
            with session_scope(engine) as session:
                actor = _importer(session, settings, team, args.actor)
                outcome = import_contacts(
                    session, settings, actor, header, rows, write=not args.dry_run
                )
                if args.dry_run or outcome.problems or not outcome.rows:
                    session.rollback()
        except IntegrityError:
            raise VADeskError(
                "A contact of one of the file's Slack users was added while importing; "
                "nothing was imported: import the file again."
            ) from None
    if not outcome.rows and not outcome.problems:
        raise VADeskError(f"{args.file} has no contacts below its header row; nothing to import.")
    return outcome


def _stages(settings: Settings, outcome: ImportOutcome) -> str:
    """`Lead 3, Booked 1`, in the pipeline's order."""
    counts = outcome.by_stage
    return ", ".join(
        f"{stage.name} {counts[stage.name]}"
        for stage in settings.pipeline.stages
        if counts[stage.name]
    )


def import_command(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    engine = ready_engine(settings)
    try:
        with reachable_database(), _console():
            outcome = _run_import(settings, engine, path, args)
    except OSError as error:
        raise VADeskError(f"cannot read {args.file}: {error.strerror or error}") from None
    if outcome.problems:
        for problem in outcome.problems:
            print(readable(problem.text(), lambda _user: None), file=sys.stderr)
        count = len(outcome.problems)
        verb = "has" if count == 1 else "have"
        print(f"{counted(count, 'row')} {verb} problems; nothing was imported.", file=sys.stderr)
        return EXIT_PROBLEMS
    contacts = counted(len(outcome.rows), "contact")
    if args.dry_run:
        for row in outcome.rows:
            print(_dry_run_line(row))
        print(f"Would import {contacts} ({_stages(settings, outcome)}); --dry-run wrote nothing.")
    else:
        print(f"Imported {contacts} ({_stages(settings, outcome)}).")
    return 0


def _dry_run_line(row: CheckedRow) -> str:
    """`line 2: Bob Jones, Lead, client Acme Corp, owner U0VA1, tag Lead – Hot Prospect`"""
    parts = [row.new.name, row.stage]
    if row.client:
        parts.append(f"client {row.client}")
    if row.new.owner_id:
        parts.append(f"owner {row.new.owner_id}")
    if row.tag:
        parts.append(f"tag {row.tag}")
    if row.notes:
        parts.append(counted(len(row.notes), "note"))
    if row.archived_at:
        parts.append("archived")
    return f"line {row.line}: {', '.join(parts)}"


def export_command(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.contact_export import export_rows, write_csv
    from store.db import session_scope

    engine = ready_engine(settings)
    with reachable_database(), _console():
        team = _workspace(settings, engine)
        with session_scope(engine) as session:
            rows = export_rows(session, settings, team, args.stage, args.archived)
            if not args.out:
                write_csv(rows, sys.stdout)
                return 0
            try:
                written = _write_file(Path(args.out), lambda stream: write_csv(rows, stream))
            except OSError as error:
                print(
                    f"vadesk: cannot write {args.out}: {error.strerror or error}", file=sys.stderr
                )
                return 1
    print(f"Wrote {counted(written, 'contact')} to {args.out}")
    return 0


def _write_file(out: Path, write: Callable[[TextIO], int]) -> int:
    """Write beside `out`, then put it in place: a failure never leaves half a file. UTF-8
    with a byte-order mark, as the timesheet, so spreadsheets read it as UTF-8."""
    part = out.parent / f".{out.name or 'contacts'}.part"
    try:
        with part.open("w", encoding="utf-8-sig", newline="") as stream:
            written = write(stream)
        os.replace(part, out)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return written
