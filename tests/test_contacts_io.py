"""`vadesk import contacts` and `vadesk export contacts` end to end, on SQLite and
PostgreSQL: files written as spreadsheets save them (BOM or not, CRLF, semicolons, Latin-1
by mistake), every bad row named with its line, all rows or none, and an export that
imports again. Most run the CLI's `main` in this process (the clock pinned); the first
tests run the installed console script as an operator does."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from bot import clock
from bot.cli import main
from bot.services import contact_writers, contacts
from bot.services.contacts import NewContact
from bot.services.people import ensure_workspace, resolve_actor
from store.db import session_scope
from store.models import Client, Contact, ContactEvent, ContactTag, User
from tests.conftest import BOT_TOKEN, TEAM
from tests.vadesk_process import one_line, run_vadesk, vadesk_env

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
NOW_TEXT = "2026-11-30T14:00:00Z"

HEADER = (
    "name,company,client,email,phone,slack_user_id,owner,stage,tag,next_step,next_step_due,"
    "amount,currency,expected_close,notes"
)
GOOD = (
    f"{HEADER}\n"
    "Bob Jones,Jones & Co,acme,bob@jones.example,+1 555 0100,U0BOB,U0VA1,Booked,"
    'lead-hot-prospect,Send the proposal,2026-12-04,"$1,200.50",,2027-01-15,"Met at the fair.\n'
    "\n"
    'Wants a quote by Friday."\n'
    "Ana Núñez,Núñez SL,Globex,ana@nunez.example,,,U0VA2,,Client – Active,,,€900,EUR,,\n"
    "Chen Wei,,,,,,,lead,,,,,,,\n"
)


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture
def workspace(engine, settings) -> None:
    clock.set_now(NOW)
    with session_scope(engine) as session:
        ensure_workspace(session, settings, TEAM)


@pytest.fixture
def vadesk(engine, settings, database_url, tmp_path, monkeypatch, capsys):
    """`vadesk …` through the CLI's own `main`, in this process, on the test's database."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VADESK_CONFIG", str(settings.config_path))
    monkeypatch.setenv("DATABASE_URL", database_url)
    clock.set_now(NOW)

    def run(*args: str) -> Ran:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run


def write(tmp_path: Path, text: str, name: str = "contacts.csv", **options) -> Path:
    """The text as a spreadsheet would save it: with a BOM, CRLF line ends, or neither."""
    if options.get("crlf"):
        text = text.replace("\n", "\r\n")
    data = text.encode(options.get("encoding", "utf-8"))
    path = tmp_path / name
    path.write_bytes((codecs.BOM_UTF8 if options.get("bom") else b"") + data)
    return path


def saved(engine) -> list[Contact]:
    with session_scope(engine) as session:
        return list(session.exec(select(Contact).order_by(col(Contact.id))))


def counts(engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            model.__name__: session.exec(select(sa.func.count()).select_from(model)).one()
            for model in (Contact, ContactEvent, ContactTag, User)
        }


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


# --------------------------------------------------------------------------- the console script


