"""Block Kit for the supervisor's daily digest and the weekly CEO check-in report."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import (
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.services.delegation import PROMOTION_STREAK
from bot.services.digest import ATTENTION_LIMIT, Digest
from bot.services.escalations import format_escalation_id
from bot.services.parsing import format_duration, format_task_id
from bot.services.rows import saved_id
from bot.services.text import escape, shown, time_token
from bot.views.blocks import line_sections
from bot.views.chats import target_words, where
from bot.views.finished import finished_blocks
from bot.views.invoices.records import unbilled_text
from bot.views.reports import (
    BELOW_TARGET,
    by_client_blocks,
    person_line,
    running_summary,
    scorecard_fields,
)
from bot.views.stale import stale_blocks, stale_count_text
from bot.views.tasks import task_line

DIGEST_PLACE = "digest"  # the stale list's place in its block ids


def _span(digest: Digest) -> str:
    period = digest.period
    if period.first == period.last:
        return f"{period.first:%a} {period.first.isoformat()}"
    return f"{period.first.isoformat()} to {period.last.isoformat()}"


def figures_text(digest: Digest, heading: str) -> str:
    """The figures as plain text: the notification, and what is left when blocks fail."""
    target = digest.completion_target
    lines = [f"{heading} ({_span(digest)})"]
    for card in digest.cards.values():
        lines.append(person_line(card, target).replace(BELOW_TARGET, " (below target)"))
    total = digest.total
    running = running_summary(total)
    lines.append(
        f"Team: {format_duration(total.logged)} logged, {format_duration(total.billable)} "
        f"billable, {len(digest.overdue)} overdue, {len(digest.unfinished)} unfinished routines"
        + (f" ({running})" if running else "")
    )
    if digest.unbilled is not None:
        lines.append(f"Unbilled (billable, on no invoice yet): {unbilled_text(digest.unbilled)}")
    done = sum(len(tasks) for tasks in digest.finished.values())
    if done:
        lines.append(f"Finished: {done} tasks by {len(digest.finished)} VAs")
    if digest.stale is not None:
        lines.append(stale_count_text(digest.stale))
    return "\n".join(lines)


def digest_blocks(digest: Digest, heading: str) -> list:
    target = digest.completion_target
    blocks: list = [HeaderBlock(text=f"{heading} ({_span(digest)})"[:150])]
    rows = [person_line(card, target) for card in digest.cards.values()]
    blocks += line_sections(rows or ["No VAs on the roster (`[roles] vas` in vadesk.toml)."])
    blocks.append(SectionBlock(text=MarkdownTextObject(text="*Team totals*")))
    blocks.append(
        SectionBlock(
            fields=[
                MarkdownTextObject(text=f)
                for f in scorecard_fields(
                    digest.total, target, digest.csat_target, digest.response_target
                )
            ]
        )
    )
    blocks += by_client_blocks(digest.by_client)
    if digest.unbilled is not None:
        unbilled = f"*Unbilled* (billable, on no invoice yet): {unbilled_text(digest.unbilled)}"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=unbilled)))
    blocks.append(DividerBlock())
    blocks += finished_blocks(digest)
    blocks.append(DividerBlock())
    blocks += attention_blocks(digest)
    if digest.stale is not None:
        blocks += [DividerBlock(), *stale_blocks(digest.stale, DIGEST_PLACE)]
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"{BELOW_TARGET.strip()} below target. First response counts "
                    "business minutes on each client's schedule."
                )
            ]
        )
    )
    return blocks[:50]


def attention_blocks(digest: Digest) -> list:
    today: date = digest.period.last
    lines = ["*Needs attention*"]
    for conversation in digest.waiting_chats[:ATTENTION_LIMIT]:
        name = digest.client_names.get(conversation.client_id or 0, conversation.channel_id)
        holder = (
            f"held by <@{conversation.assignee_id}>"
            if conversation.assignee_id
            else "waiting for a VA"
        )
        state = target_words(conversation, digest.as_of)
        lines.append(
            f"• Client waiting: {where(conversation, name)} since "
            f"{time_token(conversation.opened_at)}, {holder}, {state}"
        )
    for task in digest.overdue[:ATTENTION_LIMIT]:
        lines.append(f"• Overdue: {task_line(task, today)}")
    if len(digest.overdue) > ATTENTION_LIMIT:
        lines.append("• … and more overdue: `/task list overdue`")
    for run in digest.unfinished[:ATTENTION_LIMIT]:
        lines.append(f"• Unfinished routine: *{escape(run.title)}* for <@{run.owner_id}>")
    for entry, task in digest.long_timers[:ATTENTION_LIMIT]:
        lines.append(
            f"• Long-running timer: <@{entry.user_id}> on {format_task_id(task.number)} "
            f"({shown(task.title, 60)}) since {time_token(entry.started_at)}"
        )
    for escalation in digest.escalations[:ATTENTION_LIMIT]:
        state = f"taken by <@{escalation.taken_by}>" if escalation.taken_by else "not taken"
        ref = format_escalation_id(saved_id(escalation))
        lines.append(
            f"• Open escalation: *{ref}* ({escalation.urgency}) "
            f"from <@{escalation.raised_by}> {time_token(escalation.created_at)}, {state}"
        )
    for assignment, task in digest.unacknowledged[:ATTENTION_LIMIT]:
        lines.append(
            f"• Not acknowledged: *{format_task_id(task.number)}* for "
            f"<@{assignment.assignee_id}>, assigned by <@{assignment.assigner_id}> "
            f"{time_token(assignment.created_at)}"
        )
    for task, spent in digest.no_client[:ATTENTION_LIMIT]:
        ref = format_task_id(task.number)
        lines.append(
            f"• Billable time without a client, so never invoiced: *{ref}* "
            f"({shown(task.title, 60)}) {format_duration(spent)}; internal work? "
            f"`/task billable {ref} off`"
        )
    if len(digest.no_client) > ATTENTION_LIMIT:
        lines.append("• … and more time on tasks without a client")
    for user_id, phase, next_phase in digest.promotions:
        lines.append(
            f"• Consider promoting <@{user_id}> from phase {phase} to {next_phase}: the last "
            f"{PROMOTION_STREAK} reviewed assignments were approved without revisions "
            f"(`/role <@{user_id}> phase {next_phase}`)"
        )
    if len(lines) == 1:
        lines.append(
            "Nothing: no unanswered client chats, overdue tasks, unfinished routines, "
            "long-running timers, open escalations, unacknowledged assignments or billable "
            "time without a client."
        )
    return line_sections(lines)
