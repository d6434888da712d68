"""Block Kit's documented limits, checked the way Slack checks them, for the fake Slack.

Slack refuses a message or view that breaks one of these limits (it does not cut it to
fit), so a view that is only ever shown to the fake must be held to them here or a
payload real Slack would refuse passes every test. Sources, on docs.slack.dev:
reference/block-kit/blocks (section, header, context, actions, input),
reference/block-kit/block-elements (button, plain-text input, static select, checkboxes,
radio buttons, overflow, date/time pickers), reference/block-kit/composition-objects
(text, option, option group, confirmation dialog), reference/surfaces/views (modal and
Home view fields), and the methods chat.postMessage (50 blocks, `text` truncated past
40,000 characters), chat.update, chat.postEphemeral and views.open/update/push/publish.

Each problem names the check that found it (one of the ``*_CHECK`` names below), a JSON
pointer, and the message as Slack words it, e.g.
``must be less than 3001 characters [json-pointer:/blocks/0/text/text]``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
SECTION_FIELDS = 10
SECTION_FIELD_TEXT = 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
ID_LENGTH = 255  # block_id, action_id, callback_id, external_id
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
URL_LENGTH = 3000
PLACEHOLDER_TEXT = 150
OPTION_TEXT = 75
OPTION_DESCRIPTION = 75
OPTION_VALUE = 150
SELECT_OPTIONS = 100  # options, or option_groups, of a static select
GROUP_LABEL = 75
CHOICE_OPTIONS = 10  # checkboxes and radio buttons
OVERFLOW_OPTIONS = (1, 5)
INPUT_LABEL = 2000
INPUT_HINT = 2000
INPUT_MAX_LENGTH = 3000  # plain-text input max_length / min_length
CONFIRM_TITLE = 100
CONFIRM_TEXT = 300
CONFIRM_BUTTON = 30
VIEW_TITLE = 24  # modal title, submit and close
PRIVATE_METADATA = 3000
MESSAGE_TEXT = 40_000  # past this chat.postMessage truncates `text` (ok, "msg_too_long")

LENGTH_CHECK = "length"  # a text or id longer than its limit
EMPTY_TEXT_CHECK = "empty_text"  # a text object whose text is ""
COUNT_CHECK = "count"  # too many (or too few) blocks, fields, elements, options
UNIQUE_ID_CHECK = "unique_id"  # block_id repeated in a message/view, action_id in a block
INITIAL_VALUE_CHECK = "initial_value"  # plain-text input initial_value past its max_length
SHAPE_CHECK = "shape"  # a section with neither text nor fields
INITIAL_OPTION_CHECK = "initial_option"  # an initial option that is not one of the options

DISABLED_CHECKS: frozenset[str] = frozenset()
"""Checks the fake does not enforce. Last resort only, for a product defect that cannot be
fixed in time: name the check and the defect here, never exempt a single test."""


@dataclass(frozen=True)
class Problem:
    check: str
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.message} [json-pointer:{self.pointer}]"


def message_problems(blocks: Any, pointer: str = "/blocks") -> list[Problem]:
    """What Slack refuses in a message's ``blocks`` (chat.*, response_url)."""
    return _enabled(_blocks(blocks, pointer, MESSAGE_BLOCKS))


def view_problems(view: Any, pointer: str = "/view") -> list[Problem]:
    """What Slack refuses in a modal or Home tab view (views.*)."""
    if not isinstance(view, Mapping):
        return [Problem(SHAPE_CHECK, pointer, "must be an object")]
    found: list[Problem] = []
    if view.get("type") == "modal":
        for key in ("title", "submit", "close"):
            found += _text(view.get(key), f"{pointer}/{key}", VIEW_TITLE)
            found += _empty_texts(view.get(key), f"{pointer}/{key}")
    for key in ("callback_id", "external_id"):
        found += _length(view.get(key), f"{pointer}/{key}", ID_LENGTH)
    found += _length(view.get("private_metadata"), f"{pointer}/private_metadata", PRIVATE_METADATA)
    found += _blocks(view.get("blocks", []), f"{pointer}/blocks", VIEW_BLOCKS)
    return _enabled(found)


def text_too_long(text: Any) -> bool:
    """True when Slack cuts a message's top-level ``text`` (and warns ``msg_too_long``)."""
    return isinstance(text, str) and len(text) > MESSAGE_TEXT


def _enabled(found: list[Problem]) -> list[Problem]:
    return [problem for problem in found if problem.check not in DISABLED_CHECKS]


def _blocks(blocks: Any, pointer: str, most: int) -> list[Problem]:
    if not isinstance(blocks, Sequence) or isinstance(blocks, str):
        return [Problem(SHAPE_CHECK, pointer, "must be an array")]
    found = _count(blocks, pointer, most)
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        at = f"{pointer}/{index}"
        if not isinstance(block, Mapping):
            found.append(Problem(SHAPE_CHECK, at, "must be an object"))
            continue
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            found += _length(block_id, f"{at}/block_id", ID_LENGTH)
            if block_id in seen:
                found.append(
                    Problem(UNIQUE_ID_CHECK, f"{at}/block_id", f"duplicate block_id {block_id!r}")
                )
            seen.add(block_id)
        found += _block(block, at)
        found += _empty_texts(block, at)
    return found


