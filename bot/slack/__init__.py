"""Talking to Slack outside the listeners: the desk every handler is given, App Home
publishing, replies over response URLs, which channels are Slack Connect channels, and
every WebClient VA Desk makes. The Bolt app that registers the listeners is `bot/app.py`,
above `handlers/`; these sit below them."""
