"""Random command texts and button presses through the real app: every request is
answered (a reply, or a form opened), no reply is the generic failure, and the log holds
no traceback and no error.

The suite sends a few hundred per database; `FUZZ_COMMANDS=3000 pytest
tests/test_fuzz_commands.py` sends more, and FUZZ_SEED picks other random texts (the seed
is printed, so a failure can be replayed)."""

from __future__ import annotations

import logging
import os
import random
import time

import pytest

from tests.slack_payloads import block_action

WORDS = {
    "/task": ["add", "list", "show", "done", "status", "followup", "help", "", "nonsense"],
    "/timer": ["start", "stop", "status", "list", "log", "edit", "help", "", "pause"],
    "/report": ["today", "week", "month", "help", "", "year", "<@U0VA2>"],
    "/agenda": ["today", "tomorrow", "week", "help", "", "2026-12-24", "<@U0OWNER>", "<@U0VA2>"],
}
PIECES = [
    "T-1", "T-2", "t-3", "T-0", "T-2147483648", "E-1", "E-2", "E-99999999999999999999",
    "30m", "1h30m", "1.5h", "0:45", "-5m", "25h", "45", "today", "yesterday", "fri",
    "9999-12-31", "0001-01-01", "2026-02-30", "due", "due tomorrow", "!high", "!low",
    "!urgent", "<@U0VA1>", "<@U0VA2|maria>", "<#C0ACME|acme>", "<!channel>", "<!here>",
    "&lt;b&gt;", "in progress", "waiting", "cancelled", "open", "mine", "all", "overdue",
    "week", "\0", "😀", "Call with Acme", "notes: sent the invoice",
]  # fmt: skip
USERS = ["U0VA1", "U0VA2", "U0SUPER", "U0OWNER"]


def _random_text(rng: random.Random) -> str:
    pieces = [rng.choice(PIECES) for _ in range(rng.randint(0, 5))]
    if rng.random() < 0.15:
        pieces.insert(rng.randint(0, len(pieces)), "9" * rng.randint(4301, 4500))
    if rng.random() < 0.2:
        alphabet = "".join(map(chr, range(32, 127))) + "\0\t\n<>&é—"
        pieces.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))))
    return " ".join(pieces)


def _answers(live_app) -> int:
    return len(live_app.fake.calls("response_url")) + len(live_app.fake.calls("views.open"))


def test_random_commands_are_all_answered_without_a_traceback(live_app, caplog):
    caplog.set_level(logging.INFO)
    count = int(os.environ.get("FUZZ_COMMANDS", "300"))
    seed = int(os.environ.get("FUZZ_SEED", "20261127"))
    print(f"fuzz: {count} requests, FUZZ_SEED={seed}")
    rng = random.Random(seed)
    for prefix in ("add Call with Acme", "add Invoice Globex <@U0VA2>"):
        live_app.command("/task", prefix)
    for index in range(count):
        before = _answers(live_app)
        if rng.random() < 0.1:
            action = rng.choice(["timer_start", "timer_stop", "task_done"])
            value = rng.choice(["1", "2", "0", "x", "", "99999999999"])
            status, _ = live_app.interact(block_action(action, value, user=rng.choice(USERS)))
            assert status == 200
            continue
        command = rng.choice(list(WORDS))
        text = f"{rng.choice(WORDS[command])} {_random_text(rng)}".strip()
        live_app.send_command(command, text, rng.choice(USERS), reply_to=f"fuzz-{index}")
        deadline = time.monotonic() + 10
        while _answers(live_app) == before and time.monotonic() < deadline:
            time.sleep(0.005)
        assert _answers(live_app) > before, f"no answer to {command} {text[:200]!r} (seed {seed})"

    failures = [
        call.params.get("text", "")
        for call in live_app.fake.calls("response_url")
        if "went wrong" in call.params.get("text", "")
    ]
    assert not failures, f"seed {seed}: {failures[:3]}"
    problems = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not problems, f"seed {seed}: " + "\n".join(r.getMessage() for r in problems[:5])
    live_text = [
        call.params.get("text", "")
        for call in live_app.fake.calls("response_url")
        if "<!channel>" in call.params.get("text", "") or "<!here>" in call.params.get("text", "")
    ]
    assert not live_text, f"seed {seed}: a reply carries a live mention: {live_text[:2]}"


@pytest.mark.parametrize("seed", [1, 2])
def test_fuzz_texts_are_reproducible(seed):
    assert _random_text(random.Random(seed)) == _random_text(random.Random(seed))
