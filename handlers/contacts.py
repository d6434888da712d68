"""`/contact` (add, a contact's card, note, edit, help), the **Add contact** message
shortcut and its form, and the card's **Edit** and **Add note** with their forms. The
card's stage menu (`contact_move`) is the pipeline's to answer."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlmodel import Session

from bot.services import contact_edits, contact_writers, contacts, people, stale
from bot.services.contact_edits import ContactFields
from bot.services.contact_picture import build_picture
from bot.services.contacts import DuplicateContact
from bot.services.errors import VADeskError
from bot.services.parsing import parse_contact_add, split_command
from bot.services.people import Actor
from bot.services.text import escape, shown
from bot.slack.desk import Desk, profile_lookup
from bot.views import contact_forms as forms
from bot.views.contacts import (
    CONTACT_EDIT_ACTION,
    CONTACT_NOTE_ACTION,
    card_blocks,
    card_text,
    card_with_lead,
)
from bot.views.help import contact_help
from handlers.common import (
    Call,
    Reply,
    answer_submission,
    desk_of,
    dispatch_command,
    open_clicked_modal,
    open_modal,
    run_command,
    tell_privately,
)
from handlers.failures import guarded
from handlers.payload import (
    MalformedPayload,
    button_number,
    input_of,
    number_from,
    picked_day,
    picked_option,
    state_values,
    team_of,
    text_input,
    text_or_none,
    user_of,
    view_metadata,
)
from store.models import Contact

NAME_SHOWN = 150


def _card(session: Session, desk: Desk, actor: Actor, contact: Contact, lead: str) -> Reply:
    picture = build_picture(session, desk.settings, actor, contact=contact)
    return Reply(card_text(picture), card_with_lead(lead, picture, desk.settings))


def _added_text(contact: Contact) -> str:
    owner = f", owned by <@{contact.owner_id}>" if contact.owner_id else ""
    return f"Added *{shown(contact.name, NAME_SHOWN)}* in *{escape(contact.stage)}*{owner}."


def _add(call: Call) -> Reply:
    settings = call.desk.settings
    draft = parse_contact_add(call.text, client_keys=[client.key for client in settings.clients])
    try:
        contact = contact_edits.add_from_command(
            call.session, settings, call.actor, draft, call.channel_id
        )
    except DuplicateContact as refusal:
        return _card(call.session, call.desk, call.actor, refusal.existing, refusal.message)
    return _card(call.session, call.desk, call.actor, contact, _added_text(contact))


def _show(call: Call) -> Reply:
    contact = contacts.contact_named(call.session, call.actor.team_id, call.text)
    picture = build_picture(call.session, call.desk.settings, call.actor, contact=contact)
    return Reply(card_text(picture), card_blocks(picture, call.desk.settings))


def _note(call: Call) -> Reply:
    contact, text = contacts.contact_and_rest(call.session, call.actor.team_id, call.text)
    contacts.add_note(call.session, call.actor, contact, text)
    return Reply(f":memo: Noted on *{shown(contact.name, NAME_SHOWN)}*.")


def _edit_form(session: Session, desk: Desk, actor: Actor, contact: Contact):
    contacts.check_may_change_contact(actor, contact)
    clients = people.list_clients(session, actor.team_id)
    tag = contacts.current_tag(session, contact)
    return forms.edit_modal(contact, clients, desk.settings.tags, tag)


def _edit(call: Call) -> Reply:
    contact = contacts.contact_named(call.session, call.actor.team_id, call.text)
    return open_modal(_edit_form(call.session, call.desk, call.actor, contact))


def _restore(call: Call) -> Reply:
    """An archived contact back in its stage (archiving is a stale list's button)."""
    event = stale.restore_contact_named(call.session, call.actor, call.text)
    contact = contacts.get_contact(call.session, call.actor.team_id, event.contact_id)
    lead = (
        f"Restored *{shown(contact.name, NAME_SHOWN)}* to *{escape(contact.stage)}*: it is in "
        "the pipeline again, and on the stale lists once it is stale."
    )
    return _card(call.session, call.desk, call.actor, contact, lead)


def _help_text(desk: Desk) -> str:
    return contact_help(desk.settings.tags, desk.settings.clients)


CONTACT_ACTIONS = {
    "add": _add,
    "show": _show,
    "note": _note,
    "edit": _edit,
    "restore": _restore,
    "help": lambda call: Reply(_help_text(call.desk)),
}


@guarded
def handle_contact_command(
    ack: Ack, body: dict, command: dict, client: WebClient, context: BoltContext
) -> None:
    """A word of CONTACT_ACTIONS runs it; nothing is the help; anything else is a name."""
    ack()
    desk = desk_of(context)
    text = command.get("text") or ""
    word, _ = split_command(text)
    if not word or word in CONTACT_ACTIONS:
        dispatch_command(
            CONTACT_ACTIONS, _help_text(desk), context=context, command=command, client=client
        )
        return
    run_command(_show, context=context, command=command, client=client, text=text)


def _reply_privately(desk: Desk, client: WebClient, shortcut: dict, reply: Reply) -> None:
    """The card, to the person who used the shortcut only."""
    blocks = [block.to_dict() for block in reply.blocks or []]
    response_url = text_or_none(shortcut.get("response_url"))
    if response_url is not None:
        message = {"text": reply.text, "blocks": blocks, "response_type": "ephemeral"}
        desk.replies.send(response_url, {**message, "replace_original": False})
    else:
        client.chat_postMessage(channel=user_of(shortcut), text=reply.text, blocks=blocks)


@guarded
def handle_add_contact_shortcut(
    ack: Ack, body: dict, shortcut: dict, client: WebClient, context: BoltContext
) -> None:
    """Add the message's author: a form prefilled with their name and the channel's client;
    one who is a contact already is shown their card."""
    ack()
    desk, user_id, team_id = desk_of(context), user_of(shortcut), team_of(shortcut)
    channel_id = text_or_none((shortcut.get("channel") or {}).get("id"))
    message = shortcut.get("message")
    if channel_id is None or not isinstance(message, dict):
        raise MalformedPayload("a message shortcut without its message")
    bot = bool(message.get("bot_id")) or message.get("subtype") == "bot_message"
    try:
        actor = desk.actor(team_id, user_id, client)
        with desk.session() as session:
            author = contact_edits.check_author(
                session, desk.settings, team_id, text_or_none(message.get("user")), bot
            )
            existing = contacts.contact_of_slack_user(session, team_id, author)
            known = people.display_name(session, team_id, author)
            channel_client = people.client_for_channel(session, team_id, channel_id)
            clients = people.list_clients(session, team_id)
    except VADeskError as refusal:
        tell_privately(desk, client, shortcut, user_id, refusal.message)
        return
    unnamed = existing is None or existing.name == author
    name = known if known != author else None
    if name is None and unnamed:
        name = contact_edits.name_from_profile(profile_lookup(client)(author))
    if existing is not None:
        with desk.session() as session:
            contact = contact_writers.learn_name(session, team_id, author, name) or existing
            lead = f"<@{author}> is a contact already: *{shown(contact.name, NAME_SHOWN)}*."
            reply = _card(session, desk, actor, contact, lead)
        _reply_privately(desk, client, shortcut, reply)
        return
    view = forms.add_from_message_modal(
        author,
        name,
        channel_client.id if channel_client else None,
        user_id,
        clients,
        desk.settings.tags,
    )
    client.views_open(trigger_id=shortcut.get("trigger_id"), view=view)


def _fields(values: dict) -> ContactFields:
    """The contact form as filled in (a date Slack would not send is refused on its field)."""
    client = picked_option(values, "client")
    return ContactFields(
        name=text_input(values, "name"),
        company=text_input(values, "company"),
        client_id=None if client in (None, forms.NO_CLIENT) else number_from(client, "the client"),
        email=text_input(values, "email"),
        phone=text_input(values, "phone"),
        owner_id=text_or_none(input_of(values, "owner", "selected_user")),
        next_step=text_input(values, "next_step"),
        next_step_due=picked_day(values, "due"),
        tag=picked_option(values, "tag") or text_input(values, "tag"),
    )


@guarded
def handle_add_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    desk, values = desk_of(context), state_values(view)
    author = text_or_none(view_metadata(view).get("slack_user"))
    if author is None:
        raise MalformedPayload("the form's contact")

    def act(session: Session, actor: Actor) -> Reply:
        fields = _fields(values)
        contact = contact_edits.add_from_form(session, desk.settings, actor, fields, author)
        shows = f" `/contact {shown(contact.name, 60)}` shows their card."
        return Reply(
            _added_text(contact) + shows, refresh_users={contact.owner_id or actor.user_id}
        )

    answer_submission(ack, body, client, context, act, "name")


@guarded
def handle_edit_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    desk, values = desk_of(context), state_values(view)
    contact_id = number_from(view_metadata(view).get("contact"), "the form's contact")

    def act(session: Session, actor: Actor) -> Reply:
        fields = _fields(values)
        contact, changes = contact_edits.edit_contact(
            session, desk.settings, actor, contact_id, fields
        )
        owners = {contact.owner_id, *changes.get("owner", [])} - {None}
        return Reply(contact_edits.edited_summary(contact, changes), refresh_users=owners)

    answer_submission(ack, body, client, context, act, "name")


@guarded
def handle_note_submission(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext
) -> None:
    values = state_values(view)
    contact_id = number_from(view_metadata(view).get("contact"), "the form's contact")

    def act(session: Session, actor: Actor) -> Reply:
        contact = contacts.get_contact(session, actor.team_id, contact_id, for_update=True)
        contacts.add_note(session, actor, contact, text_input(values, "note"))
        return Reply(f":memo: Noted on *{shown(contact.name, NAME_SHOWN)}*.")

    answer_submission(ack, body, client, context, act, "note")


@guarded
def handle_edit_button(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    """The card's Edit: the form, for whoever may change the contact."""
    ack()
    desk, contact_id = desk_of(context), button_number(action)

    def build(session: Session, actor: Actor):
        contact = contacts.get_contact(session, actor.team_id, contact_id)
        return _edit_form(session, desk, actor, contact)

    open_clicked_modal(body, client, context, build)


@guarded
def handle_note_button(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
) -> None:
    """The card's Add note: a small form (anyone on the team may add a note)."""
    ack()
    contact_id = button_number(action)

    def build(session: Session, actor: Actor):
        return forms.note_modal(contacts.get_contact(session, actor.team_id, contact_id))

    open_clicked_modal(body, client, context, build)


def register(app: App) -> None:
    app.command("/contact")(handle_contact_command)
    app.message_shortcut(forms.ADD_CONTACT_SHORTCUT)(handle_add_contact_shortcut)
    app.action(CONTACT_EDIT_ACTION)(handle_edit_button)
    app.action(CONTACT_NOTE_ACTION)(handle_note_button)
    app.view(forms.ADD_CONTACT_CALLBACK)(handle_add_submission)
    app.view(forms.EDIT_CONTACT_CALLBACK)(handle_edit_submission)
    app.view(forms.NOTE_CALLBACK)(handle_note_submission)
