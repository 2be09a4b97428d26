"""The console as a simulator, driven through stdin and through --script: forms, buttons,
simulated time with the scheduled jobs, invitations and files, and every bad console line."""

from __future__ import annotations

import io
import json
import urllib.parse
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from icalendar import Calendar
from slack_bolt import BoltResponse
from sqlalchemy import func, select

from bot import texts
from bot.console.timeline import WAKE, scheduled_jobs
from bot.deps import Deps
from bot.jobs import register_jobs
from bot.localslack import SlackDriver
from bot.shell import run_shell
from storage.models import AuditEvent, Case, EntryKind, LogEntry, Reminder
from tests.support import PROGRAMMA, REGISSEUR, SECRETARIS, Bot, discussed_at_regie

MONDAY = "23-11-2026"  # the clock fixture's day


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, object]]]:
    """Every request the console's Slack sends into the app, decoded (observed, not faked)."""
    requests: list[dict[str, object]] = []
    original = SlackDriver.send

    def send(self: SlackDriver, body: str, headers: dict[str, str]) -> BoltResponse:
        form = dict(urllib.parse.parse_qsl(body))
        decoded: dict[str, object] = (json.loads(form["payload"]) if "payload" in form
                                      else dict(form) if "command" in form
                                      else json.loads(body))
        requests.append(decoded)
        return original(self, body, headers)

    monkeypatch.setattr(SlackDriver, "send", send)
    yield requests


def kinds(requests: list[dict[str, object]]) -> list[str]:
    """What each request was: command, view_submission, block_actions, event_callback, …"""
    return ["command" if "command" in r else str(r.get("type")) for r in requests]


@pytest.fixture
def case(bot: Bot) -> Bot:
    """R-0001 for Anna, taken in on 1 September with its letter sent, a UVO on 2 September
    (so the next UVO is overdue on the clock fixture's Monday) and its concept plan ready for
    the ITAT-R of 10 December; what that queued has been delivered."""
    assert "Opname vastgelegd" in bot.say(SECRETARIS, "opname R-0001 @U0REG0001 3 1-9-2026")
    assert "vastgelegd" in bot.say(SECRETARIS, "brief R-0001 3-9-2026 betrokkene")
    assert "UVO vastgelegd" in bot.say(REGISSEUR, "uvo R-0001 2-9-2026 Afspraken gemaakt.")
    assert "10 december 2026" in bot.say(REGISSEUR, "gereed R-0001 itat")
    bot.deliver()
    return bot


def console(deps: Deps, lines: str, *, as_user: str = REGISSEUR) -> str:
    """Type `lines` into the console (stdin, not a terminal) and return what it printed."""
    out = io.StringIO()
    assert run_shell(deps, as_user, io.StringIO(lines), out) == 0
    return out.getvalue()


def script(deps: Deps, tmp_path: Path, lines: str, *, strict: bool,
           as_user: str = REGISSEUR) -> tuple[int, str]:
    """Run `lines` as a --script file; return the exit code and the output."""
    path = tmp_path / "script.txt"
    path.write_text(lines, encoding="utf-8")
    out = io.StringIO()
    code = run_shell(deps, as_user, io.StringIO(), out, script=str(path), strict=strict)
    return code, out.getvalue()


def entries(deps: Deps, kind: EntryKind) -> list[LogEntry]:
    with deps.session_factory() as session:
        return list(session.scalars(select(LogEntry).where(LogEntry.kind == kind)
                                    .order_by(LogEntry.id)))


# -- forms -------------------------------------------------------------------------------------