def test_the_console_script_imports_then_refuses_the_same_file_again(
    tmp_path, engine, settings, database_url, workspace
):
    env = vadesk_env(database_url, VADESK_CONFIG=str(settings.config_path), VADESK_NOW=NOW_TEXT)
    path = write(tmp_path, GOOD, bom=True)
    first = run_vadesk("import", "contacts", str(path), env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "Imported 3 contacts (Lead 2, Booked 1)."
    again = run_vadesk("import", "contacts", str(path), env=env, cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr.splitlines() == [
        "line 2 ('Bob Jones'): name: There is already a contact Bob Jones (`/contact Bob "
        "Jones` shows it); give the new one a fuller name to tell them apart.",
        "line 5 ('Ana Núñez'): name: There is already a contact Ana Núñez (`/contact Ana "
        "Núñez` shows it); give the new one a fuller name to tell them apart.",
        "line 6 ('Chen Wei'): name: There is already a contact Chen Wei (`/contact Chen "
        "Wei` shows it); give the new one a fuller name to tell them apart.",
        "3 rows have problems; nothing was imported.",
    ]
    assert len(saved(engine)) == 3


def test_the_console_script_refuses_a_latin_1_file_in_one_line(
    tmp_path, engine, settings, database_url, workspace
):
    env = vadesk_env(database_url, VADESK_CONFIG=str(settings.config_path), VADESK_NOW=NOW_TEXT)
    path = write(tmp_path, "name,company\nBob Jones,Acme\nJosé Núñez,Café\n", encoding="latin-1")
    result = run_vadesk("import", "contacts", str(path), env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        f"vadesk: {path} is not UTF-8: line 3 has the byte 0xE9, which UTF-8 does not allow "
        "there (in Latin-1 or Windows-1252 it is 'é'). Nothing was imported; save it as UTF-8 "
        '(Excel: "CSV UTF-8"; LibreOffice: character set Unicode (UTF-8)) and import it again.'
    )
    assert saved(engine) == []


# --------------------------------------------------------------------------- a good file


@pytest.mark.parametrize(
    "options",
    [{}, {"bom": True}, {"crlf": True}, {"bom": True, "crlf": True}],
    ids=["utf-8", "bom", "crlf", "bom-crlf"],
)
def test_a_good_file_imports_every_column(vadesk, engine, tmp_path, workspace, options):
    result = vadesk("import", "contacts", str(write(tmp_path, GOOD, **options)))
    assert (result.code, result.out, result.err) == (
        0,
        "Imported 3 contacts (Lead 2, Booked 1).\n",
        "",
    )
    bob, ana, chen = saved(engine)
    with session_scope(engine) as session:
        clients = {c.key: c.id for c in session.exec(select(Client))}
        assert contacts.current_tag(session, bob) == "Lead – Hot Prospect"
        assert contacts.current_tag(session, ana) == "Client – Active"
        notes = [e.note for e in contacts.events_of(session, bob) if e.kind == "note"]
        kinds = sorted(e.kind for e in contacts.events_of(session, bob))
    assert (bob.name, bob.company, bob.client_id, bob.email, bob.phone) == (
        "Bob Jones",
        "Jones & Co",
        clients["acme"],
        "bob@jones.example",
        "+1 555 0100",
    )
    assert (bob.slack_user_id, bob.owner_id, bob.stage, bob.next_step) == (
        "U0BOB",
        "U0VA1",
        "Booked",
        "Send the proposal",
    )
    assert (str(bob.next_step_due), bob.amount_minor, bob.currency, str(bob.expected_close)) == (
        "2026-12-04",
        120050,
        "USD",
        "2027-01-15",
    )
    assert notes == ["Wants a quote by Friday.", "Met at the fair."]  # newest first
    assert kinds == ["created", "note", "note", "tagged"]
    assert (bob.source, bob.created_by, bob.stage_since, bob.last_touch_at) == (
        "import",
        "U0OWNER",  # the first of [roles] owners
        NOW,
        NOW,
    )
    assert (ana.client_id, ana.stage, ana.amount_minor, ana.currency) == (
        clients["globex"],  # by its name
        "Lead",  # the first open stage
        90000,
        "EUR",
    )
    assert (chen.stage, chen.client_id, chen.owner_id, chen.amount_minor) == (
        "Lead",
        None,
        None,
        None,
    )


def test_a_spreadsheet_saved_with_semicolons_and_headers_as_people_write_them(
    vadesk, engine, tmp_path, workspace
):
    text = "Name;Next step;Next-Step Due\nBob Jones;Call back;2026-12-01\n"
    assert vadesk("import", "contacts", str(write(tmp_path, text))).code == 0
    (bob,) = saved(engine)
    assert (bob.next_step, str(bob.next_step_due)) == ("Call back", "2026-12-01")


def test_who_imports_is_the_as_option_and_must_be_on_the_team(vadesk, engine, tmp_path, workspace):
    path = write(tmp_path, "name\nBob Jones\n")
    refused = vadesk("import", "contacts", str(path), "--as", "U0STRANGER")
    assert refused.code == 2
    assert refused.err.startswith("vadesk: U0STRANGER is not on the team")
    assert vadesk("import", "contacts", str(path), "--as", "U0VA2").code == 0
    (bob,) = saved(engine)
    assert bob.created_by == "U0VA2"


def test_a_database_without_a_workspace_asks_slack_which_one(
    vadesk, engine, tmp_path, fake_slack, monkeypatch
):
    path = write(tmp_path, "name,client\nBob Jones,acme\n")
    refused = vadesk("import", "contacts", str(path))
    assert refused.code == 2
    assert "The database holds no workspace" in refused.err
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.base_url)
    assert vadesk("import", "contacts", str(path)).code == 0
    (bob,) = saved(engine)
    assert bob.team_id == TEAM and bob.client_id is not None  # its [clients] rows made


# --------------------------------------------------------------------------- bad files, bad rows


BAD_ROWS = """name,email,stage,owner,amount,next_step_due,tag,notes
Good One,,,,,,,"a note
over three
lines"
,bob@x.example,,,,,,
Bad Email,bob@,,,,,,
Bad Stage,,Won,,,,,
Bad Owner,,,U0NOBODY,,,,
Bad Amount,,,,"1.200,50",,,
Bad Date,,,,,2026-02-30,,
Bad Tag,,,,,,#nope,
good one,,,,,,,
Several,x,Won,bob,12.345,,,
Too Many,,,,,,,,extra
"""


def test_every_bad_row_is_named_with_its_line_and_nothing_is_imported(
    vadesk, engine, tmp_path, workspace
):
    result = vadesk("import", "contacts", str(write(tmp_path, BAD_ROWS)))
    assert result.code == 1 and result.out == ""
    assert result.err.splitlines() == [
        "line 5: name: every contact needs one.",
        "line 6 ('Bad Email'): email: 'bob@' is not an email address.",
        "line 7 ('Bad Stage'): stage: There is no stage 'Won'. Stages: Lead, Booked, Closed, Lost.",
        "line 8 ('Bad Owner'): owner: U0NOBODY is not on the team ([roles] in vadesk.toml, or "
        "/role); a contact's owner is a VA, a supervisor or an owner.",
        "line 9 ('Bad Amount'): amount: '1.200,50' is not an amount in USD: write it like "
        "1200, 1,200 or $1,200.00.",
        "line 10 ('Bad Date'): next_step_due: '2026-02-30' is not a date: write it YYYY-MM-DD, "
        "e.g. 2026-12-01.",
        "line 11 ('Bad Tag'): tag: There is no tag '#nope'. Tags: Lead – Hot Prospect "
        "(`#lead-hot-prospect`), Lead – Cold Lead (`#lead-cold-lead`), Client – Onboarding "
        "(`#client-onboarding`), Client – Active (`#client-active`), Support – Technical Issue "
        "(`#support-technical-issue`), Billing – Payment Question (`#billing-payment-question`).",
        "line 12 ('good one'): name: the same as line 2's; each contact is one row.",
        "line 13 ('Several'): email: 'x' is not an email address. owner: 'bob' is not a Slack "
        "member ID such as U0123ABCD (Slack: profile → ⋮ → Copy member ID). stage: There is no "
        "stage 'Won'. Stages: Lead, Booked, Closed, Lost. amount: '12.345' has more decimals "
        "than USD uses; nothing is rounded away, so write it with 2 decimals.",
        "line 14: the row has 9 cells and the header 8 columns (a comma in a cell needs the "
        "cell in double quotes).",
        "10 rows have problems; nothing was imported.",
    ]
    assert counts(engine)["Contact"] == 0


def test_a_bad_last_row_imports_nothing_not_even_the_rows_already_written(
    vadesk, engine, tmp_path, workspace
):
    rows = [f"Person {n},p{n}@example.com" for n in range(1, 1202)]  # three batches of 500
    text = "name,email\n" + "\n".join([*rows, "Last Person,not-an-email"]) + "\n"
    result = vadesk("import", "contacts", str(write(tmp_path, text)))
    assert result.code == 1
    assert result.err.splitlines() == [
        "line 1203 ('Last Person'): email: 'not-an-email' is not an email address.",
        "1 row has problems; nothing was imported.",
    ]
    assert counts(engine) == {"Contact": 0, "ContactEvent": 0, "ContactTag": 0, "User": 0}


def test_a_dry_run_checks_everything_says_what_it_would_import_and_writes_nothing(
    vadesk, engine, tmp_path, workspace
):
    before = counts(engine)
    result = vadesk("import", "contacts", str(write(tmp_path, GOOD)), "--dry-run")
    assert (result.code, result.err) == (0, "")
    assert result.out.splitlines() == [
        "line 2: Bob Jones, Booked, client Acme Corp, owner U0VA1, tag Lead – Hot Prospect, "
        "2 notes",
        "line 5: Ana Núñez, Lead, client Globex, owner U0VA2, tag Client – Active",
        "line 6: Chen Wei, Lead",
        "Would import 3 contacts (Lead 2, Booked 1); --dry-run wrote nothing.",
    ]
    assert counts(engine) == before
    bad = vadesk("import", "contacts", str(write(tmp_path, BAD_ROWS)), "--dry-run")
    assert bad.code == 1 and bad.err.endswith("10 rows have problems; nothing was imported.\n")


def test_duplicates_of_contacts_already_there_by_name_or_slack_user(
    vadesk, engine, settings, tmp_path, workspace
):
    with session_scope(engine) as session:
        owner = resolve_actor(session, settings, TEAM, "U0OWNER")
        contacts.create_contact(session, settings, owner, NewContact(name="Bob Jones"))
        contact_writers.contact_for_writer(session, settings, TEAM, "U0ZED", None, "Zed", NOW)
    text = "name,slack_user_id\nBOB  jones,\nZed Zedson,U0ZED\nNew Person,\n"
    result = vadesk("import", "contacts", str(write(tmp_path, text)))
    assert result.code == 1
    assert result.err.splitlines() == [
        "line 2 ('BOB jones'): name: There is already a contact Bob Jones (`/contact Bob "
        "Jones` shows it); give the new one a fuller name to tell them apart.",
        "line 3 ('Zed Zedson'): slack_user_id: There is already a contact Zed (`/contact Zed` "
        "shows it); give the new one a fuller name to tell them apart.",
        "2 rows have problems; nothing was imported.",
    ]
    assert [c.name for c in saved(engine)] == ["Bob Jones", "Zed"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "name,emial,Fax\n",
            "vadesk: The header row names unknown columns 'emial', 'Fax'; the columns are: "
            "name, company, client, email, phone, slack_user_id, owner, stage, tag, next_step, "
            "next_step_due, amount, currency, expected_close, notes, stage_since, "
            "last_touch_at, archived_at.",
        ),
        ("company,email\nAcme,a@b.example\n", "vadesk: The header row has no name column"),
        ("name,Name\n", "vadesk: The header row names the column 'Name' twice."),
        ("", "vadesk: contacts.csv is empty: its first row names the columns"),
        ("name\n\n \n", "vadesk: contacts.csv has no contacts below its header row"),
    ],
    ids=["unknown-columns", "no-name", "twice", "empty", "header-only"],
)
def test_a_file_that_cannot_be_read_as_contacts_is_one_line_and_exit_2(
    vadesk, engine, tmp_path, workspace, text, message
):
    write(tmp_path, text)
    result = vadesk("import", "contacts", "contacts.csv")
    assert result.code == 2
    assert result.err.startswith(message) and len(result.err.splitlines()) == 1
    assert saved(engine) == []


