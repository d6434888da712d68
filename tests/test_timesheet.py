"""The billing timesheet: which entries become rows, their raw hours, whether each is
billable, and CSV a spreadsheet opens."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot import clock
from bot.services.errors import InputError
from bot.services.people import Actor, resolve_actor
from bot.services.tasks import NewTask, create_task
from bot.services.timesheet import COLUMNS, decimal_hours, timesheet_rows, write_csv
from bot.settings.schema import BillingSettings, ClientSettings, DelegationSettings
from store.db import session_scope
from store.models import Client, TimeEntry

TEAM = "T0TEAM"
NY = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def ny(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=NY, fold=fold)


def person(engine, settings, user_id: str, tz: str, name: str | None = None) -> Actor:
    profile = {"tz": tz, "real_name": name}
    with session_scope(engine) as session:
        return resolve_actor(session, settings, TEAM, user_id, lambda _u: profile)


def client_id(engine, key: str) -> int:
    with session_scope(engine) as session:
        return session.exec(select(Client).where(Client.key == key)).one().id


def add_entry(
    engine,
    actor: Actor,
    title: str,
    start: datetime,
    end: datetime | None,
    client: str | None = None,
    source: str = "timer",
    notes: str | None = None,
    **task_fields,
) -> int:
    with session_scope(engine) as session:
        task = create_task(
            session,
            actor,
            NewTask(
                title=title, client_id=client_id(engine, client) if client else None, **task_fields
            ),
        )
        entry = TimeEntry(
            team_id=actor.team_id,
            user_id=actor.user_id,
            task_id=task.id,
            started_at=start.astimezone(UTC),
            ended_at=end.astimezone(UTC) if end else None,
            source=source,
            notes=notes,
            created_at=start.astimezone(UTC),
        )
        session.add(entry)
        session.flush()
        return entry.id


def rows(engine, settings, first: date, last: date, **filters):
    with session_scope(engine) as session:
        return timesheet_rows(session, settings, first, last, **filters)


def csv_text(row_list) -> str:
    stream = io.StringIO(newline="")
    write_csv(row_list, stream)
    return stream.getvalue()


def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.fixture
def week(engine, settings):
    """Ana (New York) and Ken (Tokyo) with a few days of entries; now is Mar 6."""
    clock.set_now(ny(2026, 3, 6, 12, 0))
    ana = person(engine, settings, "U0VA1", "America/New_York", "Ana Souza")
    ken = person(engine, settings, "U0VA2", "Asia/Tokyo", "Ken Sato")
    ids = {
        "morning": add_entry(
            engine, ana, "Invoices", ny(2026, 3, 4, 9), ny(2026, 3, 4, 10, 30), "acme"
        ),
        # 03:00 UTC on Mar 5, but Mar 4 where Ana lives
        "late": add_entry(engine, ana, "Late call", ny(2026, 3, 4, 22), ny(2026, 3, 4, 23), "acme"),
        "manual": add_entry(
            engine,
            ana,
            "Globex onboarding",
            ny(2026, 3, 5, 10),
            ny(2026, 3, 5, 10, 20),
            "globex",
            source="manual",
            notes="Set up accounts",
        ),
        "running": add_entry(engine, ana, "Still going", ny(2026, 3, 6, 11), None, "acme"),
        # 20:00 UTC on Mar 4 is 05:00 on Mar 5 in Tokyo
        "tokyo": add_entry(
            engine,
            ken,
            "Early start",
            datetime(2026, 3, 4, 20, tzinfo=UTC),
            datetime(2026, 3, 4, 21, tzinfo=UTC),
            "acme",
        ),
    }
    return ids


# --------------------------------------------------------------------------- rows


def test_rows_use_each_users_local_day(engine, settings, week):
    mar4 = rows(engine, settings, date(2026, 3, 4), date(2026, 3, 4))
    assert [r.entry_id for r in mar4] == [week["morning"], week["late"]]
    mar5 = rows(engine, settings, date(2026, 3, 5), date(2026, 3, 5))
    assert [r.entry_id for r in mar5] == [week["tokyo"], week["manual"]]
    tokyo = mar5[0]
    assert (tokyo.day, tokyo.start.hour, tokyo.zone) == (date(2026, 3, 5), 5, TOKYO)


def test_a_reports_rows_take_the_reports_days_and_show_each_users_time(engine, settings, week):
    """The weekly report's CSV counts the days its figures count (the workspace's), so
    Ken's 05:00 Tokyo start on Mar 5 is Mar 4's work there; his row still reads 05:00."""
    mar4 = rows(engine, settings, date(2026, 3, 4), date(2026, 3, 4), days_in=NY)
    assert [r.entry_id for r in mar4] == [week["morning"], week["tokyo"], week["late"]]
    tokyo = mar4[1]
    assert (tokyo.day, tokyo.start.hour, tokyo.zone) == (date(2026, 3, 5), 5, TOKYO)


def test_rows_hold_what_billing_needs(engine, settings, week):
    morning, late = rows(engine, settings, date(2026, 3, 4), date(2026, 3, 4))
    assert morning.va == "Ana Souza"
    assert morning.user_id == "U0VA1"
    assert morning.client == "Acme Corp"
    assert morning.task_id == "T-1"
    assert morning.title == "Invoices"
    assert (morning.start, morning.end) == (ny(2026, 3, 4, 9), ny(2026, 3, 4, 10, 30))
    assert morning.hours == 1.5
    assert morning.billable
    assert morning.source == "timer"
    assert late.day == date(2026, 3, 4)
    assert late.hours == 1.0


def test_running_entries_are_not_billed_yet(engine, settings, week):
    all_rows = rows(engine, settings, date(2026, 3, 1), date(2026, 3, 6))
    assert week["running"] not in [r.entry_id for r in all_rows]
    assert len(all_rows) == 4


@pytest.mark.parametrize("client", ["globex", "Globex", "GLOBEX", "C0GLOBEX"])
def test_rows_filtered_by_client_key_name_or_channel(engine, settings, week, client):
    found = rows(engine, settings, date(2026, 3, 1), date(2026, 3, 6), client=client)
    assert [(r.entry_id, r.source, r.notes) for r in found] == [
        (week["manual"], "manual", "Set up accounts")
    ]


def test_rows_filtered_by_user(engine, settings, week):
    found = rows(engine, settings, date(2026, 3, 1), date(2026, 3, 6), user_id="U0VA2")
    assert [r.va for r in found] == ["Ken Sato"]


def test_a_workspaces_rows_leave_out_another_workspaces_time(engine, settings, week):
    with session_scope(engine) as session:
        other = resolve_actor(session, settings, "T0OTHER", "U0VA1", lambda _u: {"tz": "UTC"})
    elsewhere = add_entry(engine, other, "Elsewhere", ny(2026, 3, 4, 12), ny(2026, 3, 4, 13))
    ours = rows(engine, settings, date(2026, 3, 4), date(2026, 3, 4), team_id=TEAM)
    assert [r.entry_id for r in ours] == [week["morning"], week["late"]]
    every = rows(engine, settings, date(2026, 3, 4), date(2026, 3, 4))
    assert elsewhere in [r.entry_id for r in every]


def test_unknown_client_and_reversed_range_are_refused(engine, settings, week):
    with pytest.raises(InputError, match="No client called 'umbrella'"):
        rows(engine, settings, date(2026, 3, 1), date(2026, 3, 6), client="umbrella")
    with pytest.raises(InputError, match="before"):
        rows(engine, settings, date(2026, 3, 6), date(2026, 3, 1))


def test_an_entry_across_fall_back_bills_its_real_length(engine, settings):
    clock.set_now(ny(2026, 11, 2, 9, 0))
    ana = person(engine, settings, "U0VA1", "America/New_York")
    entry_id = add_entry(
        engine, ana, "Night shift", ny(2026, 11, 1, 0, 30), ny(2026, 11, 1, 1, 30, fold=1)
    )
    [row] = rows(engine, settings, date(2026, 11, 1), date(2026, 11, 1))
    assert (row.entry_id, row.day, row.hours) == (entry_id, date(2026, 11, 1), 2.0)
    [record] = parse_csv(csv_text([row]))[1:]
    assert record[COLUMNS.index("hours")] == "2.0000"


def test_an_entry_across_spring_forward_bills_its_real_length(engine, settings):
    clock.set_now(ny(2026, 3, 9, 9, 0))
    ana = person(engine, settings, "U0VA1", "America/New_York")
    add_entry(engine, ana, "Night shift", ny(2026, 3, 8, 1, 30), ny(2026, 3, 8, 3, 30))
    [row] = rows(engine, settings, date(2026, 3, 8), date(2026, 3, 8))
    assert row.hours == 1.0


# --------------------------------------------------------------------------- raw hours


@pytest.mark.parametrize(
    ("duration", "hours"),
    [
        (timedelta(minutes=90), 1.5),
        (timedelta(minutes=20), 0.3333),
        (timedelta(minutes=61), 1.0167),
        (timedelta(minutes=7), 0.1167),
        (timedelta(seconds=1), 0.0003),
        (timedelta(0), 0.0),
    ],
)
def test_hours_are_the_raw_time_in_decimal_hours(duration, hours):
    assert decimal_hours(duration) == hours


def test_rows_keep_the_raw_time_whatever_the_invoice_rounding(engine, settings, week):
    """Rounding is an invoice's: `rounding_minutes` changes nothing in the timesheet."""
    for minutes in (0, 15, 60):
        settings = replace(settings, billing=BillingSettings(rounding_minutes=minutes))
        found = rows(engine, settings, date(2026, 3, 5), date(2026, 3, 5), user_id="U0VA1")
        assert [r.hours for r in found] == [0.3333]


