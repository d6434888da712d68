"""Search (bot/services/search.py over store/search.py): the words of a question, what is
indexed and how it ranks, the index kept current by every write, hostile text, what a VA
may find, and query plans that never scan a table."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlmodel import select

from bot import clock
from bot.services import contacts, search
from bot.services.contacts import NewContact
from bot.services.errors import InputError, NotFound
from bot.services.tasks import NewTask, create_task
from store import search as index
from store.db import session_scope
from store.models import Assignment, Client, Contact, ContactEvent, Task, Workspace
from store.sql import is_sqlite

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _pinned_clock() -> None:
    clock.set_now(NOW)


@pytest.fixture
def owner(actor_for):
    return actor_for("U0OWNER")


def add(engine, settings, actor, name: str, **fields) -> Contact:
    with session_scope(engine) as session:
        return contacts.create_contact(session, settings, actor, NewContact(name=name, **fields))


def client_id(engine, key: str) -> int:
    with session_scope(engine) as session:
        return session.exec(select(Client.id).where(Client.key == key)).one()


def names(engine, settings, actor, words: str) -> list[str]:
    with session_scope(engine) as session:
        return [m.name for m in search.find(session, settings, actor, words).matches]


def found(engine, settings, actor, words: str) -> search.FindResult:
    with session_scope(engine) as session:
        return search.find(session, settings, actor, words)


@pytest.mark.parametrize(
    ("asked", "words"),
    [
        ("where are we on the Jones closing?", "Jones"),
        ("What's up with Acme", "Acme"),
        ("status of Bob Jones?", "Bob Jones"),
        ("Where’s the Smith deal at?", "Smith"),
        ("any news about O'Brien's renewal", "O'Brien renewal"),
        ("where are we?", "where are we?"),  # nothing left: the whole text
        ("  The Deal  ", "The Deal"),
    ],
)
def test_a_question_leaves_the_words_that_name_someone(asked, words):
    assert search.question_words(asked) == words


def test_a_contact_is_found_by_its_name_a_prefix_of_its_last_word_email_and_phone(
    engine, settings, owner
):
    add(engine, settings, owner, "Bob Jones", email="bob@jones-realty.com", phone="555-123-4567")
    add(engine, settings, owner, "Alice Smith", company="Northwind")
    for words in ("Jones", "jon", "BOB JONES", "bob j", "bob@jones-realty.com", "555-123-4567"):
        assert names(engine, settings, owner, words) == ["Bob Jones"], words
    assert names(engine, settings, owner, "northw") == ["Alice Smith"]
    assert names(engine, settings, owner, "bob smith") == []  # every word is needed
    assert names(engine, settings, owner, "ones") == []  # a word's start, not its middle


def test_accents_and_case_do_not_matter(engine, settings, owner):
    add(engine, settings, owner, "José Álvarez")
    add(engine, settings, owner, "Łukasz Dvořák")
    for words in ("jose", "JOSÉ", "alvarez", "Álv"):
        assert names(engine, settings, owner, words) == ["José Álvarez"], words
    # Letters that are not an accented one (SQLite's tokenizer keeps them): as written.
    assert names(engine, settings, owner, "łukasz dvorak") == ["Łukasz Dvořák"]
    assert names(engine, settings, owner, "lukasz") == []


def test_every_folded_letter_is_found_by_its_plain_one_on_both_databases(engine, settings, owner):
    accented = index.ACCENTED + index.ACCENTED.upper()
    with session_scope(engine) as session:
        for at in range(0, len(accented), 40):
            word = f"q{at}x" + accented[at : at + 40]
            contacts.create_contact(session, settings, owner, NewContact(name=f"Zz {word}"))
    plain = index.PLAIN + index.PLAIN
    for at in range(0, len(plain), 40):
        assert len(names(engine, settings, owner, f"q{at}x" + plain[at : at + 40])) == 1


def test_the_folding_is_the_same_in_python_and_in_postgresql(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's tokenizer folds by itself; PostgreSQL runs the migration's copy")
    sample = "ÀÉÎÕÜ " + index.ACCENTED + " a" + index.SPLIT + "b"
    with engine.connect() as connection:
        folded = connection.execute(sa.text("SELECT vadesk_search_text(:s)"), {"s": sample})
        assert folded.scalar_one() == index.fold(sample)


def test_names_rank_first_then_other_fields_then_notes_and_tasks(engine, settings, owner):
    by_task = add(engine, settings, owner, "Carol White")
    by_note = add(engine, settings, owner, "Dan Brown")
    add(engine, settings, owner, "Eve Green", company="Jones Realty")
    add(engine, settings, owner, "Bob Jones")
    with session_scope(engine) as session:
        create_task(session, owner, NewTask(title="Send Jones the lease"))
        task = session.exec(select(Task).where(Task.title == "Send Jones the lease")).one()
        task.contact_id = by_task.id
        session.add(task)
        contacts.add_note(session, owner, session.get(Contact, by_note.id), "Referred by Jones")
    result = found(engine, settings, owner, "jones")
    assert [m.name for m in result.matches][:2] == ["Bob Jones", "Eve Green"]
    assert sorted(m.name for m in result.matches[2:]) == ["Carol White", "Dan Brown"]
    why = {m.name: m.reasons for m in result.matches}
    assert [r.field for r in why["Bob Jones"]] == ["name"]
    assert [(r.field, r.text) for r in why["Eve Green"]] == [("company", "Jones Realty")]
    assert [(r.field, r.text, r.task_number) for r in why["Carol White"]] == [
        ("task", "Send Jones the lease", 1)
    ]
    assert [(r.field, r.text) for r in why["Dan Brown"]] == [("note", "Referred by Jones")]


def test_a_task_match_is_its_contacts_else_its_clients_and_clients_match_by_name_and_key(
    engine, settings, owner
):
    acme = client_id(engine, "acme")
    with session_scope(engine) as session:
        create_task(session, owner, NewTask(title="Quarterly review", client_id=acme))
        create_task(session, owner, NewTask(title="Quarterly filing"))  # nobody's: not found
        create_task(
            session, owner, NewTask(title="Renewal", description="Ask about the quarterly plan")
        )
    result = found(engine, settings, owner, "quarterly")
    assert [(m.kind, m.name) for m in result.matches] == [("client", "Acme Corp")]
    (reason,) = result.matches[0].reasons
    assert (reason.field, reason.text, reason.excerpt) == ("task", "Quarterly review", None)
    assert [m.name for m in found(engine, settings, owner, "globex").matches] == ["Globex"]
    assert [
        (r.field, r.text) for r in found(engine, settings, owner, "acme").matches[0].reasons
    ] == [
        ("name", "Acme Corp"),
        ("key", "acme"),
    ]


def test_on_sqlite_tasks_and_notes_are_ranked_among_their_newest_matches(
    engine, settings, owner, monkeypatch
):
    """A word in most tasks' notes would have bm25 read every task: SQLite ranks the
    newest `RANKED_NEWEST` matching rows of the tasks and notes; PostgreSQL ranks all."""
    monkeypatch.setattr(index, "RANKED_NEWEST", 2)
    monkeypatch.setattr(index, "_STATEMENTS", {})
    acme = client_id(engine, "acme")
    with session_scope(engine) as session:
        for title in ("Ledger one", "Ledger two", "Ledger three"):
            create_task(session, owner, NewTask(title=title, client_id=acme))
    with session_scope(engine) as session:
        hits = index.search_hits(session, owner.team_id, ["ledger"], per_source=10)
        titles = {session.get(Task, hit.row_id).title for hit in hits if hit.source == "task"}
    if is_sqlite(engine):
        assert titles == {"Ledger two", "Ledger three"}
    else:
        assert titles == {"Ledger one", "Ledger two", "Ledger three"}


def test_a_task_found_by_its_description_shows_the_words_around_the_match(engine, settings, owner):
    bob = add(engine, settings, owner, "Bob Jones")
    long = "Lots of words come first here, " * 3 + "then the escrow papers, and more after that."
    with session_scope(engine) as session:
        create_task(session, owner, NewTask(title="Paperwork", description=long))
        task = session.exec(select(Task)).one()
        task.contact_id = bob.id
        session.add(task)
    (reason,) = found(engine, settings, owner, "escrow").matches[0].reasons
    assert reason.text == "Paperwork" and reason.excerpt is not None
    assert reason.excerpt.startswith("…") and "escrow papers" in reason.excerpt


def test_the_index_follows_every_write_in_the_same_transaction(engine, settings, owner):
    bob = add(engine, settings, owner, "Bob Jones")
    with session_scope(engine) as session:  # the ORM
        contact = session.get(Contact, bob.id)
        contact.name, contact.name_key = "Robert Jonas", "robert jonas"
        session.add(contact)
        session.flush()
        assert [m.name for m in search.find(session, settings, owner, "robert").matches] == [
            "Robert Jonas"
        ]
    assert names(engine, settings, owner, "jones") == []
    with session_scope(engine) as session:  # Core, as an import or a bulk change writes
        session.execute(sa.update(Contact).where(Contact.id == bob.id).values(company="Fabrikam"))
        session.execute(
            sa.insert(ContactEvent).values(
                team_id=owner.team_id, contact_id=bob.id, kind="note", at=NOW, note="Likes golf"
            )
        )
        session.execute(
            sa.insert(ContactEvent).values(
                team_id=owner.team_id, contact_id=bob.id, kind="tagged", at=NOW, note="Lead – Hot"
            )
        )
    assert names(engine, settings, owner, "fabrikam") == ["Robert Jonas"]
    assert names(engine, settings, owner, "golf") == ["Robert Jonas"]
    assert names(engine, settings, owner, "hot") == []  # only notes are searched, not tags
    with session_scope(engine) as session:
        session.execute(sa.update(ContactEvent).values(note="Likes tennis"))
    assert names(engine, settings, owner, "golf") == []
    assert names(engine, settings, owner, "tennis") == ["Robert Jonas"]
    with session_scope(engine) as session:
        session.execute(sa.delete(ContactEvent))
        session.execute(sa.delete(Contact))
    assert names(engine, settings, owner, "robert") == []
    assert names(engine, settings, owner, "tennis") == []
    _index_matches_its_tables(engine)


def _index_matches_its_tables(engine) -> None:
    """FTS5's own check of an external-content index against its table (SQLite)."""
    if not is_sqlite(engine):
        return
    with engine.begin() as connection:
        for fts in ("contact_fts", "client_fts", "task_fts"):
            connection.exec_driver_sql(
                f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)"
            )


