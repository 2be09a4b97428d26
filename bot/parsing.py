"""Every parser of what users type: dates, case codes, kinds, mentions, periods, free text."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot import texts
from bot.clock import AMSTERDAM
from bot.errors import InputError
from bot.lifecycle import ALLOWED_ITEM_KINDS, DEFAULT_ITEM_KIND, ITEM_KINDS, OUTCOMES
from bot.meetings import MeetingKind

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


# --- numbers ------------------------------------------------------------------------------

# Only ASCII digits are digits here: str.isdigit() accepts "²" (which int() refuses) and
# int() and a regex's \d accept "١٢" or "１２"; neither is how a number is written in a command.
_ASCII_NUMBER = re.compile(r"[0-9]+")


def ascii_number(token: str, *, max_digits: int = 9) -> int | None:
    """Return the whole number a token spells in ASCII digits (`12`), else None."""
    if len(token) > max_digits or not _ASCII_NUMBER.fullmatch(token):
        return None
    return int(token)


# --- case codes ---------------------------------------------------------------------

CASE_CODE_FORMAT = "R-0042"
_CASE_CODE = re.compile(r"^[Rr]-([0-9]{4})$")
_CASE_CODE_LIKE = re.compile(r"^[Rr][-_ ]?[0-9]+$")


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
_DATE = re.compile(r"^([0-9]{1,2})[-/.]([0-9]{1,2})(?:[-/.]([0-9]{4}))?$")
_DATE_LIKE = re.compile(r"^[0-9]{1,4}[-/.][0-9]{1,2}(?:[-/.][0-9]{1,4})?$")
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


def parse_any_date(text: str, today: date) -> date:
    """Return the date of `2026-11-22` (ISO, as on the command line) or any form parse_date
    reads."""
    token = text.strip()
    if ascii_number(token[:4], max_digits=4) is not None and token[4:5] == "-":
        return parse_iso_date(token)
    return parse_date(token, today)


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_moment(text: str, day_time: time | None = None) -> datetime:
    """Return the instant of an ISO moment; one without a UTC offset is Amsterdam time, and a
    date without a time (`2026-12-01`) is that day at `day_time` (else midnight)."""
    value = text.strip()
    try:
        at = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InputError(texts.CLI_BAD_AT) from exc
    if day_time is not None and _ISO_DAY.match(value):
        at = datetime.combine(at.date(), day_time)
    return at.replace(tzinfo=AMSTERDAM) if at.tzinfo is None else at


def parse_period(args: str, today: date) -> tuple[date, date] | None:
    """Return the period of `[van] [tot]` (one date runs up to today), or None for none."""
    words = args.split()
    if len(words) > 2:
        raise InputError(texts.MONITOR_TOO_MANY_ARGS)
    if not words:
        return None
    start = parse_date(words[0], today)
    end = parse_date(words[1], today) if len(words) == 2 else today
    return start, end


# --- meetings, agenda items and decisions ---------------------------------------------------

_KIND_WORDS: dict[str, MeetingKind] = {
    "itat": "itat", "itat-r": "itat", "itatr": "itat",
    "regie": "regie", "regieoverleg": "regie", "ro": "regie",
}
_DAY_MONTH = re.compile(r"^[0-9]{1,2}[-/.][0-9]{1,2}$")
# A day-month without a year names the nearest such meeting date: this year, or next year
# once this year's date lies more than half a year behind (typed in December for January).
_YEAR_TURN = timedelta(days=183)


def parse_meeting_kind(word: str) -> MeetingKind:
    """Return 'itat' or 'regie' for a word the user typed, or raise InputError."""
    kind = _KIND_WORDS.get(word.strip().lower())
    if kind is None:
        raise InputError(texts.agenda_unknown_meeting_kind(word))
    return kind


def parse_item_kind(word: str | None, kind: MeetingKind) -> str:
    """Return the agenda item kind (default per meeting kind), or raise InputError."""
    if word is None or not word.strip():
        return DEFAULT_ITEM_KIND[kind]
    item_kind = word.strip().lower()
    if item_kind not in ITEM_KINDS:
        raise InputError(texts.agenda_unknown_item_kind(word))
    if item_kind not in ALLOWED_ITEM_KINDS[kind]:
        raise InputError(texts.agenda_item_kind_not_for(item_kind, kind))
    return item_kind


def parse_outcome(word: str) -> str:
    """Return a Regieoverleg outcome, or raise InputError."""
    outcome = word.strip().lower()
    if outcome not in OUTCOMES:
        raise InputError(texts.decision_unknown_outcome(word))
    return outcome


def parse_case_code_and_kind(first: str, second: str) -> tuple[str, MeetingKind]:
    """Return the case code and meeting kind, accepting them in either order."""
    if not looks_like_case_code(first) and looks_like_case_code(second):
        first, second = second, first
    return parse_case_code(first), parse_meeting_kind(second)


def parse_meeting_day(token: str, today: date) -> date:
    """Return a meeting date typed as `10-12-2026`, `10-12` (nearest) or `vandaag`."""
    token = token.strip()
    if _DAY_MONTH.match(token):
        day = parse_date(f"{token}-{today.year}", today)
        if day < today - _YEAR_TURN:
            day = parse_date(f"{token}-{today.year + 1}", today)
        return day
    return parse_date(token, today)


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


# Words people write for a kind (`telefoon` for telefonisch): refused with the kind suggested,
# never stored as a conversation whose text starts with them.
_KIND_WORDS_TYPED = {
    "telefoon": "telefonisch", "tel": "telefonisch", "gebeld": "telefonisch",
    "bellen": "telefonisch", "belletje": "telefonisch", "telefonies": "telefonisch",
    "bezoek": "huisbezoek", "thuisbezoek": "huisbezoek", "huisbezoekje": "huisbezoek",
    "partneroverleg": "partner", "partners": "partner", "familie": "netwerk",
    "omgeving": "netwerk", "anders": "overig", "overige": "overig",
}
_KIND_PREFIX = 5  # `telef…`, `huisb…`: a word that starts like a kind was meant as one


def near_contact_kind(token: str) -> str | None:
    """Return the kind a mistyped word was probably meant as (`telefoon`), else None."""
    word = token.strip().lower()
    if word in CONTACT_KINDS or not word.isalpha():
        return None
    if word in _KIND_WORDS_TYPED:
        return _KIND_WORDS_TYPED[word]
    # Longer words that start with a kind ("gesprekken", "netwerkdag") are ordinary text.
    if any(word.startswith(kind) for kind in CONTACT_KINDS):
        return None
    if len(word) >= _KIND_PREFIX:
        starts = [k for k in CONTACT_KINDS if k[:_KIND_PREFIX] == word[:_KIND_PREFIX]]
        if len(starts) == 1:
            return starts[0]
    match = difflib.get_close_matches(word, CONTACT_KINDS, n=1, cutoff=0.8)
    return match[0] if match else None


@dataclass(frozen=True)
class EntryArgs:
    """A parsed `contact`/`uvo`/`evaluatie` command; empty text means: open the modal."""

    code: str | None
    occurred_on: date | None
    contact_kind: str | None
    text: str


def parse_entry_args(args: str, kind: str, today: date) -> EntryArgs:
    """Parse `<casus> [datum] [soort] <tekst>` (soort only for contacts)."""
    word, rest = next_token(args)
    if not word:
        return EntryArgs(None, None, None, "")
    code = parse_case_code(word)
    occurred_on = None
    word, after = next_token(rest)
    if word and looks_like_date(word):
        occurred_on = parse_date(word, today)
        rest = after
        word, after = next_token(rest)
    contact_kind = None
    # The kind is written in lower case, as in the usage line; "Gesprek met …" is text.
    if kind == "contact" and word and word.islower():
        if word in CONTACT_KINDS:
            contact_kind, rest = word, after
        elif (near := near_contact_kind(word)) is not None:
            raise InputError(texts.near_kind(word[:30], near,
                                             ", ".join(f"`{k}`" for k in CONTACT_KINDS)))
    return EntryArgs(code, occurred_on, contact_kind, rest)


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
    group = ascii_number(token, max_digits=1)
    if group is not None and group in RISK_GROUPS:
        return group
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


# --- names and e-mail addresses ----------------------------------------------------------------

# Characters that have no place in a name or an address: C0/C1 controls (CR and LF among
# them: header and calendar line breaks), line and paragraph separators, and the bidi
# embeddings, overrides and isolates that make text display other than it reads.
_NAME_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MAX_EMAIL_LENGTH = 254
# What a mail relay accepts without SMTPUTF8: an ASCII local part of atoms and dots, and a
# domain of at least two labels.
_EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
                    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def has_control_characters(text: str) -> bool:
    """Tell whether a name or address holds a control, separator or bidi-override character."""
    return bool(_NAME_CONTROL.search(text))


def visible_controls(text: str, limit: int = 80) -> str:
    """Return text with each control character written as `\\uXXXX`, to quote it back safely."""
    shown = _NAME_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return shown if len(shown) <= limit else shown[:limit] + "…"


def without_control_characters(text: str) -> str:
    """Return a name with control characters replaced by spaces (for names stored earlier)."""
    return " ".join(_NAME_CONTROL.sub(" ", text).split())


def is_usable_email(value: str) -> bool:
    """Tell whether an address can be put in a calendar invite and an e-mail header as is:
    one line, no spaces or brackets, ASCII, `local@domain.tld`, at most 254 characters."""
    local = value.rpartition("@")[0]
    return (len(value) <= MAX_EMAIL_LENGTH and 0 < len(local) <= 64
            and _EMAIL.fullmatch(value) is not None)


# --- free text ------------------------------------------------------------------------

MAX_ENTRY_LENGTH = 3000        # fits one Slack section (3,000 characters)
MAX_PARTICIPANTS_LENGTH = 500
MAX_REASON_LENGTH = 500        # why the secretariat took an item off an agenda
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A Slack sequence `<target|label>` (label optional). In the text of a slash command every
# such sequence is Slack's markup (typed `<` and `>` arrive as &lt; and &gt;); in form text
# and unescaped command text it is whatever the user typed, and is neutralised all the same.
_SEQUENCE = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_MENTIONED = re.compile(r"<\s*@([UW][A-Z0-9]{2,31})\s*(?:\|[^<>]*)?>")
_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]{1,20}:\S+$", re.IGNORECASE)
_BROADCASTS = frozenset({"channel", "here", "everyone"})


def mentioned_user_ids(text: str) -> set[str]:
    """Return the Slack user ids a text mentions (`<@U…>`, escaped or not)."""
    return set(_MENTIONED.findall(_unescape(text))) | set(_MENTIONED.findall(text))


def _unescape(text: str) -> str:
    # Slack escapes exactly these three in command text (&amp; last, so "&amp;lt;" stays "&lt;").
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _without_scheme(url: str) -> str:
    return re.sub(r"^(?:https?://|mailto:|tel:)", "", url, flags=re.IGNORECASE)


def neutralise_markup(text: str, names: Mapping[str, str] | None = None) -> str:
    """Turn Slack's mentions and links into plain words: `<@U…|anna>` "@Anna de Vries" (the
    registered name when known), `<#C…|kanaal>` "#kanaal", `<https://x|label>`
    "label (https://x)", `<https://x>` "https://x", `<!channel>` "@channel"."""
    known = names or {}

    def plain(match: re.Match[str]) -> str:
        target, label = match.group(1).strip(), (match.group(2) or "").strip()
        if target.startswith("@"):
            user_id = target[1:].strip()
            return "@" + (known.get(user_id) or label.lstrip("@") or user_id)
        if target.startswith("#"):
            return "#" + (label.lstrip("#") or target[1:].strip())
        if target.startswith("!"):
            special = target[1:].strip()
            word = special.split("^", 1)[0]
            if word in _BROADCASTS:
                return "@" + word
            if word == "subteam":  # a user group: its handle
                return "@" + (label.lstrip("@") or "groep")
            return label or special  # `<!date^…|fallback>` and the like: the fallback
        if _URL_SCHEME.match(target):
            if not label or label in (target, _without_scheme(target)):
                return label or target
            return f"{label} ({target})"
        return match.group(0)  # "<iets>" typed as text: no markup, shown escaped

    # Again until nothing changes: `<<!channel>>` would otherwise leave `<@channel>`. Every
    # round that changes something removes a pair of brackets, so this ends.
    while True:
        neutral = _SEQUENCE.sub(plain, text)
        if neutral == text:
            return neutral
        text = neutral


def clean_text(text: str, *, what: str = texts.TEXT_FIELD, limit: int = MAX_ENTRY_LENGTH,
               from_command: bool = False, required: bool = True,
               names: Mapping[str, str] | None = None) -> str:
    """Return free text ready to store, or raise InputError saying how to write it.

    Slack's mentions and links become plain words (`neutralise_markup`; `names` maps user ids
    to registered names), so nothing stored is markup and an entry is never refused for it;
    views escape the text when they show it."""
    value = text
    if from_command:
        # Slack escapes &, < and > in command text and sends mentions and links as markup.
        value = _unescape(neutralise_markup(value, names))
    value = neutralise_markup(value, names)
    value = unicodedata.normalize("NFC", _CONTROL_CHARS.sub("", value)).strip()
    if not value:
        if required:
            raise InputError(texts.text_empty(what))
        return ""
    if len(value) > limit:
        raise InputError(texts.text_too_long(what, len(value), limit))
    return value


def _shown(token: str, limit: int = 30) -> str:
    """Return a token safe and short enough to quote back in an error message."""
    token = token.replace("`", "'").replace("<", "‹").replace(">", "›").replace("&", "+")
    return token if len(token) <= limit else token[:limit] + "…"


# --- small numbers (issue 13: `frequentie` weeks) ----------------------------------------

def parse_small_number(text: str) -> int | None:
    """Return a whole number of at most three ASCII digits, or None (`²` and `٣` are no digits
    here, although str.isdigit says they are)."""
    return ascii_number(text.strip(), max_digits=3)


# --- the plan van aanpak: numbers, statuses, results, plan text and partner fields -------------

MAX_GOAL_LENGTH = 1000
MAX_CONSIDERATIONS_LENGTH = 2000
MAX_RESULT_LENGTH = 2000
MAX_FIELD_LENGTH = 120          # a name, an organisation, a role
MAX_PHONE_LENGTH = 30
MAX_EMAIL_LENGTH = 254
MAX_PLAN_NUMBER = 9999
_PLAN_NUMBER = re.compile(r"^#?([0-9]{1,4})$")
# Bidirectional overrides and isolates can make a line read differently than it is stored.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,28}[0-9]$")
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_STATUS_WORDS = {"lopend": "lopend", "loopt": "lopend", "gestart": "lopend",
                 "afgerond": "afgerond", "klaar": "afgerond", "gestopt": "gestopt",
                 "stop": "gestopt"}
_GOAL_WORDS = {"ja": "ja", "deels": "deels", "gedeeltelijk": "deels", "nee": "nee"}


def parse_plan_number(word: str, what: str) -> int:
    """Return the number of an intervention or partner (`2` or `#2`, ASCII digits only)."""
    match = _PLAN_NUMBER.match(word.strip())
    if match is None or not 1 <= int(match.group(1)) <= MAX_PLAN_NUMBER:
        raise InputError(texts.plan_not_a_number(_shown(word.strip()), what))
    return int(match.group(1))


def looks_like_plan_number(word: str) -> bool:
    """Tell whether a word is an intervention number (`2`, `#2`)."""
    return bool(_PLAN_NUMBER.match(word.strip()))


def parse_intervention_status(word: str) -> str:
    """Return the status a status command asks for: lopend, afgerond or gestopt."""
    status = _STATUS_WORDS.get(word.strip().lower())
    if status is None:
        raise InputError(texts.plan_not_a_status(_shown(word.strip())))
    return status


def parse_goal_reached(word: str) -> str | None:
    """Return ja/deels/nee when the word is one of them, else None."""
    return _GOAL_WORDS.get(word.strip().lower())


def _refuse_controls(text: str, what: str, *, one_line: bool) -> None:
    allowed = "" if one_line else "\n\t"
    for char in text:
        if char in _BIDI_CONTROLS or (unicodedata.category(char) == "Cc"
                                      and char not in allowed):
            raise InputError(texts.plan_control_characters(what))


def clean_plan_text(text: str, *, what: str, limit: int, from_command: bool = False,
                    required: bool = True, names: Mapping[str, str] | None = None) -> str:
    """Return plan free text (goal, considerations, result) ready to store; control
    characters are refused, not silently dropped (`names` as in clean_text)."""
    _refuse_controls(text, what, one_line=False)
    return clean_text(text, what=what, limit=limit, from_command=from_command,
                      required=required, names=names)


def clean_field(text: str, *, what: str, limit: int = MAX_FIELD_LENGTH,
                required: bool = True) -> str:
    """Return a one-line field (a name, an organisation, a role) ready to store."""
    _refuse_controls(text, what, one_line=True)
    return clean_text(text, what=what, limit=limit, required=required)


def parse_phone(text: str) -> str | None:
    """Return a phone number as typed (digits, spaces, +, -, brackets), or None when empty."""
    value = clean_field(text, what=texts.PARTNER_PHONE_FIELD, limit=MAX_PHONE_LENGTH,
                        required=False)
    if not value:
        return None
    if not _PHONE.match(value):
        raise InputError(texts.plan_not_a_phone(_shown(value)))
    return value


def parse_email(text: str) -> str | None:
    """Return an e-mail address, or None when empty."""
    value = clean_field(text, what=texts.PARTNER_EMAIL_FIELD, limit=MAX_EMAIL_LENGTH,
                        required=False)
    if not value:
        return None
    if not _EMAIL.match(value):
        raise InputError(texts.plan_not_an_email(_shown(value)))
    return value
