"""Pure parsers for what users type: dates, case codes, kinds, mentions and free text."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from bot import texts
from bot.errors import InputError

# --- tokens ---------------------------------------------------------------------------

_TOKEN = re.compile(r"<[^<>]*>|\S+")


def next_token(text: str) -> tuple[str, str]:
    """Split off the first word (a Slack `<…>` sequence counts as one); keep the rest as is."""
    stripped = text.lstrip()
    match = _TOKEN.match(stripped)
    if match is None:
        return "", ""
    return match.group(0), stripped[match.end():].lstrip(" \t")


def tokens(text: str) -> list[str]:
    """Split a command's arguments into words (a Slack `<…>` sequence counts as one)."""
    return _TOKEN.findall(text)


# --- case codes ---------------------------------------------------------------------

CASE_CODE_FORMAT = "R-0042"
_CASE_CODE = re.compile(r"^[Rr]-(\d{4})$")
_CASE_CODE_LIKE = re.compile(r"^[Rr][-_ ]?\d+$")


def parse_case_code(text: str) -> str:
    """Return the case code in canonical form (`R-` and four digits, upper case)."""
    token = text.strip()
    match = _CASE_CODE.match(token)
    if match is None:
        raise InputError(texts.not_a_case_code(_shown(token), CASE_CODE_FORMAT))
    return f"R-{match.group(1)}"


def looks_like_case_code(token: str) -> bool:
    """Tell whether a token was probably meant as a case code (valid or not)."""
    return bool(_CASE_CODE_LIKE.match(token.strip()))


# --- dates -----------------------------------------------------------------------------

DATE_FORMATS_HINT = "`22-11-2026`, `22-11`, `vandaag` of `gisteren`"
# A day-month without a year is this year, unless that lies more than this far ahead:
# then it is last year (so `28-12` typed on 3 January means the December just past).
NO_YEAR_LOOKAHEAD = timedelta(days=31)
_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{4}))?$")
_DATE_LIKE = re.compile(r"^\d{1,4}[-/.]\d{1,2}(?:[-/.]\d{1,4})?$")
# Days back from today. `morgen` is understood too, so that typing it is refused as a
# future date instead of being stored as the first word of the text.
_RELATIVE = {"vandaag": 0, "gisteren": 1, "eergisteren": 2, "morgen": -1, "overmorgen": -2}


def looks_like_date(token: str) -> bool:
    """Tell whether a token was meant as a date (it may still be an invalid one)."""
    token = token.strip().lower()
    return token in _RELATIVE or bool(_DATE_LIKE.match(token))


def parse_date(text: str, today: date) -> date:
    """Return the date meant by `22-11-2026`, `22-11`, `vandaag` or `gisteren`."""
    token = text.strip().lower()
    if token in _RELATIVE:
        return today - timedelta(days=_RELATIVE[token])
    match = _DATE.match(token)
    if match is None:
        raise InputError(texts.not_a_date(_shown(text.strip()), DATE_FORMATS_HINT))
    day, month = int(match.group(1)), int(match.group(2))
    if match.group(3) is not None:
        return _make_date(int(match.group(3)), month, day, text)
    candidate = _make_date(today.year, month, day, text, leap_ok=True)
    if candidate > today + NO_YEAR_LOOKAHEAD:
        candidate = _make_date(today.year - 1, month, day, text)
    return candidate


