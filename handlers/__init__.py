"""Slack listeners; each module registers its own with `register(app)`."""

from slack_bolt import App

from handlers import (
    agenda,
    chats,
    contacts,
    csat,
    delegation,
    escalations,
    find,
    home,
    invoices,
    out_of_office,
    pipeline,
    reminders,
    reports,
    roles,
    routines,
    stale,
    tags,
    tasks,
    templates,
    testimonials,
    timers,
)


def register_listeners(app: App) -> None:
    for module in (
        tasks,
        timers,
        reports,
        home,
        routines,
        out_of_office,
        reminders,
        escalations,
        delegation,
        roles,
        csat,
        chats,
        tags,
        templates,
        testimonials,
        invoices,
        stale,
        pipeline,
        contacts,
        find,
        agenda,
    ):
        module.register(app)