def test_a_write_that_fails_leaves_the_index_as_it_was(engine, settings, owner):
    bob = add(engine, settings, owner, "Bob Jones")
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        contact = session.get(Contact, bob.id)
        contact.name = "Zed Rolledback"
        session.add(contact)
        session.flush()
        raise RuntimeError("the unit of work fails after the write")
    assert names(engine, settings, owner, "zed") == []
    assert names(engine, settings, owner, "bob") == ["Bob Jones"]
    _index_matches_its_tables(engine)


def test_archived_contacts_are_found_after_the_others(engine, settings, owner):
    old = add(engine, settings, owner, "Ann Jones")
    add(engine, settings, owner, "Bob Jones")
    with session_scope(engine) as session:
        session.execute(sa.update(Contact).where(Contact.id == old.id).values(archived_at=NOW))
    result = found(engine, settings, owner, "jones")
    assert [(m.name, m.archived) for m in result.matches] == [
        ("Bob Jones", False),
        ("Ann Jones", True),
    ]


def test_only_the_workspaces_own_records_are_found(engine, settings, owner):
    add(engine, settings, owner, "Bob Jones")
    with session_scope(engine) as session:
        session.add(Workspace(id="T0ELSE", created_at=NOW))
        session.flush()
        session.add(
            Contact(
                team_id="T0ELSE",
                name="Bob Jonesy",
                name_key="bob jonesy",
                stage="Lead",
                stage_since=NOW,
                last_touch_at=NOW,
                created_by="U0OTHER",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    assert names(engine, settings, owner, "jones") == ["Bob Jones"]


def test_a_va_does_not_find_anything_through_a_colleagues_delegated_brief(
    engine, settings, owner, actor_for
):
    globex = client_id(engine, "globex")
    with session_scope(engine) as session:
        task = create_task(
            session, owner, NewTask(title="Merger talks", client_id=globex, assignee_id="U0VA2")
        )
        session.add(
            Assignment(
                team_id=owner.team_id,
                task_id=task.id,
                assigner_id="U0OWNER",
                assignee_id="U0VA2",
                objective="Prepare the merger",
                deliverables="A memo",
                deadline=date(2026, 3, 20),
                created_at=NOW,
            )
        )
        create_task(session, owner, NewTask(title="Merger paperwork", assignee_id="U0VA2"))
    va1, va2 = actor_for("U0VA1"), actor_for("U0VA2")
    assert names(engine, settings, va1, "merger") == []
    for reader in (va2, owner, actor_for("U0SUPER")):
        result = found(engine, settings, reader, "merger")
        assert [(m.name, [r.text for r in m.reasons]) for m in result.matches] == [
            ("Globex", ["Merger talks"])
        ]


def test_find_without_words_says_how_and_without_letters_says_so(engine, settings, owner):
    for words in ("", "   "):
        with pytest.raises(InputError, match="/find Jones"):
            found(engine, settings, owner, words)
    with pytest.raises(InputError, match="no letters or digits"):
        found(engine, settings, owner, '"*" -- ()')


HOSTILE = [
    '"',
    '"Jones',
    "Jones*",
    "*",
    "NEAR(Jones Bob)",
    "Jones NEAR/2 Bob",
    "name:Jones",
    "{name company}: Jones",
    "-Jones",
    "Jones -Bob",
    "(Jones",
    "Jones)",
    "Jones AND",
    "OR Jones",
    "NOT",
    "^Jones",
    "Jones & Bob | !Smith",
    "'Jones':*",
    "Jones <-> Bob",
    "\\",
    "jones\x00",
    "%_%",
    "Robert'); DROP TABLE contact;--",
    "ﬁnance",
    "j" * 5000,
]


def test_hostile_text_is_searched_as_words_and_never_raises(engine, settings, owner):
    add(engine, settings, owner, "Bob Jones")
    for words in HOSTILE:
        _searched_as_words(engine, settings, owner, words)


def _searched_as_words(engine, settings, owner, words: str) -> None:
    with session_scope(engine) as session:
        try:
            result = search.find(session, settings, owner, words)
        except InputError as refusal:  # only punctuation: a sentence, not a failure
            assert "no letters or digits" in refusal.message
            return
    terms = search.search_terms(words)
    whole = {"bob", "jones"}
    last = terms[-1]
    named = all(t in whole for t in terms[:-1]) and (
        last in whole or (index.last_is_prefix(terms) and any(w.startswith(last) for w in whole))
    )
    assert [m.name for m in result.matches] == (["Bob Jones"] if named else []), words


@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet=st.sampled_from(list("ab \"'*:-^(){}&|!<>~@.NEARORT\\%_é")), max_size=40))
def test_any_text_is_searched_without_an_error(engine, settings, owner, words):
    with session_scope(engine) as session, contextlib.suppress(InputError):
        search.find(session, settings, owner, words)


