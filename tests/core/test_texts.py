"""Dutch texts escape every name and typed-in word they put into mrkdwn, so callers never do."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

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


PLURALS = ("dagen", "casussen", "regels", "punten", "plaatsen", "weken", "herinneringen",
           "berichten", "gebruikers", "rijen", "breuken", "tekens", "pagina's", "auditregels",
           "uitnodigingen", "wijzigingen", "annuleringen", "secretariaatsleden", "termijnen")
SINGULARS = ("dag", "casus", "regel", "punt", "plaats", "week", "herinnering", "bericht",
             "gebruiker", "rij", "breuk", "teken", "pagina", "auditregel", "uitnodiging",
             "wijziging", "annulering", "secretariaatslid", "termijn")
DAY = date(2026, 12, 10)


@pytest.mark.parametrize("render", [
    lambda n: texts.home_more(n), lambda n: texts.more_cases(n),
    lambda n: texts.letter_late_note(n), lambda n: texts.logbook_page(1, n, n),
    lambda n: texts.bad_page("x", n), lambda n: texts.agenda_meeting_full("itat", DAY, n),
    lambda n: texts.agenda_status(None, n, n),
    lambda n: texts.home_meeting_status("itat", MOMENT, MOMENT, n, n, None),
    lambda n: texts.monitor_uvo_label(n), lambda n: texts.demo_loaded(n),
    lambda n: texts.users_imported(n), lambda n: texts.cli_sweep_done(DAY, n, n),
    lambda n: texts.retention_line("R-0001", "x", "y", n),
    lambda n: texts.retention_summary(n, True, n), lambda n: texts.retention_summary(n, False, n),
    lambda n: texts.retention_missing_closed_on(n),
    lambda n: texts.audit_export_summary(n, "x.csv"),
    lambda n: "\n".join(texts.audit_verify_report(
        rows=n, findings=[("unchained", 1, None, None, None)], omitted=n,
        unverified=[("k", n, 1, n)], checkpoint=None, recorded=True)),
    lambda n: "\n".join(texts.audit_verify_report(rows=n, findings=[], omitted=0,
                                                  unverified=[], checkpoint="1:x",
                                                  recorded=True)),
    lambda n: texts.console_too_short(n), lambda n: texts.digest_fallback(n),
    lambda n: texts.digest_more(n, "R-0001"),
    lambda n: texts.agenda_publish_reply("itat", DAY, 1, n, n, n, n, n, channel=None,
                                         secretaries=n),
    lambda n: texts.agenda_publish_reminder("itat", DAY, n),
    lambda n: texts.due_phrase(DAY, DAY + timedelta(days=n)),
    lambda n: texts.agenda_move_reply("R-0001", "itat", MOMENT, MOMENT, 1, n, False),
    lambda n: texts.decision_reply("R-0001", "afgesloten", DAY, "afgesloten", n),
])
def test_counts_take_the_right_plural(render: Callable[[int], str]) -> None:
    one, three = render(1), render(3)
    for plural in PLURALS:
        assert f" 1 {plural}" not in f" {one}" and f"(1 {plural}" not in one, one
    for singular in SINGULARS:
        assert not re.search(rf"(^|[ (])3 {re.escape(singular)}\b(?!['a-z])", three), three
