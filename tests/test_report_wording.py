"""Report figures in words a person says: no `0.02 min`, no bare `2 behind`."""

from __future__ import annotations

import pytest

from bot.views.reports import minutes_text


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [
        (0.0, "under a minute"),
        (0.02, "under a minute"),
        (1.0, "1 min"),
        (6.5, "6.5 min"),
        (12.4, "12 min"),
    ],
)
def test_first_response_minutes_read_as_a_person_says_them(minutes, shown):
    assert minutes_text(minutes) == shown
