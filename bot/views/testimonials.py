"""Block Kit for testimonials: the weekly list of happy clients, each with **Request
testimonial** (or why it cannot be asked in Slack, or who asked since and what they
answered), and the request's preview form (the `testimonial` template, editable)."""

from __future__ import annotations

from slack_sdk.models.blocks import ButtonElement, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.services.templates import Filled
from bot.services.testimonials import Candidate, Preview
from bot.services.text import counted, escape, shown, time_token
from bot.views.blocks import line_sections
from bot.views.templates import preview_modal

REQUEST_ACTION = "testimonial_request"
REQUEST_CALLBACK = "testimonial_post"
LIST_BLOCK_PREFIX = "testimonials:"
REQUEST_LIST_LIMIT = 20  # a message holds 50 blocks; one section per client
NAME_LIMIT = 100
ANSWER_EXCERPT = 300


def _asked(candidate: Candidate) -> str:
    asked = candidate.asked
    assert asked is not None
    line = (
        f":white_check_mark: *{shown(candidate.client.name, NAME_LIMIT)}* · asked by "
        f"<@{asked.actor_id}> {time_token(asked.at)}"
    )
    if not candidate.answers:
        return line + " · no answer yet"
    answer = candidate.answers[0]
    excerpt = shown((answer.note or "(no text)").replace("\n", " "), ANSWER_EXCERPT)
    more = f" (+{len(candidate.answers) - 1} more)" if len(candidate.answers) > 1 else ""
    return line + f" · answered: _{excerpt}_{more}"


def _facts(candidate: Candidate) -> str:
    work = counted(candidate.completed, "task")
    return (
        f"*{shown(candidate.client.name, NAME_LIMIT)}* · last CSAT {candidate.rating} · "
        f"{work} completed, the last {time_token(candidate.last_completed)}"
    )


def list_blocks(
    run_id: int, candidates: list[Candidate], after_days: int, has_template: bool
) -> list:
    """The clients to ask, as they stood when the routine was posted."""
    if not candidates:
        return line_sections(
            [
                f"*Testimonials*: no client to ask this week (none had work completed in the "
                f"last {counted(after_days, 'day')}, a last CSAT of 4 or more and no request "
                "in 90 days)."
            ]
        )
    heading = (
        f"*Happy clients to ask for a testimonial* (work completed in the last "
        f"{counted(after_days, 'day')}, last CSAT 4 or more, not asked in 90 days):"
    )
    if not has_template:
        heading += "\n_There is no `testimonial` template yet: the button says how to add one._"
    blocks: list = line_sections([heading])
    for index, candidate in enumerate(candidates[:REQUEST_LIST_LIMIT]):
        block_id = f"{LIST_BLOCK_PREFIX}{run_id}:{index}"
        if candidate.asked is not None:
            text, button = _asked(candidate), None
        elif candidate.why_not is not None:
            text, button = (
                f"{_facts(candidate)}\n_Cannot be asked in Slack: {candidate.why_not}._",
                None,
            )
        else:
            text = _facts(candidate)
            button = ButtonElement(
                action_id=REQUEST_ACTION,
                text="Request testimonial",
                value=str(candidate.client.id),
            )
        blocks.append(
            SectionBlock(block_id=block_id, text=MarkdownTextObject(text=text), accessory=button)
        )
    if len(candidates) > REQUEST_LIST_LIMIT:
        more = len(candidates) - REQUEST_LIST_LIMIT
        blocks += line_sections(
            [f"… and {more} more (these are the {REQUEST_LIST_LIMIT} with the latest work)."]
        )
    return blocks


def request_modal(preview: Preview, client_id: int, run_id: int | None) -> View:
    filled: Filled = preview.filled
    if preview.contact_name:
        whose = f"*{escape(preview.contact_name)}*'s contact"
    else:
        whose = "the contact VA Desk makes for the client who wrote last"
    note = (
        f"The request is recorded so the client is not asked again for 90 days; an answer in "
        f"its thread is kept on {whose}."
    )
    return preview_modal(
        filled,
        callback_id=REQUEST_CALLBACK,
        title="Ask for a testimonial",
        metadata={"client": client_id, "run": run_id},
        note=note,
    )


def requested_text(posted: str, contact_name: str) -> str:
    return f"{posted}\nAn answer in its thread is kept on {escape(contact_name)}'s contact."
