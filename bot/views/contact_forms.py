"""Block Kit for the contact forms: **Add contact** (the message shortcut, prefilled from
the message's author), the edit form (from `/contact edit` and the card's **Edit**) and
the note form (the card's **Add note**). The block ids are the fields of
`bot.services.contact_edits.ContactFields`, so a refusal shows on its field."""

from __future__ import annotations

import json
from datetime import date

from slack_sdk.models.blocks import (
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.services.contact_edits import (
    MAX_COMPANY_CHARS,
    MAX_EMAIL_CHARS,
    MAX_NEXT_STEP_CHARS,
    MAX_PHONE_CHARS,
    ContactFields,
)
from bot.services.contacts import MAX_NAME_CHARS
from bot.services.rows import saved_id
from bot.services.text import shown, truncate
from bot.views.blocks import OPTION_LIMIT, notes_input, plain
from bot.views.contacts import CONTACT_EDIT_ACTION, CONTACT_NOTE_ACTION
from bot.views.tags import SELECT_LIMIT, tag_select
from store.models import Client, Contact

ADD_CONTACT_SHORTCUT = "add_contact"
ADD_CONTACT_CALLBACK = "contact_add"
EDIT_CONTACT_CALLBACK = CONTACT_EDIT_ACTION  # the form the card's Edit opens
NOTE_CALLBACK = CONTACT_NOTE_ACTION
NO_CLIENT = "none"  # the client select's "No client"


def _text_input(
    block_id: str,
    label: str,
    initial: str | None,
    limit: int,
    optional: bool = True,
    placeholder: str | None = None,
    multiline: bool = False,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        element=PlainTextInputElement(
            action_id="value",
            initial_value=truncate(initial, limit) if initial else None,
            max_length=limit,
            placeholder=placeholder,
            multiline=multiline,
        ),
    )


def _client_input(clients: list[Client], client_id: int | None) -> InputBlock:
    """The clients to pick from (a select holds 100: the current one is always among
    them) and "No client"."""
    none = Option(value=NO_CLIENT, text=PlainTextObject(text="No client"))
    options = [Option(value=str(c.id), text=plain(c.name, OPTION_LIMIT)) for c in clients]
    current = next((o for o in options if o.value == str(client_id)), None)
    if current is not None:
        options.remove(current)
        options.insert(0, current)
    return InputBlock(
        block_id="client",
        label="Client",
        optional=True,
        element=StaticSelectElement(
            action_id="value",
            placeholder="Choose a client",
            options=[none, *options[: SELECT_LIMIT - 1]],
            initial_option=current or none,
        ),
    )


def _tag_input(tags: tuple[str, ...], current: str | None) -> InputBlock:
    if len(tags) <= SELECT_LIMIT and tags:
        element: StaticSelectElement | PlainTextInputElement = tag_select(tags, current)
        hint = "A new tag is added to the contact's tag history."
    else:
        element = PlainTextInputElement(
            action_id="value", max_length=130, placeholder="e.g. lead-hot-prospect"
        )
        hint = "A tag of the taxonomy or its short form (`/task help` lists them)."
    return InputBlock(block_id="tag", label="Tag", optional=True, element=element, hint=hint)


def contact_modal(
    callback_id: str,
    title: str,
    submit: str,
    clients: list[Client],
    tags: tuple[str, ...],
    prefill: ContactFields,
    metadata: dict,
    intro: str | None = None,
) -> View:
    """The contact's fields, prefilled (`prefill.tag`: its current tag)."""
    due = prefill.next_step_due
    blocks: list = [SectionBlock(text=MarkdownTextObject(text=intro))] if intro else []
    blocks += [
        _text_input("name", "Name", prefill.name, MAX_NAME_CHARS, optional=False),
        _text_input("company", "Company", prefill.company, MAX_COMPANY_CHARS),
        _client_input(clients, prefill.client_id),
        _text_input(
            "email", "Email", prefill.email, MAX_EMAIL_CHARS, placeholder="name@example.com"
        ),
        _text_input("phone", "Phone", prefill.phone, MAX_PHONE_CHARS, placeholder="+1 555 0100"),
        InputBlock(
            block_id="owner",
            label="Owner (the VA who keeps this contact)",
            optional=True,
            element=UserSelectElement(action_id="value", initial_user=prefill.owner_id),
        ),
        _text_input(
            "next_step", "Next step", prefill.next_step, MAX_NEXT_STEP_CHARS, multiline=True
        ),
        InputBlock(
            block_id="due",
            label="Next step due",
            optional=True,
            element=DatePickerElement(
                action_id="value", initial_date=due.isoformat() if isinstance(due, date) else None
            ),
        ),
        _tag_input(tags, prefill.tag),
    ]
    return View(
        type="modal",
        callback_id=callback_id,
        title=title,
        submit=submit,
        close="Cancel",
        private_metadata=json.dumps(metadata),
        blocks=blocks,
    )


def edit_modal(
    contact: Contact, clients: list[Client], tags: tuple[str, ...], current_tag: str | None
) -> View:
    prefill = ContactFields(
        name=contact.name,
        company=contact.company,
        client_id=contact.client_id,
        email=contact.email,
        phone=contact.phone,
        owner_id=contact.owner_id,
        next_step=contact.next_step,
        next_step_due=contact.next_step_due,
        tag=current_tag,
    )
    metadata = {"contact": saved_id(contact)}
    return contact_modal(
        EDIT_CONTACT_CALLBACK, "Edit contact", "Save", clients, tags, prefill, metadata
    )


def add_from_message_modal(
    author: str,
    name: str | None,
    client_id: int | None,
    adder: str,
    clients: list[Client],
    tags: tuple[str, ...],
) -> View:
    """**Add contact** on a client's message: their name as Slack knows it, their client
    when the channel is a client's, owned by whoever adds them unless changed."""
    prefill = ContactFields(name=name, client_id=client_id, owner_id=adder)
    intro = f"A contact for <@{author}>, who wrote the message."
    if name is None:
        intro += " Slack did not say their name: write it."
    return contact_modal(
        ADD_CONTACT_CALLBACK,
        "Add contact",
        "Add",
        clients,
        tags,
        prefill,
        {"slack_user": author},
        intro,
    )


def note_modal(contact: Contact) -> View:
    return View(
        type="modal",
        callback_id=NOTE_CALLBACK,
        title="Add note",
        submit="Add",
        close="Cancel",
        private_metadata=json.dumps({"contact": saved_id(contact)}),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"A note on *{shown(contact.name, 200)}*; it touches the contact."
                )
            ),
            notes_input("note", "Note"),
        ],
    )