def test_more_than_the_limit_says_there_are_more(engine, settings, owner):
    for n in range(5):
        add(engine, settings, owner, f"Jones Number{n}")
    with session_scope(engine) as session:
        result = search.find(session, settings, owner, "jones", limit=3)
        exact = search.find(session, settings, owner, "jones", limit=5)
    assert len(result.matches) == 3 and result.more
    assert len(exact.matches) == 5 and not exact.more


def test_a_pick_names_a_contact_or_client_of_the_workspace(engine, settings, owner):
    bob = add(engine, settings, owner, "Bob Jones")
    acme = client_id(engine, "acme")
    with session_scope(engine) as session:
        match = search.find(session, settings, owner, "bob").matches[0]
        assert match.pick == f"contact:{bob.id}"
        assert search.picked(session, owner, match.pick).id == bob.id
        assert search.picked(session, owner, f"client:{acme}").name == "Acme Corp"
        for bad in ("contact:999", "task:1", "contact:x", ""):
            with pytest.raises(NotFound):
                search.picked(session, owner, bad)


def test_questions_in_a_client_channel_are_answered_for_the_team_only(engine, settings, owner):
    with session_scope(engine) as session:
        ask = search.may_ask
        assert ask(session, settings, "T0TEAM", "U0VA1", "C0ACME", external=False)
        assert not ask(session, settings, "T0TEAM", "U0CLIENT", "C0ACME", external=False)
        assert ask(session, settings, "T0TEAM", "U0NEWHIRE", "C0GENERAL", external=False)
        assert ask(session, settings, "T0TEAM", "U0NEWHIRE", None, external=False)
        assert not ask(session, settings, "T0TEAM", "U0GUEST", None, external=True)