def _block(block: Mapping[str, Any], at: str) -> list[Problem]:
    kind = block.get("type")
    found: list[Problem] = []
    if kind == "section":
        if "text" not in block and "fields" not in block:
            found.append(Problem(SHAPE_CHECK, at, "must provide either text or fields"))
        found += _text(block.get("text"), f"{at}/text", SECTION_TEXT)
        fields = block.get("fields")
        if fields is not None:
            found += _count(fields, f"{at}/fields", SECTION_FIELDS)
            for index, field_ in enumerate(fields):
                found += _text(field_, f"{at}/fields/{index}", SECTION_FIELD_TEXT)
        if isinstance(block.get("accessory"), Mapping):
            found += _elements([block["accessory"]], f"{at}/accessory", single=True)
    elif kind == "header":
        found += _text(block.get("text"), f"{at}/text", HEADER_TEXT)
    elif kind == "context":
        found += _count(block.get("elements", []), f"{at}/elements", CONTEXT_ELEMENTS)
    elif kind == "actions":
        elements = block.get("elements", [])
        found += _count(elements, f"{at}/elements", ACTIONS_ELEMENTS)
        found += _elements(elements, f"{at}/elements")
    elif kind == "input":
        found += _text(block.get("label"), f"{at}/label", INPUT_LABEL)
        found += _text(block.get("hint"), f"{at}/hint", INPUT_HINT)
        if isinstance(block.get("element"), Mapping):
            found += _elements([block["element"]], f"{at}/element", single=True)
    return found


def _elements(elements: Sequence[Any], at: str, single: bool = False) -> list[Problem]:
    found: list[Problem] = []
    seen: set[str] = set()
    for index, element in enumerate(elements):
        where = at if single else f"{at}/{index}"
        if not isinstance(element, Mapping):
            continue
        action_id = element.get("action_id")
        if isinstance(action_id, str):
            found += _length(action_id, f"{where}/action_id", ID_LENGTH)
            if action_id in seen:
                found.append(
                    Problem(
                        UNIQUE_ID_CHECK, f"{where}/action_id", f"duplicate action_id {action_id!r}"
                    )
                )
            seen.add(action_id)
        found += _element(element, where)
    return found


def _element(element: Mapping[str, Any], at: str) -> list[Problem]:
    kind = element.get("type")
    found = _text(element.get("placeholder"), f"{at}/placeholder", PLACEHOLDER_TEXT)
    found += _confirm(element.get("confirm"), f"{at}/confirm")
    if kind == "button":
        found += _text(element.get("text"), f"{at}/text", BUTTON_TEXT)
        found += _length(element.get("value"), f"{at}/value", BUTTON_VALUE)
        found += _length(element.get("url"), f"{at}/url", URL_LENGTH)
    elif kind == "plain_text_input":
        found += _plain_text_input(element, at)
    elif kind in ("static_select", "multi_static_select"):
        found += _static_select(element, at)
    elif kind in ("checkboxes", "radio_buttons"):
        options = element.get("options", [])
        found += _count(options, f"{at}/options", CHOICE_OPTIONS, least=1)
        found += _options(options, f"{at}/options")
        found += _initial_options(element, at)
        found += _initial_among(element, options, at)
    elif kind == "overflow":
        options = element.get("options", [])
        least, most = OVERFLOW_OPTIONS
        found += _count(options, f"{at}/options", most, least=least)
        found += _options(options, f"{at}/options")
    return found


def _plain_text_input(element: Mapping[str, Any], at: str) -> list[Problem]:
    found: list[Problem] = []
    for key in ("max_length", "min_length"):
        bound = element.get(key)
        if isinstance(bound, int) and bound > INPUT_MAX_LENGTH:
            found.append(
                Problem(LENGTH_CHECK, f"{at}/{key}", f"must be at most {INPUT_MAX_LENGTH}")
            )
    initial = element.get("initial_value")
    most = element.get("max_length")
    if isinstance(initial, str) and isinstance(most, int) and len(initial) > most:
        found.append(
            Problem(
                INITIAL_VALUE_CHECK,
                f"{at}/initial_value",
                f"must be less than {most + 1} characters",
            )
        )
    return found


