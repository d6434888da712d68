"""Block Kit for a stale-contact list (the digest's part, the `cold-leads` checklist's):
each contact with its stage, days since its last touch and owner, and **Archive**,
**Re-engage**, **Snooze 30 days**; a contact handled from the message shows what was
done instead of its buttons."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, MarkdownTextObject, SectionBlock

from bot.services.rows import saved_id
from bot.services.stale import SNOOZE_DAYS, StaleContact, StaleList
from bot.services.text import counted, escape, shown, time_token
from bot.views.blocks import MESSAGE_BLOCKS_LIMIT

ARCHIVE_ACTION = "stale_archive"
REENGAGE_ACTION = "stale_reengage"
SNOOZE_ACTION = "stale_snooze"
STALE_ACTIONS = (ARCHIVE_ACTION, REENGAGE_ACTION, SNOOZE_ACTION)
BLOCK_PREFIX = "stale:"  # stale:<place>:<part>[:<contact id>]
NAME_LIMIT = 80


def block_id(place: str, part: str, contact_id: int | None = None) -> str:
    """`stale:digest:do:12`: where the list is (`digest`, `run-5`) and which part."""
    tail = "" if contact_id is None else f":{contact_id}"
    return f"{BLOCK_PREFIX}{place}:{part}{tail}"


def place_of(block: str) -> str | None:
    """The list a button's block belongs to (`digest`, `run-5`), or None."""
    parts = block.split(":")
    if len(parts) != 4 or f"{parts[0]}:" != BLOCK_PREFIX or parts[2] != "do":
        return None
    return parts[1] or None


def _who(item: StaleContact) -> str:
    owner = item.contact.owner_id
    return f"<@{owner}>" if owner else "no owner"


def _name(item: StaleContact, listed: StaleList) -> str:
    contact = item.contact
    name = f"*{shown(contact.name, NAME_LIMIT)}*"
    company = listed.client_names.get(contact.client_id or 0) or contact.company
    return f"{name} ({shown(company, 60)})" if company else name


def stale_line(item: StaleContact, listed: StaleList) -> str:
    """`*Bob Jones* (Acme Corp) · Lead · 20 days since the last touch · <@U1>`."""
    days = counted(item.days, "day")
    return (
        f"{_name(item, listed)} · {escape(item.stage.name)} · {days} since the last touch "
        f"· {_who(item)}"
    )


def handled_line(item: StaleContact, listed: StaleList) -> str:
    """What a click on the message did: `Archived by <@U2> <date>`."""
    event = item.handled
    assert event is not None
    when = time_token(event.at)
    done = {
        "archived": f":file_cabinet: Archived by <@{event.actor_id}> {when}",
        "snoozed": (
            f":zzz: Snoozed {SNOOZE_DAYS} days by <@{event.actor_id}> {when}"
            + (
                f", until {time_token(item.contact.snoozed_until)}"
                if item.contact.snoozed_until
                else ""
            )
        ),
        "reengaged": (
            f":leftwards_arrow_with_hook: Re-engaged by <@{event.actor_id}> {when}: "
            f"*{escape(event.note or '')}*"
            + (f" for <@{item.task_owner}>" if item.task_owner else "")
        ),
    }[event.kind]
    return f"{_name(item, listed)} · {escape(item.stage.name)} · {done}"


def _heading(listed: StaleList) -> str:
    whose = " you own or nobody owns" if listed.owned_by else ""
    shown_now = sum(1 for item in listed.items if item.handled is None)
    total = shown_now + listed.more
    return (
        f"*Stale contacts{whose}*: {counted(total, 'contact')} with no touch for longer than "
        "their stage allows (`stale_after_days`). Nothing is archived unless you press "
        "*Archive*."
    )


def _buttons(place: str, contact_id: int) -> ActionsBlock:
    value = str(contact_id)
    return ActionsBlock(
        block_id=block_id(place, "do", contact_id),
        elements=[
            ButtonElement(text="Archive", action_id=ARCHIVE_ACTION, value=value),
            ButtonElement(
                text="Re-engage", action_id=REENGAGE_ACTION, value=value, style="primary"
            ),
            ButtonElement(text=f"Snooze {SNOOZE_DAYS} days", action_id=SNOOZE_ACTION, value=value),
        ],
    )


def _section(block: str, text: str) -> SectionBlock:
    return SectionBlock(block_id=block, text=MarkdownTextObject(text=text))


def stale_blocks(listed: StaleList, place: str) -> list:
    """The list as blocks whose ids all start `stale:<place>:`, so a click can redraw
    exactly this part of its message."""
    if not listed.stages_with_limit:
        return [
            _section(
                block_id(place, "head"),
                "*Stale contacts*: no stage of `[pipeline] stages` has `stale_after_days`, "
                "so no contact goes stale.",
            )
        ]
    if not listed.items:
        whose = " you own or nobody owns" if listed.owned_by else ""
        text = f"*Stale contacts{whose}*: none; every contact was touched in time."
        return [_section(block_id(place, "head"), text)]
    blocks: list = [_section(block_id(place, "head"), _heading(listed))]
    for item in listed.items:
        contact_id = saved_id(item.contact)
        if item.handled is not None:
            blocks.append(_section(block_id(place, "row", contact_id), handled_line(item, listed)))
            continue
        blocks.append(_section(block_id(place, "row", contact_id), stale_line(item, listed)))
        blocks.append(_buttons(place, contact_id))
    if listed.more:
        more = f"… and {listed.more} more: `/pipeline` lists each stage with its oldest contacts."
        blocks.append(_section(block_id(place, "more"), more))
    return blocks


def stale_count_text(listed: StaleList) -> str:
    """One line for a message's plain text."""
    total = sum(1 for item in listed.items if item.handled is None) + listed.more
    return f"Stale contacts: {total} (`/pipeline`)"


def with_stale_part(blocks: list, place: str, part: list) -> list | None:
    """A message as Slack sent it back (the digest), its stale list at `place` replaced by
    `part` drawn again: everything else stays as posted. None when it has no such list."""
    prefix = f"{BLOCK_PREFIX}{place}:"
    at = [
        index
        for index, block in enumerate(blocks)
        if isinstance(block, dict) and str(block.get("block_id", "")).startswith(prefix)
    ]
    if not at:
        return None
    drawn = [block.to_dict() for block in part]
    return (blocks[: at[0]] + drawn + blocks[at[-1] + 1 :])[:MESSAGE_BLOCKS_LIMIT]
