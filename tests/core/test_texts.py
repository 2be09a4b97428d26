"""Dutch texts escape every name and typed-in word they put into mrkdwn, so callers never do."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from bot import texts
from bot.cli import build_parser

HOSTILE = "<!channel> & <https://evil.example|klik>"
ESCAPED = "&lt;!channel&gt; &amp; &lt;https://evil.example|klik&gt;"
MOMENT = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("render", [
    lambda name: texts.intake_recorded("R-0042", name, 3, "01-11-2026", "01-11-2026"),
    lambda name: texts.handed_over("R-0042", name, name),
    lambda name: texts.handover_notice_new("R-0042", name),
    lambda name: texts.handover_notice_old("R-0042", name),
    lambda name: texts.handover_channel_notice("R-0042", name, name),
    lambda name: texts.not_a_regisseur(name),
    lambda name: texts.ambiguous_person(name, [(name, name)]),
    lambda name: texts.safety_alert_intro("R-0042", name, name, "23-11-2026"),
    lambda name: texts.safety_alert_text("R-0042", name),
    lambda name: texts.agenda_ready_notice("R-0042", name, "itat", date(2026, 12, 10), [],
                                           published=False),
    lambda name: texts.agenda_withdrawn_notice("R-0042", name, "itat", date(2026, 12, 10),
                                               False),
    lambda name: texts.agenda_channel_post("itat", date(2026, 12, 10),
                                           [(MOMENT, "R-0042", name)], 1),
    lambda name: texts.agenda_line(MOMENT, MOMENT, "R-0042", name, "concept",
                                   show_regisseur=True),
    lambda name: texts.unknown_command(name, "help"),
])
def test_names_and_typed_words_are_escaped_once(render: Callable[[str], str]) -> None:
    shown = render(HOSTILE)
    assert "<!channel>" not in shown and "<https://" not in shown
    assert "&amp;lt;" not in shown  # escaped once, not twice
    assert ESCAPED[:20] in shown or "&lt;!channel&gt;" in shown


def test_dates_are_written_the_way_users_type_them() -> None:
    assert texts.format_date(date(2026, 2, 1)) == "01-02-2026"
    assert texts.nl_day(date(2026, 12, 10)) == "donderdag 10 december 2026"
    assert texts.nl_moment(MOMENT) == "donderdag 10 december 2026 13:00"  # Amsterdam time


def test_every_command_line_help_text_belongs_to_a_command_or_option() -> None:
    for key in texts.CLI_HELP:
        parser = build_parser()
        for word in key.split():
            if word.startswith("--"):
                assert any(word in a.option_strings for a in parser._actions), key
            else:
                [sub] = [a for a in parser._actions
                         if isinstance(a, argparse._SubParsersAction)]
                parser = sub.choices[word]
