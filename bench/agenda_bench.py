"""The calendars at scale: 20 feeds of 2,000 events each (single events, weekly and daily
repeats with EXDATEs and moved occurrences, all-day events, in New York time), served
by a local HTTP server with ETags, and `/agenda week` for 50 people.

Timed, each against a baseline measured in the same run:

- a refresh tick (`bot.services.agenda.refresh.refresh_feeds`, as `calendars-refresh`
  runs it) when every feed is due and unchanged: each read is a conditional GET the
  server answers 304, and nothing is expanded or stored but the feed's row. Baseline: a
  do-nothing request (`/noop`, answered 204) to the same server, one at a time. Target:
  under 20 ms per feed.
- `/agenda week` from the stored copy through the service and the view
  (`asked_agenda`, then `agenda_blocks` and `agenda_text`), for 50 people: each of the
  20 calendars' owners asks for their own week, 30 supervisors ask for one of theirs.
  Baseline: the bare indexed read of that week's occurrences of the feed
  (`calendar_occurrence` by feed key and start). Target: p95 under 100 ms.

The first read of every feed (fetch, parse, expand over the stored window, store) is
timed too, for the record.

    .venv/bin/python -m bench.agenda_bench                          # SQLite in a temp dir
    .venv/bin/python -m bench.agenda_bench --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

The database given is emptied first (PostgreSQL: its public schema is dropped).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bench.load import percentile
from bench.servers import empty_postgres
from bot import clock
from bot.services.agenda.feeds import user_feed_key
from bot.services.agenda.refresh import refresh_feeds
from bot.services.agenda.viewing import asked_agenda
from bot.services.people import resolve_actor
from bot.settings import load_settings
from bot.views.agenda import agenda_blocks, agenda_text
from store.db import create_db_engine, migrate
from store.models import CalendarOccurrence

FEEDS = 20
EVENTS = 2_000  # per feed: VEVENTs, a repeating one counted once
REPEATING = 200  # of them: weekly or daily series
ASKERS = 50
ROUNDS = 4  # each asker's week, asked this many times
TICKS = 5  # unchanged refresh ticks of all the feeds timed
ONE_FEED_TICKS = 20  # and of one feed alone
NOOPS = 200
TEAM = "T0BENCH"
NOW = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)  # a Monday, 09:00 in New York
TARGET_AGENDA_MS = 100.0
TARGET_FEED_MS = 20.0
OWNERS = [f"U0OWN{i:02d}" for i in range(FEEDS)]
SUPERVISORS = [f"U0SUP{i:02d}" for i in range(ASKERS - FEEDS)]


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _local(at: datetime) -> str:
    return at.strftime("%Y%m%dT%H%M%S")


def feed_text(index: int) -> bytes:
    """One feed: EVENTS events from 60 days back to 60 ahead, REPEATING of them series."""
    rng = random.Random(index)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//VA Desk bench//EN"]
    base = datetime(2026, 10, 8, 0, 0)  # local (New York) wall time
    for n in range(EVENTS):
        uid = f"bench-{index}-{n}@example.com"
        day = base + timedelta(days=rng.randrange(120))
        start = day.replace(hour=rng.randrange(7, 19), minute=rng.choice((0, 15, 30, 45)))
        end = start + timedelta(minutes=rng.choice((15, 30, 45, 60, 90)))
        event = [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"DTSTAMP:{_stamp(NOW)}",
            f"SUMMARY:Meeting {n} of calendar {index} & co",
            f"LOCATION:Room {n % 40}",
        ]
        if n % 50 == 7:  # all-day
            event += [
                f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
            ]
        else:
            event += [
                f"DTSTART;TZID=America/New_York:{_local(start)}",
                f"DTEND;TZID=America/New_York:{_local(end)}",
            ]
        moved = None
        if n < REPEATING:
            rule = "FREQ=WEEKLY;COUNT=20" if n % 4 else "FREQ=DAILY;COUNT=60"
            event.append(f"RRULE:{rule}")
            if n % 3 == 0:
                skipped = start + timedelta(days=7 if n % 4 else 2)
                event.append(f"EXDATE;TZID=America/New_York:{_local(skipped)}")
            if n % 5 == 0:
                moved = start + timedelta(days=14 if n % 4 else 3)
        lines += [*event, "END:VEVENT"]
        if moved is not None:
            lines += [
                "BEGIN:VEVENT",
                f"UID:{uid}",
                f"DTSTAMP:{_stamp(NOW)}",
                f"RECURRENCE-ID;TZID=America/New_York:{_local(moved)}",
                f"SUMMARY:Meeting {n} of calendar {index} (moved)",
                f"DTSTART;TZID=America/New_York:{_local(moved + timedelta(hours=2))}",
                f"DTEND;TZID=America/New_York:{_local(moved + timedelta(hours=3))}",
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


class _Feeds(BaseHTTPRequestHandler):
    bodies: ClassVar[dict[str, bytes]] = {}
    etags: ClassVar[dict[str, str]] = {}
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path == "/noop":
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.bodies.get(self.path)
        if body is None:
            self.send_error(404)
            return
        etag = self.etags[self.path]
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve() -> ThreadingHTTPServer:
    for index in range(FEEDS):
        body = feed_text(index)
        path = f"/feed/{index}.ics"
        _Feeds.bodies[path] = body
        _Feeds.etags[path] = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Feeds)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _settings(workdir: Path, url: str, port: int, feeds: int = FEEDS, name: str = "vadesk"):
    """Settings with the first `feeds` owners' calendars."""
    people = [
        f'[users.{owner}]\ntimezone = "America/New_York"\n'
        f'calendar = "http://127.0.0.1:{port}/feed/{i}.ics"\n'
        for i, owner in enumerate(OWNERS[:feeds])
    ]
    toml = workdir / f"{name}.toml"
    toml.write_text(
        '[workspace]\ntimezone = "America/New_York"\n\n[roles]\n'
        f"owners = [{', '.join(repr(o).replace(chr(39), chr(34)) for o in OWNERS)}]\n"
        f"supervisors = [{', '.join(repr(s).replace(chr(39), chr(34)) for s in SUPERVISORS)}]\n"
        "\n[calendars]\nrefresh_minutes = 10\n\n" + "\n".join(people),
        encoding="utf-8",
    )
    return load_settings(
        {
            "VADESK_CONFIG": str(toml),
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "bench-secret",
        },
        load_dotenv_file=False,
    )


