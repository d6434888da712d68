"""The pipeline service on a pinned clock: moves (who may, the lost reason, the history,
the deal's amount and close date), the amounts people type, the names and stages of
`/pipeline move`, and what each stage holds (counts, the longest in it, weighted totals,
a stage gone from the settings)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from bot import clock
from bot.services import contacts, pipeline
from bot.services.contacts import NewContact
from bot.services.errors import (
    AlreadyDone,
    FieldErrors,
    InputError,
    NotFound,
    PermissionDenied,
)
from bot.services.parsing import take_move_options
from bot.settings.schema import BillingSettings, PipelineSettings
from store.db import session_scope
from store.models import Contact, ContactEvent

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # a Wednesday, 10:00 in New York
TEAM = "T0TEAM"


@pytest.fixture(autouse=True)
def _pinned_clock() -> None:
    clock.set_now(NOW)


def add(engine, settings, actor, name: str, days_ago: int = 0, **fields) -> Contact:
    clock.set_now(NOW - timedelta(days=days_ago))
    try:
        with session_scope(engine) as session:
            new = NewContact(name=name, **fields)
            return contacts.create_contact(session, settings, actor, new)
    finally:
        clock.set_now(NOW)


def move(engine, settings, actor, contact, stage, note=None, **deal) -> pipeline.Move:
    with session_scope(engine) as session:
        return pipeline.move_contact(session, settings, actor, contact, stage, note, **deal)


def history(engine, contact) -> list[ContactEvent]:
    with session_scope(engine) as session:
        return list(
            session.exec(
                select(ContactEvent)
                .where(ContactEvent.contact_id == contact.id)
                .order_by(ContactEvent.id)
            )
        )


def stored(engine, contact) -> Contact:
    with session_scope(engine) as session:
        return session.get_one(Contact, contact.id)


def with_stages(settings, *stages: dict):
    return dataclasses.replace(
        settings, pipeline=PipelineSettings.model_validate({"stages": stages})
    )


def with_currency(settings, currency: str):
    billing = BillingSettings.model_validate({"currency": currency})
    return dataclasses.replace(settings, billing=billing)


def test_a_move_is_kept_in_the_history_with_who_when_from_to_and_the_note(
    engine, settings, actor_for
):
    va = actor_for("U0VA1")
    contact = add(engine, settings, va, "Bob Jones", days_ago=5, owner_id="U0VA1")
    moved = move(engine, settings, va, contact, " booked ", "  Sent the quote  ")
    assert (moved.from_stage, moved.to_stage.name, moved.note, moved.won) == (
        "Lead",
        "Booked",
        "Sent the quote",
        False,
    )
    step = history(engine, contact)[-1]
    assert (step.kind, step.actor_id, step.at, step.from_stage, step.to_stage, step.note) == (
        "moved",
        "U0VA1",
        NOW,
        "Lead",
        "Booked",
        "Sent the quote",
    )
    row = stored(engine, contact)
    assert (row.stage, row.stage_since, row.last_touch_at, row.updated_at) == (
        "Booked",
        NOW,
        NOW,
        NOW,
    )


def test_a_won_move_says_so(engine, settings, actor_for):
    va = actor_for("U0VA1")
    contact = add(engine, settings, va, "Bob Jones")
    assert move(engine, settings, va, contact, "Closed").won


def test_a_lost_move_needs_a_reason_and_keeps_it(engine, settings, actor_for):
    va = actor_for("U0VA1")
    contact = add(engine, settings, va, "Bob Jones")
    for note in (None, "   "):
        with pytest.raises(FieldErrors) as refused:
            move(engine, settings, va, contact, "lost", note)
        assert set(refused.value.errors) == {pipeline.NOTE_FIELD}
        assert "needs a reason" in refused.value.message
    assert stored(engine, contact).stage == "Lead"
    move(engine, settings, va, contact, "Lost", "Went with a cheaper agency")
    step = history(engine, contact)[-1]
    assert (step.to_stage, step.note) == ("Lost", "Went with a cheaper agency")


def test_an_unknown_stage_is_refused_with_the_valid_ones(engine, settings, actor_for):
    va = actor_for("U0VA1")
    contact = add(engine, settings, va, "Bob Jones")
    with pytest.raises(InputError) as refused:
        move(engine, settings, va, contact, "Negotiating")
    assert "Lead, Booked, Closed, Lost" in refused.value.message
    assert [e.kind for e in history(engine, contact)] == ["created"]


def test_a_move_to_the_stage_it_is_in_is_refused(engine, settings, actor_for):
    va = actor_for("U0VA1")
    contact = add(engine, settings, va, "Bob Jones", days_ago=4)
    with pytest.raises(AlreadyDone) as refused:
        move(engine, settings, va, contact, "LEAD")
    assert refused.value.message == "Bob Jones is already in Lead (4 days)."


def test_an_archived_contact_is_not_moved(engine, settings, actor_for):
    va = actor_for("U0VA1")
    contact = add(engine, settings, va, "Bob Jones")
    with session_scope(engine) as session:
        row = session.get_one(Contact, contact.id)
        row.archived_at, row.archived_by = NOW, "U0VA1"
    with pytest.raises(InputError) as refused:
        move(engine, settings, va, contact, "Booked")
    assert "is archived" in refused.value.message
    assert stored(engine, contact).stage == "Lead"


def test_a_va_moves_their_own_and_unowned_contacts_a_supervisor_any(engine, settings, actor_for):
    va1, va2, supervisor = actor_for("U0VA1"), actor_for("U0VA2"), actor_for("U0SUPER")
    owned = add(engine, settings, va1, "Bob Jones", owner_id="U0VA1")
    unowned = add(engine, settings, va1, "Ann Lee")
    with pytest.raises(PermissionDenied) as refused:
        move(engine, settings, va2, owned, "Booked")
    assert "<@U0VA1>'s contact" in refused.value.message
    assert stored(engine, owned).stage == "Lead"
    move(engine, settings, va2, unowned, "Booked")
    move(engine, settings, supervisor, owned, "Booked")
    assert history(engine, owned)[-1].actor_id == "U0SUPER"


def test_an_amount_and_close_date_are_kept_with_an_edited_step(engine, settings, actor_for):
    va = actor_for("U0VA1")
    contact = add(engine, settings, va, "Bob Jones")
    close = date(2026, 3, 20)
    move(engine, settings, va, contact, "Booked", amount_minor=500_000, expected_close=close)
    row = stored(engine, contact)
    assert (row.amount_minor, row.currency, row.expected_close) == (500_000, "USD", close)
    edited = history(engine, contact)[-1]
    assert edited.kind == "edited"
    assert json.loads(edited.note) == {
        "amount": [None, "$5,000.00"],
        "expected close": [None, "2026-03-20"],
    }
    move(engine, settings, va, contact, "Lead", amount_minor=650_000, expected_close=close)
    assert json.loads(history(engine, contact)[-1].note) == {"amount": ["$5,000.00", "$6,500.00"]}
    move(engine, settings, va, contact, "Closed", amount_minor=650_000)
    # The same amount: nothing edited; the won move starts the contact's onboarding.
    assert [step.kind for step in history(engine, contact)[-2:]] == ["moved", "onboarding"]


def test_an_expected_close_in_the_past_is_refused(engine, settings, actor_for):
    va = actor_for("U0VA1")
    contact = add(engine, settings, va, "Bob Jones")
    with pytest.raises(FieldErrors) as refused:
        move(engine, settings, va, contact, "Booked", expected_close=date(2026, 3, 3))
    assert refused.value.errors == {
        pipeline.CLOSE_FIELD: "The expected close, Tue 2026-03-03, is in the past; "
        "pick today or a later day."
    }
    move(engine, settings, va, contact, "Booked", expected_close=date(2026, 3, 4))


def test_today_is_the_movers_own_day(engine, settings, actor_for):
    """At 02:00 UTC on the 5th it is still the 4th in New York and already the 5th in Manila."""
    clock.set_now(datetime(2026, 3, 5, 2, 0, tzinfo=UTC))
    ny, manila = actor_for("U0VA1"), actor_for("U0VA2", "Asia/Manila")
    first = add(engine, settings, ny, "Bob Jones")
    second = add(engine, settings, manila, "Ann Lee")
    clock.set_now(datetime(2026, 3, 5, 2, 0, tzinfo=UTC))
    move(engine, settings, ny, first, "Booked", expected_close=date(2026, 3, 4))
    with pytest.raises(FieldErrors):
        move(engine, settings, manila, second, "Booked", expected_close=date(2026, 3, 4))


def test_move_from_form_names_every_wrong_field_at_once(engine, settings, actor_for):
    va = actor_for("U0VA1")
    contact = add(engine, settings, va, "Bob Jones")
    with session_scope(engine) as session, pytest.raises(FieldErrors) as refused:
        pipeline.move_from_form(
            session, settings, va, contact.id, "Lost", " ", "12.345", date(2026, 1, 1)
        )
    assert set(refused.value.errors) == {
        pipeline.NOTE_FIELD,
        pipeline.AMOUNT_FIELD,
        pipeline.CLOSE_FIELD,
    }
    assert "more decimals than USD uses" in refused.value.errors[pipeline.AMOUNT_FIELD]


@pytest.mark.parametrize(
    ("written", "minor"),
    [
        ("1500", 150_000),
        ("1,500.50", 150_050),
        ("$1,500.5", 150_050),
        ("1500 USD", 150_000),
        ("usd 0.99", 99),
        (".5", 50),
        ("0", 0),
        ("1,000,000,000,000", 100_000_000_000_000),
    ],
)
def test_amounts_are_read_in_the_workspaces_currency(settings, written, minor):
    assert pipeline.parse_amount(settings, written) == minor


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("", "is not an amount in USD"),
        ("-5", "is not an amount in USD"),
        ("five", "is not an amount in USD"),
        ("€5", "is not an amount in USD"),
        ("1,50", "is not an amount in USD: write it like 1200, 1,200 or $1,200.00."),
        ("12.345", "more decimals than USD uses; nothing is rounded away"),
        ("1000000000000.01", "is over $1,000,000,000,000.00"),
    ],
)
def test_amounts_people_cannot_mean_are_refused(settings, written, why):
    with pytest.raises(InputError) as refused:
        pipeline.parse_amount(settings, written)
    assert why in refused.value.message


def test_an_amount_in_yen_has_no_decimals(settings):
    yen = with_currency(settings, "JPY")
    assert pipeline.parse_amount(yen, "¥150,000") == 150_000
    with pytest.raises(InputError) as refused:
        pipeline.parse_amount(yen, "1.5")
    assert "write it with no decimals" in refused.value.message


def test_options_at_the_end_of_a_move_are_taken_off_the_note():
    today = date(2026, 3, 4)
    taken = take_move_options("Bob Booked call back close friday amount $5,000", today=today)
    assert (taken.text, taken.amount, taken.close) == (
        "Bob Booked call back",
        "$5,000",
        date(2026, 3, 6),
    )
    kept = take_move_options("Bob Booked close the file amount due", today=today)
    assert (kept.text, kept.amount, kept.close) == (
        "Bob Booked close the file amount due",
        None,
        None,
    )
    with pytest.raises(InputError) as refused:
        take_move_options("Bob Booked close 2026-02-30", today=today)
    assert "after 'close' is not a date" in refused.value.message


def test_names_and_stages_with_spaces_are_read_longest_first(engine, settings, actor_for):
    spaced = with_stages(
        settings,
        {"name": "Lead", "type": "open"},
        {"name": "Closed", "type": "open"},
        {"name": "Closed Won", "type": "won"},
        {"name": "Lost", "type": "lost"},
    )
    va = actor_for("U0VA1")
    bob = add(engine, spaced, va, "Bob")
    bob_lead = add(engine, spaced, va, "Bob Lead")
    with session_scope(engine) as session:
        read = pipeline.read_move(session, spaced, TEAM, "bob  lead closed won  paid   in full")
        assert (read.contact.id, read.stage, read.note) == (
            bob_lead.id,
            "Closed Won",
            "paid   in full",
        )
        # "Bob Lead" is a name, but nothing after it is a stage: "Bob" is the name.
        read = pipeline.read_move(session, spaced, TEAM, "Bob Lead")
        assert (read.contact.id, read.stage, read.note) == (bob.id, "Lead", None)


def test_a_move_naming_nobody_or_no_stage_is_refused(engine, settings, actor_for):
    va = actor_for("U0VA1")
    add(engine, settings, va, "Bob Jones")
    with session_scope(engine) as session:
        with pytest.raises(InputError) as refused:
            pipeline.read_move(session, settings, TEAM, "Bob Jones Negotiating now")
        assert "no stage 'Negotiating'" in refused.value.message
        assert "Lead, Booked, Closed, Lost" in refused.value.message
        with pytest.raises(NotFound) as refused:
            pipeline.read_move(session, settings, TEAM, "Jonas Booked")
        assert "no contact 'Jonas'" in refused.value.message
        with pytest.raises(NotFound) as refused:
            pipeline.read_move(session, settings, TEAM, "Jonas Smith")
        assert "No contact's name begins 'Jonas Smith'" in refused.value.message
        with pytest.raises(InputError) as refused:
            pipeline.read_move(session, settings, TEAM, "Bob")
        assert "Usage" in refused.value.message


def test_two_contacts_of_one_name_are_named_not_guessed(engine, settings, actor_for):
    va = actor_for("U0VA1")
    first = add(engine, settings, va, "Bob Jones")
    with session_scope(engine) as session:
        second = Contact(**{**first.model_dump(exclude={"id"}), "email": "bob@example.com"})
        session.add(second)
    with session_scope(engine) as session, pytest.raises(contacts.AmbiguousContact):
        pipeline.read_move(session, settings, TEAM, "Bob Jones Booked")


def _deals(engine, settings, actor) -> None:
    """Lead: three contacts (two with amounts); Booked: one; Lost: one; one archived."""
    for name, days, amount in (("Ann", 30, 100_000), ("Bob", 20, None), ("Cy", 10, 50_001)):
        contact = add(engine, settings, actor, name, days_ago=days)
        if amount is not None:
            with session_scope(engine) as session:
                row = session.get_one(Contact, contact.id)
                row.amount_minor, row.currency = amount, "USD"
    booked = add(engine, settings, actor, "Dee", days_ago=40)
    clock.set_now(NOW - timedelta(days=2))
    move(engine, settings, actor, booked, "Booked", amount_minor=300_000)
    lost = add(engine, settings, actor, "Eve", days_ago=3)
    move(engine, settings, actor, lost, "Lost", "No budget", amount_minor=70_000)
    gone = add(engine, settings, actor, "Fay", days_ago=50)
    with session_scope(engine) as session:
        row = session.get_one(Contact, gone.id)
        row.archived_at = NOW - timedelta(days=1)
    clock.set_now(NOW)


def test_the_summary_counts_weighs_and_shows_the_oldest_per_stage(engine, settings, actor_for):
    _deals(engine, settings, actor_for("U0OWNER"))
    with session_scope(engine) as session:
        summary = pipeline.pipeline_summary(session, settings, TEAM, oldest_per_stage=2)
    lead, booked, closed, lost = summary.stages
    assert [s.name for s in summary.stages] == ["Lead", "Booked", "Closed", "Lost"]
    assert [s.count for s in summary.stages] == [3, 1, 0, 1]
    assert [(e.contact.name, e.days) for e in lead.oldest] == [("Ann", 30), ("Bob", 20)]
    assert [(e.contact.name, e.days) for e in booked.oldest] == [("Dee", 2)]
    # Lead weighs 10 %: 1,500.01 x 10 % = 150.001, rounded to the cent.
    assert (lead.amounts, lead.weighted) == ({"USD": 150_001}, {"USD": 15_000})
    assert (booked.amounts, booked.weighted) == ({"USD": 300_000}, {"USD": 150_000})
    assert (closed.amounts, closed.oldest) == ({}, ())
    assert (lost.amounts, lost.weighted) == ({"USD": 70_000}, {"USD": 0})
    assert (summary.count, summary.amounts, summary.weighted) == (
        5,
        {"USD": 520_001},
        {"USD": 165_000},
    )


def test_a_stage_taken_out_of_the_settings_still_shows_its_contacts(engine, settings, actor_for):
    _deals(engine, settings, actor_for("U0OWNER"))
    trimmed = with_stages(
        settings,
        {"name": "Lead", "type": "open", "probability": 20},
        {"name": "Closed", "type": "won"},
        {"name": "Lost", "type": "lost"},
    )
    with session_scope(engine) as session:
        summary = pipeline.pipeline_summary(session, trimmed, TEAM)
        listed = pipeline.stage_list(session, trimmed, TEAM, "booked")
    assert [(s.name, s.in_settings, s.count) for s in summary.stages] == [
        ("Lead", True, 3),
        ("Closed", True, 0),
        ("Lost", True, 1),
        ("Booked", False, 1),
    ]
    gone = summary.stages[-1]
    assert (gone.amounts, gone.weighted) == ({"USD": 300_000}, {"USD": 0})
    assert summary.count == 5 and summary.amounts == {"USD": 520_001}
    assert summary.weighted == {"USD": 30_000}  # Lead at 20 %; Booked has no weight now
    assert (listed.figures.name, listed.figures.stage, listed.more) == ("Booked", None, 0)
    assert [e.contact.name for e in listed.figures.oldest] == ["Dee"]
    # A contact in the removed stage moves to a stage of the settings.
    dee = listed.figures.oldest[0].contact
    moved = move(engine, trimmed, actor_for("U0OWNER"), dee, "Closed")
    assert (moved.from_stage, moved.to_stage.name) == ("Booked", "Closed")


def test_a_stage_list_is_oldest_first_up_to_its_limit(engine, settings, actor_for):
    _deals(engine, settings, actor_for("U0OWNER"))
    with session_scope(engine) as session:
        listed = pipeline.stage_list(session, settings, TEAM, " LEAD ", limit=2)
        empty = pipeline.stage_list(session, settings, TEAM, "closed")
        with pytest.raises(InputError) as refused:
            pipeline.stage_list(session, settings, TEAM, "Won")
    assert [(e.contact.name, e.days) for e in listed.figures.oldest] == [("Ann", 30), ("Bob", 20)]
    assert (listed.figures.count, listed.more) == (3, 1)
    assert (empty.figures.count, empty.figures.oldest) == (0, ())
    assert "Lead, Booked, Closed, Lost" in refused.value.message


def test_the_summary_is_one_grouped_query_and_one_per_stage_on_the_stage_index(
    engine, settings, actor_for
):
    _deals(engine, settings, actor_for("U0OWNER"))
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with session_scope(engine) as session:
            pipeline.pipeline_summary(session, settings, TEAM)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    reads = [(s, p) for s, p in statements if "FROM contact" in s]
    assert len(reads) == 1 + 3  # the grouped query, then Lead, Booked and Lost
    assert "GROUP BY" in reads[0][0]
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        for statement, parameters in reads:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            details = " ".join(row[3] for row in plan)
            assert "USING INDEX ix_contact_team_stage" in details, details
            assert "SCAN contact" not in details, details
            assert "FOR ORDER BY" not in details, details  # read in the index's order


def test_a_move_reads_the_contact_again_once_locked(engine, settings, actor_for):
    """A contact read before another unit of work moved it is moved from where it is now
    (PostgreSQL: SQLite has one writer at a time, so nothing can change in between)."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs one unit of work at a time")
    va, supervisor = actor_for("U0VA1"), actor_for("U0SUPER")
    contact = add(engine, settings, va, "Bob Jones")
    with Session(engine, expire_on_commit=False) as first:
        seen = first.get_one(Contact, contact.id)
        assert seen.stage == "Lead"
        move(engine, settings, supervisor, contact, "Booked")
        with pytest.raises(AlreadyDone):
            pipeline.move_contact(first, settings, va, seen, "Booked")
        first.rollback()
    assert len([e for e in history(engine, contact) if e.kind == "moved"]) == 1
