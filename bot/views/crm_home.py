"""The App Home's contacts part: a supervisor's or owner's pipeline figures and stale
count with where to act on it, and the person's own contacts whose next step is due."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import DividerBlock, HeaderBlock

from bot.services.crm_home import ContactsHome
from bot.services.text import counted, day_text, escape, shown
from bot.views.blocks import line_sections
from bot.views.pipeline import summary_blocks
from store.models import Contact

NEXT_STEP_LIMIT = 120


def _due_words(due: date, today: date) -> str:
    if due == today:
        return "due today"
    late = (today - due).days
    return f"due {day_text(due)}, {counted(late, 'day')} overdue"


def due_line(contact: Contact, today: date, client_names: dict[int, str]) -> str:
    """`• *Bob Jones* (Acme Corp) · Lead · Send the proposal · due today`."""
    company = client_names.get(contact.client_id or 0) or contact.company
    name = f"*{shown(contact.name, 80)}*" + (f" ({shown(company, 60)})" if company else "")
    step = shown(contact.next_step, NEXT_STEP_LIMIT) if contact.next_step else "a next step"
    assert contact.next_step_due is not None  # only those with a due day are listed
    return (
        f"• {name} · {escape(contact.stage)} · {step} · {_due_words(contact.next_step_due, today)}"
    )


def stale_line(count: int) -> str:
    if not count:
        return "No stale contacts: every contact was touched within its stage's days."
    return (
        f":hourglass_flowing_sand: *{counted(count, 'stale contact')}* (no touch for longer "
        "than the stage allows): the daily digest lists them with *Archive*, *Re-engage* "
        "and *Snooze 30 days*; `/pipeline` shows each stage."
    )


def contacts_home_blocks(
    home: ContactsHome | None, client_names: dict[int, str], currency: str
) -> list:
    """A manager's pipeline figures and stale count; anyone's next steps due."""
    if home is None:
        return []
    blocks: list = []
    if home.pipeline is not None:
        blocks += [DividerBlock(), *summary_blocks(home.pipeline, currency)]
    if home.stale is not None:
        blocks += line_sections([stale_line(home.stale)])
    if home.due:
        lines = [due_line(contact, home.today, client_names) for contact in home.due]
        if home.more_due:
            lines.append(f"… and {home.more_due} more; `/contact <name>` shows each one.")
        blocks += [DividerBlock(), HeaderBlock(text="My next steps due"), *line_sections(lines)]
    return blocks