def test_a_contact_logged_through_the_form_is_stored_and_confirmed(
        case: Bot, deps: Deps, sent: list[dict[str, object]]) -> None:
    # The case field searches the bot: Enter asks for every case, Enter keeps the chosen one.
    shown = console(deps, "/regie contact R-0001\n\n\n\n3\nHuisbezoek met de wijkagent.\n")
    assert "[formulier: Contact loggen]" in shown
    assert texts.console_search_prompt(0) in shown
    assert ("Veld 1 van 4: Casus (keuze met zoeken; verplicht)\n"
            f"  Toelichting: {texts.MODAL_CASE_PLACEHOLDER}\n  Nu: R-0001\n"
            "  1) R-0001 · plan van aanpak in voorbereiding") in shown
    assert "Veld 3 van 4: Soort contact" in shown and "  3) huisbezoek" in shown
    assert "[formulier: Vastgelegd]" in shown
    assert texts.HOME_VISIT_CHECKLIST_TITLE in shown
    (stored,) = entries(deps, EntryKind.CONTACT)
    assert (stored.contact_kind, stored.text, stored.occurred_on) == (
        "huisbezoek", "Huisbezoek met de wijkagent.", date(2026, 11, 23))
    assert kinds(sent) == ["command", "block_suggestion", "view_submission"]
    submitted = sent[2]["view"]
    assert isinstance(submitted, dict) and submitted["callback_id"] == "logbook_entry"
    assert submitted["state"]["values"]["entry_kind"]["value"]["selected_option"][
        "value"] == "huisbezoek"


def test_the_bots_validation_error_is_shown_by_its_field_and_the_field_asked_again(
        case: Bot, deps: Deps, sent: list[dict[str, object]]) -> None:
    shown = console(deps, "/regie contact R-0001\n\n\n31-12-2026\n\nGesprek.\nvandaag\n")
    refusal = texts.date_in_future("31-12-2026").replace("`", "")
    assert f"{texts.CONSOLE_FORM_NOT_SAVED}\n  Datum: {refusal}" in shown
    after = shown.split(texts.CONSOLE_FORM_NOT_SAVED, 1)[1]
    assert "Veld 2 van 4: Datum" in after and "Veld 4 van 4" not in after  # only the bad field
    assert "Nu: 31-12-2026" in after
    (stored,) = entries(deps, EntryKind.CONTACT)
    assert stored.occurred_on == date(2026, 11, 23) and stored.text == "Gesprek."
    assert kinds(sent) == ["command", "block_suggestion", "view_submission", "view_submission"]


def test_an_answer_that_is_none_of_the_options_is_refused_without_sending_anything(
        case: Bot, deps: Deps, sent: list[dict[str, object]]) -> None:
    shown = console(deps, "/regie contact R-0001\n\n2\n\n\n7\nbezoek\ntelefonisch contact\n"
                          "Belde.\n")
    assert texts.console_not_an_option("2", 1) in shown  # the only case is option 1
    assert texts.console_not_an_option("7", 6) in shown
    assert texts.console_not_an_option("bezoek", 6) in shown
    (stored,) = entries(deps, EntryKind.CONTACT)
    assert stored.contact_kind == "telefonisch"
    assert kinds(sent) == ["command", "block_suggestion", "view_submission"]


def test_annuleer_closes_the_form_sends_nothing_and_the_console_goes_on(
        case: Bot, deps: Deps, sent: list[dict[str, object]]) -> None:
    shown = console(deps, "/regie uvo R-0001\n\n\n:annuleer\n/regie help\n")
    assert texts.CONSOLE_FORM_CANCELLED in shown
    assert len(entries(deps, EntryKind.UVO)) == 1  # only the fixture's
    assert kinds(sent) == ["command", "block_suggestion", "command"]
    assert texts.HELP_TITLE in shown.split(texts.CONSOLE_FORM_CANCELLED, 1)[1]


