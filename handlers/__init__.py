"""Slack listeners; each module registers its own with `register(app)`."""

from slack_bolt import App

from handlers import home, shortcuts, tasks, timers


def register_listeners(app: App) -> None:
    for module in (tasks, timers, shortcuts, home):
        module.register(app)
