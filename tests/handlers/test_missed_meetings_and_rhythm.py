"""Missed meetings move the deadline on (never a past meeting), escalations reach the programme
team (and late letters the secretariat), and a case's own UVO or evaluation rhythm."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.__main__ import main
from storage.models import Case, Phase
from tests.support import (
    PROGRAMMA,
    REGISSEUR,
    REGISSEUR2,
    SECRET_TEXT,
    SECRETARIS,
    TEST_KEY,
    Bot,
    add_scheduled_case,
    move_clock_to,
    set_settings,
    tick,
)

MISSED = "ITAT-R van 31-12 gemist; volgende: 21-01, gereed uiterlijk 14-01"


def late_concept_plan(bot: Bot) -> None:
    """R-0103: taken in on 25 November 2026, so its concept plan was due on 24 December for
    the ITAT-R of 31 December, and it never went on an agenda."""
    add_scheduled_case(bot, "R-0103", phase=Phase.PLAN, intake_on=date(2026, 11, 25),
                       assigned_on=date(2026, 11, 25), letter_sent_on=date(2026, 12, 1),
                       plan_approved_on=None, last_uvo_on=None, last_evaluation_on=None)


@pytest.fixture
def cli_env(quiet: Bot, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Bot:
    for name, value in {"DATABASE_URL": db_url, "SLACK_BOT_TOKEN": "xoxb-test",
                        "SLACK_SIGNING_SECRET": "x", "SLACK_API_URL": quiet.slack.api_url,
                        "REGIEBOT_ENCRYPTION_KEYS": TEST_KEY, "REGIEBOT_TEAM_ID": "T0LOCAL01"
                        }.items():
        monkeypatch.setenv(name, value)
    return quiet


def test_a_missed_itat_moves_the_deadline_on_and_no_reminder_names_a_past_meeting(
        cli_env: Bot, capsys: pytest.CaptureFixture[str]) -> None:
    late_concept_plan(cli_env)

    assert main(["reminders", "run", "--at", "2027-01-14T09:00", "--dry-run"]) == 0

    out = capsys.readouterr().out
    mine = out[out.index(f"--- aan {REGISSEUR}"):]
    mine = mine[:mine.index("--- aan", 3)] if "--- aan" in mine[3:] else mine
    assert f"*Concept plan gereed voor ITAT-R*: *21 dagen te laat* (was do 24-12); {MISSED}" \
           in mine
    assert "voor het ITAT-R van do 31-12" not in out   # the past meeting is not the target
    assert "Definitief plan gereed voor Regieoverleg" not in out  # never presented
    assert "volgende: 21-01, uiterlijk 14-01" in mine  # the first UVO, for that same ITAT-R
    # The programme team is told (13 working days late: Christmas and New Year are holidays).
    programme = out[out.index(f"--- aan {PROGRAMMA}"):]
    assert "Escalaties" in programme and "*R-0103* (Anna Regisseur)" in programme
    assert "Concept plan gereed voor ITAT-R, 21 dagen te laat (13 werkdagen)" in programme


def test_my_cases_and_the_home_tab_say_which_meeting_was_missed_and_which_is_next(
        quiet: Bot) -> None:
    late_concept_plan(quiet)
    move_clock_to(quiet, date(2027, 1, 14), 9)

    listed = quiet.say(REGISSEUR, "casussen")
    quiet.driver.home_opened(REGISSEUR)
    view = quiet.calls("views.publish")[-1].args["view"]
    home = json.dumps(view if isinstance(view, dict) else json.loads(view),
                      ensure_ascii=False)

    assert MISSED in listed and "21 dagen te laat" in listed
    assert MISSED in home


def test_a_concept_on_an_agenda_again_ends_the_missed_deadline(quiet: Bot) -> None:
    late_concept_plan(quiet)
    move_clock_to(quiet, date(2027, 1, 14), 9)

    reply = quiet.say(REGISSEUR, "gereed R-0103 itat")

    assert "donderdag 21 januari 2027" in reply
    assert "gemist" not in quiet.say(REGISSEUR, "casussen")


def test_a_missed_regieoverleg_moves_the_definitive_plan_deadline_on(quiet: Bot) -> None:
    add_scheduled_case(quiet, "R-0103", phase=Phase.PLAN, intake_on=date(2026, 11, 25),
                       assigned_on=date(2026, 11, 25), letter_sent_on=date(2026, 12, 1),
                       plan_approved_on=None, last_uvo_on=date(2026, 12, 1),
                       last_evaluation_on=None)
    move_clock_to(quiet, date(2026, 12, 4), 9)
    assert "31 december" in quiet.say(REGISSEUR, "gereed R-0103 itat")
    # After the ITAT-R of 31 December the plan was due for the Regieoverleg of 20 January
    # (cut-off 13 January); on 18 January that cut-off has passed.
    move_clock_to(quiet, date(2027, 1, 18), 9)

    listed = quiet.say(REGISSEUR, "casussen")

    assert "Definitief plan gereed voor Regieoverleg: 13-01-2027" in listed
    assert "Regieoverleg van 20-01 gemist; volgende: 03-02, gereed uiterlijk 27-01" in listed


# -- escalations ----------------------------------------------------------------------------

def test_a_late_letter_and_a_long_overdue_evaluation_reach_the_programme_team(
        quiet: Bot) -> None:
    bot = quiet
    # The letter was due on 2 November: three weeks late. The evaluation: 400 days late.
    add_scheduled_case(bot, "R-0001", letter_sent_on=None, intake_on=date(2026, 10, 12),
                       assigned_on=date(2026, 10, 12), plan_approved_on=date(2026, 10, 14),
                       last_evaluation_on=None)
    add_scheduled_case(bot, "R-0002", regisseur=REGISSEUR2, plan_approved_on=date(2025, 7, 20),
                       last_evaluation_on=date(2025, 7, 20))
    tick(bot)

    [programme] = bot.dm_texts(PROGRAMMA)
    assert "Escalaties" in programme
    assert "*R-0001* (Anna Regisseur): Notificatiebrief versturen, 21 dagen te laat" in programme
    assert "*R-0002* (Bram Regisseur): Evaluatie plan van aanpak, 400 dagen te laat" in programme
    assert SECRET_TEXT not in programme and "[Log nu" not in programme
    [secretariat] = bot.dm_texts(SECRETARIS)
    assert "Escalaties" in secretariat and "R-0001" in secretariat.split("Escalaties")[1]
    assert "Evaluatie" not in secretariat.split("Escalaties")[1].split("Termijnen")[0]
    assert all("Escalaties" not in text for text in bot.dm_texts(REGISSEUR))


@pytest.mark.parametrize(("threshold", "escalated"), [(5, False), (4, True)])
def test_escalation_starts_after_the_configured_number_of_working_days(
        quiet: Bot, threshold: int, escalated: bool) -> None:
    set_settings(quiet, escalation_working_days=threshold)
    # The UVO was due on Monday 16 November: Tuesday to Monday is 5 working days late.
    add_scheduled_case(quiet, "R-0001", last_uvo_on=date(2026, 9, 21))
    tick(quiet)

    assert bool(quiet.dm_texts(PROGRAMMA)) is escalated


# -- a case's own rhythm (/regie frequentie) ---------------------------------------------------

def uvo_rows(bot: Bot, code: str) -> tuple[Any, ...]:
    with bot.session() as session:
        case = session.scalars(select(Case).where(Case.code == code)).one()
        return case.uvo_interval_days, case.uvo_interval_until


def test_a_more_frequent_uvo_changes_the_next_due_date_at_once_and_shows_everywhere(
        quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0042", last_uvo_on=date(2026, 11, 2))  # next UVO 28-12

    reply = bot.say(REGISSEUR, "frequentie R-0042 uvo 3")

    assert "UVO elke 3 weken (standaard: elke 8 weken)" in reply
    assert "Volgende UVO uiterlijk 23-11-2026" in reply
    assert uvo_rows(bot, "R-0042") == (21, None)
    listed = bot.say(REGISSEUR, "casussen")
    assert "Eigen ritme" in listed and "UVO elke 3 weken" in listed
    assert "UVO (uitvoerdersoverleg): 23-11-2026" in listed
    bot.driver.home_opened(REGISSEUR)
    home = json.dumps(bot.calls("views.publish")[-1].args["view"], ensure_ascii=False)
    assert "Eigen ritme" in home and "UVO elke 3 weken" in home
    tick(bot)
    [digest] = bot.dm_texts(REGISSEUR)
    assert "vervalt *vandaag* (eigen ritme: elke 3 weken)" in digest
    assert bot.audit_count(action="case.rhythm", case_code="R-0042", outcome="ok") == 1


def test_a_temporary_rhythm_returns_to_the_default_after_its_end_date(quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0042", last_uvo_on=date(2026, 11, 2))

    reply = bot.say(REGISSEUR, "frequentie R-0042 uvo 12 tot 01-12-2026")

    # 12 weeks would be 25 January; after 1 December the 8 weeks return: 28 December.
    assert "UVO elke 12 weken tot 01-12-2026, daarna weer elke 8 weken" in reply
    assert "Volgende UVO uiterlijk 28-12-2026" in reply
    assert "Eigen ritme" in bot.say(REGISSEUR, "casussen")
    move_clock_to(bot, date(2026, 12, 2), 9)
    assert "Eigen ritme" not in bot.say(REGISSEUR, "casussen")


def test_a_less_frequent_evaluation_until_a_date_is_due_at_that_date_at_the_latest(
        quiet: Bot) -> None:
    add_scheduled_case(quiet, "R-0042", last_evaluation_on=date(2026, 11, 2))

    reply = quiet.say(REGISSEUR, "frequentie R-0042 evaluatie 26 tot 15-01-2027")

    # 26 weeks would be 3 May 2027; the default 13 weeks (1 February) returns after 15 January.
    assert "Volgende evaluatie uiterlijk 01-02-2027" in reply


def test_setting_the_default_again_removes_the_cases_own_rhythm(quiet: Bot) -> None:
    add_scheduled_case(quiet, "R-0042", last_uvo_on=date(2026, 11, 2))
    quiet.say(REGISSEUR, "frequentie R-0042 uvo 4")

    reply = quiet.say(REGISSEUR, "frequentie R-0042 uvo 8")

    assert "weer elke 8 weken (het standaardritme)" in reply
    assert uvo_rows(quiet, "R-0042") == (None, None)
    assert "Eigen ritme" not in quiet.say(REGISSEUR, "casussen")


@pytest.mark.parametrize(("args", "expected"), [
    ("frequentie R-0042 uvo 0", "1 tot en met 26"),
    ("frequentie R-0042 uvo 27", "1 tot en met 26"),
    ("frequentie R-0042 uvo vier", "geen geldig aantal weken"),
    ("frequentie R-0042 uvo ²", "geen geldig aantal weken"),
    ("frequentie R-0042 maand 4", "geen ritme dat ik ken"),
    ("frequentie R-0042 uvo 4 tot 23-11-2026", "ligt niet in de toekomst"),
    ("frequentie R-0042 uvo 4 tot", "Zo schrijf je het"),
    ("frequentie R-0042 uvo 4 na 01-02-2027", "Zo schrijf je het"),
    ("frequentie R-0042 uvo", "Ik mis"),
    ("frequentie R-0099 uvo 4", "bestaat niet"),
    ("frequentie R-0043 uvo 4", "niet aan jou toegewezen"),
])
def test_bad_rhythm_input_is_explained_and_changes_nothing(quiet: Bot, args: str,
                                                           expected: str) -> None:
    add_scheduled_case(quiet, "R-0042", last_uvo_on=date(2026, 11, 2))
    add_scheduled_case(quiet, "R-0043", regisseur=REGISSEUR2)

    reply = quiet.say(REGISSEUR, args)

    assert expected in reply, reply
    assert uvo_rows(quiet, "R-0042") == (None, None)
    assert uvo_rows(quiet, "R-0043") == (None, None)


def test_only_the_cases_regisseur_sets_its_rhythm(quiet: Bot) -> None:
    add_scheduled_case(quiet, "R-0042", last_uvo_on=date(2026, 11, 2))

    assert "alleen beschikbaar" in quiet.say(SECRETARIS, "frequentie R-0042 uvo 4")
    assert uvo_rows(quiet, "R-0042") == (None, None)
    assert quiet.audit_count(action="command.frequentie", outcome="refused") == 1


def test_an_out_of_range_rhythm_is_audited(quiet: Bot) -> None:
    add_scheduled_case(quiet, "R-0042", last_uvo_on=date(2026, 11, 2))
    quiet.say(REGISSEUR, "frequentie R-0042 uvo 30")
    assert quiet.audit_count(action="case.rhythm", outcome="refused") == 1


def test_the_rhythm_changes_the_uvo_due_date_the_next_sweep_reminds_of(quiet: Bot) -> None:
    add_scheduled_case(quiet, "R-0042", last_uvo_on=date(2026, 11, 2))
    tick(quiet)
    assert quiet.dm_texts(REGISSEUR) == []  # next UVO 28 December: nothing yet
    quiet.say(REGISSEUR, "frequentie R-0042 uvo 4")  # due 30 November: within the week
    move_clock_to(quiet, date(2026, 11, 24), 9)
    tick(quiet)
    [digest] = quiet.dm_texts(REGISSEUR)
    assert "vervalt ma 30-11 (over 6 dagen) (eigen ritme: elke 4 weken)" in digest
    assert date(2026, 11, 2) + timedelta(weeks=4) == date(2026, 11, 30)
