"""VA Desk serves one workspace: the one its bot token belongs to (`auth.test`, which Bolt
asks once per process). A request for any other workspace is answered here, before any
listener runs, so it creates no workspace, person or row and calls Slack for nothing.

A Slack Connect guest is not another workspace: their messages and clicks in our channels
name our workspace (an event's authorization, a button's `team`) and their own team only
as `user_team` or `user.team_id`, and pass."""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_bolt import BoltRequest, BoltResponse

from handlers.payload import MalformedPayload, team_of

logger = logging.getLogger(__name__)

NOT_INSTALLED_HERE = (
    "VA Desk is not installed in this workspace, so nothing was done. "
    "It works in the workspace that installed it."
)
# Other workspaces logged once each per process, up to this many (a flood of them must
# not fill the log).
LOGGED_TEAMS = 100


class OtherWorkspaces:
    """Answers requests for a workspace VA Desk is not installed in."""

    def __init__(self) -> None:
        self._logged: set[str] = set()
        self._lock = threading.Lock()

    def answer(self, req: BoltRequest, body: Any) -> BoltResponse | None:
        """None when the request is for the installed workspace (or names none, like
        Slack's URL check); else the whole answer to it."""
        installed = req.context.authorize_result
        if installed is None or not installed.team_id or not isinstance(body, dict):
            return None
        try:
            team = team_of(body)
        except MalformedPayload:
            return None  # the listener's own reading refuses it with a sentence
        if team == installed.team_id:
            return None
        self._log_once(team, installed.team_id)
        return refusal(body)

    def _log_once(self, team: str, installed: str) -> None:
        with self._lock:
            if team in self._logged or len(self._logged) >= LOGGED_TEAMS:
                return
            self._logged.add(team)
        logger.warning(
            "ignored a request for workspace %s: VA Desk is installed in %s",
            team[:32],
            installed,
        )


def refusal(body: dict) -> BoltResponse:
    """The polite answer: a private sentence for a command, the sentence on a form's first
    field; buttons, shortcuts and events are acknowledged and nothing more."""
    if isinstance(body.get("command"), str):
        return BoltResponse(
            status=200, body={"response_type": "ephemeral", "text": NOT_INSTALLED_HERE}
        )
    if body.get("type") == "view_submission":
        view = body.get("view")
        state = view.get("state") if isinstance(view, dict) else None
        values = state.get("values") if isinstance(state, dict) else None
        field = next(iter(values), None) if isinstance(values, dict) else None
        if isinstance(field, str):
            return BoltResponse(
                status=200,
                body={"response_action": "errors", "errors": {field: NOT_INSTALLED_HERE}},
            )
    return BoltResponse(status=200, body="")
