"""Block Kit for the weekly onboarding check: each contact and client whose onboarding
has items not done yet, with those items (their T-n) and who holds them."""

from __future__ import annotations

from bot.services.onboarding import Unfinished
from bot.services.parsing import format_task_id
from bot.services.tags import tag_slug
from bot.services.text import shown
from bot.views.blocks import line_sections
from store.models import Task

CHECK_LIST_LIMIT = 30  # lines of the list; the checklist message holds 50 blocks
NAME_LIMIT = 100
ITEM_LIMIT = 120


def _item(task: Task, owner_id: str | None) -> str:
    text = f"*{format_task_id(task.number)}* {shown(task.title, ITEM_LIMIT)}"
    if task.assignee_id is None:
        return text + " (unassigned)"
    if task.assignee_id != owner_id:
        return text + f" (<@{task.assignee_id}>)"
    return text


def _who(entry: Unfinished) -> str:
    name = f"*{shown(entry.name, NAME_LIMIT)}*"
    if not entry.is_contact:
        return f"{name} (client)"
    client = f" ({shown(entry.client_name, NAME_LIMIT)})" if entry.client_name else ""
    owner = f"owner <@{entry.owner_id}>" if entry.owner_id else "no owner"
    return f"{name}{client} · {owner}"


def check_blocks(listed: list[Unfinished], tag: str | None) -> list:
    """The onboardings not finished; done items are left out."""
    if not listed:
        return line_sections(["*Onboarding*: every onboarding item is done."])
    lines = ["*Onboarding not finished* (the items still open; done ones are left out):"]
    for entry in listed[:CHECK_LIST_LIMIT]:
        missing = ", ".join(_item(task, entry.owner_id) for task in entry.missing)
        lines.append(f"• {_who(entry)} · {entry.done} of {entry.total} done · missing: {missing}")
    if len(listed) > CHECK_LIST_LIMIT:
        more = len(listed) - CHECK_LIST_LIMIT
        where = f"`/task list all #{tag_slug(tag)}`" if tag else "`/task list all`"
        lines.append(f"… and {more} more: {where} shows them all.")
    return line_sections(lines)