def _search_sent(engine, run) -> tuple[str, object]:
    """The search statement `run` sends (caught on its way to the database) and its
    parameters."""
    sent = []

    def catch(_connection, _cursor, statement, parameters, _context, _many) -> None:
        if "_hits" in statement:
            sent.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", catch)
    try:
        run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", catch)
    (found,) = sent
    return found


def _plan(engine, statement: str, parameters) -> list[str]:
    prefix = "EXPLAIN QUERY PLAN " if is_sqlite(engine) else "EXPLAIN "
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement, parameters)
        return [" ".join(str(part) for part in row) for row in rows]


FIRST = [
    "Ann",
    "Bob",
    "Carl",
    "Dana",
    "Eve",
    "Finn",
    "Gail",
    "Hugo",
    "Iris",
    "Jack",
    "Kate",
    "Liam",
    "Mona",
    "Ned",
    "Olga",
    "Paul",
]
SYLLABLES = ["ka", "lo", "mi", "ne", "su", "ri", "ta", "po", "be", "do", "fu", "gi"]
SURNAMES = [(a + b).capitalize() for a in SYLLABLES for b in SYLLABLES]


def _bulk(engine, owner, rows: int) -> list[str]:
    """Contacts with a note and a task each, and clients, named as people are (a few
    first names, many surnames): enough rows that PostgreSQL's planner prefers an index
    when one serves. Returns the contacts' names."""
    people = [f"{FIRST[n % len(FIRST)]} {SURNAMES[n * 7 % len(SURNAMES)]}" for n in range(rows)]
    common = {"team_id": owner.team_id, "created_at": NOW, "updated_at": NOW}
    with engine.begin() as connection:
        connection.execute(
            sa.insert(Contact.__table__),
            [
                {
                    **common,
                    "name": name,
                    "name_key": name.lower(),
                    "company": f"{SURNAMES[n % 50]} Inc",
                    "stage": "Lead",
                    "stage_since": NOW,
                    "last_touch_at": NOW,
                    "source": "import",
                    "created_by": "U0OWNER",
                }
                for n, name in enumerate(people)
            ],
        )
        ids = [row[0] for row in connection.execute(sa.select(Contact.__table__.c.id))]
        connection.execute(
            sa.insert(ContactEvent.__table__),
            [
                {
                    "team_id": owner.team_id,
                    "contact_id": contact,
                    "kind": "note",
                    "at": NOW,
                    "note": f"Spoke with {people[n]} about the renewal",
                }
                for n, contact in enumerate(ids)
            ],
        )
        connection.execute(
            sa.insert(Client.__table__),
            [
                {"team_id": owner.team_id, "key": f"k{n}", "name": f"{SURNAMES[n % 144]} LLC"}
                for n in range(rows)
            ],
        )
        connection.execute(
            sa.insert(Task.__table__),
            [
                {
                    **common,
                    "number": 1000 + n,
                    "title": f"Call {people[n]}",
                    "status": "open",
                    "creator_id": "U0OWNER",
                    "priority": "normal",
                    "billable": True,
                    "contact_id": ids[n],
                }
                for n in range(rows)
            ],
        )
        if not is_sqlite(engine):
            connection.exec_driver_sql("ANALYZE")
    return people


