"""The map of the Slack surface in docs/architecture.md is true.

Every listener the app registers (command, shortcut, event, action, form) is a row of
the map naming the function and module that answer it, and every row is a registered
listener; the commands' words are the ones they dispatch on; the manifest declares
exactly the commands, shortcuts and events that are answered; and every id a listener
matches is written once, as a constant of a `bot/views` module that both the element's
builder and the listener import.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

import handlers
from bot.app import build_app
from handlers import (
    contacts,
    invoices,
    out_of_office,
    pipeline,
    roles,
    tasks,
    templates,
    timers,
)

REPO = Path(__file__).resolve().parents[1]
ARCHITECTURE = REPO / "docs" / "architecture.md"

# The words each command dispatches on; a command of one action knows only `help`.
COMMAND_WORDS = {
    "/task": tasks.TASK_ACTIONS,
    "/timer": timers.TIMER_ACTIONS,
    "/ooo": out_of_office.OOO_ACTIONS,
    "/role": roles.ROLE_ACTIONS,
    "/template": templates.TEMPLATE_ACTIONS,
    "/invoice": invoices.INVOICE_ACTIONS,
    "/pipeline": pipeline.PIPELINE_ACTIONS,
    "/contact": contacts.CONTACT_ACTIONS,
    "/report": {"help"},
    "/escalate": {"help"},
    "/assign": {"help"},
    "/find": {"help"},
    "/agenda": {"help"},
}


@dataclass(frozen=True)
class Listener:
    kind: str  # as the map's first column says it
    key: str  # the command, callback id, event type or action id (a pattern as written)
    handler: str  # function name
    module: str  # handlers/<name>.py
    matchers: tuple[str, ...] = ()


class Registry:
    """Stands in for the Bolt app in `handlers.register_listeners` and writes down each
    listener with what it answers."""

    def __init__(self) -> None:
        self.listeners: list[Listener] = []

    def _record(self, kind: str, key, matchers=None):
        written = key.pattern if isinstance(key, re.Pattern) else key
        assert isinstance(written, str), f"{kind} listener keyed by {key!r}"
        names = tuple(m.__name__ for m in matchers or ())

        def register(function):
            path = function.__module__.replace(".", "/") + ".py"
            self.listeners.append(Listener(kind, written, function.__name__, path, names))
            return function

        return register

    def command(self, command):
        return self._record("command", command)

    def shortcut(self, callback_id):
        return self._record("global shortcut", callback_id)

    def message_shortcut(self, callback_id):
        return self._record("message shortcut", callback_id)

    def event(self, event, matchers=None):
        return self._record("event", event, matchers)

    def action(self, action_id):
        return self._record("action", action_id)

    def view(self, callback_id):
        return self._record("form", callback_id)


def registered() -> list[Listener]:
    registry = Registry()
    handlers.register_listeners(registry)  # type: ignore[arg-type]  # duck-typed Bolt App
    return registry.listeners


_SPAN = re.compile(r"`([^`]+)`")
_ANSWERED_BY = re.compile(r"^`(\w+)` in `(handlers/[\w/]+\.py)`$")


def _rows(heading: str) -> list[list[str]]:
    """The cells of the table under `heading` in docs/architecture.md (header skipped)."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    start = text.index(f"\n### {heading}\n")
    rows = []
    for line in text[start:].splitlines()[2:]:
        if rows and not line.startswith("|"):
            break
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows[1:]


def _answered_by(cell: str) -> tuple[str, str]:
    match = _ANSWERED_BY.match(cell)
    assert match, f"'{cell}' should read `handler` in `handlers/module.py`"
    return match[1], match[2]


def mapped() -> list[tuple[str, str, str, str]]:
    """(kind, key, handler, module) of every row of both tables."""
    rows = []
    for command, _words, _else, answered in _rows("Commands"):
        rows.append(("command", _SPAN.fullmatch(command)[1], *_answered_by(answered)))
    for kind, key, answered in _rows("Shortcuts, events, buttons and forms"):
        spans = _SPAN.findall(key)
        pattern = [span for span in spans if span.startswith("^")]
        rows.append((kind, (pattern or spans)[0], *_answered_by(answered)))
    return rows


def test_the_map_reads_both_tables():
    rows = mapped()
    assert ("command", "/timer", "handle_timer_command", "handlers/timers.py") in rows
    assert ("action", "timer_stop", "handle_stop_button", "handlers/timers.py") in rows
    assert len({kind for kind, *_ in rows}) == 6


