"""Every command the README shows works as written.

The slash commands are read from README.md (code spans and code blocks) and each is
typed, on a desk set up with the README's own settings file (`vadesk.example.toml`:
client acme, the rostered VAs, owner, channels and the welcome template) and the tasks
it speaks of (T-1 to T-3, a finished time entry, a running timer, the contact Bob Jones,
the archived contact Carla Cold), into the real app; what the person sees must not be a
refusal, an unknown subcommand or a failure.

- A grammar line (`/timer list [today|week]`) is typed bare and with each of its choices;
  its placeholders are filled in (`@user` is @maria, `#tag` a tag of the taxonomy).
- `/cmd word` alone in the prose, where the README also shows `/cmd word …` with its
  arguments, names the subcommand and is no example (`done goes through /task done`).
- `@maria` arrives as Slack escapes a mention; `#acme` is no channel's name here, so it
  arrives as typed.

The `vadesk …` examples are parsed by the CLI's own parser (nothing is run that needs
Slack), and the timesheet export example is run on a fresh database.
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from pathlib import Path

import pytest

import handlers
from bot import clock
from bot.cli import build_parser, main
from bot.services import contacts, stale
from bot.services.contacts import NewContact
from bot.services.people import resolve_actor
from handlers import common
from handlers.failures import (
    CONFLICT_MESSAGE,
    DATABASE_DOWN_MESSAGE,
    FAILURE_AFTER_SAVE_MESSAGE,
    FAILURE_MESSAGE,
)
from manifests import load_manifest
from store.db import session_scope
from tests.conftest import PINNED_NOW, TEAM
from tests.fakeslack import slash_command_body

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
EXAMPLE_SETTINGS = REPO / "vadesk.example.toml"

# Who the README's names are (Slack sends a mention as <@ID|name>).
PEOPLE = {"maria": "U0VA2", "user": "U0VA2"}
PLACEHOLDERS = {"#tag": "#billing-payment-question", "E-7": "E-1"}
VA, OWNER = "U0VA1", "U0OWNER"
TEAM_CHANNEL, CLIENT_CHANNEL = "C0TEAMROOM", "C0ACME"

_SPAN = re.compile(r"(?<!`)`([^`]+)`(?!`)")
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
_OPTIONAL = re.compile(r"\[([^\[\]]*)\]")


def _slash_commands() -> set[str]:
    return {c["command"] for c in load_manifest()["features"]["slash_commands"]}


def _snippets() -> list[str]:
    """Every code span and code-block line of the README, as a reader copies it."""
    blocks = [m[1] for m in _FENCE.finditer(README)]
    prose = _FENCE.sub("", README)
    spans = [" ".join(m[1].split()) for m in _SPAN.finditer(prose)]
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    return [text.replace("\\|", "|") for text in spans + lines if text]


def _variants(grammar: str) -> list[str]:
    """A grammar line typed bare, and with each choice of each optional part alone."""
    parts = _OPTIONAL.findall(grammar)
    bare = " ".join(_OPTIONAL.sub("", grammar).split())
    typed = [bare]
    for index, part in enumerate(parts):
        for choice in part.split("|"):
            chosen = iter(choice if i == index else "" for i in range(len(parts)))
            typed.append(" ".join(_OPTIONAL.sub(lambda _m, c=chosen: next(c), grammar).split()))
    filled = []
    for text in typed:
        for placeholder, value in PLACEHOLDERS.items():
            text = text.replace(placeholder, value)
        filled.append(text)
    return list(dict.fromkeys(filled))


def readme_slash_examples() -> list[str]:
    names = _slash_commands()
    shown = [s for s in _snippets() if s.split(" ", 1)[0] in names]
    with_arguments = {tuple(s.split()[:2]) for s in shown if len(s.split()) > 2}
    examples: list[str] = []
    for text in shown:
        words = text.split()
        if "…" in text:
            continue  # `/task add … #tag`: a part of the grammar, shown whole elsewhere
        if len(words) == 2 and tuple(words) in with_arguments and "[" not in text:
            continue  # `/task done` in prose: the subcommand's name
        examples.extend(_variants(text) if "[" in text else [text])
    return list(dict.fromkeys(examples))


EXAMPLES = readme_slash_examples()


def test_the_examples_are_read_from_the_readme():
    """The reading finds what the README shows (it would pass vacuously otherwise)."""
    for expected in (
        "/task add Send invoice #acme @maria due friday !high #billing-payment-question",
        "/task",
        "/timer start Call with Acme",
        "/timer list week",
        "/task list @user",
        "/report month",
        "/role @maria phase II",
        "/template reviewed welcome",
        "/ooo until friday",
        "/escalate T-3",
        "/pipeline move Bob Jones Lost went with another agency",
        "/contact restore Carla Cold",
    ):
        assert expected in EXAMPLES
    assert "/task done" not in EXAMPLES and "/invite @VA Desk" not in EXAMPLES


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "vadesk.toml"
    shutil.copy(EXAMPLE_SETTINGS, path)
    return path


class Outcomes:
    """What each run of `handlers.common.run_command` came to: None is a refusal."""

    def __init__(self) -> None:
        self.started = 0
        self.results: list[object] = []

    def wrap(self, original):
        def run_command(*args, **kwargs):
            self.started += 1
            try:
                result = original(*args, **kwargs)
            except BaseException:
                self.results.append("failed")
                raise
            self.results.append(result)
            return result

        return run_command

    def settled(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.results) < self.started and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.results) == self.started, "a command is still running"


@pytest.fixture
def outcomes(monkeypatch: pytest.MonkeyPatch) -> Outcomes:
    """Every handler module's `run_command` (imported or not) watched."""
    seen, original = Outcomes(), common.run_command
    wrapped = seen.wrap(original)
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] == handlers.__name__ and vars(module).get("run_command") is original:
            monkeypatch.setattr(module, "run_command", wrapped)
    return seen


