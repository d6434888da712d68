"""SQLModel tables: the system of record for tasks and billable time, one module per
area, every table importable from here (and so registered for Alembic)."""

from __future__ import annotations

from store.models.billing import (
    INVOICE_STATUSES,
    LINE_KINDS,
    Invoice,
    InvoiceEntry,
    InvoiceLine,
    InvoiceSequence,
)
from store.models.calendars import (
    OCCURRENCE_STATUSES,
    CalendarBookingSeen,
    CalendarFeed,
    CalendarOccurrence,
)
from store.models.chats import (
    ContactTag,
    Conversation,
    ConversationEvent,
    CsatPrompt,
    TemplateReview,
)
from store.models.columns import UTCDateTime, utc_column
from store.models.contacts import CONTACT_SOURCES, Contact, ContactEvent
from store.models.delegation import ASSIGNMENT_STATES, Assignment, AssignmentEvent
from store.models.escalations import ESCALATION_URGENCIES, Escalation
from store.models.events import ChannelMessage, ProcessedEvent
from store.models.operations import SchedulerBeat
from store.models.people import Client, User, Workspace
from store.models.routines import Delivery, RoutineRun, RoutineTick
from store.models.tasks import (
    CLOSED_STATUSES,
    ENTRY_SOURCES,
    PRIORITIES,
    TASK_STATUSES,
    AuditRecord,
    FocusSession,
    FollowUp,
    Task,
    TimeEntry,
    TimerSilence,
)

__all__ = [
    "ASSIGNMENT_STATES",
    "CLOSED_STATUSES",
    "CONTACT_SOURCES",
    "ENTRY_SOURCES",
    "ESCALATION_URGENCIES",
    "INVOICE_STATUSES",
    "LINE_KINDS",
    "OCCURRENCE_STATUSES",
    "PRIORITIES",
    "TASK_STATUSES",
    "Assignment",
    "AssignmentEvent",
    "AuditRecord",
    "CalendarBookingSeen",
    "CalendarFeed",
    "CalendarOccurrence",
    "ChannelMessage",
    "Client",
    "Contact",
    "ContactEvent",
    "ContactTag",
    "Conversation",
    "ConversationEvent",
    "CsatPrompt",
    "Delivery",
    "Escalation",
    "FocusSession",
    "FollowUp",
    "Invoice",
    "InvoiceEntry",
    "InvoiceLine",
    "InvoiceSequence",
    "ProcessedEvent",
    "RoutineRun",
    "RoutineTick",
    "SchedulerBeat",
    "Task",
    "TemplateReview",
    "TimeEntry",
    "TimerSilence",
    "UTCDateTime",
    "User",
    "Workspace",
    "utc_column",
]
