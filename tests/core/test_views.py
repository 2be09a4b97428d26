"""Views rendered from plain data: the digest and the safety alert are valid Block Kit within
Slack's limits, with every typed-in value escaped."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.rules import DigestCase, DigestItem
from bot.services.logbook import SafetyAlert
from bot.views.messages import render_digest, render_safety_alert

DIGEST_KINDS = ["uvo", "evaluatie", "itat_cutoff", "regie_cutoff", "brief", "geen_regisseur",
                "ontbrekend:uvo", "ontbrekend:evaluatie", "ontbrekend:itat_cutoff"]
digest_items = st.builds(
    DigestItem, reminder_id=st.integers(1, 10**12), kind=st.sampled_from(DIGEST_KINDS),
    due_on=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    stage=st.sampled_from(["week", "due", "overdue", "signal"]),
    meeting_on=st.none() | st.dates(date(2026, 1, 1), date(2027, 12, 31)))
digest_cases = st.builds(DigestCase, code=st.text(min_size=1, max_size=40),
                         items=st.lists(digest_items, min_size=1, max_size=15).map(tuple))


@settings(max_examples=30, deadline=None)
@given(st.lists(digest_cases, max_size=60), st.dates(date(2026, 1, 1), date(2027, 12, 31)))
def test_every_digest_is_valid_block_kit_within_slacks_limits_with_codes_escaped(
        cases: list[DigestCase], day: date) -> None:
    fallback, blocks = render_digest(day, cases)
    assert len(blocks) <= 50 and str(sum(len(c.items) for c in cases)) in fallback
    for block in blocks:  # slack_sdk validates lengths and counts; the dicts are its own form
        parsed = Block.parse(block)
        assert parsed is not None and parsed.to_dict() == block
    mrkdwn = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    mrkdwn += [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    assert not any("<" in t or ">" in t for t in mrkdwn)  # user text is escaped


def test_the_safety_alert_escapes_the_names_and_splits_long_text_without_loss() -> None:
    text = "<!channel> dreiging & meer " + "x" * 5000
    notice, blocks = render_safety_alert(SafetyAlert(
        code="R-0042", regisseur="Anna <!here>", organisation="Politie & Co",
        reported_on=date(2026, 11, 23), text=text))
    assert "<!here>" not in notice and "&lt;!here&gt;" in notice
    sections = [b["text"]["text"] for b in blocks]
    assert "23-11-2026" in sections[0] and "Politie &amp; Co" in sections[0]
    assert all(len(t) <= 3000 for t in sections)
    assert "<" not in "".join(sections[1:])
    body = "".join(sections[1:]).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert body == text
    for block in blocks:
        assert Block.parse(block) is not None
