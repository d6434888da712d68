"""Parsing of command input: every accepted form, and refusals that say what is accepted."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest

from bot.services.errors import InputError, NotFound
from bot.services.parsing import (
    TaskDraft,
    extract_channel_id,
    extract_user_id,
    format_duration,
    format_task_id,
    parse_clock_time,
    parse_date,
    parse_duration,
    parse_followup,
    parse_task_add,
    parse_task_id,
    parse_timer_log,
    split_command,
)

WEDNESDAY = date(2026, 3, 4)


# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("1h30m", 90),
        ("1h 30m", 90),
        ("1H30M", 90),
        ("90m", 90),
        ("90min", 90),
        ("90 mins", 90),
        ("1.5h", 90),
        ("2h", 120),
        ("2 hours", 120),
        ("0:45", 45),
        ("1:30", 90),
        ("1h30", 90),
        ("1.25h", 75),
        ("24h", 24 * 60),
        (" 15m ", 15),
    ],
)
def test_parse_duration_accepts(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


def test_parse_duration_rounds_to_the_second() -> None:
    assert parse_duration("0.01h") == timedelta(seconds=36)
    assert parse_duration("1.5m") == timedelta(seconds=90)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "'abc' is not a duration; use 1h30m, 90m, 1.5h or 0:45"),
        ("-5m", "'-5m': a duration must be positive"),
        ("0m", "'0m': a duration must be positive"),
        ("0:00", "'0:00': a duration must be positive"),
        ("25h", "'25h' is longer than 24 hours"),
        ("45", "'45' is not a duration (add a unit, e.g. 45m); use 1h30m, 90m, 1.5h or 0:45"),
        ("45s", "'45s' is not a duration"),
        ("", "'' is not a duration"),
        ("1:75", "'1:75' is not a duration"),
        ("h", "'h' is not a duration"),
    ],
)
def test_parse_duration_refuses(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_duration(text)
    assert str(caught.value).startswith(message)


def test_parse_duration_huge_number_is_refused_cleanly() -> None:
    with pytest.raises(InputError, match="is not a duration"):
        parse_duration("9" * 400 + "h")
    for digits in ("9" * 5000 + "m", "9" * 5000 + ":00", "9" * 5000):
        with pytest.raises(InputError) as caught:
            parse_duration(digits)
        assert "is not a duration" in caught.value.message
        assert len(caught.value.message) < 200  # the input is quoted short, not echoed whole


def test_parse_duration_quotes_the_input_inert() -> None:
    with pytest.raises(InputError) as caught:
        parse_duration("<!channel>")
    assert caught.value.message.startswith("'&lt;!channel&gt;' is not a duration")


def test_parse_duration_max_hours() -> None:
    assert parse_duration("2h", max_hours=2) == timedelta(hours=2)
    with pytest.raises(InputError, match=r"^'3h' is longer than 2 hours$"):
        parse_duration("3h", max_hours=2)
    with pytest.raises(InputError, match=r"^'90m' is longer than 1 hour$"):
        parse_duration("90m", max_hours=1)


@pytest.mark.parametrize(
    ("td", "text"),
    [
        (timedelta(minutes=90), "1h 30m"),
        (timedelta(minutes=45), "45m"),
        (timedelta(0), "0m"),
        (timedelta(hours=2), "2h"),
        (timedelta(hours=26, minutes=5), "26h 5m"),
        (timedelta(minutes=44, seconds=30), "45m"),
        (timedelta(seconds=20), "0m"),
    ],
)
def test_format_duration(td: timedelta, text: str) -> None:
    assert format_duration(td) == text


# --------------------------------------------------------------------------- dates and times


@pytest.mark.parametrize(
    ("text", "direction", "expected"),
    [
        ("today", "future", WEDNESDAY),
        ("Today", "past", WEDNESDAY),
        ("yesterday", "future", date(2026, 3, 3)),
        ("tomorrow", "past", date(2026, 3, 5)),
        ("wed", "future", WEDNESDAY),
        ("wednesday", "past", WEDNESDAY),
        ("fri", "future", date(2026, 3, 6)),
        ("Friday", "past", date(2026, 2, 27)),
        ("MON", "future", date(2026, 3, 9)),
        ("monday", "past", date(2026, 3, 2)),
        ("tue", "future", date(2026, 3, 10)),
        ("sun", "future", date(2026, 3, 8)),
        ("2026-12-25", "future", date(2026, 12, 25)),
        ("2025-01-02", "future", date(2025, 1, 2)),
    ],
)
def test_parse_date(text: str, direction: str, expected: date) -> None:
    assert parse_date(text, today=WEDNESDAY, direction=direction) == expected  # type: ignore[arg-type]


def test_parse_date_defaults_to_the_future() -> None:
    assert parse_date("thu", today=WEDNESDAY) == date(2026, 3, 5)


@pytest.mark.parametrize("text", ["next week", "12/25", "20261225", "2026-02-30", "", "fridya"])
def test_parse_date_refuses(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_date(text, today=WEDNESDAY)
    message = str(caught.value)
    assert f"'{text}'" in message
    assert "today, yesterday, tomorrow, a weekday" in message and "YYYY-MM-DD" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:00", time(9, 0)),
        ("09:00", time(9, 0)),
        ("17:30", time(17, 30)),
        ("0:00", time(0, 0)),
        ("5pm", time(17, 0)),
        ("5 PM", time(17, 0)),
        ("5:30pm", time(17, 30)),
        ("9am", time(9, 0)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("12:15 a.m.", time(0, 15)),
    ],
)
def test_parse_clock_time(text: str, expected: time) -> None:
    assert parse_clock_time(text) == expected


@pytest.mark.parametrize("text", ["17", "24:00", "13pm", "0am", "9:60", "noon", "", "9:5"])
def test_parse_clock_time_refuses(text: str) -> None:
    with pytest.raises(InputError, match="is not a time of day; use 9:00, 17:30, 9am or 5:30pm"):
        parse_clock_time(text)


# --------------------------------------------------------------------------- task ids, commands


@pytest.mark.parametrize("text", ["T-12", "t-12", "T12", "12", " T-12 ", "T-012"])
def test_parse_task_id(text: str) -> None:
    assert parse_task_id(text) == 12


@pytest.mark.parametrize("text", ["X", "T-", "task 12", "#12", "T--12", "-12", "12a", ""])
def test_parse_task_id_refuses(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_task_id(text)
    assert str(caught.value) == f"'{text.strip()}' is not a task id; task ids look like T-12"


@pytest.mark.parametrize(
    ("text", "shown"),
    [("T-0", "T-0"), ("T-2147483648", "T-2147483648"), ("T-" + "9" * 5000, "T-" + "9" * 19)],
)
def test_a_task_id_no_task_can_have_is_not_found(text: str, shown: str) -> None:
    with pytest.raises(NotFound) as caught:
        parse_task_id(text)
    assert caught.value.message.startswith(f"There is no {shown}")
    assert parse_task_id("T-2147483647") == 2**31 - 1


def test_format_task_id() -> None:
    assert format_task_id(12) == "T-12"
    assert parse_task_id(format_task_id(7)) == 7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("add Call Bob back", ("add", "Call Bob back")),
        ("  LIST   mine  ", ("list", "mine")),
        ("help", ("help", "")),
        ("", ("", "")),
        ("   ", ("", "")),
        ("done T-3\nwith notes", ("done", "T-3\nwith notes")),
    ],
)
def test_split_command(text: str, expected: tuple[str, str]) -> None:
    assert split_command(text) == expected


def test_extract_ids() -> None:
    assert extract_user_id("<@U0123|bob>") == "U0123"
    assert extract_user_id("<@W0123>") == "W0123"
    assert extract_user_id("week <@U0ABC|ann>") == "U0ABC"
    assert extract_user_id("@bob") is None
    assert extract_user_id("<#C0123|general>") is None
    assert extract_channel_id("<#C0123|general>") == "C0123"
    assert extract_channel_id("<#G0123>") == "G0123"
    assert extract_channel_id("<@U0123>") is None
    assert extract_channel_id("#general") is None


# --------------------------------------------------------------------------- /task add


def test_task_add_title_only() -> None:
    assert parse_task_add("Call Bob back", today=WEDNESDAY) == TaskDraft(title="Call Bob back")


def test_task_add_all_options() -> None:
    draft = parse_task_add(
        "Send the invoice <#C0123|acme> <@U0456|ann> due fri !high", today=WEDNESDAY
    )
    assert draft == TaskDraft(
        title="Send the invoice",
        channel_id="C0123",
        assignee_id="U0456",
        due=date(2026, 3, 6),
        priority="high",
    )


def test_task_add_options_anywhere() -> None:
    draft = parse_task_add(
        "!LOW <@U0456> Update   the CRM due 2026-04-01 for <#C0123> leads", today=WEDNESDAY
    )
    assert draft.title == "Update the CRM for leads"
    assert draft.assignee_id == "U0456"
    assert draft.channel_id == "C0123"
    assert draft.due == date(2026, 4, 1)
    assert draft.priority == "low"


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("today", WEDNESDAY),
        ("tomorrow", date(2026, 3, 5)),
        ("Wednesday", WEDNESDAY),
        ("mon", date(2026, 3, 9)),
        ("2026-05-01", date(2026, 5, 1)),
    ],
)
def test_task_add_due_dates(word: str, expected: date) -> None:
    draft = parse_task_add(f"Book flights DUE {word}", today=WEDNESDAY)
    assert draft.due == expected
    assert draft.title == "Book flights"


def test_task_add_normal_priority() -> None:
    assert parse_task_add("Tidy inbox !Normal", today=WEDNESDAY).priority == "normal"


def test_task_add_keeps_emoji_and_rtl_text() -> None:
    draft = parse_task_add("تقرير العميل 📊 due tomorrow", today=WEDNESDAY)
    assert draft.title == "تقرير العميل 📊"
    assert draft.due == date(2026, 3, 5)
    assert (
        parse_task_add(":tada: Launch 🚀 party", today=WEDNESDAY).title == ":tada: Launch 🚀 party"
    )


def test_task_add_keeps_links_and_other_markup_verbatim() -> None:
    draft = parse_task_add(
        "Review <https://example.com|link> and *bold* `code` <!here>", today=WEDNESDAY
    )
    assert draft.title == "Review <https://example.com|link> and *bold* `code` <!here>"


def test_task_add_does_not_read_options_inside_a_link_label() -> None:
    draft = parse_task_add("Read <https://example.com|what is due today !high>", today=WEDNESDAY)
    assert draft.title == "Read <https://example.com|what is due today !high>"
    assert draft.due is None
    assert draft.priority == "normal"


def test_task_add_due_as_an_ordinary_word() -> None:
    draft = parse_task_add("Pay what is due to Acme", today=WEDNESDAY)
    assert draft.title == "Pay what is due to Acme"
    assert draft.due is None
    assert parse_task_add("Invoice due", today=WEDNESDAY).title == "Invoice due"


def test_task_add_exclamation_inside_words_is_title_text() -> None:
    assert parse_task_add("Say hi! to Bob", today=WEDNESDAY).title == "Say hi! to Bob"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "A task needs a title: /task add &lt;title&gt;"),
        ("   ", "A task needs a title: /task add &lt;title&gt;"),
        ("<@U0456> due fri !high", "A task needs a title: /task add &lt;title&gt;"),
        ("Call <#C01> and <#C02>", "A task has one channel"),
        ("Call <@U01> and <@U02>", "A task has one assignee"),
        ("Call due fri due mon", "A task has one due date"),
        ("Call !high !low", "A task has one priority"),
        ("Call !urgent", "'!urgent' is not a priority; use !high, !low or !normal"),
        ("Call due 12/25", "'12/25' after 'due' is not a date; use today"),
        ("Call due 2026-02-30", "'2026-02-30' after 'due' is not a date"),
        ("Call due fridya", "'fridya' after 'due' is not a date"),
    ],
)
def test_task_add_refuses(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_task_add(text, today=WEDNESDAY)
    assert str(caught.value).startswith(message)


def test_task_add_same_option_twice_is_fine() -> None:
    draft = parse_task_add("Call <@U01> (<@U01|ann>) !high !HIGH", today=WEDNESDAY)
    assert draft.assignee_id == "U01"
    assert draft.priority == "high"
    assert draft.title == "Call ( )"


def test_task_add_title_length() -> None:
    assert len(parse_task_add("x" * 500, today=WEDNESDAY).title) == 500
    with pytest.raises(InputError, match="at most 500 characters; this one has 501"):
        parse_task_add("x" * 501 + " due today", today=WEDNESDAY)


def test_timer_log_reads_task_duration_day_and_notes():
    today = date(2026, 11, 23)  # a Monday
    draft = parse_timer_log("T-12 1h30m yesterday scanned receipts", today=today)
    assert (draft.task_number, draft.duration, draft.day, draft.notes) == (
        12,
        timedelta(minutes=90),
        date(2026, 11, 22),
        "scanned receipts",
    )
    assert parse_timer_log("t-3 45m", today=today).day == today
    friday = parse_timer_log("T-3 0:45 Friday's call with Acme", today=today)
    assert (friday.day, friday.notes) == (today, "Friday's call with Acme")
    assert parse_timer_log("T-3 45m friday", today=today).day == date(2026, 11, 20)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("T-3", "Usage: /timer log"),
        ("T-3 abc", "'abc' is not a duration"),
        ("T-3 -5m", "positive"),
        ("T-3 25h", "longer than 24 hours"),
        ("banana 30m", "not a task id"),
        ("T-3 30m 2026-13-01", "2026-13-01"),
    ],
)
def test_timer_log_refusals_say_why(text, reason):
    with pytest.raises(InputError, match=re.escape(reason)):
        parse_timer_log(text, today=date(2026, 11, 23))


def test_followup_reads_a_trailing_due_date():
    today = date(2026, 11, 23)
    draft = parse_followup("T-4 Chase the receipt due tomorrow", today=today)
    assert (draft.task_number, draft.text, draft.due) == (
        4,
        "Chase the receipt",
        date(2026, 11, 24),
    )
    plain = parse_followup("T-4 Ask what is due next", today=today)
    assert (plain.text, plain.due) == ("Ask what is due next", None)
    with pytest.raises(InputError, match="Usage: /task followup"):
        parse_followup("", today=today)
    with pytest.raises(InputError, match="fridya"):
        parse_followup("T-4 Call back due fridya", today=today)
