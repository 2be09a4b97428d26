"""Parsing what users type: dates, case codes, kinds, mentions, risk groups and free text."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import texts
from bot.errors import InputError
from bot.parsing import (
    MAX_ENTRY_LENGTH,
    Mention,
    clean_text,
    looks_like_date,
    mentioned_user_ids,
    near_contact_kind,
    next_token,
    parse_any_date,
    parse_case_code,
    parse_case_code_and_kind,
    parse_contact_kind,
    parse_date,
    parse_entry_args,
    parse_iso_date,
    parse_item_kind,
    parse_letter_recipient,
    parse_meeting_day,
    parse_meeting_kind,
    parse_mention,
    parse_moment,
    parse_outcome,
    parse_period,
    parse_risk_group,
    tokens,
)

TODAY = date(2026, 11, 23)


# --- dates -----------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "expected"), [
    ("22-11-2026", date(2026, 11, 22)),
    ("1-2-2026", date(2026, 2, 1)),
    ("22-11", date(2026, 11, 22)),
    ("22/11", date(2026, 11, 22)),
    ("vandaag", TODAY),
    ("Gisteren", date(2026, 11, 22)),
    ("eergisteren", date(2026, 11, 21)),
])
def test_dates_in_every_documented_form_are_understood(typed: str, expected: date) -> None:
    assert parse_date(typed, TODAY) == expected


def test_day_month_in_the_coming_weeks_stays_this_year_so_it_can_be_refused_as_future() -> None:
    assert parse_date("24-11", TODAY) == date(2026, 11, 24)


def test_day_month_far_ahead_means_last_year_around_new_year() -> None:
    assert parse_date("28-12", date(2027, 1, 3)) == date(2026, 12, 28)


def test_29_february_without_year_means_the_last_leap_day() -> None:
    assert parse_date("29-02", date(2027, 3, 1)) == date(2024, 2, 29)


@pytest.mark.parametrize("typed", ["32-11", "31-11-2026", "29-02-2027", "0-1", "11-13-2026"])
def test_impossible_dates_say_how_to_write_a_date(typed: str) -> None:
    with pytest.raises(InputError, match="22-11-2026") as info:
        parse_date(typed, TODAY)
    assert "bestaat niet" in info.value.message


def test_morgen_means_tomorrow_so_a_logbook_entry_can_refuse_it_as_future() -> None:
    assert parse_date("morgen", TODAY) == TODAY + timedelta(days=1)
    assert parse_date("Overmorgen", TODAY) == TODAY + timedelta(days=2)


@pytest.mark.parametrize("typed", ["2026-11-22", "22 november", "x"])
def test_unknown_date_forms_are_refused_with_the_accepted_forms(typed: str) -> None:
    with pytest.raises(InputError, match="vandaag"):
        parse_date(typed, TODAY)


def test_date_picker_values_are_iso_dates() -> None:
    assert parse_iso_date("2026-11-20") == date(2026, 11, 20)
    with pytest.raises(InputError):
        parse_iso_date("20-11-2026")


@settings(max_examples=60)
@given(st.dates(min_value=date(2016, 1, 1), max_value=date(2040, 12, 31)))
def test_a_formatted_date_parses_back_to_itself(day: date) -> None:
    assert parse_date(texts.format_date(day), TODAY) == day


@settings(max_examples=60)
@given(st.dates(min_value=date(2016, 1, 1), max_value=date(2040, 12, 31)))
def test_day_month_never_lands_more_than_a_month_ahead_or_a_year_back(today: date) -> None:
    for day_back in (0, 40, 200, 330):
        meant = today - timedelta(days=day_back)
        if (meant.month, meant.day) == (2, 29):
            continue
        got = parse_date(f"{meant.day}-{meant.month}", today)
        assert today - timedelta(days=366) < got <= today + timedelta(days=31)
        assert (got.month, got.day) == (meant.month, meant.day)


def test_only_date_shaped_words_look_like_dates() -> None:
    assert looks_like_date("22-11") and looks_like_date("vandaag") and looks_like_date("99-99")
    assert not looks_like_date("huisbezoek") and not looks_like_date("R-0042")


# --- case codes --------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "expected"), [("R-0042", "R-0042"), ("r-0042", "R-0042"),
                                                  (" R-9999 ", "R-9999")])
def test_case_codes_are_normalised_to_upper_case(typed: str, expected: str) -> None:
    assert parse_case_code(typed) == expected


@pytest.mark.parametrize("typed", ["R0042", "R-42", "R-00420", "X-0042", "0042", "R-00a2", ""])
def test_malformed_case_codes_explain_the_format(typed: str) -> None:
    with pytest.raises(InputError, match="vier cijfers") as info:
        parse_case_code(typed)
    assert "R-0042" in info.value.message


def test_an_error_never_echoes_slack_markup_from_the_input() -> None:
    with pytest.raises(InputError) as info:
        parse_case_code("<!channel>")
    assert "<!channel>" not in info.value.message


# --- kinds, groups, recipients -----------------------------------------------------------

def test_contact_kinds_are_the_six_of_the_design() -> None:
    for kind in ("gesprek", "telefonisch", "huisbezoek", "partner", "netwerk", "overig"):
        assert parse_contact_kind(kind.upper()) == kind
    with pytest.raises(InputError, match="huisbezoek"):
        parse_contact_kind("bezoek")


def test_a_mistyped_kind_is_recognised_but_ordinary_words_are_not() -> None:
    assert near_contact_kind("huisbzoek") == "huisbezoek"
    assert near_contact_kind("telefonish") == "telefonisch"
    for word in ("gesprekken", "Vandaag", "moeder", "telefonische", "de", "gesprek"):
        assert near_contact_kind(word) is None


@pytest.mark.parametrize("typed", ["0", "6", "drie", "-1", "3.0"])
def test_risk_group_must_be_one_to_five(typed: str) -> None:
    with pytest.raises(InputError, match="1 tot en met 5"):
        parse_risk_group(typed)
    assert [parse_risk_group(str(g)) for g in range(1, 6)] == [1, 2, 3, 4, 5]


def test_letter_recipients_accept_the_four_and_jji_as_pi() -> None:
    assert [parse_letter_recipient(r) for r in ("betrokkene", "Ouders", "voogd", "PI", "jji")] \
        == ["betrokkene", "ouders", "voogd", "pi", "pi"]
    with pytest.raises(InputError, match="betrokkene"):
        parse_letter_recipient("buurman")


# --- mentions and tokens -----------------------------------------------------------------

def test_mentions_in_every_slack_form_give_the_user() -> None:
    assert parse_mention("<@U0REG0002|bram>") == Mention("U0REG0002", "bram")
    assert parse_mention("<@U0REG0002>") == Mention("U0REG0002")
    assert parse_mention("@U0REG0002") == Mention("U0REG0002")
    assert parse_mention("@bram") == Mention(None, "bram")
    with pytest.raises(InputError, match="@-vermelding"):
        parse_mention("bram")


def test_tokens_keep_a_slack_sequence_with_spaces_together() -> None:
    assert tokens("R-0001 <@U1|anna de v> 3") == ["R-0001", "<@U1|anna de v>", "3"]
    assert next_token("  R-0001  gisteren\nregel twee") == ("R-0001", "gisteren\nregel twee")
    assert next_token("   ") == ("", "")


# --- free text ---------------------------------------------------------------------------

def test_text_is_trimmed_and_kept_as_typed() -> None:
    assert clean_text("  Gesprek met moeder\nen vader  ") == "Gesprek met moeder\nen vader"


def test_empty_text_is_refused() -> None:
    with pytest.raises(InputError, match="leeg"):
        clean_text(" \n ")
    assert clean_text("  ", required=False) == ""


def test_text_over_the_limit_is_refused_with_the_limit() -> None:
    clean_text("x" * MAX_ENTRY_LENGTH)
    with pytest.raises(InputError, match="3000") as info:
        clean_text("x" * (MAX_ENTRY_LENGTH + 1))
    assert "3001" in info.value.message


@pytest.mark.parametrize(("typed", "stored"), [
    ("Let op <!channel>", "Let op @channel"),
    ("<!here> en <!everyone>", "@here en @everyone"),
    ("<!here|here> nu", "@here nu"),
    ("zie <https://x.example/a?b=1&amp;c=2|hier>", "zie hier (https://x.example/a?b=1&c=2)"),
    ("zie <https://x.example/a>", "zie https://x.example/a"),
    ("site <http://school.example|school.example>", "site school.example"),
    ("mail <mailto:a@example.org|a@example.org>", "mail a@example.org"),
    ("met <@U0REG0002>", "met @U0REG0002"),
    ("met <@U0REG0002|bram>", "met @bram"),
    ("in <#C123|algemeen>", "in #algemeen"),
    ("team <!subteam^S123|@ggz>", "team @ggz"),
    ("op <!date^1392734382^{date}|13 feb>", "op 13 feb"),
    ("<<!channel>>", "@channel"),
])
def test_slack_mentions_and_links_become_plain_words(typed: str, stored: str) -> None:
    assert clean_text(typed, from_command=True) == stored
    assert clean_text(typed.replace("&amp;", "&")) == stored  # typed in a form


def test_a_mentioned_colleague_gets_their_registered_name() -> None:
    names = {"U0REG0002": "Bram Regisseur"}
    assert mentioned_user_ids("met <@U0REG0002|bram> en <@U0REG0003>") == {"U0REG0002",
                                                                          "U0REG0003"}
    assert clean_text("met <@U0REG0002|bram> en <@U0REG0003|c>", from_command=True,
                      names=names) == "met @Bram Regisseur en @c"


def test_command_text_is_unescaped_and_plain_links_unwrapped() -> None:
    typed = "a &lt; b &amp; c &gt; d, zie <https://example.org/x>"
    assert clean_text(typed, from_command=True) == "a < b & c > d, zie https://example.org/x"


def test_markup_typed_as_characters_is_neutralised_too() -> None:
    # Typed literally, Slack escapes the brackets; what is stored is still no markup.
    assert clean_text("&lt;!channel&gt; kijk", from_command=True) == "@channel kijk"
    assert clean_text("a <b> c") == "a <b> c"  # no Slack sequence: kept, escaped when shown


@given(st.text(max_size=200) | st.text(alphabet="<>!@#|&;ltgamphs:/ U0", max_size=60))
def test_no_stored_text_holds_a_slack_control_sequence(typed: str) -> None:
    for from_command in (True, False):
        try:
            stored = clean_text(typed, from_command=from_command)
        except InputError:
            continue
        assert not re.search(r"<\s*[!@#][^<>]*>|<[a-z][a-z0-9+.-]*:[^<>]*>", stored,
                             re.IGNORECASE)


def test_control_characters_are_dropped() -> None:
    assert clean_text("a\x00b\x1bc\td") == "abc\td"


# --- meetings, agenda items and decisions ---------------------------------------------------

@pytest.mark.parametrize(("typed", "kind"), [
    ("itat", "itat"), ("ITAT-R", "itat"), ("itatr", "itat"), (" Regie ", "regie"),
    ("regieoverleg", "regie"), ("ro", "regie")])
def test_meeting_kinds_are_read_in_every_usual_spelling(typed: str, kind: str) -> None:
    assert parse_meeting_kind(typed) == kind


def test_an_unknown_meeting_kind_is_explained_with_the_word_escaped() -> None:
    with pytest.raises(InputError, match="itat") as info:
        parse_meeting_kind("<!channel>")
    assert "<!channel>" not in info.value.message


def test_item_kinds_default_per_meeting_and_must_belong_to_it() -> None:
    assert parse_item_kind(None, "itat") == "concept"
    assert parse_item_kind(" ", "regie") == "definitief"
    assert parse_item_kind("Afsluit", "regie") == "afsluit"
    with pytest.raises(InputError, match="herinbreng gaat naar het ITAT-R"):
        parse_item_kind("herinbreng", "regie")
    with pytest.raises(InputError, match="soort agendapunt"):
        parse_item_kind("plan", "itat")


def test_outcomes_are_the_three_decisions_only() -> None:
    assert [parse_outcome(w) for w in ("Vastgesteld", "aangehouden", "afgesloten")] == [
        "vastgesteld", "aangehouden", "afgesloten"]
    with pytest.raises(InputError, match="geen besluit"):
        parse_outcome("goedgekeurd")


def test_case_code_and_meeting_kind_are_accepted_in_either_order() -> None:
    assert parse_case_code_and_kind("r-0042", "itat") == ("R-0042", "itat")
    assert parse_case_code_and_kind("regie", "R-0042") == ("R-0042", "regie")


def test_a_meeting_day_without_a_year_is_the_nearest_such_date() -> None:
    assert parse_meeting_day("10-12", TODAY) == date(2026, 12, 10)
    assert parse_meeting_day("14-01", date(2026, 12, 20)) == date(2027, 1, 14)
    assert parse_meeting_day("10-12-2026", TODAY) == date(2026, 12, 10)


def test_a_period_is_none_one_date_up_to_today_or_two_dates() -> None:
    assert parse_period("", TODAY) is None
    assert parse_period("01-09-2026", TODAY) == (date(2026, 9, 1), TODAY)
    assert parse_period("01-01 30-06", TODAY) == (date(2026, 1, 1), date(2026, 6, 30))
    with pytest.raises(InputError, match="te veel"):
        parse_period("01-01 02-01 03-01", TODAY)


def test_command_line_dates_and_moments() -> None:
    assert parse_any_date("2026-11-22", TODAY) == parse_any_date("22-11", TODAY)
    with pytest.raises(InputError):
        parse_any_date("2026-02-30", TODAY)
    assert parse_moment("2026-11-23T08:30").astimezone(UTC) == datetime(
        2026, 11, 23, 7, 30, tzinfo=UTC)  # a naive moment is Amsterdam time
    assert parse_moment("2026-11-23T08:30+00:00") == datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    with pytest.raises(InputError, match="--at"):
        parse_moment("morgen")


def test_a_date_without_a_time_is_that_day_at_the_given_time() -> None:
    assert parse_moment("2026-12-01", time(8, 30)).astimezone(UTC) == datetime(
        2026, 12, 1, 7, 30, tzinfo=UTC)  # 08:30 in Amsterdam (winter time)
    assert parse_moment("2026-07-01", time(8, 30)).astimezone(UTC) == datetime(
        2026, 7, 1, 6, 30, tzinfo=UTC)   # summer time
    assert parse_moment("2026-12-01T10:00", time(8, 30)).astimezone(UTC).hour == 9


def test_entry_arguments_take_an_optional_date_and_contact_kind_before_the_text() -> None:
    parsed = parse_entry_args("R-0042 gisteren huisbezoek Gesprek met moeder", "contact", TODAY)
    assert (parsed.code, parsed.occurred_on, parsed.contact_kind, parsed.text) == (
        "R-0042", TODAY - timedelta(days=1), "huisbezoek", "Gesprek met moeder")
    assert parse_entry_args("R-0042 Gesprek met moeder", "contact", TODAY).contact_kind is None
    assert parse_entry_args("", "uvo", TODAY).code is None  # no arguments: open the form
    with pytest.raises(InputError, match="Bedoel je `huisbezoek`"):
        parse_entry_args("R-0042 huisbzoek bij moeder", "contact", TODAY)