def _fresh_engine(url: str):
    if url.startswith("postgresql"):
        empty_postgres(url)
    elif url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    engine = create_db_engine(url)
    migrate(engine)
    return engine


def _summary(label: str, times: list[float]) -> str:
    return (
        f"{label}: n={len(times)} median {statistics.median(times):.2f} ms, "
        f"p95 {percentile(times, 95):.2f} ms, max {max(times):.2f} ms"
    )


def _noop(port: int) -> list[float]:
    times = []
    for _ in range(NOOPS):
        started = time.perf_counter()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/noop", timeout=10) as answer:
            answer.read()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _refresh_ticks(engine, settings, feeds: int, ticks: int, first: int) -> list[float]:
    """Per-feed milliseconds of `ticks` ticks (from the `first`th after NOW, ten minutes
    apart), each with every feed of `settings` due and unchanged."""
    per_feed = []
    for tick in range(first, first + ticks):
        at = NOW + timedelta(minutes=10 * tick, seconds=1)  # the same UTC day: no re-expansion
        started = time.perf_counter()
        reads = refresh_feeds(engine, settings, TEAM, at)
        elapsed = (time.perf_counter() - started) * 1000
        outcomes = {read.outcome for read in reads}
        if len(reads) != feeds or outcomes != {"unchanged"}:
            raise SystemExit(f"the tick was not {feeds} unchanged feeds: {sorted(outcomes)}")
        per_feed.append(elapsed / feeds)
    return per_feed


def _bare_week(engine, feed_key: str) -> float:
    start, end = NOW - timedelta(hours=14), NOW + timedelta(days=7)
    started = time.perf_counter()
    with Session(engine) as session:
        list(
            session.exec(
                select(CalendarOccurrence).where(
                    col(CalendarOccurrence.feed_key) == feed_key,
                    col(CalendarOccurrence.start_at) < end,
                    col(CalendarOccurrence.end_at) > start,
                )
            )
        )
    return (time.perf_counter() - started) * 1000


