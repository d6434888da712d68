"""The grammar of each command, shown for `help` and for anything not understood.
Escaped, so Slack shows `<title>` as typed instead of reading it as a link."""

from bot.services.tags import tag_list_text
from bot.services.text import escape
from bot.settings.schema import ClientSettings

TASK_HELP = escape("""*`/task`* — tasks (every client interaction is one)
• `/task` — open the *New task* form
• `/task add <title> [#client|#channel] [@user] [due <date>] [!high|!low] [#tag]` — create a task
• `/task list [mine|all|overdue|@user] [#tag]` — open tasks (mine by default)
• `/task show T-12` — details, follow-ups, tag and time tracked
• `/task done T-12 <notes>` — complete with notes on what was done (a running timer stops)
• `/task status T-12 <open|in progress|waiting|cancelled>` — change the status
• `/task followup T-12 <text> [due <date>]` — log a follow-up action
• `/task billable T-12 on|off` — whether its time is billed (supervisors, owners; audited)
Dates: `today`, `tomorrow`, `friday`, `2026-12-01`.""")


TIMER_HELP = escape("""*`/timer`* — time tracking (one running timer per person)
• `/timer start T-12` or `/timer start <what you are doing>` — start (a running timer stops first)
• `/timer start T-12 pomodoro` — focus blocks: 25 minutes (one entry each), 5-minute breaks
• `/timer stop [notes]` — stop and record
• `/timer status` — what is running and today's total
• `/timer list [today|week]` — your entries
• `/timer log T-12 <duration> [date] [notes]` — time worked without a timer
  (`/timer log 45m`: a form where you pick the task)
• `/timer edit [E-7]` — fix an entry's start, end or notes (the change is audited)
Durations: `1h30m`, `90m`, `1.5h`, `0:45`. Dates: `today`, `yesterday`, `monday`, `2026-11-20`.""")


# `/task help` names this many clients at most (a reply has room for a few thousand characters).
CLIENTS_LISTED = 40


def task_help(tags: tuple[str, ...], clients: tuple[ClientSettings, ...] = ()) -> str:
    """`/task help`, naming the clients and the tags of the taxonomy in effect."""
    named = ", ".join(f"`#{c.key}` ({escape(c.name)})" for c in clients[:CLIENTS_LISTED])
    if len(clients) > CLIENTS_LISTED:
        named += f" and {len(clients) - CLIENTS_LISTED} more"
    return (
        f"{TASK_HELP}\nClients (a task made in a client's channel is that client's): "
        f"{named or 'none configured'}.\nTags (`#` and the short form, or the *Tag contact* "
        f"shortcut on a client's message): {tag_list_text(tags)}."
    )


CONTACT_HELP = escape("""*`/contact`* — contacts: the clients' people and the leads
• `/contact add <name> [#client] [@owner] [#tag]` — add a contact in the pipeline's first \
stage (yours unless you name its owner; typed in a client's channel, that client's)
• `/contact <name>` — its card: stage, next step, open work, client chat, escalations, \
CSAT, billing (for whoever invoices), with the stage menu, *Edit* and *Add note*
• `/contact note <name> <text>` — a note on its history (anyone on the team)
• `/contact edit <name>` — the edit form (its owner, or anyone when it has none; \
supervisors and owners)
• `/contact restore <name>` — an archived contact back in its stage (archive one with \
*Archive* on the digest's or the cold-leads checklist's stale list)
• `/contact show <name>` — the card of a contact whose name starts with add, note, edit, \
restore, show or help
The *Add contact* shortcut on a client's message adds its author.""")


def contact_help(tags: tuple[str, ...], clients: tuple[ClientSettings, ...] = ()) -> str:
    """`/contact help`, naming the clients and tags one may write after `#`."""
    named = ", ".join(f"`#{c.key}` ({escape(c.name)})" for c in clients[:CLIENTS_LISTED])
    if len(clients) > CLIENTS_LISTED:
        named += f" and {len(clients) - CLIENTS_LISTED} more"
    return (
        f"{CONTACT_HELP}\nClients: {named or 'none configured'}.\nTags: {tag_list_text(tags, 40)}."
    )
