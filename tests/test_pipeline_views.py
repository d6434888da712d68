"""The pipeline's messages and form at their largest, full of markup: within Slack's
limits (every block's, 50 blocks, about 13,000 characters of text in a message's blocks),
with nothing a person typed reaching Slack as live markup."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.services.pipeline import InStage, StageFigures, StageList, Summary
from bot.settings.schema import PipelineSettings
from bot.views import pipeline as views
from store.models import Contact
from tests.blockkit_limits import message_problems, view_problems

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
MARKUP = "<!channel> & <@U0OWNER> <https://x.example|click> *bold* "
LIVE = ("<!channel>", "<@U0OWNER>", "<https://x.example|click>")
MESSAGE_TEXT_BUDGET = 13_000  # about where Slack answers msg_blocks_too_long
STAGES = PipelineSettings.model_validate(
    {
        "stages": [
            {"name": f"Stage {index} " + "&" * 40, "type": "lost" if index == 19 else "open"}
            for index in range(20)
        ]
    }
).stages


def contact(number: int, stage: str) -> Contact:
    return Contact(
        id=number,
        team_id="T0TEAM",
        name=(MARKUP * 10)[:200],
        name_key="x",
        owner_id="U0VA1",
        stage=stage,
        stage_since=NOW,
        last_touch_at=NOW,
        next_step=MARKUP * 10,
        next_step_due=date(2026, 3, 5),
        amount_minor=10**14,
        currency="USD",
        expected_close=date(2026, 4, 1),
        created_by="U0VA1",
        created_at=NOW,
        updated_at=NOW,
    )


def texts(node) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if isinstance(node.get("text"), str) else []
        return own + [text for value in node.values() for text in texts(value)]
    if isinstance(node, list):
        return [text for value in node for text in texts(value)]
    return []


def assert_fits(blocks: list) -> str:
    dicts = [block.to_dict() for block in blocks]
    assert message_problems(dicts) == []
    assert len(dicts) <= 50
    shown = texts(dicts)
    assert sum(len(text) for text in shown) <= MESSAGE_TEXT_BUDGET
    joined = "\n".join(shown)
    for live in LIVE:
        assert live not in joined
    return joined


def figures(stage, name: str, count: int, listed: int) -> StageFigures:
    amounts = {"USD": 10**14, "EUR": 10**14, "JPY": 10**12}
    return StageFigures(
        name=name,
        stage=stage,
        count=count,
        amounts=amounts,
        weighted=amounts,
        oldest=tuple(InStage(contact(n, name), 9999) for n in range(1, listed + 1)),
    )


def test_the_largest_summary_fits_one_message():
    stages = [figures(stage, stage.name, 10**6, 3) for stage in STAGES]
    stages += [figures(None, (MARKUP * 2)[:60], 10**6, 3) for _ in range(5)]
    amounts = {"USD": 10**15, "EUR": 10**15}
    summary = Summary(tuple(stages), 25 * 10**6, amounts, amounts)
    text = assert_fits(views.summary_blocks(summary, "USD"))
    assert text.count("(not in [pipeline])") == 5
    assert "*All stages* · 25000000 contacts" in text
    assert "`/pipeline &lt;stage&gt;` lists a stage's contacts" in text


def test_the_largest_stage_list_fits_and_says_how_many_more():
    listed = StageList(figures(STAGES[0], STAGES[0].name, 10**6, 50), 50)
    text = assert_fits(views.stage_list_blocks(listed, "USD"))
    shown = text.count("• *")
    assert 0 < shown < 50
    assert f"… and {10**6 - shown} more: the {shown} longest in it are listed." in text


def test_the_move_form_fits_for_the_longest_name_and_stage():
    row = contact(1, "Lead")
    view = views.move_modal(row, STAGES[19], "USD").to_dict()
    assert view_problems(view) == []
    text = "\n".join(texts(view["blocks"]))
    for live in LIVE:
        assert live not in text
    note = next(b for b in view["blocks"] if b.get("block_id") == "note")
    assert note["label"]["text"] == "Reason" and not note.get("optional")