def test_a_required_field_left_empty_is_asked_again_and_console_commands_wait(
        case: Bot, deps: Deps, sent: list[dict[str, object]]) -> None:
    shown = console(deps, "/regie evaluatie R-0001\n\n\n\n\n:tijd\n"
                          f"{'x' * 3001}\nDoelen gehaald.\n")
    assert texts.CONSOLE_FIELD_REQUIRED in shown
    assert texts.CONSOLE_COMMAND_IN_FORM in shown
    assert texts.console_too_long(3001, 3000) in shown
    (stored,) = entries(deps, EntryKind.EVALUATIE)
    assert stored.text == "Doelen gehaald."
    assert kinds(sent) == ["command", "block_suggestion", "view_submission"]


def test_a_script_ending_inside_a_form_closes_it_and_fails_under_strict(
        case: Bot, deps: Deps, tmp_path: Path) -> None:
    code, shown = script(deps, tmp_path, "/regie contact R-0001\n1\n", strict=True)
    assert code == 1
    assert texts.CONSOLE_FORM_EOF in shown and "Het script stopt (--strict)" in shown
    assert entries(deps, EntryKind.CONTACT) == []


# -- time and the scheduled jobs ------------------------------------------------------------------

def test_a_digest_arrives_at_the_digest_time_after_verder_on_working_days_only(
        case: Bot, deps: Deps) -> None:
    shown = console(deps, f":tijd {MONDAY} 08:00\n:verder 6d\n:tijd\n")
    assert "── maandag 23 november 2026 08:30 ──\n[DM aan Anna Regisseur] == Termijnen op " \
           "maandag 23 november 2026 ==" in shown
    assert "*UVO (uitvoerdersoverleg)*: *26 dagen te laat*" in shown
    for day in ("dinsdag 24", "woensdag 25", "donderdag 26", "vrijdag 27"):
        assert f"== Termijnen op {day} november 2026 ==" in shown
    assert "zaterdag 28 november 2026 ==" not in shown
    assert "zondag 29 november 2026 ==" not in shown
    assert "Het is nu zondag 29 november 2026 08:00" in shown


def test_the_console_clock_is_the_clock_the_services_use(case: Bot, deps: Deps) -> None:
    shown = console(deps, ":tijd 1-12-2026 10:00\n"
                          "/regie contact R-0001 vandaag telefonisch Belde.\n"
                          ":tijd 20-11-2026 10:00\n")
    assert "(01-12-2026)" in shown
    (stored,) = entries(deps, EntryKind.CONTACT)
    assert stored.occurred_on == date(2026, 12, 1)
    assert "terug in de tijd" in shown


def test_pressing_a_digest_button_sends_block_actions_with_its_message(
        case: Bot, deps: Deps, sent: list[dict[str, object]]) -> None:
    shown = console(deps, f":tijd {MONDAY} 08:00\n:verder 1u\n:knop 2\n")
    assert "[1: Log nu: UVO] [2: Over 3 dagen: UVO]" in shown
    assert "(knop 2 ingedrukt: Over 3 dagen: UVO)" in shown
    assert "Uitgesteld: je ziet deze herinnering weer vanaf do 26-11." in shown
    press = sent[-1]
    assert press["type"] == "block_actions"
    assert press["container"]["type"] == "message"  # type: ignore[index]
    message_blocks = json.dumps(press["message"]["blocks"])  # type: ignore[index]
    assert press["actions"][0]["action_id"] in message_blocks  # type: ignore[index]
    with deps.session_factory() as session:
        (reminder,) = session.scalars(select(Reminder).where(Reminder.kind == "uvo"))
        assert reminder.snoozed_until == date(2026, 11, 26)


def test_log_nu_in_a_digest_opens_the_form_and_the_uvo_is_stored(
        case: Bot, deps: Deps) -> None:
    shown = console(deps, f":tijd {MONDAY} 08:00\n:verder 1u\n:knop 1\n\n\n\nPolitie\n"
                          "Afspraken herzien.\n")
    assert "[formulier: UVO loggen]" in shown
    assert entries(deps, EntryKind.UVO)[-1].participants == "Politie"