def test_every_listener_is_on_the_map_and_the_map_names_only_listeners():
    listeners = {(li.kind, li.key, li.handler, li.module) for li in registered()}
    rows = mapped()
    assert len(rows) == len(set(rows)), "a row is on the map twice"
    missing = sorted(listeners - set(rows))
    assert not missing, f"listeners not on the map in docs/architecture.md: {missing}"
    stale = sorted(set(rows) - listeners)
    assert not stale, f"the map names listeners that are not registered: {stale}"


def test_each_request_has_one_listener():
    """Bolt runs the first listener that matches: two for one id would hide the second."""
    keys = [(li.kind, li.key, li.matchers) for li in registered()]
    assert len(keys) == len(set(keys))


def test_the_registry_is_the_apps(settings, engine):
    """No listener is registered outside `handlers.register_listeners`."""
    app = build_app(settings, engine)
    functions = sorted(
        (listener.ack_function.__module__, listener.ack_function.__name__)
        for listener in app._listeners
    )
    recorded = sorted((li.module[:-3].replace("/", "."), li.handler) for li in registered())
    assert functions == recorded


def test_the_commands_words_are_the_ones_they_dispatch_on():
    rows = {_SPAN.fullmatch(row[0])[1]: row[1] for row in _rows("Commands")}
    commands = {li.key for li in registered() if li.kind == "command"}
    assert set(COMMAND_WORDS) == commands, "say in COMMAND_WORDS what a new command reads"
    for command, words in COMMAND_WORDS.items():
        assert set(_SPAN.findall(rows[command])) == {word for word in words if word}, command


def test_the_manifest_declares_what_is_answered():
    listeners = registered()
    commands = {li.key for li in listeners if li.kind == "command"}
    shortcuts = {(li.kind, li.key) for li in listeners if li.kind.endswith("shortcut")}
    events = {li.key for li in listeners if li.kind == "event"}
    manifests = sorted(REPO.glob("manifests/*.json"))
    assert manifests
    for path in manifests:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        features = manifest["features"]
        assert {c["command"] for c in features["slash_commands"]} == commands, path.name
        declared = {(f"{s['type']} shortcut", s["callback_id"]) for s in features["shortcuts"]}
        assert declared == shortcuts, path.name
        subscribed = manifest["settings"]["event_subscriptions"]["bot_events"]
        assert {event.split(".")[0] for event in subscribed} == events, path.name


def _string_constants(path: Path) -> list[tuple[str, bool]]:
    """Each string literal of a module, and whether a module-level assignment holds it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {
        id(node)
        for statement in tree.body
        if isinstance(statement, ast.Assign | ast.AnnAssign)
        for node in ast.walk(statement)
    }
    return [
        (node.value, id(node) in top)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_every_id_is_a_constant_of_a_views_module():
    """An id is written once: `timer_stop` spelled in a handler or a second view is how
    a button and its listener drift apart."""
    ids = {
        li.key
        for li in registered()
        if li.kind in ("action", "form", "global shortcut", "message shortcut")
        and not li.key.startswith("^")
    }
    misplaced = []
    for path in sorted([*REPO.glob("bot/**/*.py"), *REPO.glob("handlers/**/*.py")]):
        in_views = path.relative_to(REPO).parts[:2] == ("bot", "views")
        for value, at_module_level in _string_constants(path):
            if value in ids and not (in_views and at_module_level):
                misplaced.append(f"{path.relative_to(REPO)}: {value}")
    assert not misplaced, f"ids written outside a bot/views constant: {misplaced}"


def test_every_listener_is_matched_on_its_body_directly(settings, engine):
    """bot.app.direct_matchers swapped every matcher Bolt would call through its argument
    injection (Bolt's own, and VA Desk's `event` ones): if a Bolt upgrade keeps its
    listeners or matchers elsewhere, this says so rather than the hot path slowing down."""
    from slack_bolt.listener_matcher import CustomListenerMatcher
    from slack_bolt.listener_matcher.builtins import BuiltinListenerMatcher

    from bot.app import BodyMatcher

    app = build_app(settings, engine)
    matchers = [matcher for listener in app._listeners for matcher in listener.matchers]
    assert len(app._listeners) > 40
    assert all(isinstance(m, BodyMatcher) for m in matchers), [
        type(m).__name__
        for m in matchers
        if isinstance(m, BuiltinListenerMatcher | CustomListenerMatcher)
    ]
    events = [m for m in matchers if m.event]
    assert events  # the client-channel message listener's `in_a_channel`
