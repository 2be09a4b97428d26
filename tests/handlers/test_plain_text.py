"""Mentions and links are text, not errors: stored as plain words, shown escaped; no reply of
the bot carries live markup, its own help and usage texts included."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.handlers import subcommands
from bot.views import modals
from tests.support import (
    BEHEERDER,
    PROGRAMMA,
    REGISSEUR,
    REGISSEUR2,
    SECRETARIS,
    Bot,
    MutableClock,
    add_user_with_roles,
    live_markup,
    log_entries,
    tick,
)

MARKUP = ("Overleg met <@U0REG0002|bram> en <!channel>, zie "
          "<https://school.example/rooster?a=1&amp;b=2|rooster> en <#C0ALG01|algemeen>")
STORED = ("Overleg met @Bram Regisseur en @channel, zie "
          "rooster (https://school.example/rooster?a=1&b=2) en #algemeen")


@pytest.fixture
def cases(bot: Bot) -> Bot:
    """R-0001 for REGISSEUR (intake 02-11-2026)."""
    assert "Opname vastgelegd" in bot.say(SECRETARIS, f"opname R-0001 <@{REGISSEUR}|anna> 3 "
                                                      "02-11-2026")
    bot.deliver()
    return bot


def test_a_contact_with_mentions_and_links_is_stored_as_plain_words(cases: Bot) -> None:
    reply = cases.say(REGISSEUR, f"contact R-0001 telefonisch {MARKUP}")
    assert "vastgelegd in het logboek van `R-0001` als regel #1" in reply
    (entry,) = log_entries(cases)
    assert (entry.contact_kind, entry.text) == ("telefonisch", STORED)
    shown = json.dumps(cases.reply(REGISSEUR, "logboek R-0001"))
    assert "@Bram Regisseur en @channel" in shown and "<!channel>" not in shown


def test_an_unknown_colleague_keeps_the_name_slack_sent(cases: Bot) -> None:
    cases.say(REGISSEUR, "uvo R-0001 Afspraak met <@U0ONBEKEND|piet> en <@U0NIEMAND>")
    (entry,) = log_entries(cases)
    assert entry.text == "Afspraak met @piet en @U0NIEMAND"


def test_a_form_with_markup_stores_plain_words(cases: Bot) -> None:
    values: dict[str, dict[str, Any]] = {
              modals.B_ENTRY_CASE: {"own_case": {"type": "external_select",
                                                 "selected_option": {"value": "R-0001"}}},
              modals.B_ENTRY_DATE: {"value": {"type": "datepicker",
                                              "selected_date": "2026-11-20"}},
              modals.B_ENTRY_PARTICIPANTS: {"value": {"type": "plain_text_input",
                                                      "value": "<!here> en <@U0REG0002>"}},
              modals.B_ENTRY_TEXT: {"value": {"type": "plain_text_input",
                                              "value": "Zie <https://x.example|de site>"}}}
    response = cases.driver.view_submission(REGISSEUR, modals.ENTRY_CALLBACK, values,
                                            private_metadata=json.dumps({"kind": "uvo"}))
    assert json.loads(response.body)["response_action"] == "update"
    (entry,) = log_entries(cases)
    assert (entry.text, entry.participants) == ("Zie de site (https://x.example)",
                                                "@here en @Bram Regisseur")


def test_correction_and_safety_report_neutralise_markup_too(cases: Bot) -> None:
    cases.say(REGISSEUR, "contact R-0001 Eerste gesprek")
    cases.say(REGISSEUR, "correctie R-0001 1 Gesprek met <@U0REG0002|bram> <!everyone>")
    cases.say(REGISSEUR, "veiligheid R-0001 Dreiging, zie <https://x.example>")
    _, correction, safety = log_entries(cases)
    assert correction.text == "Gesprek met @Bram Regisseur @everyone"
    assert safety.text == "Dreiging, zie https://x.example"
    assert not live_markup(cases.slack.calls)  # the alert to the programme team included


def test_a_mention_of_a_regisseur_still_names_the_regisseur_in_opname_and_overdracht(
        cases: Bot) -> None:
    assert "overgedragen" in cases.say(SECRETARIS, f"overdracht R-0001 <@{REGISSEUR2}|bram>")
    assert "Opname vastgelegd" in cases.say(SECRETARIS, f"opname R-0002 <@{REGISSEUR2}> 2")


def test_help_and_usage_texts_carry_no_live_markup(bot: Bot) -> None:
    add_user_with_roles(bot, "U0ALLES01", ["regisseur", "secretaris", "programma",
                                           "beheerder"])
    for user in (REGISSEUR, SECRETARIS, PROGRAMMA, BEHEERDER, "U0ALLES01"):
        bot.say(user, "help")
        bot.driver.home_opened(user)
    for sub in subcommands():  # no arguments, and far too many: the usage line
        bot.say("U0ALLES01", sub.name)
        bot.say("U0ALLES01", f"{sub.name} R-0001 a b c d e f g")
    assert not live_markup(bot.slack.calls)
    shown = json.dumps([c.args for c in bot.calls("response_url")])
    assert "&lt;casus&gt;" in shown  # the placeholders are there, escaped


def test_no_reply_of_any_kind_carries_live_markup(cases: Bot) -> None:
    hostile = "<!channel> <@U0SEC0001|carla> <https://evil.example|klik> &lt;!here&gt;"
    # Replies, refusals and usage errors; DMs; channel posts; the digest; files; forms; Home.
    for user, command in [
            (REGISSEUR, f"contact R-0001 {hostile}"), (REGISSEUR, f"uvo R-0001 {hostile}"),
            (REGISSEUR, "evaluatie R-0001 gisteren Plan besproken"),
            (REGISSEUR, "logboek R-0001"), (REGISSEUR, f"correctie R-0001 1 {hostile}"),
            (REGISSEUR, f"veiligheid R-0001 {hostile}"), (REGISSEUR, "casussen"),
            (REGISSEUR, "contact R-0001"), (REGISSEUR, f"contact R-0002 {hostile}"),
            (REGISSEUR, f"gereed R-0001 {hostile}"), (REGISSEUR, "gereed R-0001 itat"),
            (REGISSEUR, "agenda itat"), (REGISSEUR, f"logboek {hostile}"),
            (SECRETARIS, f"brief R-0001 {hostile}"), (SECRETARIS, "brief R-0001 gisteren"),
            (SECRETARIS, "agenda itat"), (SECRETARIS, "agenda"),
            (SECRETARIS, "publiceer itat"), (SECRETARIS, f"besluit R-0001 {hostile}"),
            (SECRETARIS, f"opname R-0009 {hostile} 3"), (SECRETARIS, "reeks itat"),
            (SECRETARIS, f"intrekken R-0001 itat {hostile}"),
            (PROGRAMMA, "monitor"), (PROGRAMMA, f"monitor {hostile}"),
            (BEHEERDER, "contact R-0001 tekst"), (REGISSEUR, f"{hostile}"),
            (REGISSEUR2, "logboek R-0001"), (SECRETARIS, "gereed R-0001 regie"),
            (REGISSEUR, "gereed R-0001 regie"), (SECRETARIS, "verplaats R-0001 regie 23-12"),
            (SECRETARIS, "intrekken R-0001 regie Nog niet klaar <!channel>"),
            (SECRETARIS, "besluit R-0001 aangehouden")]:
        cases.ask(user, command)
    for user in (REGISSEUR, SECRETARIS, PROGRAMMA):
        cases.driver.home_opened(user)
        cases.driver.shortcut(user, "log_uvo")  # the form, or why it cannot open
    cases.deliver()
    clock = cases.deps.clock
    assert isinstance(clock, MutableClock)
    clock.advance(timedelta(days=60))  # the digest, with its buttons
    tick(cases)
    digests = [c for c in cases.calls("chat.postMessage") if "Termijnen op" in str(c.args)]
    assert digests and len(cases.calls("chat.postMessage")) > 5
    assert not live_markup(cases.slack.calls)