def test_a_button_in_someone_elses_dm_cannot_be_pressed(
        case: Bot, deps: Deps, sent: list[dict[str, object]]) -> None:
    shown = console(deps, f":tijd {MONDAY} 08:00\n:verder 1u\n:als Bram\n:knop 2\n")
    assert texts.console_button_not_yours(2, "Anna Regisseur") in shown
    assert "block_actions" not in kinds(sent)


def test_the_publish_reminder_arrives_at_the_cutoff(case: Bot, deps: Deps) -> None:
    shown = console(deps, ":tijd 3-12-2026 14:00\n", as_user=SECRETARIS)
    assert ("── donderdag 3 december 2026 13:00 ──\n[DM aan Carla Secretaris] De termijn voor "
            "het ITAT-R van donderdag 10 december 2026 is verstreken.") in shown


def test_retention_runs_at_its_nightly_time_as_the_clock_passes(
        case: Bot, deps: Deps) -> None:
    short = Deps(settings=deps.settings.model_copy(update={"retention_days": 31}),
                 session_factory=deps.session_factory, clock=deps.clock,
                 instance_id="test")
    discussed_at_regie(case, "R-0001")  # the Regieoverleg of 11 November closes it
    assert "afgesloten" in case.say(SECRETARIS, "besluit R-0001 afgesloten")
    # Each console starts at the fixture's clock: the closing was recorded on Monday 23
    # November (dated 11 November), and the case is kept 31 days from that moment.
    shown = console(short, ":verder 31d\n")
    assert "mislukte" not in shown
    with deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1
    console(short, ":verder 32d\n")
    with deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
        purge = session.scalars(select(AuditEvent).where(
            AuditEvent.action.like("retention%"))).first()
        assert purge is not None and purge.at.hour == 2  # 03:15 in Amsterdam, winter time


# -- invitations and files -----------------------------------------------------------------

def test_an_invitation_is_shown_decoded_with_ics_and_saved(
        case: Bot, deps: Deps, tmp_path: Path) -> None:
    target = tmp_path / "slot.ics"
    shown = console(deps, f"/regie publiceer itat\n:als Anna\n:ics\n:ics opslaan {target}\n"
                          ":bestanden\n", as_user=SECRETARIS)
    assert "[e-mail aan Anna Regisseur <anna@example.org>] ITAT-R R-0001" in shown
    assert "agenda-uitnodiging in de e-mail (text/calendar, METHOD:REQUEST)" in shown
    for line in ("methode:    REQUEST (uitnodiging of wijziging)", "volgnummer: 0",
                 "begin:      donderdag 10 december 2026 13:00",
                 "einde:      donderdag 10 december 2026 13:20", "onderwerp:  ITAT-R: R-0001",
                 "deelnemer:  Anna Regisseur <anna@example.org>"):
        assert line in shown
    calendar = Calendar.from_ical(target.read_bytes())
    assert str(calendar["METHOD"]) == "REQUEST"
    assert texts.console_ics_saved(str(target)) in shown
    assert "1. itat-r-2026-12-10-r-0001.ics — ITAT-R: R-0001" in shown


def test_bestanden_lists_only_my_files_csv_and_png_included(case: Bot, deps: Deps) -> None:
    shown = console(deps, "/regie monitor\n:bestanden\n:als Anna\n:bestanden\n:ics\n",
                    as_user=PROGRAMMA)
    mine = shown.split(":bestanden", 2)[1]
    assert ".csv —" in mine and ".png —" in mine
    assert texts.CONSOLE_NO_FILES in shown.split(":als Anna", 1)[1]
    assert texts.CONSOLE_NO_INVITATION in shown


# -- bad console input ----------------------------------------------------------------------------

