"""App Home: published on open and again after every change to a user's timers or tasks."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot import clock
from bot.services import chat_assignment, chats, delegation, routines, tasks, timers
from bot.services.board import billing_board, team_board
from bot.services.calendars import away_status, person_calendar
from bot.services.crm_home import contacts_home
from bot.slack.desk import Desk
from bot.views.chats import HOME_CHAT_LIMIT
from bot.views.home import HomeExtras, home_view
from handlers.common import desk_of
from handlers.failures import guarded
from handlers.payload import MalformedPayload, team_of

logger = logging.getLogger(__name__)

HOME_DELEGATED_LIMIT = 3


def render_home(desk: Desk, client: WebClient, team_id: str, user_id: str) -> View:
    """The App Home of one user: running timer and open tasks, as of now."""
    actor = desk.actor(team_id, user_id, client)
    with desk.session() as session:
        status = timers.timer_status(session, actor)
        open_tasks = tasks.list_tasks(session, actor, "mine")
        calendar = person_calendar(session, desk.settings, team_id, user_id)
        extras = HomeExtras(
            checklists=[
                (run, routines.run_items(run), ticks)
                for run, ticks in routines.todays_runs(session, team_id, user_id, calendar)
            ],
            away_until=away_status(session, actor),
            board=team_board(session, desk.settings, team_id) if actor.is_manager else None,
            now=clock.now(),
            delegated=delegation.open_for(session, team_id, user_id, HOME_DELEGATED_LIMIT),
            my_chats=chat_assignment.held_by(session, team_id, user_id),
            chat_queue=chat_assignment.queued(session, team_id, HOME_CHAT_LIMIT),
            chat_queue_length=chat_assignment.queue_length(session, team_id),
            client_names=chats.client_names(session, team_id),
            billing=billing_board(session, desk.settings, actor),
            contacts=contacts_home(session, desk.settings, actor, clock.now()),
            currency=desk.settings.billing.currency,
        )
        return home_view(status, open_tasks, clock.now().astimezone(actor.zone).date(), extras)


@guarded
def handle_home_opened(event: dict, body: dict, context: BoltContext) -> None:
    if event.get("tab", "home") != "home":
        return
    user_id = event.get("user")
    if not isinstance(user_id, str) or not user_id:
        raise MalformedPayload("an App Home event without a user")
    desk_of(context).refresh_homes(team_of(body), {user_id})


def register(app: App) -> None:
    app.event("app_home_opened")(handle_home_opened)