# --------------------------------------------------------------------------- billable


def test_billable_follows_the_rule(engine, settings, week):
    """A client's task is billable unless it or its category is marked off; internal work
    (no client) is not."""
    ana = person(engine, settings, "U0VA1", "America/New_York", "Ana Souza")
    day = (ny(2026, 3, 3, 9), ny(2026, 3, 3, 10))
    internal = add_entry(engine, ana, "Inbox zero", *day)
    switched_off = add_entry(engine, ana, "Goodwill", *day, "acme", billable=False)
    admin = add_entry(engine, ana, "Timesheets", *day, "acme", category="Internal admin")
    client_work = add_entry(engine, ana, "Bookkeeping", *day, "acme", category="Research")
    categories = {"Internal admin": {"phase": "I", "billable": False}, "Research": "I"}
    settings = replace(settings, delegation=DelegationSettings(categories=categories))
    found = {
        r.entry_id: r.billable for r in rows(engine, settings, date(2026, 3, 3), date(2026, 3, 3))
    }
    assert found == {internal: False, switched_off: False, admin: False, client_work: True}
    records = parse_csv(csv_text(rows(engine, settings, date(2026, 3, 3), date(2026, 3, 3))))
    assert [r[COLUMNS.index("billable")] for r in records[1:]] == ["no", "no", "no", "yes"]