def _static_select(element: Mapping[str, Any], at: str) -> list[Problem]:
    found: list[Problem] = []
    if "options" in element:
        options = element["options"]
        found += _count(options, f"{at}/options", SELECT_OPTIONS, least=1)
        found += _options(options, f"{at}/options")
    if "option_groups" in element:
        groups = element["option_groups"]
        found += _count(groups, f"{at}/option_groups", SELECT_OPTIONS, least=1)
        for index, group in enumerate(groups if isinstance(groups, Sequence) else []):
            where = f"{at}/option_groups/{index}"
            if not isinstance(group, Mapping):
                continue
            found += _text(group.get("label"), f"{where}/label", GROUP_LABEL)
            options = group.get("options", [])
            found += _count(options, f"{where}/options", SELECT_OPTIONS, least=1)
            found += _options(options, f"{where}/options")
    if "options" not in element and "option_groups" not in element:
        found.append(Problem(SHAPE_CHECK, at, "must provide either options or option_groups"))
    if isinstance(element.get("initial_option"), Mapping):
        found += _options([element["initial_option"]], f"{at}/initial_option", single=True)
    found += _initial_options(element, at)
    offered = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        if isinstance(group, Mapping):
            offered += list(group.get("options") or [])
    found += _initial_among(element, offered, at)
    return found


def _initial_among(element: Mapping[str, Any], options: Any, at: str) -> list[Problem]:
    """Slack refuses an initial option that is not, text and value, one of the options."""
    if not isinstance(options, Sequence) or isinstance(options, str):
        return []
    offered = {_option_key(option) for option in options if isinstance(option, Mapping)}
    found = []
    initial = element.get("initial_option")
    if isinstance(initial, Mapping) and _option_key(initial) not in offered:
        message = "must match one of the provided options"
        found.append(Problem(INITIAL_OPTION_CHECK, f"{at}/initial_option", message))
    chosen = element.get("initial_options")
    if isinstance(chosen, Sequence) and not isinstance(chosen, str):
        for index, option in enumerate(chosen):
            if isinstance(option, Mapping) and _option_key(option) not in offered:
                where = f"{at}/initial_options/{index}"
                message = "must match one of the provided options"
                found.append(Problem(INITIAL_OPTION_CHECK, where, message))
    return found


def _option_key(option: Mapping[str, Any]) -> tuple[Any, Any]:
    text = option.get("text")
    return option.get("value"), text.get("text") if isinstance(text, Mapping) else text


def _initial_options(element: Mapping[str, Any], at: str) -> list[Problem]:
    initial = element.get("initial_options")
    if isinstance(initial, Sequence) and not isinstance(initial, str):
        return _options(initial, f"{at}/initial_options")
    return []


def _options(options: Any, at: str, single: bool = False) -> list[Problem]:
    found: list[Problem] = []
    if not isinstance(options, Sequence) or isinstance(options, str):
        return found
    for index, option in enumerate(options):
        where = at if single else f"{at}/{index}"
        if not isinstance(option, Mapping):
            continue
        found += _text(option.get("text"), f"{where}/text", OPTION_TEXT)
        found += _text(option.get("description"), f"{where}/description", OPTION_DESCRIPTION)
        found += _length(option.get("value"), f"{where}/value", OPTION_VALUE)
        found += _length(option.get("url"), f"{where}/url", URL_LENGTH)
    return found


def _confirm(confirm: Any, at: str) -> list[Problem]:
    if not isinstance(confirm, Mapping):
        return []
    return [
        *_text(confirm.get("title"), f"{at}/title", CONFIRM_TITLE),
        *_text(confirm.get("text"), f"{at}/text", CONFIRM_TEXT),
        *_text(confirm.get("confirm"), f"{at}/confirm", CONFIRM_BUTTON),
        *_text(confirm.get("deny"), f"{at}/deny", CONFIRM_BUTTON),
    ]


def _text(obj: Any, at: str, most: int) -> list[Problem]:
    """A text object's ``text`` within ``most`` characters (emptiness: `_empty_texts`)."""
    if not isinstance(obj, Mapping):
        return []
    return _length(obj.get("text"), f"{at}/text", most)


def _length(value: Any, at: str, most: int) -> list[Problem]:
    if isinstance(value, str) and len(value) > most:
        return [Problem(LENGTH_CHECK, at, f"must be less than {most + 1} characters")]
    return []


def _count(items: Any, at: str, most: int, least: int = 0) -> list[Problem]:
    if not isinstance(items, Sequence) or isinstance(items, str):
        return [Problem(SHAPE_CHECK, at, "must be an array")]
    if len(items) > most:
        return [Problem(COUNT_CHECK, at, f"no more than {most} items allowed")]
    if len(items) < least:
        return [Problem(COUNT_CHECK, at, f"must provide at least {least} items")]
    return []


def _empty_texts(node: Any, at: str) -> list[Problem]:
    return [
        Problem(EMPTY_TEXT_CHECK, f"{where}/text", "must be more than 0 characters")
        for where, obj in _walk(node, at)
        if obj.get("type") in ("plain_text", "mrkdwn") and obj.get("text") == ""
    ]


def _walk(node: Any, at: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(node, Mapping):
        yield at, node
        for key, value in node.items():
            yield from _walk(value, f"{at}/{key}")
    elif isinstance(node, Sequence) and not isinstance(node, str):
        for index, value in enumerate(node):
            yield from _walk(value, f"{at}/{index}")
