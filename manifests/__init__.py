"""The Slack app manifest: Socket Mode as shipped, or HTTP with a request URL."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

MANIFEST_FILE = Path(__file__).with_name("vadesk.json")


def load_manifest(http_url: str | None = None) -> dict:
    """The manifest; with `http_url` every request goes to that URL instead of a socket."""
    manifest = json.loads(MANIFEST_FILE.read_text(encoding="utf-8"))
    if http_url is None:
        return manifest
    parsed = urlparse(http_url)
    if parsed.scheme not in ("https", "http") or not parsed.netloc:
        raise ValueError(f"--http-url must be an http(s) URL, got '{http_url}'")
    settings = manifest["settings"]
    settings["socket_mode_enabled"] = False
    settings["interactivity"]["request_url"] = http_url
    settings["event_subscriptions"]["request_url"] = http_url
    for command in manifest["features"]["slash_commands"]:
        command["url"] = http_url
    return manifest


def bot_scopes() -> list[str]:
    return list(load_manifest()["oauth_config"]["scopes"]["bot"])