# --------------------------------------------------------------------------- CSV


def test_csv_has_a_header_and_one_record_per_row(engine, settings, week):
    text = csv_text(rows(engine, settings, date(2026, 3, 4), date(2026, 3, 5)))
    records = parse_csv(text)
    assert records[0] == list(COLUMNS)
    assert len(records) == 5
    assert all(len(record) == len(COLUMNS) for record in records)
    first = dict(zip(COLUMNS, records[1], strict=True))
    assert first == {
        "date": "2026-03-04",
        "va": "Ana Souza",
        "client": "Acme Corp",
        "task_id": "T-1",
        "title": "Invoices",
        "start": "2026-03-04 09:00",
        "end": "2026-03-04 10:30",
        "hours": "1.5000",
        "billable": "yes",
        "source": "timer",
        "notes": "",
        "timezone": "America/New_York",
        "entry_id": str(week["morning"]),
        "va_user_id": "U0VA1",
        "start_utc": "2026-03-04T14:00:00Z",
        "end_utc": "2026-03-04T15:30:00Z",
    }


def test_csv_quotes_commas_newlines_and_quotes(engine, settings):
    clock.set_now(ny(2026, 3, 6, 12, 0))
    ana = person(engine, settings, "U0VA1", "America/New_York", "Souza, Ana")
    title = 'Invoice, "Q1"\nand the "Q2" draft'
    notes = "line one\r\nline two, with comma"
    add_entry(engine, ana, title, ny(2026, 3, 4, 9), ny(2026, 3, 4, 10), notes=notes)
    text = csv_text(rows(engine, settings, date(2026, 3, 4), date(2026, 3, 4)))
    assert '"Invoice, ""Q1""\nand the ""Q2"" draft"' in text
    assert '"Souza, Ana"' in text
    [header, record] = parse_csv(text)
    cells = dict(zip(header, record, strict=True))
    assert cells["title"] == title
    assert cells["notes"] == notes
    assert cells["va"] == "Souza, Ana"


