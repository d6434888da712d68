"""Property-based tests of every parser people's typing reaches: whatever the text, a
parser either reads it or refuses it with VA Desk's own refusal (a sentence, short, with
no live mention in it) — never another exception."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.services import parsing
from bot.services.errors import VADeskError
from bot.services.tasks import parse_status

TODAY = date(2026, 11, 25)

# Words the grammars know, mixed with markup, huge numbers and bytes nobody types.
TOKENS = [
    "T-1", "t-12", "T-0", "T-2147483648", "E-3", "#12", "1h30m", "90m", "1.5h", "0:45", ".5h",
    "-5m", "45", "24h", "25h", "today", "yesterday", "tomorrow", "fri", "friday", "fridya",
    "2026-02-30", "9999-12-31", "0001-01-01", "12/25", "due", "!high", "!low", "!urgent",
    "<@U0VA1>", "<@U0VA2|maria>", "<#C0ACME|acme>", "<#C1>", "<!channel>", "<!here>",
    "<https://example.com|due fri>", "&lt;", "\0", "\ud7ff", "in progress", "9am", "17:30",
]  # fmt: skip
HUGE_NUMBER = st.integers(4301, 4400).map(lambda digits: "9" * digits)  # past int()'s limit
PHRASES = st.lists(
    st.one_of(st.sampled_from(TOKENS), st.text(max_size=8), HUGE_NUMBER.map(lambda n: n + "m")),
    max_size=8,
).map(" ".join)
TEXT = st.one_of(st.text(), PHRASES, HUGE_NUMBER)


def _reads_or_refuses(parse, text: str):
    try:
        return parse(text)
    except VADeskError as refusal:
        message = refusal.message
        assert message and len(message) < 600
        assert "<!" not in message, message  # what was typed is quoted inert
        return None


@settings(max_examples=300, deadline=None)
@given(TEXT)
@example("9" * 5000 + ":00")
@example("<!channel>")
def test_durations(text: str) -> None:
    duration = _reads_or_refuses(parsing.parse_duration, text)
    if duration is not None:
        assert timedelta(0) < duration <= timedelta(hours=24)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.sampled_from(["future", "past"]))
def test_dates(text: str, direction: str) -> None:
    _reads_or_refuses(lambda t: parsing.parse_date(t, today=TODAY, direction=direction), text)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_clock_times(text: str) -> None:
    _reads_or_refuses(parsing.parse_clock_time, text)


@settings(max_examples=300, deadline=None)
@given(TEXT)
@example("T-" + "9" * 5000)
def test_task_and_entry_ids(text: str) -> None:
    for parse in (parsing.parse_task_id, parsing.parse_entry_id):
        number = _reads_or_refuses(parse, text)
        if number is not None:
            assert 0 < number <= parsing.MAX_ID


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_statuses(text: str) -> None:
    status = _reads_or_refuses(parse_status, text)
    assert status is None or status in ("open", "in_progress", "waiting", "done", "cancelled")


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_commands_and_mentions(text: str) -> None:
    word, rest = parsing.split_command(text)
    assert word == word.lower() and (word or not rest)
    user, channel = parsing.extract_user_id(text), parsing.extract_channel_id(text)
    assert user is None or f"<@{user}" in text
    assert channel is None or f"<#{channel}" in text


@settings(max_examples=400, deadline=None)
@given(TEXT)
@example("Pay <!channel> due 9999-12-31 !high")
def test_task_add(text: str) -> None:
    draft = _reads_or_refuses(lambda t: parsing.parse_task_add(t, today=TODAY), text)
    if draft is not None:
        assert draft.title and len(draft.title) <= parsing.MAX_TITLE_LENGTH
        assert draft.priority in parsing.PRIORITIES


@settings(max_examples=400, deadline=None)
@given(TEXT)
@example("T-1 30m 9999-12-31")
@example("T-1 " + "9" * 5000 + "m")
def test_timer_log(text: str) -> None:
    draft = _reads_or_refuses(lambda t: parsing.parse_timer_log(t, today=TODAY), text)
    if draft is not None:
        assert 0 < draft.task_number <= parsing.MAX_ID
        assert timedelta(0) < draft.duration <= timedelta(hours=24)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_followups(text: str) -> None:
    draft = _reads_or_refuses(lambda t: parsing.parse_followup(t, today=TODAY), text)
    if draft is not None:
        assert 0 < draft.task_number <= parsing.MAX_ID


@settings(max_examples=300, deadline=None)
@given(TEXT)
@example("week 9999-12-31 <@U0VA1>")
@example("0001-01-01")
def test_agenda_words(text: str) -> None:
    def read(words: str):
        ask = parsing.parse_agenda_words(words)
        return ask, parsing.days_asked(ask, TODAY)

    found = _reads_or_refuses(read, text)
    if found is not None:
        (ask, (first, days)) = found
        assert days in (1, 7) and abs((first - TODAY).days) <= 366
        assert ask.subject_id is None or f"<@{ask.subject_id}" in text


@pytest.mark.parametrize("minutes", [0, 1, 59, 60, 61, 24 * 60, -90])
def test_format_duration_reads_back(minutes: int) -> None:
    shown = parsing.format_duration(timedelta(minutes=minutes))
    if minutes > 0:
        assert parsing.parse_duration(shown.replace(" ", "")) == timedelta(minutes=minutes)