def test_utf_16_and_a_missing_file_are_refused(vadesk, tmp_path, workspace):
    path = tmp_path / "utf16.csv"
    path.write_bytes("name\nBob\n".encode("utf-16"))
    assert vadesk("import", "contacts", str(path)).err.startswith(
        f"vadesk: {path} is UTF-16, not UTF-8: save it as UTF-8"
    )
    missing = vadesk("import", "contacts", "nowhere.csv")
    assert (missing.code, missing.err) == (
        2,
        "vadesk: cannot read nowhere.csv: No such file or directory\n",
    )


# --------------------------------------------------------------------------- export


def _seed_hostile(engine, settings) -> None:
    with session_scope(engine) as session:
        owner = resolve_actor(session, settings, TEAM, "U0OWNER")
        hostile = contacts.create_contact(
            session,
            settings,
            owner,
            NewContact(
                name='=HYPERLINK("http://evil.example","Click")',
                company="@SUM(A1:A9)",
                phone="+1 555 0100",
                next_step="-2+3",
            ),
        )
        contacts.add_note(session, owner, hostile, "@cmd|' /C calc'!A0")


def test_hostile_cells_are_exported_neutralized(vadesk, engine, settings, tmp_path, workspace):
    _seed_hostile(engine, settings)
    out = tmp_path / "contacts.csv"
    result = vadesk("export", "contacts", "--out", str(out))
    assert (result.code, result.out) == (0, f"Wrote 1 contact to {out}\n")
    assert out.read_bytes().startswith(codecs.BOM_UTF8)  # as the timesheet
    (row,) = read_csv(out.read_text(encoding="utf-8-sig"))
    assert row["name"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert (row["company"], row["phone"], row["next_step"]) == (
        "'@SUM(A1:A9)",
        "'+1 555 0100",
        "'-2+3",
    )
    assert row["notes"] == "'@cmd|' /C calc'!A0"


def test_an_export_of_one_stage_or_with_the_archived_and_to_standard_output(
    vadesk, engine, settings, tmp_path, workspace
):
    text = (
        "name,stage,archived_at\nBob Jones,Booked,\nAna Núñez,booked,2026-11-20T10:00:00Z\n"
        "Chen Wei,Lead,\n"
    )
    assert vadesk("import", "contacts", str(write(tmp_path, text))).code == 0
    booked = vadesk("export", "contacts", "--stage", "BOOKED")
    assert booked.code == 0 and not booked.out.startswith("\ufeff")
    assert [row["name"] for row in read_csv(booked.out)] == ["Bob Jones"]
    archived = vadesk("export", "contacts", "--stage", "booked", "--archived")
    assert [(r["name"], r["archived_at"]) for r in read_csv(archived.out)] == [
        ("Bob Jones", ""),
        ("Ana Núñez", "2026-11-20T10:00:00Z"),
    ]
    unknown = vadesk("export", "contacts", "--stage", "Won", "--out", str(tmp_path / "x.csv"))
    assert (unknown.code, unknown.err) == (
        2,
        "vadesk: There is no stage 'Won'. Stages: Lead, Booked, Closed, Lost.\n",
    )
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize("where", ["missing-dir/out.csv", "."])
def test_an_export_to_a_place_that_cannot_be_written_leaves_no_file(
    vadesk, engine, settings, tmp_path, workspace, where
):
    _seed_hostile(engine, settings)
    result = vadesk("export", "contacts", "--out", str(tmp_path / where))
    assert result.code == 1
    assert result.err.startswith(f"vadesk: cannot write {tmp_path / where}: ")
    assert not list(tmp_path.rglob("*.part")) and not list(tmp_path.rglob("out.csv"))


# --------------------------------------------------------------------------- the round trip


ROUND_TRIP = (
    f"{HEADER},stage_since,last_touch_at,archived_at\n"
    "Bob Jones,Jones & Co,acme,bob@jones.example,+1 555 0100,U0BOB,U0VA1,Booked,"
    "lead-hot-prospect,Send the proposal,2026-12-04,1200.50,USD,2027-01-15,Met at the fair.,"
    "2026-11-02T09:30:00Z,2026-11-25T16:00:00Z,\n"
    "Ana Núñez,,Globex,,,,U0VA2,Lost,,,,150000,JPY,,,"
    "2026-10-01,2026-10-15 08:00,2026-11-20T10:00:00Z\n"
)


def test_an_export_imports_again_into_an_empty_database_as_it_was(
    vadesk, engine, settings, tmp_path, workspace
):
    assert vadesk("import", "contacts", str(write(tmp_path, ROUND_TRIP))).code == 0
    _seed_hostile(engine, settings)
    clock.set_now(NOW + timedelta(hours=1))
    with session_scope(engine) as session:  # a second tag and a second note, later
        owner = resolve_actor(session, settings, TEAM, "U0OWNER")
        bob = contacts.contact_named(session, TEAM, "Bob Jones")
        contacts.tag_record(session, "U0OWNER", bob, "Client – Active")
        contacts.add_note(session, owner, bob, "Sent the proposal.")
    first = tmp_path / "first.csv"
    assert vadesk("export", "contacts", "--archived", "--out", str(first)).code == 0
    with session_scope(engine) as session:  # the contacts' tables emptied
        for model in (ContactEvent, ContactTag, Contact):
            session.execute(sa.delete(model))
    clock.set_now(NOW + timedelta(days=3))
    again = vadesk("import", "contacts", str(first))
    assert (again.code, again.out) == (0, "Imported 3 contacts (Lead 1, Booked 1, Lost 1).\n")
    second = tmp_path / "second.csv"
    assert vadesk("export", "contacts", "--archived", "--out", str(second)).code == 0
    assert second.read_text(encoding="utf-8-sig") == first.read_text(encoding="utf-8-sig")
    bob, ana, hostile = read_csv(second.read_text(encoding="utf-8-sig"))
    assert (bob["stage"], bob["stage_since"], bob["last_touch_at"], bob["owner"]) == (
        "Booked",
        "2026-11-02T09:30:00Z",
        "2026-11-30T15:00:00Z",  # the note an hour later touched it
        "U0VA1",
    )
    assert (bob["tag"], bob["notes"]) == (
        "Client – Active",
        "Met at the fair.\n\nSent the proposal.",
    )
    assert (ana["stage_since"], ana["last_touch_at"], ana["archived_at"], ana["amount"]) == (
        "2026-10-01T04:00:00Z",  # a day without a zone is the workspace's (New York)
        "2026-10-15T12:00:00Z",
        "2026-11-20T10:00:00Z",
        "150000",
    )
    assert hostile["name"].startswith("'=HYPERLINK")
    restored = saved(engine)[2]
    assert restored.name == '=HYPERLINK("http://evil.example","Click")'  # stored as it was
    assert restored.phone == "+1 555 0100"