def test_csv_keeps_emoji_and_right_to_left_text(engine, settings):
    clock.set_now(ny(2026, 3, 6, 12, 0))
    ana = person(engine, settings, "U0VA1", "America/New_York", "אנה 🌷")
    title = "تأكيد الموعد 📅 with Acme 👩🏽‍💻"
    add_entry(engine, ana, title, ny(2026, 3, 4, 9), ny(2026, 3, 4, 10), notes="שלום 👋")
    text = csv_text(rows(engine, settings, date(2026, 3, 4), date(2026, 3, 4)))
    cells = dict(zip(*parse_csv(text), strict=True))
    assert (cells["title"], cells["va"], cells["notes"]) == (title, "אנה 🌷", "שלום 👋")
    # what a spreadsheet reads from the bytes
    assert title in text.encode("utf-8").decode("utf-8")


@pytest.mark.parametrize(
    "text",
    ["=SUM(A1)", "+1 555 0100", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", '=HYPERLINK("x")'],
)
def test_csv_neutralizes_formula_looking_text(engine, settings, text):
    clock.set_now(ny(2026, 3, 6, 12, 0))
    settings = replace(settings, clients=(ClientSettings(key="evil", name=text, channel="C0EVIL"),))
    ana = person(engine, settings, "U0VA1", "America/New_York", text)
    add_entry(engine, ana, text, ny(2026, 3, 4, 9), ny(2026, 3, 4, 10), "evil", notes=text)
    [row] = rows(engine, settings, date(2026, 3, 4), date(2026, 3, 4))
    # the records themselves are untouched (titles and client names, read from the
    # settings, are stored stripped of outer whitespace)
    assert (row.va, row.client, row.title, row.notes) == (text, text.strip(), text.strip(), text)
    cells = dict(zip(*parse_csv(csv_text([row])), strict=True))
    for column in ("va", "notes"):
        assert cells[column] == "'" + text, column
    assert cells["title"] == cells["client"] == "'" + text.strip()


def test_csv_leaves_ordinary_text_alone(engine, settings):
    clock.set_now(ny(2026, 3, 6, 12, 0))
    ana = person(engine, settings, "U0VA1", "America/New_York", "Ana")
    add_entry(engine, ana, "Call Bob = 2 calls", ny(2026, 3, 4, 9), ny(2026, 3, 4, 10))
    text = csv_text(rows(engine, settings, date(2026, 3, 4), date(2026, 3, 4)))
    cells = dict(zip(*parse_csv(text), strict=True))
    assert cells["title"] == "Call Bob = 2 calls"


def test_csv_hours_are_plain_decimals(engine, settings, week):
    records = parse_csv(csv_text(rows(engine, settings, date(2026, 3, 1), date(2026, 3, 6))))
    hours = [record[COLUMNS.index("hours")] for record in records[1:]]
    assert hours == ["1.5000", "1.0000", "1.0000", "0.3333"]
    assert all(float(cell) >= 0 and ":" not in cell for cell in hours)


def test_an_empty_timesheet_is_just_the_header(engine, settings):
    assert parse_csv(csv_text([])) == [list(COLUMNS)]


def test_the_repeated_hour_of_a_fall_back_night_is_told_apart_in_utc(engine, settings):
    clock.set_now(ny(2026, 11, 2, 12))
    ana = person(engine, settings, "U0VA1", "America/New_York", "Ana Souza")
    add_entry(engine, ana, "Before", ny(2026, 11, 1, 1, 30), ny(2026, 11, 1, 1, 45))
    add_entry(engine, ana, "After", ny(2026, 11, 1, 1, 30, fold=1), ny(2026, 11, 1, 1, 45, fold=1))
    records = parse_csv(csv_text(rows(engine, settings, date(2026, 11, 1), date(2026, 11, 1))))
    cells = [dict(zip(records[0], record, strict=True)) for record in records[1:]]
    assert [c["start"] for c in cells] == ["2026-11-01 01:30", "2026-11-01 01:30"]
    assert [c["start_utc"] for c in cells] == ["2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z"]
    assert [c["hours"] for c in cells] == ["0.2500", "0.2500"]