def _escaped(text: str) -> str:
    """The command's text as Slack sends it: mentions escaped."""
    return re.sub(
        r"(?<!\S)@([a-z]+)\b",
        lambda m: f"<@{PEOPLE[m[1]]}|{m[1]}>" if m[1] in PEOPLE else m[0],
        text,
    )


def _typed_by(example: str) -> str:
    """The README's owner-only examples are typed by the owner, the rest by a VA."""
    words = example.split()
    if words[0] in ("/assign", "/role") and (words[0] == "/assign" or len(words) > 1):
        return OWNER
    if words[:2] in (["/template", "reviewed"], ["/task", "billable"]):
        return OWNER
    if words[0] in ("/report", "/agenda") and "@" in example:
        return OWNER
    if words[0] == "/invoice":
        return OWNER
    return VA


def _type(live_app, example: str, user: str, channel: str) -> tuple[str | None, str | None]:
    """Type one example; (the private answer's text, the opened form's callback id)."""
    command, _, text = example.partition(" ")
    replies = len(live_app.fake.calls("response_url"))
    forms = len(live_app.fake.calls("views.open"))
    body = slash_command_body(
        command,
        _escaped(text),
        user_id=user,
        team_id=TEAM,
        channel_id=channel,
        response_url=live_app.fake.response_url(f"readme-{replies}-{forms}"),
        trigger_id="trigger.readme",
    )
    assert live_app.post(body)[0] == 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        answered = live_app.fake.calls("response_url")[replies:]
        opened = live_app.fake.calls("views.open")[forms:]
        if answered:
            return answered[0].params.get("text", ""), None
        if opened:
            return None, opened[0].json("view").get("callback_id")
        time.sleep(0.01)
    raise AssertionError(f"{example!r} was not answered")


