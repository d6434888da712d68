"""The two ways settings stop a command: an invalid setting (file, key, reason) and a
Slack credential that is missing or of the wrong kind."""

_CREDENTIAL_HELP = {
    "SLACK_BOT_TOKEN": (
        "use the Bot User OAuth Token (xoxb-...) from your app's OAuth & Permissions page "
        "at https://api.slack.com/apps"
    ),
    "SLACK_APP_TOKEN": (
        "create an App-Level Token (xapp-...) with the connections:write scope under "
        "Basic Information > App-Level Tokens at https://api.slack.com/apps"
    ),
    "SLACK_SIGNING_SECRET": (
        "copy the Signing Secret from your app's Basic Information page "
        "at https://api.slack.com/apps"
    ),
}


class ConfigError(Exception):
    """An invalid setting; its text names the file, the key and the reason."""

    def __init__(self, file: str, key: str, reason: str) -> None:
        super().__init__(f"{file}: {key}: {reason}")
        self.file = file
        self.key = key
        self.reason = reason


class MissingCredential(Exception):
    """A Slack credential is missing or wrong; the text is one line for the console."""

    def __init__(self, variable: str, problem: str = "is not set") -> None:
        help_text = _CREDENTIAL_HELP.get(variable, "see the README")
        super().__init__(f"{variable} {problem}: {help_text}")
        self.variable = variable
        self.problem = problem
