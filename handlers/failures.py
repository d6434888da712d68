"""What happens when a request cannot be carried out: one line in the log naming the
request, a sentence for the person (in the command's reply, on the form, or in the
app's DM), and never a traceback to Slack or a request left unanswered.

`answer_failure` is the one place that does this. Bolt calls it through `app.error`
for anything that fails outside a listener (middleware, matching); every listener is
wrapped in `guarded`, which hands it the same failures. The wrapper is needed because a
listener that raises after `ack()` makes Bolt forget the ack and answer Slack with
"unhandled request" (404) three seconds later.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from slack_bolt import BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.failure_log import log_failure
from bot.observe.requests import kind_of as request_kind
from bot.services.errors import FieldErrors, VADeskError
from bot.slack.desk import Desk, request_saved
from handlers.payload import MalformedPayload, state_values, user_of

logger = logging.getLogger(__name__)

FAILURE_MESSAGE = (
    "Something went wrong on VA Desk's side and nothing was saved. "
    "Try again; if it keeps failing, tell whoever runs VA Desk."
)
CONFLICT_MESSAGE = "Something else changed this at the same moment; nothing was saved. Try again."
# When the request had already saved something: the truth, and no invitation to repeat it.
FAILURE_AFTER_SAVE_MESSAGE = (
    "Your change was saved, but something went wrong on VA Desk's side after that, so a "
    "message or update that should have followed may be missing. Do not send it again; "
    "if it keeps happening, tell whoever runs VA Desk."
)


# The database cannot be reached (down, restarting, or the connection cut).
DATABASE_DOWN_MESSAGE = (
    "VA Desk cannot reach its database just now, so nothing was saved. "
    "Try again in a minute; if it keeps failing, tell whoever runs VA Desk."
)
# When Slack, not VA Desk, failed the call (an error answer after the retries, or no answer).
SLACK_FAILURE_MESSAGE = (
    "Slack did not take VA Desk's request ({why}), so nothing was saved. "
    "Try again in a minute; if it keeps failing, tell whoever runs VA Desk."
)
SLACK_FAILURE_AFTER_SAVE_MESSAGE = (
    "Your change was saved, but Slack did not take the message or update that should have "
    "followed ({why}), so it may be missing. Do not send it again; if it keeps happening, "
    "tell whoever runs VA Desk."
)


def _slack_trouble(error: Exception) -> str | None:
    """What Slack did, when the failure is Slack's: an error answer, or no answer in time."""
    if isinstance(error, SlackApiError):
        method = str(error.response.api_url).rsplit("/", 1)[-1]
        return f"{method} answered {error.response.get('error') or error.response.status_code}"
    if isinstance(error, TimeoutError | ConnectionError):
        return "it did not answer in time" if isinstance(error, TimeoutError) else "no connection"
    return None


def _message_for(error: Exception) -> str:
    if isinstance(error, VADeskError):
        return error.message
    why = _slack_trouble(error)
    if why is not None:
        template = SLACK_FAILURE_AFTER_SAVE_MESSAGE if request_saved.get() else None
        return (template or SLACK_FAILURE_MESSAGE).format(why=why)
    if request_saved.get():
        return FAILURE_AFTER_SAVE_MESSAGE
    if isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError):
        return DATABASE_DOWN_MESSAGE
    if isinstance(error, sa.exc.IntegrityError):
        return CONFLICT_MESSAGE
    return FAILURE_MESSAGE


def _log(error: Exception, body: Any) -> None:
    kind = request_kind(body)
    if isinstance(error, MalformedPayload):
        logger.warning("%s refused: malformed payload (%s)", kind, error.what)
        return
    if isinstance(error, VADeskError):
        # The sentence for the person may quote what they typed: not for the log.
        logger.info("%s refused: %s", kind, type(error).__name__)
        return
    log_failure(logger, error, "%s failed", kind)


def answer_failure(
    error: Exception, body: Any, client: WebClient | None, desk: Desk | None
) -> None:
    """Log one line and tell the person, where there is someone to tell."""
    _log(error, body)
    message = _message_for(error)
    response_url = body.get("response_url") if isinstance(body, dict) else None
    try:
        if isinstance(response_url, str) and desk is not None:
            desk.reply(response_url, message)
        elif client is not None and isinstance(body, dict):
            client.chat_postMessage(channel=user_of(body), text=message)
    except MalformedPayload:
        pass  # nobody to tell: the request does not say who sent it
    except (SlackApiError, OSError) as failure:
        logger.warning("could not tell the user about the failure: %s", failure)


def _ack_form_with(ack: Callable, body: dict, message: str) -> bool:
    """Put the message on the form's first field; False when the form has none."""
    try:
        field = next(iter(state_values(body.get("view"))), None)
    except MalformedPayload:
        field = None
    if field is None:
        return False
    ack(response_action="errors", errors={field: message})
    return True


def guarded(listener: Callable) -> Callable:
    """Run a listener so that whatever it raises is answered, and acknowledged if it
    had not acknowledged yet. The listener must take `body` and `context`."""
    names = inspect.getfullargspec(listener).args
    if "body" not in names or "context" not in names:
        raise TypeError(f"{listener.__name__} must take body and context to be guarded")

    @functools.wraps(listener)
    def run(**kwargs: Any) -> Any:
        started = request_saved.set(False)
        try:
            return listener(**kwargs)
        except Exception as error:
            body, context, ack = kwargs["body"], kwargs["context"], kwargs.get("ack")
            client = kwargs.get("client") or context.client
            if ack is not None and ack.response is None:
                if isinstance(error, FieldErrors):
                    ack(response_action="errors", errors=error.errors)
                    return None
                if body.get("type") == "view_submission" and _ack_form_with(
                    ack, body, _message_for(error)
                ):
                    _log(error, body)
                    return None
                ack()
            answer_failure(error, body, client, context.get("desk"))
            return None
        finally:
            request_saved.reset(started)

    run.guarded = True  # type: ignore[attr-defined]
    return run


def handle_unexpected_error(
    error: Exception, body: Any, request: BoltRequest, response: BoltResponse | None
) -> BoltResponse | None:
    """Bolt's global error handler (`app.error`): failures outside the listeners.

    A request Bolt could not even route is a bad request (400); a database that fails
    is the server's fault (500, so Slack retries events)."""
    context = request.context
    if not isinstance(error, sa.exc.SQLAlchemyError | VADeskError):
        error = MalformedPayload(f"{type(error).__name__} while routing it")
    answer_failure(error, body, context.client, context.get("desk"))
    if response is None:
        return None
    status = 500 if isinstance(error, sa.exc.SQLAlchemyError) else 400
    return BoltResponse(status=status, body="")