BAD_LINES = [
    (":onzin", texts.console_unknown_command(":onzin")),
    ("/kick R-0001", texts.console_not_our_command("/kick")),
    ("hallo bot", texts.SHELL_HINT),
    (":knop 99", texts.console_no_button("99", 0)),
    (":knop twee", texts.CONSOLE_BUTTON_USAGE),
    (":knop", texts.CONSOLE_BUTTON_USAGE),
    (":tijd 32-13-2026", texts.CONSOLE_TIME_USAGE),
    (":tijd 1-12-2026 24:61", texts.console_bad_clock_time("24:61")),
    (":tijd gisteravond", texts.CONSOLE_TIME_USAGE),
    (":tijd 1-1-1999", texts.CONSOLE_YEAR_RANGE),
    (":tijd 1-12-2026 10:00 extra", texts.CONSOLE_TIME_USAGE),
    (":verder 3 jaar", texts.CONSOLE_FORWARD_USAGE),
    (":verder -2d", texts.CONSOLE_FORWARD_USAGE),
    (":verder 999w", texts.console_too_far(104)),
    (":annuleer", texts.CONSOLE_NO_FORM),
    (":als Niemand", texts.shell_unknown_user("Niemand")),
    (":als", texts.CONSOLE_AS_USAGE),
    (":ics", texts.CONSOLE_NO_INVITATION),
    (":ics bewaar x.ics", texts.CONSOLE_ICS_USAGE),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES, ids=[b[0] for b in BAD_LINES])
def test_a_bad_console_line_is_explained_in_dutch_and_nothing_reaches_the_bot(
        case: Bot, deps: Deps, sent: list[dict[str, object]], line: str,
        message: str) -> None:
    audited = case.audit_count()
    shown = console(deps, f"{line}\n/regie help\n")
    answer, rest = shown.split(f"regie> {line}\n", 1)[1].split("regie> /regie help\n")
    assert message in answer
    assert texts.HELP_TITLE in rest  # the console went on
    assert kinds(sent) == ["command"]  # only the help
    assert sent[0]["text"] == "help"
    assert case.audit_count() == audited


def test_strict_script_stops_at_the_first_broken_line_with_exit_code_1(
        case: Bot, deps: Deps, tmp_path: Path) -> None:
    code, shown = script(deps, tmp_path, "# a comment\n/regie help\n\n:knop 5\n/regie casussen\n",
                         strict=True)
    assert code == 1
    assert texts.console_script_stopped(4, ":knop 5") in shown
    assert "regie> /regie casussen" not in shown
    assert "# a comment" not in shown


def test_a_script_without_strict_goes_on_after_a_broken_line(
        case: Bot, deps: Deps, tmp_path: Path) -> None:
    code, shown = script(deps, tmp_path, ":knop 5\n/regie casussen\n", strict=False)
    assert code == 0
    assert "regie> /regie casussen" in shown and "R-0001" in shown


def test_an_unreadable_script_is_refused(deps: Deps, tmp_path: Path) -> None:
    out = io.StringIO()
    missing = tmp_path / "nope.txt"
    assert run_shell(deps, REGISSEUR, io.StringIO(), out, script=str(missing)) == 2
    assert texts.console_script_unreadable(str(missing)) in out.getvalue()


def test_home_buttons_open_the_form_and_the_tab_is_refreshed(case: Bot, deps: Deps) -> None:
    shown = console(deps, ":home\n:knop 1\n\n\n\n2\nBelde met moeder.\n:knop 1\n")
    assert "[App Home van Anna Regisseur]" in shown
    assert "[1: Contact loggen] [2: UVO loggen] [3: Plan]" in shown
    assert "[4: Contact loggen] [5: UVO loggen] [6: Plan]" in shown  # the tab published again
    # The old tab's buttons went with it.
    assert shown.rstrip().endswith(texts.console_no_button("1", 6))
    assert entries(deps, EntryKind.CONTACT)[0].contact_kind == "telefonisch"