def test_the_search_reads_the_indexes_and_scans_no_table(engine, settings, owner, actor_for):
    people = _bulk(engine, owner, 400 if is_sqlite(engine) else 3000)
    va = actor_for("U0VA1")
    first, last = people[1].split()
    asked = f"{first} {last[:3]}"  # "Bob Kap": a first name and a surname's start
    for actor in (owner, va):  # a VA's search leaves out colleagues' delegated briefs
        results = []

        def run(actor=actor, results=results) -> None:
            with session_scope(engine) as session:
                results.append(search.find(session, settings, actor, asked))

        plan = _plan(engine, *_search_sent(engine, run))
        text = "\n".join(plan)
        if is_sqlite(engine):
            # Scans are of the full-text indexes, or of a source's best rows (`…_hits`).
            scans = [line for line in plan if " SCAN " in f" {line} "]
            assert scans and all(
                "VIRTUAL TABLE INDEX" in line or line.endswith("_hits") for line in scans
            ), text
            assert actor is owner or "assignment" in text, text
        else:
            assert not re.search(r"Seq Scan on (contact|contact_event|client|task)\b", text), text
            for table in ("contact", "contact_event", "client", "task"):
                assert f"ix_{table}_search" in text, text
        assert results[0].matches[0].name == people[1]