def _given(live_app) -> None:
    """The desk the README's examples speak of: T-1 to T-3, a finished time entry on T-1
    and a timer running on T-2, all the VA's, and time logged on an Acme task (T-4)."""
    live_app.fake.add_user("U0VA2", real_name="Maria Santos")
    clock.set_now("2026-11-30T13:00:00Z")
    for title in ("Call the bank", "Book the venue", "Send the Acme invoice"):
        assert live_app.command("/task", f"add {title}")["text"].startswith("Created")
    live_app.command("/timer", "start T-1")
    clock.set_now("2026-11-30T13:30:00Z")
    live_app.command("/timer", "stop")
    live_app.command("/timer", "start T-2")
    # Acme's billable time of October and November, for the invoice examples (T-4).
    assert live_app.command("/task", "add Acme newsletter #acme")["text"].startswith("Created")
    for logged in ("T-4 1h 2026-10-15", "T-4 30m 2026-11-10"):
        assert live_app.command("/timer", f"log {logged}")["text"].startswith("Logged")
    clock.set_now(PINNED_NOW)
    # The contact the pipeline's examples move, the VA's.
    with session_scope(live_app.engine) as session:
        actor = resolve_actor(session, live_app.settings, TEAM, VA, lambda _user: None)
        new = NewContact(name="Bob Jones", owner_id=VA)
        contacts.create_contact(session, live_app.settings, actor, new)
        # The archived contact the stale section's example restores.
        cold = NewContact(name="Carla Cold", owner_id=VA)
        made = contacts.create_contact(session, live_app.settings, actor, cold)
        session.flush()
        stale.archive_contact(session, actor, made.id)


@pytest.mark.parametrize("example", EXAMPLES)
def test_each_readme_command_works_as_written(live_app, outcomes, example):
    _given(live_app)
    outcomes.settled()
    before = len(outcomes.results)
    channel = CLIENT_CHANNEL if example.startswith("/template ") else TEAM_CHANNEL
    text, form = _type(live_app, example, _typed_by(example), channel)
    outcomes.settled()
    results = outcomes.results[before:]
    assert None not in results, f"{example!r} was refused: {text}"
    assert "failed" not in results
    if text is not None:
        assert not text.startswith("I don't know"), text
        for failure in (
            FAILURE_MESSAGE,
            FAILURE_AFTER_SAVE_MESSAGE,
            CONFLICT_MESSAGE,
            DATABASE_DOWN_MESSAGE,
        ):
            assert failure not in text, f"{example!r} failed: {text}"
    else:
        assert form, f"{example!r} opened a form without a callback id"


# --------------------------------------------------------------------------- vadesk …

_CLI_VALUES = {
    "NAME": "routine:morning",
    "ISO8601": "2026-11-30T14:05Z",
    "D": "2026-11-01",
    "C": "acme",
    "U": "U0VA1",
    "FILE": "out.csv",
    "H": "127.0.0.1",
    "P": "3000",
    "N": "4",
    "URL": "https://vadesk.example.com/slack/events",
    "SECONDS": "25",
}


def readme_cli_examples() -> list[list[str]]:
    """The arguments of every `vadesk …` the README shows, redirections left out, grammar
    filled in (every option given)."""
    found = []
    for snippet in _snippets():
        for command in re.split(r"&&|\|", snippet):
            words = command.split(">")[0].split()
            if len(words) < 2 or words[0].rsplit("/", 1)[-1] != "vadesk":
                continue  # not the command, or its name alone
            args = [word.strip("[]") for word in words[1:]]
            found.append([_CLI_VALUES.get(arg, arg) for arg in args if arg])
    return list({tuple(args): args for args in found}.values())


CLI_EXAMPLES = readme_cli_examples()


def test_the_cli_examples_are_read_from_the_readme():
    assert ["manifest", "--http-url", "https://vadesk.example.com/slack/events"] in CLI_EXAMPLES
    assert ["job", "routine:morning", "--now", "2026-11-30T14:05Z", "--dry-run"] in CLI_EXAMPLES
    assert ["run", "--no-scheduler"] in CLI_EXAMPLES and ["config", "schema"] in CLI_EXAMPLES


@pytest.mark.parametrize("args", CLI_EXAMPLES, ids=" ".join)
def test_each_readme_cli_command_parses(args):
    parsed = build_parser().parse_args(args)  # argparse exits 2 on what it cannot read
    assert callable(parsed.handler)


def test_the_readme_timesheet_export_runs_on_a_fresh_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    (example,) = [a for a in CLI_EXAMPLES if a[:2] == ["export", "timesheet"] and "nov.csv" in a]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VADESK_CONFIG", str(EXAMPLE_SETTINGS))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'vadesk.db'}")
    clock.set_now(PINNED_NOW)
    assert main(example) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.strip() == "Wrote 0 entries (0.00 h) to nov.csv"
    assert (tmp_path / "nov.csv").read_text(encoding="utf-8-sig").startswith("date,va,client,")
