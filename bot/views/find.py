"""Block Kit for `/find` and the questions asked in a DM or an @mention: several matches
as a short list to pick from (each with why it matched and an **Open** button that shows
the contact's or client's card in its place), or none (with how to add them). One match
is the card itself (bot/views/contacts.py)."""

from __future__ import annotations

from slack_sdk.models.blocks import ButtonElement, MarkdownTextObject, SectionBlock

from bot.services.parsing import format_task_id
from bot.services.search import FIND_USAGE, FindResult, Match, Reason
from bot.services.text import counted, escape, fit, quoted, shown, time_token
from bot.views.blocks import SECTION_TEXT_LIMIT, context_block

FIND_PICK_ACTION = "find_pick"  # value: Match.pick, "contact:<id>" or "client:<id>"
NAME_SHOWN = 120
FIELD_SHOWN = 120
EXCERPT_SHOWN = 160
WORDS_SHOWN = 80

FIND_HELP = escape(
    """*`/find <words>`* — everything VA Desk knows about a contact or a client
• `/find Jones`, `/find bob jon`, `/find Acme`, `/find bob@jones.com`, `/find 555-0134`
Every word must match (the last one may be the start of a word) a contact's name,
company, email, phone or notes, a client's name or key, or a task's title, description or
notes. One match shows its card; several, a list to pick from.
You can also ask in a DM to VA Desk, or by mentioning it: _where are we on the Jones closing?_"""
)


def _reason_text(reason: Reason) -> str:
    if reason.field == "note":
        when = f" of {time_token(reason.at)}" if reason.at is not None else ""
        return f"note{when}: “{shown(reason.text, EXCERPT_SHOWN)}”"
    if reason.field == "task":
        number = format_task_id(reason.task_number) if reason.task_number is not None else "task"
        text = f"{number} “{shown(reason.text, FIELD_SHOWN)}”"
        if reason.excerpt:
            text += f": “{shown(reason.excerpt, EXCERPT_SHOWN)}”"
        return text
    if reason.field == "key":
        return f"key `{shown(reason.text, FIELD_SHOWN)}`"
    return f"{reason.field} {shown(reason.text, FIELD_SHOWN)}"


def _what(match: Match) -> str:
    parts = [f"*{shown(match.name, NAME_SHOWN)}*"]
    if match.kind == "client":
        parts.append("client")
    else:
        if match.company:
            parts.append(shown(match.company, FIELD_SHOWN))
        if match.stage:
            parts.append(shown(match.stage, FIELD_SHOWN))
        if match.archived:
            parts.append("_archived_")
    return " · ".join(parts)


def _match_section(match: Match) -> SectionBlock:
    why = " · ".join(_reason_text(reason) for reason in match.reasons if reason.field != "name")
    text = _what(match) + (f"\n{why}" if why else "")
    return SectionBlock(
        block_id=f"find_{match.pick}",
        text=MarkdownTextObject(text=fit(text, SECTION_TEXT_LIMIT)),
        accessory=ButtonElement(text="Open", action_id=FIND_PICK_ACTION, value=match.pick),
    )


def list_text(result: FindResult) -> str:
    names = ", ".join(shown(match.name, 60) for match in result.matches)
    matches = counted(len(result.matches), "match", "matches")
    return f"{matches} for {quoted(result.words)}: {names}"


def list_blocks(result: FindResult) -> list:
    """Several matches, best first: who each is and why it matched, with **Open**."""
    heading = f"{counted(len(result.matches), 'match', 'matches')} for {quoted(result.words)}"
    blocks: list = [
        SectionBlock(text=MarkdownTextObject(text=f"{heading}: pick one to see its card."))
    ]
    blocks += [_match_section(match) for match in result.matches]
    if result.more:
        blocks.append(
            context_block(["These are the best; more match. Add a word to narrow it down."])
        )
    return blocks


def none_text(result: FindResult, asked: bool = False) -> str:
    """Nothing matched: say so, and how to add them (and, to a question, how to ask)."""
    words = shown(result.words.replace("`", "'"), WORDS_SHOWN)
    text = (
        f"Nothing in VA Desk matches {quoted(result.words)}. If they are new, "
        f"`/contact add {words}` adds them."
    )
    return text + (f"\n{FIND_USAGE}" if asked else "")
