"""People: roles from config, Slack time zones cached for a day, clients kept in step."""

from __future__ import annotations

import threading
import time as time_module
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot import clock
from bot.services import people, roles
from bot.settings.schema import ClientSettings, UserSettings
from store.db import session_scope
from store.models import Client, User

TEAM = "T0TEAM"
T0 = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


class SlackProfiles:
    """Stands in for users.info: answers with whatever zone the user has set now."""

    def __init__(self, tz: str | None = "America/New_York", real_name: str | None = None):
        self.tz = tz
        self.real_name = real_name
        self.failing = False
        self.asked = 0

    def __call__(self, user_id: str) -> dict | None:
        self.asked += 1
        if self.failing:
            return None
        return {"id": user_id, "tz": self.tz, "real_name": self.real_name}


def resolve(engine, settings, profiles, user_id: str = "U0VA1", team_id: str = TEAM):
    with session_scope(engine) as session:
        return people.resolve_actor(session, settings, team_id, user_id, profiles)


def stored_user(engine, user_id: str = "U0VA1", team_id: str = TEAM) -> User:
    with session_scope(engine) as session:
        return session.get(User, (team_id, user_id))


# --------------------------------------------------------------------------- time zones


def test_time_zone_is_cached_for_24_hours(engine, settings):
    profiles = SlackProfiles("America/New_York")
    clock.set_now(T0)
    assert resolve(engine, settings, profiles).zone == ZoneInfo("America/New_York")
    profiles.tz = "Asia/Manila"  # the user moved
    clock.set_now(T0 + timedelta(hours=23, minutes=59))
    assert resolve(engine, settings, profiles).zone == ZoneInfo("America/New_York")
    assert profiles.asked == 1
    clock.set_now(T0 + timedelta(hours=24, minutes=1))
    assert resolve(engine, settings, profiles).zone == ZoneInfo("Asia/Manila")
    assert profiles.asked == 2
    user = stored_user(engine)
    assert user.timezone == "Asia/Manila"
    assert user.timezone_checked_at == T0 + timedelta(hours=24, minutes=1)
    # and the new zone is cached from then on
    clock.set_now(T0 + timedelta(hours=30))
    assert resolve(engine, settings, profiles).zone == ZoneInfo("Asia/Manila")
    assert profiles.asked == 2


def test_a_failed_lookup_keeps_the_cached_zone_and_retries_later(engine, settings):
    profiles = SlackProfiles("Europe/Lisbon")
    clock.set_now(T0)
    resolve(engine, settings, profiles)
    profiles.failing = True
    clock.set_now(T0 + timedelta(hours=25))
    assert resolve(engine, settings, profiles).zone == ZoneInfo("Europe/Lisbon")
    assert stored_user(engine).timezone == "Europe/Lisbon"
    # the failure is not cached as a success: the next request asks Slack again
    profiles.failing = False
    profiles.tz = "Europe/Madrid"
    clock.set_now(T0 + timedelta(hours=25, minutes=5))
    assert resolve(engine, settings, profiles).zone == ZoneInfo("Europe/Madrid")
    assert profiles.asked == 3


def test_without_a_slack_zone_the_workspace_zone_is_used(engine, settings):
    clock.set_now(T0)
    failing = SlackProfiles()
    failing.failing = True
    assert resolve(engine, settings, failing).zone == ZoneInfo("America/New_York")
    assert resolve(engine, settings, SlackProfiles(tz=None), "U0VA2").zone == ZoneInfo(
        "America/New_York"
    )
    assert resolve(engine, settings, None, "U0SUPER").zone == ZoneInfo("America/New_York")


def test_an_unknown_slack_zone_falls_back(engine, settings):
    clock.set_now(T0)
    settings = replace(settings, users={"U0VA1": UserSettings(timezone="Europe/Berlin")})
    assert resolve(engine, settings, SlackProfiles("Mars/Olympus_Mons")).zone == ZoneInfo(
        "Europe/Berlin"
    )
    assert resolve(engine, settings, SlackProfiles("Mars/Olympus_Mons"), "U0VA2").zone == (
        ZoneInfo("America/New_York")
    )


