"""Block Kit for templates: the list, the preview form (the filled text, editable), the
post in the channel, and the templates due for review in the monthly routine (each with
**Mark reviewed**, updated in place once marked)."""

from __future__ import annotations

import json
from datetime import date

from slack_sdk.models.blocks import (
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.services.templates import (
    TEXT_FIELD,
    Filled,
    Posted,
    ReviewItem,
    TemplateStatus,
    is_due_for_review,
)
from bot.services.text import NOTES_LIMIT, day_text, escape, shown, truncate
from bot.views.blocks import SECTION_TEXT_LIMIT, line_sections

POST_CALLBACK = "template_post"
MARK_REVIEWED_ACTION = "template_reviewed"
REVIEW_BLOCK_PREFIX = "template_review:"
REVIEW_LIST_LIMIT = 40  # a message holds 50 blocks; the checklist takes a few
EXCERPT_LIMIT = 200

TEMPLATE_HELP = escape("""*`/template`* — approved message templates, personalized
• `/template` or `/template list` — the approved templates: text, owner, last reviewed
• `/template <name>` — preview it filled in for this channel, edit it, and post it here
• `/template reviewed <name>` — an owner marks it reviewed today
Placeholders: `{client}` (this channel's client), `{contact}` (the first name of the client \
person who wrote here last), `{va}` (your first name), `{task}` and `{due}` (the title and \
due date of your open task of this client: the one your timer runs on, else your newest). \
Posting in a client channel counts as your reply: it stops the client's first-response clock.""")


def _quote(text: str) -> str:
    return "> " + escape(text).replace("\n", "\n> ")


def _reviewed(status: TemplateStatus) -> str:
    if status.reviewed_on is None:
        return "never reviewed"
    by = f" by <@{status.reviewed_by}>" if status.reviewed_by else ""
    return f"last reviewed {day_text(status.reviewed_on)}{by}"


def _owner(status: TemplateStatus) -> str:
    owner = status.template.owner
    return f"owner <@{owner}>" if owner else "no owner"


def list_text(statuses: list[TemplateStatus]) -> str:
    if not statuses:
        return "No approved templates yet."
    return "Approved templates: " + ", ".join(s.template.name for s in statuses)


def list_blocks(statuses: list[TemplateStatus], today: date) -> list:
    if not statuses:
        return line_sections(
            [
                "*No approved templates yet.* An owner adds them to vadesk.toml as "
                '`[templates.<name>]` with `text = "Hi {contact}, …"`, `owner` and `reviewed`.'
            ]
        )
    lines = ["*Approved templates* · `/template <name>` previews one for this channel:"]
    for status in statuses:
        due = " · _due for review_" if is_due_for_review(status, today) else ""
        lines.append(f"*{status.template.name}* · {_owner(status)} · {_reviewed(status)}{due}")
        lines.append(_quote(status.template.text))
    return line_sections(lines)


def _notes(filled: Filled) -> str:
    lines = []
    for placeholder, why in filled.unfilled.items():
        lines.append(f"`{{{placeholder}}}` is left for you to write: {escape(why)}.")
    if filled.not_a_reply:
        why = escape(filled.not_a_reply)
        lines.append(f":warning: Posting it will not count as a client reply: {why}.")
    else:
        lines.append(
            f"Posting it counts as your reply to {escape(filled.client_name or '')}: "
            "it stops the first-response clock."
        )
    return "\n".join(lines)


def preview_modal(
    filled: Filled,
    *,
    callback_id: str = POST_CALLBACK,
    title: str = "Send a template",
    metadata: dict | None = None,
    note: str | None = None,
) -> View:
    """The filled template to edit and post; another flow that posts a template (a
    testimonial request) gives its own callback, title, metadata and a note (mrkdwn)."""
    where = f"<#{filled.channel}>"
    if filled.client_name:
        where += f" ({escape(filled.client_name)})"
    notes = _notes(filled) + (f"\n{note}" if note else "")
    meta = {"template": filled.template.name, "channel": filled.channel, **(metadata or {})}
    return View(
        type="modal",
        callback_id=callback_id,
        title=title,
        submit="Post",
        close="Cancel",
        private_metadata=json.dumps(meta),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(text=f"*{filled.template.name}*, to be posted in {where}")
            ),
            ContextBlock(elements=[MarkdownTextObject(text=notes)]),
            InputBlock(
                block_id=TEXT_FIELD,
                label="Message (edit it before posting)",
                element=PlainTextInputElement(
                    action_id="value",
                    multiline=True,
                    max_length=NOTES_LIMIT,
                    initial_value=truncate(filled.text, NOTES_LIMIT),
                ),
            ),
        ],
    )