def test_jobs_run_at_their_fire_times_and_what_they_queue_goes_out_at_once(
        case: Bot, deps: Deps) -> None:
    shown = console(deps, f":tijd {MONDAY} 08:28\n:verder 1m\n:tijd\n:verder 1m\n:tijd\n")
    before, during, after = shown.split("regie> :tijd\n")
    # The sweep runs at 08:30:00 and queues the digest; as in `serve`, the courier sends it
    # at that moment, not on the outbox job's next tick (08:30:10, after the clock's 08:30).
    assert "Termijnen" not in before
    assert "Het is nu maandag 23 november 2026 08:29" in during
    assert "── maandag 23 november 2026 08:30 ──\n[DM aan Anna Regisseur] == Termijnen" in during
    assert "Het is nu maandag 23 november 2026 08:30 " in after


def test_the_console_runs_exactly_the_jobs_register_jobs_declares(deps: Deps) -> None:
    real = BackgroundScheduler(timezone="UTC")
    register_jobs(real, deps, None)  # type: ignore[arg-type]
    console_jobs = scheduled_jobs(deps, None)  # type: ignore[arg-type]
    assert [j.id for j in console_jobs] == [j.id for j in real.get_jobs()]
    assert [str(j.trigger) for j in console_jobs] == [str(j.trigger) for j in real.get_jobs()]
    # A skip hint for a job that no longer exists would be a hint that never applies.
    assert set(WAKE) <= {j.id for j in console_jobs}


# -- shortcuts and searching case fields ------------------------------------------------------

def test_a_shortcut_opens_its_form_and_the_case_is_found_by_searching(
        case: Bot, deps: Deps, sent: list[dict[str, object]]) -> None:
    case.say(SECRETARIS, "opname R-0042 @U0REG0001 2 1-9-2026")
    del sent[:]
    shown = console(deps, ":snelkoppeling\n:snelkoppeling uvo\n42\n1\n\n\nAfspraken.\n")
    assert texts.console_shortcuts(["Contact loggen", "UVO loggen"]) in shown
    assert "[formulier: UVO loggen]" in shown
    assert "  1) R-0042 · plan van aanpak in voorbereiding" in shown
    assert "R-0001 ·" not in shown  # the search for 42 found only R-0042
    assert kinds(sent) == ["shortcut", "block_suggestion", "view_submission"]
    assert sent[1]["value"] == "42"
    stored = entries(deps, EntryKind.UVO)[-1]
    assert stored.text == "Afspraken."
    with deps.session_factory() as session:
        assert session.get(Case, stored.case_id).code == "R-0042"  # type: ignore[union-attr]


def test_an_unknown_shortcut_and_a_search_that_finds_nothing_are_explained(
        case: Bot, deps: Deps, sent: list[dict[str, object]]) -> None:
    shown = console(deps, ":snelkoppeling koffie\n:snelkoppeling contact\nmoeder\n:annuleer\n")
    assert texts.console_unknown_shortcut("koffie") in shown
    assert texts.CONSOLE_NO_OPTIONS in shown
    assert kinds(sent) == ["shortcut", "block_suggestion"]


def test_a_search_shorter_than_the_field_asks_is_not_sent(
        case: Bot, deps: Deps, sent: list[dict[str, object]]) -> None:
    from bot.console.filling import FormFiller
    from bot.console.session import LineSource
    from bot.shell import Shell

    out = io.StringIO()
    shell = Shell.open(deps, REGISSEUR, out, LineSource(out, lines=["4", "42", ":annuleer"]))
    try:
        FormFiller(shell).fill_in({"id": "V9", "type": "modal", "callback_id": "x",
                                   "title": {"type": "plain_text", "text": "Zoeken"},
                                   "blocks": [{"type": "input", "block_id": "b",
                                               "label": {"type": "plain_text", "text": "Casus"},
                                               "element": {"type": "external_select",
                                                           "action_id": "own_case",
                                                           "min_query_length": 2}}]})
    finally:
        shell.close()
    assert texts.console_search_too_short(2) in out.getvalue()
    assert [r["value"] for r in sent if r.get("type") == "block_suggestion"] == ["42"]