def test_a_slack_zone_wins_over_the_configured_fallback(engine, settings):
    clock.set_now(T0)
    settings = replace(settings, users={"U0VA1": UserSettings(timezone="Europe/Berlin")})
    assert resolve(engine, settings, SlackProfiles("Asia/Tokyo")).zone == ZoneInfo("Asia/Tokyo")
    with session_scope(engine) as session:
        assert people.user_zone(session, settings, TEAM, "U0VA1") == ZoneInfo("Asia/Tokyo")
        assert people.user_zone(session, settings, TEAM, "U0NOBODY") == ZoneInfo("America/New_York")


def test_display_name_comes_from_the_profile(engine, settings):
    clock.set_now(T0)
    resolve(engine, settings, SlackProfiles(real_name="Ana Souza 🌷"))
    with session_scope(engine) as session:
        assert people.display_name(session, TEAM, "U0VA1") == "Ana Souza 🌷"
        assert people.display_name(session, TEAM, "U0UNSEEN") == "U0UNSEEN"
        assert people.display_name(session, TEAM, None) == ""


# --------------------------------------------------------------------------- roles, hours


@pytest.mark.parametrize(
    ("user_id", "role", "manager"),
    [
        ("U0OWNER", "owner", True),
        ("U0SUPER", "supervisor", True),
        ("U0VA1", "va", False),
        ("U0STRANGER", "va", False),
    ],
)
def test_roles_come_from_config(engine, settings, user_id, role, manager):
    clock.set_now(T0)
    actor = resolve(engine, settings, SlackProfiles(), user_id)
    assert (actor.role, actor.is_manager) == (role, manager)
    assert stored_user(engine, user_id).role == role


def test_a_role_change_in_config_applies_on_the_next_request(engine, settings):
    clock.set_now(T0)
    assert resolve(engine, settings, SlackProfiles(), "U0VA2").role == "va"
    supervisors = (*settings.roles.supervisors, "U0VA2")
    promoted = replace(
        settings, roles=settings.roles.model_copy(update={"supervisors": supervisors})
    )
    assert resolve(engine, promoted, SlackProfiles(), "U0VA2").role == "supervisor"
    assert stored_user(engine, "U0VA2").role == "supervisor"


def test_the_roster_is_the_config_with_the_roles_set_in_slack_over_it(engine, settings):
    clock.set_now(T0)
    with session_scope(engine) as session:
        owner = people.resolve_actor(session, settings, TEAM, "U0OWNER")
        roles.set_role(session, settings, owner, "U0VA2", "owner")
        roles.set_role(session, settings, owner, "U0NEW", "va")
        roles.set_role(session, settings, owner, "U0SUPER", "va")
    with session_scope(engine) as session:
        found = people.roster(session, settings, TEAM)
        other_team = people.roster(session, settings, "T0OTHER")
    assert found.owners == ("U0OWNER", "U0VA2")
    assert found.supervisors == ()
    assert found.vas == ("U0VA1", "U0NEW", "U0SUPER")
    assert "U0NEW" in found and "U0STRANGER" not in found
    assert other_team.vas == ("U0VA1", "U0VA2") and other_team.supervisors == ("U0SUPER",)


def test_working_hours_default_to_business_hours_or_the_users_own(engine, settings):
    clock.set_now(T0)
    settings = replace(
        settings, users={"U0VA2": UserSettings(working_hours=(time(7, 30), time(15, 30)))}
    )
    va1 = resolve(engine, settings, SlackProfiles(), "U0VA1")
    va2 = resolve(engine, settings, SlackProfiles(), "U0VA2")
    assert (va1.work_start, va1.work_end) == (time(9), time(17))
    assert (va2.work_start, va2.work_end) == (time(7, 30), time(15, 30))
    stored = stored_user(engine, "U0VA2")
    assert (stored.work_start, stored.work_end) == ("07:30", "15:30")


# --------------------------------------------------------------------------- clients