def posted_message(text: str, user_id: str) -> tuple[str, list | None]:
    """The post in the channel: the VA's text verbatim, and on whose behalf it is."""
    shown = escape(text)
    sent_for = f"Sent for <@{user_id}> with VA Desk"
    if len(shown) > SECTION_TEXT_LIMIT:
        return f"{shown}\n_{sent_for}_", None
    return shown, [
        SectionBlock(text=MarkdownTextObject(text=shown)),
        ContextBlock(elements=[MarkdownTextObject(text=sent_for)]),
    ]


def posted_text(name: str, channel: str, posted: Posted, client_name: str | None) -> str:
    done = f"Posted *{name}* in <#{channel}>"
    if not posted.counted:
        return f"{done}; it does not count as a client reply: {posted.why_not}."
    if posted.answered is not None:
        return (
            f"{done}; it counts as your reply to {escape(client_name or 'the client')} "
            "and stopped the first-response clock."
        )
    return f"{done}; it counts as your reply to {escape(client_name or 'the client')}."


def refused_post_text(name: str, channel: str, problem: str | None) -> str:
    hint = " Invite VA Desk to the channel first." if problem == "not_in_channel" else ""
    return f"Slack refused to post *{name}* in <#{channel}> ({problem}); nothing was posted.{hint}"


def review_blocks(run_id: int, items: list[ReviewItem] | None) -> list:
    """The templates due for review when the routine was posted; an owner marks each."""
    if items is None:
        return line_sections(
            [
                "*Templates*: no approved templates yet "
                "(an owner adds them as `[templates.<name>]` in vadesk.toml)."
            ]
        )
    if not items:
        return line_sections(["*Templates*: every template was reviewed in the last 30 days."])
    blocks: list = line_sections(
        [
            "*Templates not reviewed in the last 30 days* (an owner marks each one reviewed; "
            "`/template <name>` shows it):"
        ]
    )
    for index, item in enumerate(items[:REVIEW_LIST_LIMIT]):
        status = item.status
        name = status.template.name
        excerpt = shown(status.template.text.replace("\n", " "), EXCERPT_LIMIT)
        if item.reviewed_since is not None:
            review = item.reviewed_since
            blocks.append(
                SectionBlock(
                    block_id=f"{REVIEW_BLOCK_PREFIX}{run_id}:{index}",
                    text=MarkdownTextObject(
                        text=f":white_check_mark: *{name}* · reviewed "
                        f"{day_text(review.reviewed_on)} by <@{review.reviewed_by}>"
                    ),
                )
            )
            continue
        blocks.append(
            SectionBlock(
                block_id=f"{REVIEW_BLOCK_PREFIX}{run_id}:{index}",
                text=MarkdownTextObject(
                    text=f"*{name}* · {_owner(status)} · {_reviewed(status)}\n_{excerpt}_"
                ),
                accessory=ButtonElement(
                    action_id=MARK_REVIEWED_ACTION, text="Mark reviewed", value=name
                ),
            )
        )
    if len(items) > REVIEW_LIST_LIMIT:
        more = len(items) - REVIEW_LIST_LIMIT
        blocks += line_sections([f"… and {more} more: `/template list` shows them all."])
    return blocks