def _agenda_week(engine, settings, asker: str, subject: str) -> tuple[float, int, int]:
    """The milliseconds of one `/agenda week`, the appointments it lists, its blocks."""
    words = "week" if asker == subject else f"week <@{subject}>"
    started = time.perf_counter()
    with Session(engine) as session:
        actor = resolve_actor(session, settings, TEAM, asker)
        agenda = asked_agenda(session, settings, actor, words)
        blocks = agenda_blocks(agenda, asker)
        agenda_text(agenda, asker)
        session.commit()
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, sum(len(day.appointments) for day in agenda.days), len(blocks)


def run(url: str, workdir: Path) -> None:
    server = _serve()
    port = server.server_address[1]
    engine = _fresh_engine(url)
    settings = _settings(workdir, url, port)
    clock.set_now(NOW)
    size = sum(len(b) for b in _Feeds.bodies.values()) / FEEDS / 1024
    print(f"## {engine.dialect.name}: {FEEDS} feeds of {EVENTS} events ({size:.0f} KiB each)")
    started = time.perf_counter()
    reads = refresh_feeds(engine, settings, TEAM, NOW)
    first = time.perf_counter() - started
    failed = [read for read in reads if read.outcome != "read"]
    if failed:
        raise SystemExit(f"the first read failed: {failed[0].detail}")
    with Session(engine) as session:
        stored = session.exec(sa.select(sa.func.count()).select_from(CalendarOccurrence)).one()[0]
    print(
        f"first read of all feeds: {first:.1f} s ({first / FEEDS * 1000:.0f} ms a feed), "
        f"{stored} occurrences stored"
    )
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(sa.text("ANALYZE"))
    for asker in OWNERS + SUPERVISORS:  # people known, as after their first command
        with Session(engine) as session:
            resolve_actor(session, settings, TEAM, asker, lambda _u: {"tz": "America/New_York"})
            session.commit()
    noop = _noop(port)
    ticks = _refresh_ticks(engine, settings, FEEDS, TICKS, 1)
    one = _refresh_ticks(engine, _settings(workdir, url, port, 1, "one"), 1, ONE_FEED_TICKS, 10)
    print(_summary("baseline: a do-nothing request to the feeds' server", noop))
    print(_summary(f"refresh tick, {FEEDS} unchanged feeds (304), per feed", ticks))
    print(_summary("refresh tick of one unchanged feed (304)", one))
    for label, times in (("the 20-feed tick", ticks), ("the one-feed tick", one)):
        ratio = statistics.median(times) / statistics.median(noop)
        verdict = "PASS" if percentile(times, 95) < TARGET_FEED_MS else "MISS"
        print(
            f"    {label}: {ratio:.1f}x the do-nothing request; "
            f"p95 {verdict} (< {TARGET_FEED_MS:.0f} ms a feed)"
        )
    rng = random.Random(7)
    askers = [(owner, owner) for owner in OWNERS]
    askers += [(sup, rng.choice(OWNERS)) for sup in SUPERVISORS]
    bare: list[float] = []
    agenda: list[float] = []
    listed: list[int] = []
    sizes: list[int] = []
    for _ in range(ROUNDS):
        for asker, subject in askers:
            bare.append(_bare_week(engine, user_feed_key(subject)))
            elapsed, count, blocks = _agenda_week(engine, settings, asker, subject)
            agenda.append(elapsed)
            listed.append(count)
            sizes.append(blocks)
    print(f"a week lists {min(listed)}-{max(listed)} appointments in up to {max(sizes)} blocks")
    print(_summary("baseline: the bare indexed read of a week's occurrences", bare))
    print(_summary(f"/agenda week (service + view), {ASKERS} people x {ROUNDS}", agenda))
    ratio = statistics.median(agenda) / statistics.median(bare)
    p95 = percentile(agenda, 95)
    verdict = "PASS" if p95 < TARGET_AGENDA_MS else "MISS"
    print(f"    {ratio:.1f}x the bare read's median; p95 {verdict} (< {TARGET_AGENDA_MS:.0f} ms)")
    clock.set_now(None)
    server.shutdown()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vadesk-agenda-bench-") as tmp:
        run(args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp))


if __name__ == "__main__":
    main()