def clients_of(engine, team_id: str = TEAM) -> dict[str, tuple[int, str, str | None]]:
    with session_scope(engine) as session:
        return {
            c.key: (c.id, c.name, c.channel_id)
            for c in session.exec(select(Client).where(Client.team_id == team_id))
        }


def test_clients_are_synced_from_config(engine, settings):
    clock.set_now(T0)
    resolve(engine, settings, SlackProfiles())
    synced = clients_of(engine)
    assert {k: v[1:] for k, v in synced.items()} == {
        "acme": ("Acme Corp", "C0ACME"),
        "globex": ("Globex", "C0GLOBEX"),
    }
    with session_scope(engine) as session:
        assert people.client_for_channel(session, TEAM, "C0GLOBEX").name == "Globex"
        assert people.client_for_channel(session, TEAM, "C0RANDOM") is None
        assert [c.name for c in people.list_clients(session, TEAM)] == ["Acme Corp", "Globex"]


def test_a_changed_client_is_updated_in_place_and_new_ones_added(engine, settings):
    clock.set_now(T0)
    resolve(engine, settings, SlackProfiles())
    before = clients_of(engine)
    changed = replace(
        settings,
        clients=(
            ClientSettings(
                key="acme",
                name="ACME Holdings",
                channel="C0ACMENEW",
                timezone="Europe/London",
                business_hours=(time(8), time(16)),
                business_days=(0, 1, 2, 3),
            ),
            ClientSettings(key="globex", name="Globex", channel="C0GLOBEX"),
            ClientSettings(key="initech", name="Initech"),
        ),
    )
    resolve(engine, changed, SlackProfiles())
    after = clients_of(engine)
    assert after["acme"] == (before["acme"][0], "ACME Holdings", "C0ACMENEW")
    assert after["globex"] == before["globex"]
    assert after["initech"][1:] == ("Initech", None)
    with session_scope(engine) as session:
        acme = session.get(Client, before["acme"][0])
    assert (acme.timezone, acme.business_hours, acme.business_days) == (
        "Europe/London",
        "08:00-16:00",
        "0,1,2,3",
    )


def test_a_client_dropped_from_config_is_kept_for_its_history(engine, settings):
    clock.set_now(T0)
    resolve(engine, settings, SlackProfiles())
    trimmed = replace(settings, clients=settings.clients[:1])
    resolve(engine, trimmed, SlackProfiles())
    assert set(clients_of(engine)) == {"acme", "globex"}


def test_each_workspace_gets_its_own_clients(engine, settings):
    clock.set_now(T0)
    resolve(engine, settings, SlackProfiles())
    resolve(engine, settings, SlackProfiles(), team_id="T0OTHER")
    ours, theirs = clients_of(engine), clients_of(engine, "T0OTHER")
    assert set(ours) == set(theirs) == {"acme", "globex"}
    assert ours["acme"][0] != theirs["acme"][0]
    with session_scope(engine) as session:
        assert people.client_for_channel(session, "T0OTHER", "C0ACME").id == theirs["acme"][0]


@pytest.mark.parametrize("workspace_known", [False, True], ids=["new-workspace", "new-user"])
def test_first_sight_from_two_requests_at_once_does_not_conflict(engine, settings, workspace_known):
    """Two requests from a new workspace (or user) must not refuse each other."""
    clock.set_now(T0)
    if workspace_known:
        resolve(engine, settings, SlackProfiles(), "U0OWNER")
    outcome: dict[str, object] = {}

    def second_request() -> None:
        try:
            outcome["actor"] = resolve(engine, settings, SlackProfiles())
        except Exception as error:  # reported below
            outcome["error"] = error

    with session_scope(engine) as session:
        people.resolve_actor(session, settings, TEAM, "U0VA1", SlackProfiles())
        thread = threading.Thread(target=second_request)
        thread.start()
        time_module.sleep(0.3)  # let it reach the rows this transaction holds
    thread.join(timeout=30)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["actor"].role == "va"
    with session_scope(engine) as session:
        assert [u.id for u in session.exec(select(User).where(User.id == "U0VA1"))] == ["U0VA1"]
    assert set(clients_of(engine)) == {"acme", "globex"}
