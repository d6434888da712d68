"""The invoice views hold Slack's limits whatever the draft: hundreds of lines, long and
hostile titles, rates of four decimals, and buttons that carry what Finalize needs."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from bot.services.billing.drafts import Draft, DraftLine, DraftRequest, InvoicedElsewhere, LeftOut
from bot.services.billing.money import format_rate
from bot.services.billing.terms import BillingTerms, Rounding, Sender
from bot.services.parsing.invoice_command import split_draft, split_list
from bot.views.invoices.preview import (
    draft_blocks,
    draft_value,
    left_out_text,
    period_modal,
    period_words,
    read_draft_value,
)
from tests import blockkit_limits

REQUEST = DraftRequest(7, date(2026, 11, 1), date(2026, 11, 30))


def _draft(lines: int, title: str = "Inbox zero", rate: str = "35.1234") -> Draft:
    made = tuple(
        DraftLine(
            kind="time",
            description=f"{title} {n}",
            amount=Decimal("35.12"),
            person="Maria López",
            task_id=n,
            task_number=n,
            entry_ids=(n,),
            raw_seconds=3540,
            billed_seconds=3600,
            rate=Decimal(rate),
        )
        for n in range(1, lines + 1)
    )
    subtotal = Decimal("35.12") * lines
    return Draft(
        request=REQUEST,
        team_id="T0TEAM",
        client_key="acme",
        client_name="Acme <Corp> & Sons",
        client_channel="C0ACME",
        terms=BillingTerms("acme", rate=Decimal(rate), rounding=Rounding(15, "up", "entry")),
        sender=Sender("Olivia's VA Agency"),
        issued_on=date(2026, 12, 1),
        due_on=date(2026, 12, 15),
        lines=made,
        subtotal=subtotal,
        tax=Decimal(0),
        total=subtotal,
        left_out=LeftOut(
            running_timers=1,
            non_billable_entries=2,
            non_billable_seconds=5400,
            invoiced=(InvoicedElsewhere("INV-2026-0003", (90, 91)),),
        ),
    )


def _shown(blocks: list) -> str:
    return json.dumps([block.to_dict() for block in blocks], ensure_ascii=False)


def test_a_preview_of_hundreds_of_lines_fits_one_message_and_says_what_is_cut():
    blocks = draft_blocks(_draft(600))
    rendered = [block.to_dict() for block in blocks]
    assert blockkit_limits.message_problems(rendered) == []
    shown = _shown(blocks)
    assert "T-1 Inbox zero 1" in shown
    tables = "".join(
        b["text"]["text"] for b in rendered if "```" in b.get("text", {}).get("text", "")
    )
    listed = tables.count("Maria López")
    assert 300 < listed < 600
    assert f"and {600 - listed} more lines" in shown


def test_every_line_of_a_short_draft_is_shown_with_hours_rate_and_amount():
    shown = _shown(draft_blocks(_draft(3)))
    assert shown.count("Maria López") == 3 and "more line" not in shown
    assert "1.00" in shown and "$35.1234" in shown and "$35.12" in shown
    assert "*Total*\\n$105.36" in shown and "Tue 2026-12-15 (14 days)" in shown
    assert "November 2026 (Sun 2026-11-01 to Mon 2026-11-30)" in shown
    assert "Acme &lt;Corp&gt; &amp; Sons" not in shown  # a header is plain text, as typed
    assert "Invoice draft: Acme <Corp> & Sons" in shown


def test_hostile_titles_are_escaped_then_cut_and_never_close_the_table():
    blocks = draft_blocks(_draft(30, title="<!channel> & ```drop``` " + "ü" * 80))
    rendered = [block.to_dict() for block in blocks]
    assert blockkit_limits.message_problems(rendered) == []
    shown = _shown(blocks)
    assert "<!channel>" not in shown and "&lt;!channel&gt; &amp;" in shown
    for block in rendered:
        text = block.get("text", {}).get("text", "")
        if text.startswith("```"):
            assert text.count("```") == 2


def test_left_out_names_each_kind_with_counts():
    text = left_out_text(_draft(1).left_out)
    assert text == (
        "*Left out*: 1 running timer (billed once stopped); 2 non-billable entries "
        "(1.50 h); E-90, E-91 are on INV-2026-0003 already."
    )
    assert left_out_text(LeftOut()) == "*Left out*: nothing."


def test_the_buttons_carry_the_request_and_the_fingerprint():
    draft = _draft(2)
    value = draft_value(draft.request, draft.fingerprint)
    assert read_draft_value(value) == (REQUEST, draft.fingerprint)
    buttons = [
        element
        for block in draft_blocks(draft)
        if block.to_dict()["type"] == "actions"
        for element in block.to_dict()["elements"]
    ]
    assert [b["text"]["text"] for b in buttons] == ["Finalize", "Change period", "Cancel"]
    assert {b["value"] for b in buttons} == {value}
    confirm = buttons[0]["confirm"]["text"]
    assert confirm["type"] == "plain_text" and confirm["text"].startswith("Acme <Corp> & Sons:")
    for forged in (
        "",
        "7:2026-11-01",
        "x:2026-11-01:2026-11-30:ab",
        "7:2026-11-30:2026-11-01:ab",
        "7:2026-13-01:2026-11-30:ab",
        "0:2026-11-01:2026-11-30:ab",
        None,
        7,
    ):
        assert read_draft_value(forged) is None


def test_the_change_period_form_starts_from_the_preview_period():
    view = period_modal(REQUEST, "Acme", "https://hooks.slack.com/actions/1").to_dict()
    assert blockkit_limits.view_problems(view) == []
    assert view["blocks"][1]["element"]["initial_value"] == "2026-11"
    assert period_words(date(2026, 11, 2), date(2026, 11, 15)) == "from 2026-11-02 to 2026-11-15"


def test_rates_keep_their_decimals_and_the_currency_its_own():
    assert format_rate(Decimal("35"), "USD") == "$35.00"
    assert format_rate(Decimal("35.1234"), "USD") == "$35.1234"
    assert format_rate(Decimal("1500"), "JPY") == "¥1,500"
    assert format_rate(Decimal("2.125"), "BHD").endswith("2.125")


def test_the_command_grammars_read_the_period_and_status_from_the_end():
    assert split_draft("acme last month") == ("acme", "last month")
    assert split_draft("Acme Corp  2026-11") == ("Acme Corp", "2026-11")
    assert split_draft("Acme Corp from 2026-11-01 to 2026-11-15") == (
        "Acme Corp",
        "from 2026-11-01 to 2026-11-15",
    )
    assert split_draft("globex") == ("globex", "")
    assert split_list("acme void") == ("acme", "void")
    assert split_list("") == ("", "open")
    assert split_list("Acme Corp") == ("Acme Corp", "open")