def parse_iso_date(text: str) -> date:
    """Return the date of a `2026-11-22` value (as Slack's date picker sends it)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InputError(texts.CHOOSE_VALID_DATE) from exc


def _make_date(year: int, month: int, day: int, text: str, *, leap_ok: bool = False) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        if leap_ok and (month, day) == (2, 29):
            # 29-02 without a year: the most recent leap year's date is what was meant.
            for back in range(1, 8):
                try:
                    return date(year - back, 2, 29)
                except ValueError:
                    continue
        raise InputError(texts.date_does_not_exist(_shown(text.strip()),
                                                   DATE_FORMATS_HINT)) from exc


def format_date(day: date) -> str:
    """Return a date the way users write it (`22-11-2026`)."""
    return f"{day.day:02d}-{day.month:02d}-{day.year}"


# --- contact kinds --------------------------------------------------------------------

CONTACT_KINDS: tuple[str, ...] = (
    "gesprek", "telefonisch", "huisbezoek", "partner", "netwerk", "overig")
DEFAULT_CONTACT_KIND = "gesprek"
HOME_VISIT = "huisbezoek"


def parse_contact_kind(text: str) -> str:
    """Return a contact kind, or raise InputError listing the valid ones."""
    token = text.strip().lower()
    if token in CONTACT_KINDS:
        return token
    raise InputError(texts.not_a_contact_kind(
        _shown(text.strip()), ", ".join(f"`{k}`" for k in CONTACT_KINDS)))


def near_contact_kind(token: str) -> str | None:
    """Return the kind a mistyped word was probably meant as (`huisbzoek`), else None."""
    word = token.strip().lower()
    if word in CONTACT_KINDS or not word.isalpha():
        return None
    # Longer words that start with a kind ("gesprekken", "netwerkdag") are ordinary text.
    if any(word.startswith(kind) for kind in CONTACT_KINDS):
        return None
    match = difflib.get_close_matches(word, CONTACT_KINDS, n=1, cutoff=0.8)
    return match[0] if match else None


# --- Slack mentions --------------------------------------------------------------------

_MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,31})(?:\|([^>]*))?>$")
_BARE_ID = re.compile(r"^@?([UW][A-Z0-9]{2,31})$")
_AT_NAME = re.compile(r"^@([^\s<>@]{1,80})$")


@dataclass(frozen=True)
class Mention:
    """A person named in a command: a Slack user id, or (unescaped commands) an @name."""

    user_id: str | None
    name: str | None = None


def parse_mention(text: str) -> Mention:
    """Return the user a token names: `<@U123|naam>`, `<@U123>`, `@U123` or `@naam`."""
    token = text.strip()
    match = _MENTION.match(token)
    if match is not None:
        return Mention(match.group(1), match.group(2) or None)
    match = _BARE_ID.match(token)
    if match is not None:
        return Mention(match.group(1))
    match = _AT_NAME.match(token)
    if match is not None:
        return Mention(None, match.group(1))
    raise InputError(texts.not_a_colleague(_shown(token)))


def looks_like_mention(token: str) -> bool:
    """Tell whether a token is a mention or @name."""
    token = token.strip()
    return token.startswith("<@") or token.startswith("@")


# --- risk groups and letter recipients --------------------------------------------------

RISK_GROUPS = range(1, 6)


def parse_risk_group(text: str) -> int:
    """Return a risk group 1-5 (003 Inleiding), or raise InputError."""
    token = text.strip()
    if token.isdigit() and int(token) in RISK_GROUPS:
        return int(token)
    raise InputError(texts.not_a_risk_group(_shown(token)))


LETTER_RECIPIENTS: tuple[str, ...] = ("betrokkene", "ouders", "voogd", "pi")
DEFAULT_LETTER_RECIPIENT = "betrokkene"
_LETTER_ALIASES = {"jji": "pi", "pi/jji": "pi", "gezinsvoogd": "voogd", "ouder": "ouders",
                   "subject": "betrokkene"}


def parse_letter_recipient(text: str) -> str:
    """Return who received the notification letter (betrokkene/ouders/voogd/pi)."""
    token = text.strip().lower()
    token = _LETTER_ALIASES.get(token, token)
    if token in LETTER_RECIPIENTS:
        return token
    raise InputError(texts.not_a_letter_recipient(_shown(text.strip())))


# --- free text ------------------------------------------------------------------------

MAX_ENTRY_LENGTH = 3000        # fits one Slack section (3,000 characters)
MAX_PARTICIPANTS_LENGTH = 500
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^|<>\s]+)>")
_SLACK_CONTROL = re.compile(r"<\s*[!@#]|<[^<>]*\|[^<>]*>")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(text: str, *, what: str = texts.TEXT_FIELD, limit: int = MAX_ENTRY_LENGTH,
               from_command: bool = False, required: bool = True) -> str:
    """Return free text ready to store, or raise InputError saying how to write it."""
    value = text
    if from_command:
        # Slack wraps bare links as <https://…> and escapes &, < and > in command text.
        value = _AUTOLINK.sub(r"\1", value)
        value = value.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    value = unicodedata.normalize("NFC", _CONTROL_CHARS.sub("", value)).strip()
    if not value:
        if required:
            raise InputError(texts.text_empty(what))
        return ""
    if len(value) > limit:
        raise InputError(texts.text_too_long(what, len(value), limit))
    if _SLACK_CONTROL.search(value):
        raise InputError(texts.text_has_slack_markup(what))
    return value


def _shown(token: str, limit: int = 30) -> str:
    """Return a token safe and short enough to quote back in an error message."""
    token = token.replace("`", "'").replace("<", "‹").replace(">", "›").replace("&", "+")
    return token if len(token) <= limit else token[:limit] + "…"
