"""How long `/find` takes (`handlers.find.answer`: the search, then the card of the one
match or the list of several) on 50,000 contacts, 200,000 tasks with notes and 100,000
client conversations over 50 clients (the data of bench/picture_bench.py).

Three things are timed for each question, each in a unit of work of its own: the bare
full-text query the search starts with (`store.search.search_hits`, the best rows of each
index), the baseline measured in the same run on the same data; the search as `/find` runs
it (`bot.services.search.find`: that query with a VA's filter, the records found, their
ranking and why each matched); and the whole answer (`handlers.find.answer`: the search,
then the card of the one match, which builds the contact's picture, or the list of
several). Each kind of question is asked with different names, as a VA (whose search
leaves out colleagues' delegated briefs) and as an owner; the answer's statements are
printed with their query plans, so a table scan shows. Targets: the answer's p95 under
150 ms; the search's p95 at most 3x the bare query's.

    .venv/bin/python -m bench.find_bench                          # SQLite in a temp dir
    .venv/bin/python -m bench.find_bench --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

The database given is emptied first (PostgreSQL: its public schema is dropped), unless
`--reuse` finds the data of a previous run in it (picture_bench's data is the same).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session

from bench.picture_bench import (
    CONTACTS,
    NOW,
    SETTINGS_TOML,
    TEAM,
    VAS,
    Statements,
    _load,
    _plans,
    bench_main,
)
from bot import clock
from bot.services import search
from bot.services.people import resolve_actor
from bot.settings import load_settings
from handlers.find import answer
from store.search import search_hits

SAMPLES = 100  # questions of each kind, each asked as a VA and as an owner
TARGET_MS = 150.0
TARGET_RATIO = 3.0

# What is asked, by kind: a function of a random number (a contact's) to the words.
QUESTIONS: tuple[tuple[str, Callable[[int], str]], ...] = (
    ("a full name (one match: the card)", lambda n: f"Person {n} Jones"),
    ("a question in a DM", lambda n: f"where are we on the Person {n} Jones closing?"),
    ("a first name and a number prefix", lambda n: f"Person {str(n)[:2]}"),
    ("a word on every contact (a list)", lambda n: "Jones"),
    ("a client (its tasks match too)", lambda n: f"Client {n % 50}"),
    ("a word of every contact's notes", lambda n: "quote"),
    ("a word of the tasks' notes", lambda n: "figures"),
    ("nobody", lambda n: f"Zzyzx{n}"),
)


def _bare(engine, actor, words: str) -> float:
    terms = search.search_terms(search.question_words(words))
    started = time.perf_counter()
    with Session(engine) as session:
        search_hits(session, actor.team_id, terms, per_source=search.PER_SOURCE)
    return (time.perf_counter() - started) * 1000


def _search(engine, settings, actor, words: str) -> float:
    started = time.perf_counter()
    with Session(engine) as session:
        search.find(session, settings, actor, search.question_words(words))
    return (time.perf_counter() - started) * 1000


def _answer(engine, settings, actor, words: str) -> float:
    started = time.perf_counter()
    with Session(engine) as session:
        answer(session, settings, actor, search.question_words(words))
    return (time.perf_counter() - started) * 1000


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def _line(label: str, bare: list[float], found: list[float], answered: list[float]) -> str:
    ratio = _p95(found) / _p95(bare)
    verdict = "PASS" if _p95(answered) < TARGET_MS and ratio <= TARGET_RATIO else "MISS"
    return (
        f"{label:<44} bare p95 {_p95(bare):5.1f}  search p50 {statistics.median(found):5.1f} "
        f"p95 {_p95(found):5.1f} ({ratio:3.1f}x)  answer p50 {statistics.median(answered):5.1f} "
        f"p95 {_p95(answered):5.1f} max {max(answered):5.1f} ms  {verdict}"
    )


def run(url: str, workdir: Path, reuse: bool = False) -> None:
    engine = _load(url, reuse)
    toml = workdir / "vadesk.toml"
    toml.write_text(SETTINGS_TOML.format(vas=", ".join(f'"{va}"' for va in VAS)))
    settings = load_settings(
        {"VADESK_CONFIG": str(toml), "DATABASE_URL": url}, load_dotenv_file=False
    )
    clock.set_now(NOW)
    with Session(engine) as session:
        people = {
            "VA": resolve_actor(session, settings, TEAM, "U0VA1"),
            "owner": resolve_actor(session, settings, TEAM, "U0OWNER"),
        }
        session.commit()
    statements = Statements(engine)
    statements.on = True
    _answer(engine, settings, people["VA"], "Person 4711 Jones")
    statements.on = False
    for line in _plans(engine, statements.seen):
        print(line)
    print(
        f"targets: answer p95 < {TARGET_MS:.0f} ms, search p95 <= {TARGET_RATIO:.0f}x the "
        "bare query's (ms)"
    )
    rng = random.Random(17)
    every: tuple[list[float], list[float], list[float]] = ([], [], [])
    for label, words_for in QUESTIONS:
        for who, actor in people.items():
            asked = [words_for(rng.randrange(CONTACTS)) for _ in range(SAMPLES)]
            _answer(engine, settings, actor, asked[0])  # the statements built once
            timed = (
                [_bare(engine, actor, words) for words in asked],
                [_search(engine, settings, actor, words) for words in asked],
                [_answer(engine, settings, actor, words) for words in asked],
            )
            for times, kept in zip(timed, every, strict=True):
                kept += times
            print(_line(f"{label}, as {who}", *timed))
    print(_line("every question", *every))
    engine.dispose()


def main() -> None:
    bench_main(__doc__.splitlines()[0], run, "vadesk-find-bench-")


if __name__ == "__main__":
    main()
