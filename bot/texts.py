"""All Dutch user-facing text, as constants and small functions, grouped by conversation."""

# Functions that put a person's name or other typed-in text into mrkdwn escape it themselves,
# so callers pass plain values.

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from bot.clock import AMSTERDAM as _AMSTERDAM
from bot.views.blocks import escape_mrkdwn

# --- The bot in general, and refusals at the door --------------------------------------------

GENERIC_ERROR = (
    "Er ging iets mis aan onze kant. Er is niets opgeslagen van dit verzoek; "
    "probeer het zo nog eens. Blijft het misgaan, meld het dan bij de functioneel beheerder."
)
SLACK_UNAVAILABLE = (
    "Slack is op dit moment niet goed bereikbaar voor Regiebot en kan je lidmaatschap nu niet "
    "bevestigen; daarom toont en bewaart Regiebot nu niets. Probeer het over een minuut "
    "opnieuw."
)
REFUSED_WORKSPACE = "Regiebot werkt alleen in de werkruimte van de IPGA Radicalisering."
REFUSED_UNREGISTERED = (
    "Je bent (nog) niet aangemeld voor Regiebot. Neem contact op met de functioneel beheerder "
    "als je toegang nodig hebt."
)
REFUSED_DEACTIVATED = (
    "Je account is niet meer actief voor Regiebot. Neem contact op met de functioneel "
    "beheerder als dit niet klopt."
)
REFUSED_GUEST = "Gasten en externe gebruikers kunnen Regiebot niet gebruiken."
REFUSED_SLACK_DEACTIVATED = (
    "Je Slack-account is gedeactiveerd; daarmee is ook je toegang tot Regiebot beëindigd. "
    "Neem contact op met de functioneel beheerder als dit niet klopt."
)
REFUSED_BOT = "Bots en apps kunnen Regiebot niet gebruiken."
REQUEST_ALREADY_HANDLED = "Dit verzoek is al verwerkt; er is niets dubbel opgeslagen."


# --- Dates, times and names as the bot writes them -------------------------------------------

WEEKDAYS_SHORT = ("ma", "di", "wo", "do", "vr", "za", "zo")
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")


def short_day(day: date) -> str:
    """Write a date compactly with its weekday: `do 26-11`."""
    return f"{WEEKDAYS_SHORT[day.weekday()]} {day.day:02d}-{day.month:02d}"


def nl_day(day: date) -> str:
    """Return a date in full with its weekday: `donderdag 10 december 2026`."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def nl_time(moment: datetime) -> str:
    """Return the Amsterdam wall-clock time of an instant as `13:00`."""
    return moment.astimezone(_AMSTERDAM).strftime("%H:%M")


def nl_moment(moment: datetime) -> str:
    """Return an instant as `donderdag 10 december 2026 13:00` (Amsterdam)."""
    local = moment.astimezone(_AMSTERDAM)
    return f"{nl_day(local.date())} {local:%H:%M}"


def format_date(day: date) -> str:
    """Return a date the way users write it (`22-11-2026`)."""
    return f"{day.day:02d}-{day.month:02d}-{day.year}"


def _count(number: int, singular: str, plural: str) -> str:
    """Return `1 punt` or `3 punten`."""
    return f"{number} {singular if number == 1 else plural}"


_MEETING_NAMES = {"itat": "ITAT-R", "regie": "Regieoverleg"}


def meeting_name(kind: str) -> str:
    """Return the display name of a meeting kind."""
    return _MEETING_NAMES.get(kind, kind)


def meeting_slug(kind: str) -> str:
    """Return the file-name form of a meeting kind."""
    return {"itat": "itat-r", "regie": "regieoverleg"}.get(kind, kind)


_ITEM_KIND_LABELS = {
    "concept": "concept plan van aanpak",
    "definitief": "definitief plan van aanpak",
    "herinbreng": "herinbreng",
    "afbouw": "afbouwvoorstel",
    "afsluit": "afsluitvoorstel",
}


def item_kind_label(item_kind: str) -> str:
    """Return the Dutch label of an agenda item kind."""
    return _ITEM_KIND_LABELS.get(item_kind, item_kind)


PHASE_LABELS = {
    "plan": "plan van aanpak in voorbereiding",
    "uitvoering": "uitvoering",
    "afbouw": "afbouw",
    "afgesloten": "afgesloten",
}
ROLE_LABELS = {
    "regisseur": "regisseur",
    "secretaris": "secretariaat",
    "programma": "programmateam",
    "beheerder": "functioneel beheer",
}


# --- Help and the /regie router --------------------------------------------------------------

HELP_TITLE = "Regiebot: wat kun je hier doen?"
HELP_FOOTER = (
    "Datums schrijf je als `22-11-2026`, `22-11`, `vandaag` of `gisteren`. "
    "Casuscodes zijn pseudoniem, zoals `R-0042`; noem nooit een naam."
)
HELP_NO_COMMANDS = (
    "Je bent aangemeld, maar je rol geeft geen toegang tot casuscommando's. "
    "Neem contact op met de functioneel beheerder als dit niet klopt."
)
HELP_HELP = "toon deze hulp"


def refused_role(command: str, roles: Iterable[str]) -> str:
    """Tell that a command is reserved for other roles."""
    names = ", ".join(sorted(roles))
    return f"`/regie {command}` is alleen beschikbaar voor de rol {names}."


def unknown_command(word: str, suggestion: str | None) -> str:
    """Explain an unknown subcommand and suggest the closest valid one."""
    word = escape_mrkdwn(word)
    shown = word if len(word) <= 30 else word[:30] + "…"
    hint = f" Bedoelde je `/regie {suggestion}`?" if suggestion else ""
    return (
        f"Het commando `{shown}` ken ik niet.{hint} "
        "Typ `/regie help` voor de commando's die jij kunt gebruiken."
    )


TEXT_TOO_LONG_COMMAND = (
    "Je bericht is te lang voor één commando (hoogstens 4000 tekens). Er is niets opgeslagen; "
    "gebruik het formulier (het commando zonder tekst) of splits het bericht."
)


def usage(line: str) -> str:
    """Show how to write a command."""
    return f"Zo schrijf je het: `{escape_mrkdwn(line)}`"


BLOCKS_LEFT_OUT = "… (meer regels weggelaten)"


# --- What users type: dates, case codes, kinds, mentions, free text --------------------------

def not_a_case_code(shown: str, example: str) -> str:
    """Refuse a token that is no case code."""
    return (f"`{shown}` is geen casuscode. Een casuscode is `R-` met vier cijfers, "
            f"zoals `{example}`.")


def not_a_date(shown: str, hint: str) -> str:
    """Refuse a token that is no date form we know."""
    return f"`{shown}` is geen datum die ik ken. Schrijf de datum als {hint}."


def date_does_not_exist(shown: str, hint: str) -> str:
    """Refuse a date such as 31-11."""
    return f"`{shown}` bestaat niet als datum. Schrijf de datum als {hint}."


CHOOSE_VALID_DATE = "Kies een geldige datum."
PARTICIPANTS_FIELD = "lijst met deelnemers"  # "De <veld> is te lang: …"
TEXT_FIELD = "tekst"


def not_a_contact_kind(shown: str, kinds: str) -> str:
    """Refuse an unknown contact kind."""
    return f"`{shown}` is geen soort contact. Kies uit: {kinds}."


def not_a_colleague(shown: str) -> str:
    """Refuse a token that is no @-mention."""
    return (f"`{shown}` is geen collega. Noem de regisseur met een @-vermelding, "
            "zoals `@Anna` (kies de naam uit de lijst die Slack toont).")


def not_a_risk_group(shown: str) -> str:
    """Refuse a risk group outside 1-5."""
    return (f"`{shown}` is geen risicogroep. Geef een getal van 1 tot en met 5, "
            "zoals het Regieoverleg het heeft vastgesteld.")


RISK_GROUP_RANGE = "De risicogroep is een getal van 1 tot en met 5."


def not_a_letter_recipient(shown: str) -> str:
    """Refuse an unknown recipient of the notification letter."""
    return (f"`{shown}` is geen ontvanger van de brief. Kies uit: `betrokkene`, "
            "`ouders`, `voogd` of `pi` (ook voor een JJI).")


LETTER_RECIPIENT_CHOICE = "Kies als ontvanger `betrokkene`, `ouders`, `voogd` of `pi`."
LETTER_RECIPIENT_MISSING = ("Na `aan` hoort de ontvanger: `betrokkene`, `ouders`, `voogd` of "
                            "`pi` (ook voor een JJI), zoals `/regie brief R-0042 gisteren aan "
                            "ouders`. Er is niets opgeslagen.")


def text_empty(what: str) -> str:
    """Refuse empty free text."""
    return (f"De {what} is leeg. Schrijf na de andere gegevens wat er is gebeurd; "
            "er is niets opgeslagen.")


def text_too_long(what: str, length: int, limit: int) -> str:
    """Refuse free text over Slack's limit."""
    return (f"De {what} is te lang: {length} tekens, hoogstens {limit}. Kort de tekst "
            "in of verdeel hem over twee regels in het logboek; er is niets opgeslagen.")


def missing_case_code(usage_line: str) -> str:
    """Ask for the case code a command needs."""
    return f"Noem de casus, zoals `R-0042`. Zo schrijf je het: `{escape_mrkdwn(usage_line)}`"


def missing_argument(what: str, usage_line: str) -> str:
    """Say which part of a command is missing, and how to write the command."""
    return f"Ik mis {what}. Zo schrijf je het: `{escape_mrkdwn(usage_line)}`"


def too_many_arguments(usage_line: str) -> str:
    """Say that a command got more than it takes."""
    return f"Dat is meer dan ik verwacht. Zo schrijf je het: `{escape_mrkdwn(usage_line)}`"


def date_in_future(shown: str) -> str:
    """Refuse a date after today."""
    return (f"De datum {shown} ligt in de toekomst. Leg vast wat al gebeurd is, met "
            "`vandaag`, `gisteren` of een datum als `22-11`; er is niets opgeslagen.")


def date_before_intake(shown: str, intake: str) -> str:
    """Refuse a date before the case was taken in."""
    return (f"De datum {shown} ligt vóór het opnamebesluit van deze casus ({intake}). "
            "Controleer de datum; er is niets opgeslagen.")


def date_before_programme(shown: str) -> str:
    """Refuse a date before the programme started."""
    return (f"De datum {shown} ligt vóór de start van de aanpak (1 april 2016). "
            "Controleer het jaartal.")


# --- Per-case access -------------------------------------------------------------------------

def case_not_found(code: str) -> str:
    """Refuse an unknown case code."""
    return (f"Casus `{code}` bestaat niet. Controleer de code; `/regie casussen` toont je "
            "eigen casussen.")


def case_not_found_secretariat(code: str) -> str:
    """Refuse an unknown case code typed by the secretariat, pointing to what it may use."""
    return (f"Casus `{code}` bestaat niet; er is niets veranderd. Controleer de code (zoals "
            "`R-0042`): `/regie agenda` toont de casussen op de komende vergaderingen, en "
            "een nieuwe casus leg je vast met `/regie opname`.")


LOGBOOK_REGISSEUR_ONLY = "Alleen de regisseur van een casus kan het logboek lezen en schrijven."


def not_your_case(code: str) -> str:
    """Refuse somebody else's case."""
    return (f"Casus `{code}` is niet aan jou toegewezen. Je kunt alleen je eigen "
            "casussen inzien en bijwerken; `/regie casussen` toont welke dat zijn.")


# --- The App Home tab ------------------------------------------------------------------------

HOME_TITLE = "Regiebot"
HOME_INTRO = (
    "Welkom bij Regiebot. Gebruik `/regie help` in een willekeurig kanaal of hier in de "
    "berichten; antwoorden met casusinformatie ziet alleen jij."
)
HOME_DEADLINES_TITLE = "Komende termijnen"
HOME_NO_DEADLINES = "Geen open termijnen voor jouw casussen."
HOME_LETTERS_TITLE = "Notificatiebrieven nog te versturen"
LATE_MARK = " (te laat)"


def home_more(count: int) -> str:
    """Say that more cases have deadlines than the Home tab shows."""
    return f"… en nog {count} {'casus' if count == 1 else 'casussen'}."


HOME_AGENDA_TITLE = "Agendering"


def home_meeting_status(kind: str, starts_at: datetime, cutoff_at: datetime, items: int,
                        capacity: int, published_at: datetime | None) -> str:
    """Return one line about a coming meeting for the secretariat's Home tab."""
    state = "gepubliceerd" if published_at is not None else "nog niet gepubliceerd"
    return (f"{meeting_name(kind)} {nl_moment(starts_at)}: {items} van "
            f"{_count(capacity, 'plaats', 'plaatsen')}, "
            f"{state} (termijn {nl_moment(cutoff_at)})")


# --- My cases (/regie casussen) --------------------------------------------------------------

USAGE_CASUSSEN = "/regie casussen"
SUMMARY_CASUSSEN = "mijn casussen: fase, laatste UVO en evaluatie, eerstvolgende termijn"
MY_CASES_TITLE = "Mijn casussen"
LAST_UVO = "Laatste UVO"
LAST_EVALUATION = "Laatste evaluatie"
NEXT_DEADLINE = "Eerstvolgende termijn"
PHASE = "Fase"
RISK_GROUP = "Risicogroep"
NOT_RECORDED = "nog niet"
NO_DEADLINE = "geen open termijn"
NO_OWN_CASES = (
    "Je hebt op dit moment geen open casussen. Het secretariaat legt vast welke casussen "
    "het Regieoverleg aan je toewijst.")
LOG_CONTACT_BUTTON = "Contact loggen"
LOG_UVO_BUTTON = "UVO loggen"


def more_cases(count: int) -> str:
    """Say that some cases were left out of a list."""
    return (f"… en nog {_count(count, 'casus', 'casussen')}; `/regie casussen` toont ze "
            "allemaal.")


# --- The case register (/regie opname, brief, overdracht) ------------------------------------

USAGE_OPNAME = "/regie opname <casus> @regisseur <groep> [datum] [toewijzing]"
USAGE_BRIEF = "/regie brief <casus> [datum] [aan betrokkene|ouders|voogd|pi]"
USAGE_OVERDRACHT = "/regie overdracht <casus> @regisseur"
SUMMARY_OPNAME = "opnamebesluit van het Regieoverleg vastleggen"
SUMMARY_BRIEF = "verzonden notificatiebrief vastleggen (aan betrokkene/ouders/voogd/pi)"
SUMMARY_OVERDRACHT = "casus overdragen aan een andere regisseur"
MISSING_INTAKE_PARTS = "de casus, de regisseur of de risicogroep"
MISSING_HANDOVER_PARTS = "de casus of de nieuwe regisseur"
LETTER_RECIPIENT_LABELS = {
    "betrokkene": "betrokkene",
    "ouders": "ouders",
    "voogd": "(gezins)voogd",
    "pi": "PI/JJI",
}
SECRETARIAT_ONLY = "Alleen het secretariaat kan het casusregister bijwerken."


def intake_recorded(code: str, regisseur: str, group: int, decided: str, assigned: str) -> str:
    """Confirm an intake decision to the secretariat."""
    return (f"Opname vastgelegd: `{code}`, risicogroep {group}, "
            f"regisseur {escape_mrkdwn(regisseur)}, "
            f"besluit {decided}, basisdossier toegewezen {assigned}. De regisseur krijgt een "
            "privébericht.")


def intake_notice(code: str, group: int, decided: str, itat_hint: str) -> str:
    """Tell the regisseur a case was assigned to them."""
    return (f"Het Regieoverleg heeft je op {decided} regisseur gemaakt van casus `{code}` "
            f"(risicogroep {group}). Organiseer eerst een UVO met je interventiepartners. "
            f"{itat_hint}Gebruik `/regie contact {code}` om contacten te loggen.")


def itat_target_hint(shown_date: str) -> str:
    """Say which ITAT-R meeting the concept plan is due at."""
    return f"Het concept plan van aanpak gaat naar het ITAT-R van {shown_date}. "


def case_exists(code: str) -> str:
    """Refuse a second intake of an existing case code."""
    return (f"Casus `{code}` bestaat al. Gebruik `/regie overdracht {code} @regisseur` om "
            "de regisseur te wijzigen; er is niets opgeslagen.")


def case_code_purged(code: str) -> str:
    """Refuse reusing the code of a purged case."""
    return (f"Casuscode `{code}` is eerder gebruikt voor een inmiddels verwijderde casus. "
            "Kies een nieuwe code; er is niets opgeslagen.")


def assigned_before_intake(assigned: str, decided: str) -> str:
    """Refuse an assignment date before the intake decision."""
    return (f"De toewijzingsdatum {assigned} ligt vóór het opnamebesluit ({decided}). "
            "Laat hem weg (dan is het de besluitdatum) of controleer de datum.")


def not_a_regisseur(who: str) -> str:
    """Refuse assigning a case to someone who is not an active regisseur."""
    return (f"{escape_mrkdwn(who)} is niet aangemeld als actieve regisseur bij Regiebot. Vraag de "
            "functioneel beheerder de rol regisseur toe te kennen; er is niets opgeslagen.")


def ambiguous_person(name: str, people: Sequence[tuple[str, str]]) -> str:
    """Ask which of several people (name, organisation) with the same name was meant."""
    options = ", ".join(escape_mrkdwn(f"{who} ({organisation})") for who, organisation in people)
    return (f"Meerdere regisseurs passen bij `@{escape_mrkdwn(name)}`: {options}. Kies de "
            "persoon uit de lijst die Slack toont als je @ typt.")


def letter_recorded(code: str, shown_date: str, recipients: str) -> str:
    """Confirm a notification letter."""
    return f"Notificatiebrief voor `{code}` vastgelegd: verzonden {shown_date} aan {recipients}."


def letter_late_note(days: int) -> str:
    """Note that the letter went out after the three-week term."""
    return (f"Let op: de brief ging {_count(days, 'dag', 'dagen')} na het opnamebesluit uit; "
            "de afspraak is "
            "binnen drie weken (21 dagen).")


def handed_over(code: str, old: str, new: str) -> str:
    """Confirm a hand-over to the secretariat."""
    return (f"Casus `{code}` is overgedragen van {escape_mrkdwn(old)} aan "
            f"{escape_mrkdwn(new)}. Beiden krijgen een privébericht.")


def handover_notice_new(code: str, old: str) -> str:
    """Tell the new regisseur a case was handed to them."""
    return (f"Casus `{code}` is aan jou overgedragen (vorige regisseur: {escape_mrkdwn(old)}). "
            f"Je ziet nu het volledige logboek met `/regie logboek {code}`.")


def handover_notice_old(code: str, new: str) -> str:
    """Tell the old regisseur they lost a case."""
    return (f"Casus `{code}` is overgedragen aan {escape_mrkdwn(new)}. Je hebt geen toegang "
            "meer tot deze casus; draag lopende afspraken over aan je opvolger.")


def handover_channel_notice(code: str, old: str, new: str) -> str:
    """Tell the secretariat channel about a hand-over (code and names only)."""
    return f"Overdracht: casus {code} van {escape_mrkdwn(old)} naar {escape_mrkdwn(new)}."


SAME_REGISSEUR = "Deze regisseur heeft de casus al; er is niets gewijzigd."
CASE_CLOSED_FOR_HANDOVER = "Deze casus is afgesloten en kan niet meer worden overgedragen."


# --- The logbook (/regie contact, uvo, evaluatie, logboek, correctie) and its form -----------

USAGE_CONTACT = "/regie contact <casus> [datum] [soort] <tekst>"
USAGE_UVO = "/regie uvo <casus> [datum] <afspraken>"
USAGE_EVALUATIE = "/regie evaluatie <casus> [datum] <tekst>"
USAGE_LOGBOEK = "/regie logboek <casus> [pagina]"
USAGE_CORRECTIE = "/regie correctie <casus> <nummer> [datum] [soort] [tekst]"
SUMMARY_CONTACT = "contact loggen (zonder tekst opent een formulier)"
SUMMARY_UVO = "UVO en afspraken loggen; start de UVO-termijn opnieuw"
SUMMARY_EVALUATIE = "evaluatie loggen; start de evaluatietermijn opnieuw"
SUMMARY_LOGBOEK = "logboek van een casus lezen, nieuwste eerst"
SUMMARY_CORRECTIE = ("een logboekregel corrigeren: datum, soort contact of tekst (de oude "
                     "regel blijft zichtbaar)")
ENTRY_KIND_LABELS = {
    "contact": "Contact",
    "uvo": "UVO",
    "evaluatie": "Evaluatie",
    "veiligheid": "Veiligheidsmelding",
    "plan": "Plan van aanpak",
}
CONTACT_KIND_LABELS = {
    "gesprek": "gesprek met betrokkene",
    "telefonisch": "telefonisch contact",
    "huisbezoek": "huisbezoek",
    "partner": "partneroverleg",
    "netwerk": "familie of omgeving",
    "overig": "overig",
}


def contact_kind_list() -> str:
    """List the contact kinds as they are typed."""
    return ", ".join(f"`{kind}`" for kind in CONTACT_KIND_LABELS)


def correction_kind_not_contact(code: str, number: int, kind_label: str) -> str:
    """Refuse a contact kind in the correction of an entry that is no contact."""
    return (f"Regel #{number} van `{code}` is een {kind_label.lower()}, geen contact: alleen "
            "een contact heeft een soort. Schrijf de verbeterde tekst zonder soort; er is "
            "niets opgeslagen.")


def near_kind(word: str, kind: str, kinds: str) -> str:
    """Point out a mistyped contact kind."""
    return (f"`{word}` is geen soort contact. Bedoel je `{kind}`? Soorten: {kinds}. "
            "Begint je tekst echt met dit woord, zet dan eerst de soort, zoals "
            f"`overig {word} …`; er is niets opgeslagen.")


def entry_saved(kind_label: str, code: str, number: int, shown_date: str) -> str:
    """Confirm a stored logbook entry."""
    return (f"{kind_label} vastgelegd in het logboek van `{code}` als regel #{number} "
            f"({shown_date}).")


def uvo_saved_note(next_due: str) -> str:
    """Tell when the next UVO is due after logging one."""
    return f"De volgende UVO is uiterlijk {next_due}."


def evaluation_saved_note(next_due: str) -> str:
    """Tell when the next evaluation is due after logging one."""
    return f"De volgende evaluatie is uiterlijk {next_due}."


def correction_saved(code: str, number: int, corrected: int) -> str:
    """Confirm a correction entry."""
    return (f"Correctie vastgelegd in het logboek van `{code}` als regel #{number}; "
            f"regel #{corrected} blijft zichtbaar en is gemarkeerd als gecorrigeerd.")


def unknown_entry_number(code: str, number: str, last: int) -> str:
    """Refuse a correction of an entry number that does not exist."""
    if last == 0:
        return f"Het logboek van `{code}` is nog leeg; er valt niets te corrigeren."
    return (f"Regel `{number}` bestaat niet in het logboek van `{code}`. Gebruik een "
            f"nummer van 1 tot en met {last}, zoals `/regie logboek {code}` ze toont.")


def already_corrected(code: str, number: int, later: int) -> str:
    """Refuse correcting an entry that a later entry already corrected."""
    return (f"Regel #{number} is al gecorrigeerd door regel #{later}. "
            f"Corrigeer die regel: `/regie correctie {code} {later} …`.")


MISSING_ENTRY_NUMBER = "het regelnummer"
MISSING_CORRECTED_TEXT = "de verbeterde tekst"
HOME_VISIT_CHECKLIST_TITLE = "Veiligheid bij een huisbezoek (protocol veiligheidsrisico's)"
HOME_VISIT_CHECKLIST = (
    "• Schat vooraf het risico in. Twijfel je, ga dan niet alleen: neem een politieagent "
    "of collega mee.\n"
    "• Overweeg af te spreken op het stadhuis of een stadsdeelkantoor in plaats van thuis.\n"
    "• Laat een collega weten waar je bent en wanneer je terug bent; spreek af dat je je "
    "afmeldt.\n"
    "• Zorg voor een opgeladen telefoon, ken de uitgang en zit het dichtst bij de deur.\n"
    "• Voel je je onveilig, breek het bezoek dan af.\n"
    "• Was er dreiging of agressie? Meld het direct met "
    "`/regie veiligheid &lt;casus&gt; &lt;tekst&gt;`."
)
LOGBOOK_TITLE = "Logboek {code}"
LOGBOOK_EMPTY = "Het logboek van deze casus is nog leeg."
LOGBOOK_OLDER = "Oudere regels"
LOGBOOK_NEWER = "Nieuwere regels"
LOGBOOK_CORRECTED = "gecorrigeerd door"
LOGBOOK_CORRECTS = "correctie van"


def logbook_page(page: int, pages: int, total: int) -> str:
    """Describe which page of the logbook is shown."""
    return f"Pagina {page} van {pages} · {_count(total, 'regel', 'regels')} · nieuwste eerst"


def bad_page(text: str, pages: int) -> str:
    """Refuse a page number that does not exist."""
    shown = _count(pages, "pagina", "pagina's")
    return f"Pagina `{text}` bestaat niet; het logboek heeft {shown}."


MODAL_TITLES = {"contact": "Contact loggen", "uvo": "UVO loggen", "evaluatie": "Evaluatie loggen"}
MODAL_CASE = "Casus"
MODAL_CASE_PLACEHOLDER = "Kies of zoek een casus (bv. 42)"
MODAL_DATE = "Datum"
MODAL_KIND = "Soort contact"
MODAL_PARTICIPANTS = "Deelnemers en organisaties"
MODAL_PARTICIPANTS_HINT = "Bijvoorbeeld: politie, Reclassering, GGD, leerplicht"
MODAL_TEXT = {"contact": "Wat is er besproken of gebeurd?", "uvo": "Gemaakte afspraken",
              "evaluatie": "Evaluatie van het plan van aanpak en de interventies"}
MODAL_TEXT_HINT = "Noem geen namen van betrokkenen; hoogstens {limit} tekens."
MODAL_SUBMIT = "Opslaan"
MODAL_CANCEL = "Annuleren"
MODAL_SAVED_TITLE = "Vastgelegd"
MODAL_CLOSE = "Sluiten"
MODAL_CASE_REQUIRED = "Kies een van je casussen."
MODAL_KIND_REQUIRED = "Kies een soort contact uit de lijst."
MODAL_BAD_FORM = (
    "Het formulier is niet volledig ontvangen. Sluit het en open het opnieuw; er is niets "
    "opgeslagen.")
MODAL_OPEN_FAILED = (
    "Het formulier kon niet worden geopend (Slack gaf te laat antwoord). Probeer het opnieuw, "
    "of schrijf de tekst direct achter het commando.")
MODAL_REFUSED_TITLE = "Niet mogelijk"


# --- Safety reports (/regie veiligheid) ------------------------------------------------------

USAGE_VEILIGHEID = "/regie veiligheid <casus> <tekst>"
SUMMARY_VEILIGHEID = "veiligheidsmelding: het programmateam krijgt direct een privébericht"
MISSING_SAFETY_TEXT = "de beschrijving van wat er gebeurde"


def safety_saved(code: str, recipients: int, sent: int) -> str:
    """Confirm a safety report to the regisseur, truthfully about the alerts' delivery."""
    if recipients == 0:
        return (f"Je veiligheidsmelding over `{code}` is vastgelegd, maar er is geen "
                "programmateamlid aangemeld om te waarschuwen. Bel je leidinggevende of, bij "
                "direct gevaar, 112.")
    if sent < recipients:
        return (f"Je veiligheidsmelding over `{code}` is vastgelegd. Slack is nu niet goed "
                f"bereikbaar: het programmateam ({recipients}) krijgt de melding zodra dat "
                "weer kan. Bel bij haast je leidinggevende; bij direct gevaar: bel 112.")
    return (f"Je veiligheidsmelding over `{code}` is vastgelegd en direct privé doorgestuurd "
            f"naar het programmateam ({recipients}). Bij direct gevaar: bel 112.")


def safety_alert_intro(code: str, regisseur: str, organisation: str, shown_date: str) -> str:
    """Introduce a safety alert to the programme team."""
    return (f":rotating_light: *Veiligheidsmelding* over casus `{code}` van regisseur "
            f"{escape_mrkdwn(regisseur)} ({escape_mrkdwn(organisation)}), {shown_date}. "
            "Neem contact op met de regisseur.")


def safety_alert_text(code: str, regisseur: str) -> str:
    """The notification text of a safety alert (no case content: it shows in previews)."""
    return f"Veiligheidsmelding over {code} van {escape_mrkdwn(regisseur)}"


# --- Agendering (/regie gereed, intrekken, agenda, verplaats) --------------------------------

AGENDA_USAGE_GEREED = (
    "/regie gereed R-0042 itat|regie [concept|definitief|herinbreng|afbouw|afsluit]")
AGENDA_USAGE_INTREKKEN = "/regie intrekken R-0042 itat|regie [reden]"
AGENDA_USAGE_AGENDA = "/regie agenda [itat|regie] [datum]"
AGENDA_USAGE_VERPLAATS = "/regie verplaats R-0042 itat|regie <datum> [positie]"
AGENDA_SUMMARY_GEREED = "plan gereed voor agendering; zegt op welke vergadering het komt"
AGENDA_SUMMARY_INTREKKEN = (
    "agendapunt intrekken (stuurt een annulering als er al een uitnodiging was); het "
    "secretariaat geeft een reden, die de regisseur privé krijgt")
AGENDA_SUMMARY_AGENDA = ("zonder vergadering: de komende vergaderingen van beide reeksen; met "
                         "`itat` of `regie`: de agenda van een vergadering")
AGENDA_SUMMARY_VERPLAATS = "agendapunt naar een ander tijdslot of een andere vergadering"


def _agenda_shown(word: str, limit: int = 30) -> str:
    """Return a word the user typed, escaped for mrkdwn and short, to quote back."""
    word = word if len(word) <= limit else word[:limit] + "…"
    return (word.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("`", "'"))


def agenda_unknown_meeting_kind(word: str) -> str:
    """Explain the meeting kinds."""
    shown = _agenda_shown(word)
    return (f"`{shown}` is geen vergadering die ik ken. Kies `itat` (ITAT-R) of `regie` "
            "(Regieoverleg), bijvoorbeeld `/regie gereed R-0042 itat`.")


def agenda_unknown_item_kind(word: str) -> str:
    """Explain the agenda item kinds."""
    shown = _agenda_shown(word)
    return (f"`{shown}` is geen soort agendapunt. Kies uit `concept`, `definitief`, "
            "`herinbreng`, `afbouw` of `afsluit` (of laat het weg).")


def agenda_item_kind_not_for(item_kind: str, kind: str) -> str:
    """Explain that an item kind does not belong on this meeting."""
    if item_kind == "herinbreng":
        return ("Een herinbreng gaat naar het ITAT-R, niet naar het Regieoverleg. "
                "Schrijf: `/regie gereed R-0042 itat herinbreng`.")
    return ("Het definitieve plan gaat naar het Regieoverleg; het ITAT-R bespreekt het concept. "
            "Schrijf: `/regie gereed R-0042 regie definitief` of `/regie gereed R-0042 itat`.")


def agenda_no_meeting_on(kind: str, day: date, nearby: Sequence[date]) -> str:
    """Tell that there is no meeting on a date and name the nearby ones."""
    near = ", ".join(format_date(d) for d in nearby[:4])
    hint = f" Vergaderingen in die periode: {near}." if near else ""
    return f"Op {format_date(day)} is er geen {meeting_name(kind)}.{hint}"


def agenda_case_closed(code: str) -> str:
    """Tell that a closed case cannot go on an agenda or get another decision."""
    return f"Casus `{code}` is afgesloten; er kan niets meer voor worden geagendeerd of besloten."


def agenda_already_on(code: str, kind: str, held_on: date) -> str:
    """Tell that the case is already on a coming agenda."""
    return (f"Casus `{code}` staat al op de agenda van het {meeting_name(kind)} van "
            f"{nl_day(held_on)}. Er is niets veranderd. Wil je het punt eraf halen, gebruik dan "
            f"`/regie intrekken {code} {kind}`.")


def agenda_all_full(kind: str) -> str:
    """Tell that no meeting in the coming year has room."""
    return (f"Alle {meeting_name(kind)}-vergaderingen van het komende jaar zijn vol. Er is niets "
            "opgeslagen; neem contact op met het secretariaat.")


def agenda_ready_notice(code: str, regisseur: str, kind: str, held_on: date,
                        full: Sequence[date], *, published: bool) -> str:
    """Tell the secretariat that a case is ready (code, regisseur and meeting only)."""
    text = (f"Gereed voor agendering: {code} ({escape_mrkdwn(regisseur)}) voor het "
            f"{meeting_name(kind)} van {nl_day(held_on)}.")
    if full:
        text += " Vol en daarom overgeslagen: " + ", ".join(format_date(d) for d in full) + "."
    if published:
        text += (f" Deze agenda is al gepubliceerd: publiceer opnieuw (`/regie publiceer {kind} "
                 f"{format_date(held_on)}`) om de uitnodiging te versturen.")
    return text


def agenda_not_on(code: str, kind: str) -> str:
    """Tell that the case is not on a coming agenda of this kind."""
    return (f"Casus `{code}` staat niet op een komende agenda van het {meeting_name(kind)}. "
            f"Er is niets veranderd; `/regie agenda {kind}` toont waar je punten staan.")


def agenda_withdrawn_notice(code: str, regisseur: str, kind: str, held_on: date,
                            cancelled: bool, *, by: str | None = None) -> str:
    """Tell the secretariat that an item was withdrawn (by the regisseur, or by `by` of the
    secretariat); never the reason."""
    who = f" door {escape_mrkdwn(by)} (secretariaat)" if by else ""
    text = (f"Ingetrokken{who}: {code} ({escape_mrkdwn(regisseur)}) van het "
            f"{meeting_name(kind)} van {nl_day(held_on)}.")
    if cancelled:
        text += " De uitnodiging is geannuleerd."
    return text


def agenda_not_on_for_secretariat(code: str, kind: str) -> str:
    """Tell the secretariat that the case is not on a coming agenda of this kind."""
    return (f"Casus `{code}` staat niet op een komende agenda van het {meeting_name(kind)}; er "
            "is niets veranderd. `/regie agenda` toont de komende vergaderingen en "
            f"`/regie agenda {kind}` de punten.")


def agenda_withdrawn_by_secretariat_dm(code: str, kind: str, held_on: date, reason: str,
                                       cancelled: bool) -> str:
    """Tell the regisseur the secretariat took their item off an agenda, and why (a DM)."""
    text = (f"Het secretariaat heeft `{code}` van de agenda van het {meeting_name(kind)} van "
            f"{nl_day(held_on)} gehaald.\n*Reden:* {escape_mrkdwn(reason)}")
    if cancelled:
        text += "\nJe krijgt een annulering voor je agenda."
    return (text + "\nMeld het plan opnieuw gereed met "
            f"`/regie gereed {code} {kind}` wanneer het weer op de agenda kan.")


def agenda_withdraw_secretariat_reply(code: str, kind: str, held_on: date,
                                      regisseur: str | None, cancelled: bool) -> str:
    """Confirm a withdrawal by the secretariat."""
    text = (f"`{code}` is van de agenda van het {meeting_name(kind)} van {nl_day(held_on)} "
            "gehaald.")
    if regisseur:
        text += (f" {escape_mrkdwn(regisseur)} krijgt een privébericht met je reden"
                 + (" en een annulering voor de agenda." if cancelled else "."))
    else:
        text += " De casus heeft geen actieve regisseur om te berichten."
    return text


AGENDA_WITHDRAW_REASON_MISSING = (
    "Geef een reden op; de regisseur krijgt die in een privébericht (nooit in een kanaal). "
    "Zo schrijf je het: `/regie intrekken R-0042 itat Plan is nog niet besproken in het UVO`. "
    "Er is niets veranderd.")
AGENDA_WITHDRAW_NO_REASON = (
    "Als regisseur trek je je eigen punt in zonder reden: `/regie intrekken R-0042 itat`. Er is "
    "niets veranderd.")
REASON_FIELD = "reden"


def agenda_meeting_past(kind: str, held_on: date) -> str:
    """Tell that a meeting has already started or been held."""
    return (f"Het {meeting_name(kind)} van {nl_day(held_on)} is al begonnen of geweest; "
            "daar verandert niets meer aan. Kies een latere vergadering.")


def agenda_bad_position(position: int, capacity: int) -> str:
    """Explain the slot positions."""
    return (f"Positie {position} bestaat niet: kies 1 tot en met {capacity}, bijvoorbeeld "
            f"`{escape_mrkdwn(AGENDA_USAGE_VERPLAATS.replace('[positie]', '2'))}`.")


def agenda_meeting_full(kind: str, held_on: date, capacity: int) -> str:
    """Tell that the meeting is full."""
    return (f"Het {meeting_name(kind)} van {nl_day(held_on)} is vol "
            f"({_count(capacity, 'punt', 'punten')}). "
            "Er is niets verplaatst; kies een andere vergadering of haal eerst een punt weg.")


def agenda_moved_dm(code: str, kind: str, starts_at: datetime, published: bool) -> str:
    """Tell the regisseur the secretariat moved their item."""
    text = (f"Het secretariaat heeft `{code}` verplaatst naar het {meeting_name(kind)} van "
            f"{nl_moment(starts_at)}.")
    if published:
        text += (" Je krijgt een bijgewerkte agenda-uitnodiging zodra de agenda opnieuw is "
                 "gepubliceerd.")
    else:
        text += " Je krijgt de agenda-uitnodiging wanneer de agenda wordt gepubliceerd."
    return text


def agenda_secretariat_only() -> str:
    """Tell that only the secretariat may do this."""
    return ("Alleen het secretariaat kan agenda's publiceren, punten verplaatsen en besluiten "
            "vastleggen.")


def agenda_unknown_case(code: str) -> str:
    """Tell the secretariat that a case code is unknown, and where to find the codes."""
    return case_not_found_secretariat(code)


AGENDA_EMPTY = "_Nog geen punten._"
AGENDA_OWN_ONLY = "Je ziet alleen je eigen punten; het secretariaat ziet de hele agenda."


def agenda_title(kind: str) -> str:
    """Return the header of an agenda."""
    return f"Agenda {meeting_name(kind)}"


AGENDA_OVERVIEW_TITLE = "Komende vergaderingen"
AGENDA_OVERVIEW_NONE_OWN = (
    "Je hebt geen punten op een komende agenda van het ITAT-R of het Regieoverleg. Meld een "
    "plan gereed met `/regie gereed R-0042 itat`.")
AGENDA_OVERVIEW_HINT = ("`/regie agenda itat` of `/regie agenda regie 25-11` toont de punten van "
                        "een vergadering.")


def agenda_overview_meeting(kind: str, starts_at: datetime, cutoff_at: datetime,
                            items: int | None, capacity: int,
                            published_at: datetime | None) -> str:
    """Return one coming meeting of the overview (how full it is, for the secretariat)."""
    line = f"*{meeting_name(kind)} {nl_moment(starts_at)}*"
    if items is None:
        return line
    state = "gepubliceerd" if published_at is not None else "nog niet gepubliceerd"
    return (f"{line} — {items} van {_count(capacity, 'plaats', 'plaatsen')} bezet · {state} · "
            f"termijn {short_day(cutoff_at.astimezone(_AMSTERDAM).date())} "
            f"{nl_time(cutoff_at)}")


def agenda_none_own(kind: str) -> str:
    """Tell a regisseur they have nothing on coming agendas."""
    return (f"Je hebt geen punten op een komende agenda van het {meeting_name(kind)}. "
            f"Meld een plan gereed met `/regie gereed R-0042 {kind}`.")


def agenda_meeting_heading(kind: str, starts_at: datetime) -> str:
    """Return the heading of one meeting."""
    return f"*{meeting_name(kind)} {nl_moment(starts_at)}*"


def agenda_status(published_at: datetime | None, total: int, capacity: int) -> str:
    """Return the publication state and how full the meeting is."""
    state = (f"gepubliceerd op {nl_moment(published_at)}" if published_at is not None
             else "nog niet gepubliceerd")
    return f"_{state} · {total} van {_count(capacity, 'plaats', 'plaatsen')} bezet_"


def agenda_line(starts_at: datetime, ends_at: datetime, code: str, regisseur: str,
                item_kind: str, *, show_regisseur: bool) -> str:
    """Return one agenda line."""
    who = f" — {escape_mrkdwn(regisseur)}" if show_regisseur else ""
    return (f"`{nl_time(starts_at)}–{nl_time(ends_at)}`  {code}{who} "
            f"({item_kind_label(item_kind)})")


def agenda_ready_reply(code: str, kind: str, item_kind: str, starts_at: datetime,
                       ends_at: datetime, position: int) -> str:
    """Tell the regisseur which meeting their plan is on."""
    head = (f"*`{code}` staat op de agenda van het {meeting_name(kind)} van "
            f"{nl_day(starts_at.astimezone(_AMSTERDAM).date())}* "
            f"({item_kind_label(item_kind)}).\nVoorlopig tijdslot: "
            f"{nl_time(starts_at)}–{nl_time(ends_at)} (plaats {position + 1}).")
    if kind == "regie":
        return (head + " Je bent niet aanwezig bij het Regieoverleg; je krijgt een uitnodiging "
                "ter informatie zodra het secretariaat de agenda publiceert.")
    return head + " Je krijgt de uitnodiging zodra het secretariaat de agenda publiceert."


def agenda_ready_why(kind: str, cutoff_at: datetime,
                     too_late: tuple[date, datetime] | None, full: Sequence[date]) -> str:
    """Explain why the plan landed on this meeting."""
    text = (f"Waarom deze vergadering: een plan moet 7 dagen vóór de vergadering gereed zijn; "
            f"voor deze vergadering kan dat tot {nl_moment(cutoff_at)}.")
    if too_late is not None:
        held_on, passed_at = too_late
        text += (f" Het {meeting_name(kind)} van {nl_day(held_on)} is te kort dag: die termijn "
                 f"verstreek op {nl_moment(passed_at)}.")
    if full:
        text += (" Vol, daarom overgeslagen: " + ", ".join(nl_day(d) for d in full)
                 + ". Het secretariaat is op de hoogte.")
    return text


def agenda_warning_no_uvo(code: str) -> str:
    """Warn that no UVO is logged before ITAT-R."""
    return (f":warning: Let op: voor `{code}` is nog geen UVO gelogd. Het eerste UVO hoort vóór "
            f"de presentatie in het ITAT-R plaats te vinden; log het met `/regie uvo {code} …`. "
            "Je punt staat wel op de agenda.")


def agenda_withdraw_reply(code: str, kind: str, held_on: date, cancelled: bool) -> str:
    """Confirm a withdrawal."""
    text = (f"`{code}` is van de agenda van het {meeting_name(kind)} van {nl_day(held_on)} "
            "gehaald. Het secretariaat is op de hoogte.")
    if cancelled:
        text += " Je krijgt een annulering voor je agenda in je berichten."
    return text


def agenda_move_reply(code: str, kind: str, starts_at: datetime, ends_at: datetime,
                      position: int, shifted: int, published: bool) -> str:
    """Confirm a move by the secretariat."""
    text = (f"`{code}` staat nu op het {meeting_name(kind)} van {nl_moment(starts_at)}–"
            f"{nl_time(ends_at)} (plaats {position + 1}).")
    if shifted:
        text += (" 1 ander punt schoof een plaats op." if shifted == 1
                 else f" {shifted} andere punten schoven een plaats op.")
    if published:
        text += (f" Deze agenda was al gepubliceerd: `/regie publiceer {kind} "
                 f"{format_date(starts_at.astimezone(_AMSTERDAM).date())}` stuurt de wijzigingen "
                 "naar de betrokken regisseurs.")
    return text


# --- Publishing an agenda and the invitations (/regie publiceer, reeks) ----------------------

AGENDA_USAGE_PUBLICEER = "/regie publiceer itat|regie [datum]"
AGENDA_USAGE_REEKS = "/regie reeks itat|regie"
AGENDA_SUMMARY_PUBLICEER = "agenda aankondigen en uitnodigingen versturen"
AGENDA_SUMMARY_REEKS = "de vergaderreeks als agendabestand (.ics) in je berichten"


def agenda_nothing_to_publish(kind: str, held_on: date) -> str:
    """Tell that the agenda is empty."""
    return (f"Op de agenda van het {meeting_name(kind)} van {nl_day(held_on)} staat nog niets; "
            "er is niets gepubliceerd.")


def agenda_already_published(kind: str, held_on: date, published_at: datetime) -> str:
    """Tell that publishing again would change nothing."""
    return (f"De agenda van het {meeting_name(kind)} van {nl_day(held_on)} is al gepubliceerd "
            f"({nl_moment(published_at)}) en er is sindsdien niets veranderd. Er is niets "
            "opnieuw verstuurd.")


def agenda_channel_post(kind: str, held_on: date, lines: Sequence[tuple[datetime, str, str]],
                        revision: int) -> str:
    """Return the channel announcement: times, case codes and regisseurs, nothing else."""
    title = f"*Agenda {meeting_name(kind)} {nl_day(held_on)}*"
    if revision > 1:
        title += " (bijgewerkt)"
    if not lines:
        return title + "\nEr staan geen punten meer op de agenda."
    body = "\n".join(f"{nl_time(start)}  {code}  {escape_mrkdwn(regisseur)}"
                     for start, code, regisseur in lines)
    return f"{title}\n{body}"


def invite_summary(kind: str, code: str) -> str:
    """Return the calendar title: meeting and case code only."""
    return f"{meeting_name(kind)}: {code}"


def invite_description(kind: str, code: str) -> str:
    """Return the calendar description: no case content beyond the code."""
    if kind == "regie":
        return (f"Het Regieoverleg bespreekt {code}. Je bent niet aanwezig; deze uitnodiging "
                "is ter informatie.")
    return f"Bespreking van {code} in het ITAT-R. Je schuift aan voor dit tijdslot."


def invite_dm(kind: str, code: str, starts_at: datetime, ends_at: datetime, location: str,
              *, updated: bool) -> str:
    """Tell the regisseur their slot (with the invite file after it)."""
    head = "Gewijzigd tijdslot" if updated else "Je tijdslot"
    when = f"{nl_moment(starts_at)}–{nl_time(ends_at)}"
    if kind == "regie":
        return (f"*{head}: Regieoverleg, `{code}`*\n{when}, {location}.\n"
                "Je bent niet aanwezig bij het Regieoverleg; de uitnodiging is ter informatie.")
    return f"*{head}: ITAT-R, `{code}`*\n{when}, {location}."


def invite_cancel_dm(kind: str, code: str, starts_at: datetime) -> str:
    """Tell the regisseur their slot was cancelled."""
    return (f"*Geannuleerd: {meeting_name(kind)}, `{code}`*\nHet tijdslot van "
            f"{nl_moment(starts_at)} vervalt. Het bijgevoegde bestand haalt het uit je agenda.")


def invite_file_comment(method: str) -> str:
    """Return the comment with the .ics upload."""
    if method == "CANCEL":
        return "Annulering voor je agenda (.ics)."
    return "Uitnodiging voor je agenda (.ics): open het bestand om het tijdslot toe te voegen."


def invite_mail_subject(kind: str, code: str, starts_at: datetime, method: str) -> str:
    """Return the e-mail subject of an invite, update or cancellation."""
    prefix = "Geannuleerd: " if method == "CANCEL" else ""
    return f"{prefix}{meeting_name(kind)} {code} – {nl_moment(starts_at)}"


def agenda_publish_reminder(kind: str, held_on: date, count: int) -> str:
    """Remind the secretariat at the cut-off to publish the agenda."""
    return (f"De termijn voor het {meeting_name(kind)} van {nl_day(held_on)} is verstreken. "
            f"Er {'staat' if count == 1 else 'staan'} {_count(count, 'punt', 'punten')} op de "
            "agenda. Publiceer de agenda met "
            f"`/regie publiceer {kind} {format_date(held_on)}` (bekijk hem eerst met "
            f"`/regie agenda {kind} {format_date(held_on)}`).")


def agenda_publish_reply(kind: str, held_on: date, revision: int, items: int, new: int,
                         updated: int, cancelled: int, emails: int, *, channel: str | None,
                         secretaries: int) -> str:
    """Confirm a publication, saying where the announcement went."""
    verb = "opnieuw gepubliceerd" if revision > 1 else "gepubliceerd"
    parts = [_count(new, "nieuwe uitnodiging", "nieuwe uitnodigingen"),
             _count(updated, "wijziging", "wijzigingen"),
             _count(cancelled, "annulering", "annuleringen")]
    if channel:
        where = "in het secretariaatskanaal"
    elif secretaries:
        where = ("als privébericht aan " + _count(secretaries, "secretariaatslid",
                                                   "secretariaatsleden")
                 + " (er is geen secretariaatskanaal ingesteld)")
    else:
        where = ("nergens aangekondigd: er is geen secretariaatskanaal ingesteld en geen "
                 "secretariaatslid aangemeld")
    text = (f"De agenda van het {meeting_name(kind)} van {nl_day(held_on)} is {verb} "
            f"({_count(items, 'punt', 'punten')}), {where}. Verstuurd aan de regisseurs: "
            f"{', '.join(parts)}.")
    if emails:
        text += f" Daarvan {'gaat er 1' if emails == 1 else f'gaan er {emails}'} ook per e-mail."
    return text


def series_file_comment(kind: str) -> str:
    """Return the comment with the series calendar."""
    return (f"De vergaderreeks van het {meeting_name(kind)} voor de komende twee jaar, met de "
            "feestdagen eruit gelaten of verschoven. Importeer het bestand in je agenda.")


def series_reply(kind: str, filename: str) -> str:
    """Confirm the series calendar is on its way."""
    return (f"De vergaderreeks van het {meeting_name(kind)} komt als `{filename}` in je "
            "berichten met Regiebot.")


def publish_unusable_addresses(names: Sequence[str]) -> str:
    """Name the regisseurs whose e-mail address could not be used for their invitation."""
    who = ", ".join(escape_mrkdwn(name) for name in names)
    return (f"Geen e-mail verstuurd aan {who}: het e-mailadres is leeg, ongeldig of bevat een "
            "regeleinde. De uitnodiging staat wel in hun privébericht in Slack. Laat het adres "
            "verbeteren met `regiebot users set <slack-id> --email …` (of in hun "
            "Slack-profiel) en publiceer daarna opnieuw.")


# --- Regieoverleg decisions (/regie besluit) -------------------------------------------------

AGENDA_USAGE_BESLUIT = ("/regie besluit R-0042 vastgesteld|aangehouden|afgesloten [datum]"
                        " · /regie besluit R-0042 herstel")
AGENDA_SUMMARY_BESLUIT = "besluit van het Regieoverleg vastleggen"
_OUTCOME_LABELS = {"vastgesteld": "vastgesteld", "aangehouden": "aangehouden",
                   "afgesloten": "afgesloten"}


def decision_unknown_outcome(word: str) -> str:
    """Explain the decision outcomes."""
    shown = _agenda_shown(word)
    return (f"`{shown}` is geen besluit dat ik ken. Kies `vastgesteld`, `aangehouden` of "
            "`afgesloten`, bijvoorbeeld `/regie besluit R-0042 vastgesteld`; een besluit dat "
            "per vergissing is vastgelegd herstel je met `/regie besluit R-0042 herstel`.")


def decision_dm(code: str, outcome: str, decided_on: date,
                carried_to: date | None = None) -> str:
    """Tell the regisseur the Regieoverleg outcome (code and outcome only)."""
    label = _OUTCOME_LABELS.get(outcome, outcome)
    text = f"Het Regieoverleg heeft op {nl_day(decided_on)} over `{code}` besloten: *{label}*."
    if outcome == "aangehouden":
        if carried_to is not None:
            text += f" Het punt staat nu op het Regieoverleg van {nl_day(carried_to)}."
        text += " Het secretariaat neemt contact met je op over wat er nodig is."
    elif outcome == "afgesloten":
        text += " De casus is afgesloten; herinneringen voor deze casus stoppen."
    return text


def decision_reply(code: str, outcome: str, decided_on: date, phase: str,
                   withdrawn: int) -> str:
    """Confirm a recorded decision."""
    text = (f"Besluit vastgelegd: `{code}` is op {nl_day(decided_on)} "
            f"*{_OUTCOME_LABELS.get(outcome, outcome)}*. Fase nu: {phase}. De regisseur krijgt "
            "een bericht.")
    if withdrawn:
        text += (" 1 komend agendapunt is ingetrokken." if withdrawn == 1
                 else f" {withdrawn} komende agendapunten zijn ingetrokken.")
    return text


# --- Reminders: the daily digest and its buttons ---------------------------------------------

DEADLINE_LABELS = {
    "uvo": "UVO (uitvoerdersoverleg)",
    "evaluatie": "Evaluatie plan van aanpak",
    "itat_cutoff": "Concept plan gereed voor ITAT-R",
    "regie_cutoff": "Definitief plan gereed voor Regieoverleg",
    "brief": "Notificatiebrief versturen",
    "geen_regisseur": "Geen actieve regisseur",
    "ontbrekend": "Termijn niet te berekenen",
}
DEADLINE_SHORT = {
    "uvo": "UVO", "evaluatie": "evaluatie", "itat_cutoff": "ITAT-R",
    "regie_cutoff": "Regieoverleg", "brief": "brief", "geen_regisseur": "regisseur",
}
# What is missing when a deadline cannot be computed (signal kind "ontbrekend:<kind>").
MISSING_DEADLINE = {
    "uvo": "volgende UVO niet te berekenen: er is nog geen UVO vastgelegd",
    "evaluatie": ("volgende evaluatie niet te berekenen: datum vaststelling plan en laatste "
                  "evaluatie ontbreken"),
    "itat_cutoff": "ITAT-R-termijn niet te berekenen: datum toewijzing basisdossier ontbreekt",
    "brief": "termijn notificatiebrief niet te berekenen: datum opnamebesluit ontbreekt",
}


def deadline_label(kind: str) -> str:
    """Return the Dutch label of a deadline or signal kind."""
    base = kind.split(":", 1)[0]
    return DEADLINE_LABELS.get(base, base)


def due_phrase(due_on: date, day: date) -> str:
    """Say when a deadline falls, relative to `day`."""
    delta = (due_on - day).days
    if delta < 0:
        late = -delta
        return f"*{late} {'dag' if late == 1 else 'dagen'} te laat* (was {short_day(due_on)})"
    if delta == 0:
        return "vervalt *vandaag*"
    if delta == 1:
        return f"vervalt *morgen* ({short_day(due_on)})"
    return f"vervalt {short_day(due_on)} (over {delta} dagen)"


def meeting_phrase(kind: str, meeting_on: date) -> str:
    """Name the meeting a deadline is for."""
    name = "Regieoverleg" if kind == "regie_cutoff" else "ITAT-R"
    return f"voor het {name} van {short_day(meeting_on)}"


def missing_line(kind: str) -> str:
    """Describe a deadline that cannot be computed."""
    return MISSING_DEADLINE.get(kind, f"termijn {kind} niet te berekenen")


NO_REGISSEUR_LINE = "heeft geen actieve regisseur: herinneringen voor deze casus staan stil"


def digest_header(day: date) -> str:
    """Title of the daily digest."""
    return f"Termijnen op {nl_day(day)}"


def digest_fallback(count: int) -> str:
    """Notification text of the digest (no case details: it shows on lock screens)."""
    return (f"Regiebot: {count} {'termijn vraagt' if count == 1 else 'termijnen vragen'} "
            "je aandacht.")


DIGEST_FOOTER = (
    "*Log nu* opent het formulier of zegt welk commando je gebruikt; *Over 3 dagen* stelt de "
    "herinnering uit. Je krijgt hoogstens één overzicht per werkdag."
)


def digest_more(count: int, codes: str) -> str:
    """Summarise the cases that did not fit in one message."""
    return (f"En nog {count} {'casus' if count == 1 else 'casussen'} met termijnen: {codes}. "
            "Zie het App Home-tabblad van Regiebot.")


BUTTON_LOG_NOW = "Log nu"
BUTTON_SNOOZE = "Over 3 dagen"


def button_log(kind: str) -> str:
    """Text of the *log nu* button for a kind."""
    return f"{BUTTON_LOG_NOW}: {DEADLINE_SHORT.get(kind, kind)}"


def button_snooze(kind: str) -> str:
    """Text of the *over 3 dagen* button for a kind."""
    return f"{BUTTON_SNOOZE}: {DEADLINE_SHORT.get(kind.split(':', 1)[0], 'melding')}"


def reminder_hint(kind: str, code: str) -> str:
    """Say which command records what a reminder asks for."""
    if kind == "itat_cutoff":
        return (f"Meld het concept plan van `{code}` gereed voor het ITAT-R met "
                f"`/regie gereed {code} itat`.")
    if kind == "regie_cutoff":
        return (f"Meld het definitieve plan van `{code}` gereed voor het Regieoverleg met "
                f"`/regie gereed {code} regie definitief`.")
    if kind == "brief":
        return (f"Leg de verstuurde notificatiebrief van `{code}` vast met "
                f"`/regie brief {code} [datum] [aan ontvanger]`, bijvoorbeeld "
                f"`/regie brief {code} vandaag aan betrokkene`.")
    if kind == "geen_regisseur":
        return (f"Wijs `{code}` een actieve regisseur toe met "
                f"`/regie overdracht {code} @regisseur`.")
    if kind == "uvo":
        return (f"Leg de UVO van `{code}` vast met "
                f"`/regie uvo {code} [datum] &lt;afspraken&gt;`.")
    if kind == "evaluatie":
        return (f"Leg de evaluatie van `{code}` vast met "
                f"`/regie evaluatie {code} [datum] &lt;tekst&gt;`.")
    if kind.startswith("ontbrekend:"):
        return (f"Vraag de regisseur van `{code}` de ontbrekende datum vast te leggen, of leg "
                "het besluit vast met het bijbehorende `/regie`-commando.")
    return f"Zie `/regie help` voor het commando dat bij `{code}` hoort."


def reminder_snoozed(until: date) -> str:
    """Confirm a snooze."""
    return f"Uitgesteld: je ziet deze herinnering weer vanaf {short_day(until)}."


REMINDER_NOT_YOURS = "Deze herinnering is niet voor jou bestemd. Er is niets gewijzigd."
REMINDER_GONE = (
    "Deze herinnering is al afgehandeld of bestaat niet meer; er is niets gewijzigd. "
    "Je actuele termijnen staan in het App Home-tabblad."
)
REMINDER_BAD_BUTTON = (
    "Deze knop bevat ongeldige gegevens en is genegeerd. Gebruik de knoppen in je "
    "laatste overzicht of `/regie help`."
)


# --- The plan van aanpak (/regie plan, interventie, doel, partners) and its forms -------------

USAGE_PLAN = "/regie plan <casus> [pagina]"
USAGE_INTERVENTIE = "/regie interventie <casus> [<soort> <doel…>]"
USAGE_INTERVENTIE_STATUS = (
    "/regie interventie <casus> <nr> lopend|afgerond|gestopt [ja|deels|nee] [resultaat…]")
USAGE_DOEL = "/regie doel <casus> <tekst>"
USAGE_PARTNERS = "/regie partners <casus>"
SUMMARY_PLAN = "het plan van aanpak: doelen en interventies met wie, wanneer en resultaat"
SUMMARY_INTERVENTIE = ("interventie toevoegen (zonder soort een formulier), of met een nummer "
                       "de status wijzigen of afsluiten met het resultaat")
SUMMARY_DOEL = "een doel aan het plan van aanpak toevoegen"
SUMMARY_PARTNERS = "partners van een casus (interventieplegers, experts) bekijken en bijwerken"
PLAN_STATUS_LABELS = {"gepland": "gepland", "lopend": "lopend", "afgerond": "afgerond",
                      "gestopt": "gestopt"}
PLAN_PROGRESS_LABELS = {"op_schema": "op schema", "vertraagd": "vertraagd",
                        "afgerond": "afronden", "gestopt": "stoppen",
                        "blijft_open": "blijft open"}
PLAN_GOAL_REACHED_LABELS = {"ja": "ja", "deels": "deels", "nee": "nee"}
PLAN_OCCASION_LABELS = {"evaluatie": "bij de evaluatie", "afbouw": "bij het afbouw- of "
                        "afsluitvoorstel"}
PLAN_GOAL_FIELD = "beschrijving van het doel"
PLAN_CONSIDERATIONS_FIELD = "toelichting bij de overwegingen"
PLAN_RESULT_FIELD = "beschrijving van het resultaat"
PLAN_REASON_FIELD = "reden"
PLAN_ORGANISATION_FIELD = "uitvoerende organisatie"
PLAN_GOAL_LABEL = "doel"
PLAN_WHO_UNKNOWN = "nog niet bekend"
PLAN_INTERVENTION_NUMBER = "interventienummer"
PLAN_CASE_CLOSED = (
    "Deze casus is afgesloten; het plan van aanpak kan niet meer worden gewijzigd. Je kunt "
    "het nog wel lezen met `/regie plan`.")
PLAN_PARTNER_GONE = (
    "Die partner hoort niet (meer) bij deze casus. Open het formulier opnieuw; er is niets "
    "opgeslagen.")
MISSING_PLAN_GOAL = "het doel"
MISSING_GOAL_TEXT = "de tekst van het doel"


def plan_not_a_number(shown: str, what: str) -> str:
    """Refuse a number that is not a plain positive number."""
    return (f"`{shown}` is geen {what}. Gebruik een nummer zoals `/regie plan` het toont, "
            "bijvoorbeeld `2`; er is niets opgeslagen.")


def plan_not_a_status(shown: str) -> str:
    """Refuse an unknown intervention status."""
    return (f"`{shown}` is geen status van een interventie. Kies `lopend`, `afgerond` of "
            f"`gestopt`. Zo schrijf je het: `{USAGE_INTERVENTIE_STATUS}`")


def plan_control_characters(what: str) -> str:
    """Refuse text with control characters."""
    return (f"In de {what} staan onzichtbare stuurtekens (bijvoorbeeld uit een gekopieerde "
            "tekst). Typ de tekst opnieuw of plak hem als platte tekst; er is niets "
            "opgeslagen.")


PARTNER_NAME_FIELD = "naam"
PARTNER_ORGANISATION_FIELD = "organisatie"
PARTNER_ROLE_FIELD = "rol"
PARTNER_PHONE_FIELD = "invoer bij Telefoon"
PARTNER_EMAIL_FIELD = "invoer bij E-mail"


def plan_not_a_phone(shown: str) -> str:
    """Refuse a malformed phone number."""
    return (f"`{escape_mrkdwn(shown)}` is geen telefoonnummer. Gebruik cijfers, eventueel met "
            "+, spaties, streepjes of haakjes, zoals `020 555 1234` of `+31 6 1234 5678`.")


def plan_not_an_email(shown: str) -> str:
    """Refuse a malformed e-mail address."""
    return (f"`{escape_mrkdwn(shown)}` is geen e-mailadres. Schrijf het als "
            "`naam@organisatie.nl`.")


def plan_unknown_kind(word: str, close: Sequence[str], codes: Sequence[str]) -> str:
    """Refuse an unknown kind of intervention, suggesting the closest."""
    shown = escape_mrkdwn(word.replace("`", "'"))
    hint = ""
    if close:
        hint = " Bedoel je " + " of ".join(f"`{c}`" for c in close) + "?"
    return (f"`{shown}` is geen soort interventie.{hint} Soorten: "
            + ", ".join(f"`{c}`" for c in codes) + ". Er is niets opgeslagen.")


def plan_kind_retired(code: str, name: str, codes: Sequence[str]) -> str:
    """Refuse a kind that is no longer in the catalogue (plans that use it keep it)."""
    return (f"`{code}` ({escape_mrkdwn(name)}) staat niet meer in de instrumentenkoffer; "
            "bestaande interventies houden die soort. Kies uit: "
            + ", ".join(f"`{c}`" for c in codes) + ". Er is niets opgeslagen.")


def plan_unknown_number(code: str, number: int, last: int) -> str:
    """Refuse an intervention number that does not exist."""
    if last == 0:
        return (f"Het plan van `{code}` heeft nog geen interventies. Voeg er een toe met "
                f"`/regie interventie {code} <soort> <doel>`.")
    return (f"Interventie #{number} bestaat niet in het plan van `{code}`. Gebruik een "
            f"nummer van 1 tot en met {last}, zoals `/regie plan {code}` ze toont.")


def plan_status_refused(code: str, number: int, current: str, target: str,
                        reason: str) -> str:
    """Refuse a status change that makes no sense."""
    if reason == "same":
        return f"Interventie #{number} van `{code}` is al {current}; er is niets gewijzigd."
    if reason == "back_to_planned":
        return (f"Interventie #{number} van `{code}` is {current}; terug naar gepland kan niet. "
                "Er is niets gewijzigd.")
    return (f"Interventie #{number} van `{code}` is al {current}; ze kan niet ook nog "
            f"{target} worden. Het resultaat staat in het logboek. Er is niets gewijzigd.")


def plan_reopen_needs_reason(code: str, number: int, current: str) -> str:
    """Ask why a closed intervention runs again."""
    return (f"Interventie #{number} van `{code}` is {current}. Wil je haar heropenen, zeg dan "
            f"waarom: `/regie interventie {code} {number} lopend <reden>`. Er is niets "
            "gewijzigd.")


def plan_result_missing(code: str, number: int, target: str) -> str:
    """Ask for the result when closing an intervention."""
    return (f"Bij {target} hoort het resultaat: is het doel bereikt (`ja`, `deels` of `nee`) "
            f"en wat heeft het opgeleverd? Bijvoorbeeld: `/regie interventie {code} {number} "
            f"{target} deels <resultaat>`. Er is niets gewijzigd.")


def plan_end_before_start(end: str, start: str) -> str:
    """Refuse a planned end before the start."""
    return (f"De geplande einddatum {end} ligt vóór de startdatum {start}. Controleer de "
            "datums; er is niets opgeslagen.")


def plan_running_in_future(start: str) -> str:
    """Refuse a running intervention that starts in the future."""
    return (f"Een lopende interventie kan niet pas op {start} beginnen. Kies de status "
            "`gepland` of een startdatum van vandaag of eerder; er is niets opgeslagen.")


def plan_bad_page(text: str, pages: int) -> str:
    """Refuse a page of the plan that does not exist."""
    return f"Pagina `{text}` bestaat niet; het plan heeft {pages} pagina('s)."


def plan_review_outdated(code: str, number: int, status: str) -> str:
    """Refuse a form about an intervention that was closed in the meantime."""
    return (f"Interventie #{number} van `{code}` is intussen {status}. Open het formulier "
            "opnieuw; er is niets opgeslagen.")


def plan_keep_open_needs_reason(number: int) -> str:
    """Ask why an intervention stays open at a phase-out."""
    return f"Schrijf waarom interventie #{number} open blijft."


def _plan_dates(start: date, end: date | None) -> str:
    shown = f"start {format_date(start)}"
    return shown + (f", einde gepland {format_date(end)}" if end is not None else "")


def plan_log_added(number: int, kind: str, status: str, who: str, start: date,
                   end: date | None, goal: str, considerations: str | None) -> str:
    """The logbook line of a new intervention (stored encrypted, escaped when shown)."""
    line = (f"Interventie #{number} toegevoegd aan het plan van aanpak: {kind}, uitvoering: "
            f"{who}, {status}, {_plan_dates(start, end)}. Doel: {goal}")
    return line + (f"\nOverwegingen: {considerations}" if considerations else "")


def plan_log_edited(number: int, kind: str, status: str, who: str, start: date,
                    end: date | None, goal: str, considerations: str | None) -> str:
    """The logbook line of a changed intervention: what it now says."""
    line = (f"Interventie #{number} gewijzigd: {kind}, uitvoering: {who}, {status}, "
            f"{_plan_dates(start, end)}. Doel: {goal}")
    return line + (f"\nOverwegingen: {considerations}" if considerations else "")


def plan_log_status(number: int, kind: str, old: str, new: str, goal_reached: str | None,
                    text: str | None, reopens: bool, occasion: str | None) -> str:
    """The logbook line of a status change (with the result or the reason)."""
    when = f" ({PLAN_OCCASION_LABELS[occasion]})" if occasion else ""
    line = f"Interventie #{number} ({kind}): {old} → {new}{when}."
    if new in ("afgerond", "gestopt"):
        return line + f" Doel bereikt: {goal_reached}. Resultaat: {text}"
    if reopens:
        return line + f" Heropend; reden: {text}"
    return line + (f" {text}" if text else "")


def plan_log_progress(number: int, kind: str, progress: str, text: str | None,
                      occasion: str) -> str:
    """The logbook line of progress noted at an evaluation."""
    line = (f"Interventie #{number} ({kind}): {PLAN_PROGRESS_LABELS[progress]} "
            f"({PLAN_OCCASION_LABELS[occasion]}).")
    return line + (f" {text}" if text else "")


def plan_log_kept_open(number: int, kind: str, reason: str, occasion: str) -> str:
    """The logbook line of an intervention that stays open at a phase-out."""
    return (f"Interventie #{number} ({kind}) blijft open ({PLAN_OCCASION_LABELS[occasion]}). "
            f"Reden: {reason}")


def plan_log_goal(number: int, text: str) -> str:
    """The logbook line of a new plan goal."""
    return f"Doel #{number} toegevoegd aan het plan van aanpak: {text}"


def plan_saved(code: str, number: int, kind: str, status: str, log_number: int) -> str:
    """Confirm a new intervention."""
    return (f"Interventie #{number} ({escape_mrkdwn(kind)}, {status}) toegevoegd aan het plan "
            f"van `{code}`; vastgelegd in het logboek als regel #{log_number}.")


def plan_edited(code: str, number: int, log_number: int) -> str:
    """Confirm a changed intervention."""
    return (f"Interventie #{number} van `{code}` gewijzigd; vastgelegd in het logboek als "
            f"regel #{log_number}.")


def plan_status_saved(code: str, number: int, kind: str, old: str, new: str,
                      log_number: int) -> str:
    """Confirm a status change."""
    return (f"Interventie #{number} van `{code}` ({escape_mrkdwn(kind)}): {old} → {new}; "
            f"vastgelegd in het logboek als regel #{log_number}.")


def plan_goal_saved(code: str, number: int, log_number: int) -> str:
    """Confirm a new goal."""
    return (f"Doel #{number} toegevoegd aan het plan van `{code}`; vastgelegd in het logboek "
            f"als regel #{log_number}.")


def plan_review_saved(closed: int, noted: int, kept_open: int) -> str:
    """Confirm what a form did with the listed interventions."""
    parts = []
    if closed:
        parts.append(_count(closed, "interventie afgesloten", "interventies afgesloten"))
    if noted:
        parts.append(_count(noted, "voortgang vastgelegd", "keer voortgang vastgelegd"))
    if kept_open:
        parts.append(_count(kept_open, "interventie blijft open", "interventies blijven open"))
    return ("Plan van aanpak: " + ", ".join(parts) + ".") if parts else ""


PLAN_TITLE = "Plan van aanpak {code}"
PLAN_GOALS_TITLE = "Doelen"
PLAN_NO_GOALS = "Nog geen doelen. Voeg er een toe met `/regie doel {code} <tekst>`."
PLAN_NO_INTERVENTIONS = (
    "Nog geen interventies. Voeg er een toe met `/regie interventie {code} <soort> <doel>` "
    "of met de knop hieronder.")
PLAN_CLOSED_NOTE = "Deze casus is afgesloten; het plan is alleen nog te lezen."
PLAN_OLDER = "Volgende interventies"
PLAN_NEWER = "Vorige interventies"
PLAN_ADD_BUTTON = "Interventie toevoegen"
PLAN_PARTNERS_BUTTON = "Partners"
PLAN_HOME_BUTTON = "Plan"
PLAN_LABEL_WHO = "Uitvoering"
PLAN_LABEL_GOAL = "Doel"
PLAN_LABEL_CONSIDERATIONS = "Overwegingen"
PLAN_LABEL_RESULT = "Resultaat"
PLAN_LABEL_CONTACT = "contactpersoon"


def plan_page_info(page: int, pages: int, total: int, open_count: int) -> str:
    """Describe which part of the plan is shown."""
    return (f"{_count(open_count, 'open interventie', 'open interventies')} van {total} · "
            f"pagina {page} van {pages} · open eerst")


def plan_dates_line(status: str, start: date, end: date | None, started: date | None,
                    ended: date | None) -> str:
    """Return the dates of an intervention as one line."""
    parts = [f"start {format_date(started or start)}"]
    if ended is not None:
        parts.append(f"{status} op {format_date(ended)}")
    elif end is not None:
        parts.append(f"einde gepland {format_date(end)}")
    return " · ".join(parts)


def plan_result_line(goal_reached: str | None) -> str:
    """Introduce an ended intervention's result."""
    return f"doel bereikt: {goal_reached or '–'}"


HOME_PLAN_FIELD = "Plan van aanpak"


def home_plan(open_count: int, next_end: date | None) -> str:
    """The Home tab's plan line of a case."""
    if open_count == 0:
        return "geen open interventies"
    line = _count(open_count, "open interventie", "open interventies")
    return line + (f"\neerstvolgend einde {format_date(next_end)}" if next_end else "")


def plan_open_at_phase_out(code: str, count: int) -> str:
    """Ask the regisseur to close open interventions or say why they stay open."""
    return (f"*Nog {_count(count, 'open interventie', 'open interventies')}* in het plan van "
            f"`{code}`. Sluit ze af met hun resultaat, of leg vast waarom ze open blijven "
            "(bijvoorbeeld bij een warme overdracht):")


def plan_open_line(number: int, kind: str, status: str, end: date | None) -> str:
    """One open intervention in a list."""
    line = f"• #{number} {escape_mrkdwn(kind)} ({status}"
    return line + (f", einde gepland {format_date(end)})" if end else ")")


PLAN_CLOSEOUT_BUTTON = "Open interventies afhandelen"


def plan_line_not_correctable(code: str, number: int) -> str:
    """Refuse correcting a logbook line the plan wrote."""
    return (f"Regel #{number} is een wijziging van het plan van aanpak en blijft zoals hij is. "
            f"Pas het plan aan met `/regie interventie {code} <nr>`; die wijziging komt als "
            "nieuwe regel in het logboek.")


PLAN_NO_OPEN = "Het plan van `{code}` heeft geen open interventies meer."
PLAN_CLOSEOUT_HINT = (
    "Of per interventie: `/regie interventie {code} <nr> afgerond ja|deels|nee <resultaat>`.")

# The forms.
PLAN_MODAL_TITLE = "Interventie"
PLAN_MODAL_EDIT_TITLE = "Interventie wijzigen"
PLAN_MODAL_KIND = "Soort interventie"
PLAN_MODAL_STATUS = "Status"
PLAN_MODAL_PARTNER = "Uitgevoerd door (partner)"
PLAN_MODAL_PARTNER_HINT = "Partners voeg je toe met /regie partners."
PLAN_MODAL_ORGANISATION = "Uitvoerende organisatie"
PLAN_MODAL_ORGANISATION_HINT = "Laat leeg als de gekozen partner het uitvoert."
PLAN_MODAL_GOAL = "Doel: wat wil je bereiken?"
PLAN_MODAL_CONSIDERATIONS = "Overwegingen: waarom deze interventie?"
PLAN_MODAL_START = "Start"
PLAN_MODAL_END = "Einde gepland"
PLAN_MODAL_TEXT_HINT = "Noem geen namen van betrokkenen; hoogstens {limit} tekens."
PLAN_MODAL_CLOSE_TITLE = "Interventie afsluiten"
PLAN_MODAL_GOAL_REACHED = "Doel bereikt?"
PLAN_MODAL_RESULT = "Resultaat: wat heeft het opgeleverd?"
PLAN_MODAL_CHOICE = "voortgang of afsluiten"
PLAN_MODAL_CLOSEOUT_CHOICE = "afsluiten of open laten"
PLAN_MODAL_REVIEW_TEXT = "resultaat of toelichting"
PLAN_MODAL_REVIEW_TEXT_HINT = ("Bij afronden of stoppen: het resultaat; bij open laten: de "
                               "reden.")
PLAN_MODAL_CLOSEOUT_TITLE = "Open interventies"
PLAN_MODAL_REVIEW_INTRO = "*Interventies in het plan* (laat leeg wat niet veranderde)"
PLAN_MODAL_UVO_PARTNERS = "Deelnemers uit de partners"
PLAN_MODAL_SAVED_TITLE = "Plan bijgewerkt"
PLAN_MODAL_PLAN_TITLE = "Plan van aanpak"
PLAN_MODAL_KIND_REQUIRED = "Kies een soort interventie uit de lijst."
PLAN_MODAL_STATUS_REQUIRED = "Kies gepland of lopend."
PLAN_MODAL_GOAL_REACHED_REQUIRED = "Kies ja, deels of nee."
PLAN_MODAL_CHOICE_FOR_RESULT = "Kies eerst afronden of stoppen; dan hoort hier het resultaat."
PLAN_MODAL_RESULT_REQUIRED = "Schrijf wat de interventie heeft opgeleverd."
PLAN_MODAL_CHOICE_REQUIRED = "Kies afronden, stoppen of open laten."
PLAN_MODAL_CASE_MISMATCH = (
    "De interventies in dit formulier horen bij {code}. Kies die casus, of open het "
    "formulier opnieuw voor een andere casus.")
PLAN_MODAL_MORE = "… en nog {count} open interventies: werk die bij met /regie interventie."


def plan_modal_summary(number: int, kind: str, status: str, who: str | None,
                       end: date | None) -> str:
    """One intervention as a form lists it (mrkdwn, escaped)."""
    line = f"*#{number} {escape_mrkdwn(kind)}* · {status}"
    if who:
        line += f" · {escape_mrkdwn(who)}"
    return line + (f" · einde gepland {format_date(end)}" if end else "")


# Partners.
PARTNERS_TITLE = "Partners {code}"
PARTNERS_EMPTY = "Nog geen partners bij deze casus. Voeg interventieplegers en experts toe."
PARTNERS_ADD_BUTTON = "Partner toevoegen"
PARTNERS_EDIT_BUTTON = "Wijzigen"
PARTNERS_NOTE = "Alleen jij als regisseur van de casus ziet deze gegevens."
PARTNER_MODAL_TITLE = "Partner"
PARTNER_MODAL_NAME = "Naam"
PARTNER_MODAL_ORGANISATION = "Organisatie"
PARTNER_MODAL_ROLE = "Rol"
PARTNER_MODAL_ROLE_HINT = "Bijvoorbeeld: interventiepleger, casemanager, expert"
PARTNER_MODAL_PHONE = "Telefoon"
PARTNER_MODAL_EMAIL = "E-mail"
PARTNER_MODAL_REMOVE = "Verwijderen"
PARTNER_MODAL_REMOVE_OPTION = "Deze partner verwijderen"


def partner_line(number: int, name: str, organisation: str, role: str | None,
                 phone: str | None, email: str | None) -> str:
    """One partner in the list (escaped)."""
    head = f"*{number}. {escape_mrkdwn(name)}* · {escape_mrkdwn(organisation)}"
    if role:
        head += f" · {escape_mrkdwn(role)}"
    contact = " · ".join(escape_mrkdwn(v) for v in (phone, email) if v)
    return head + (f"\n{contact}" if contact else "")


def partner_participant(name: str, organisation: str) -> str:
    """A partner as a UVO participant (plain; escaped when shown)."""
    return f"{name} ({organisation})"


def partner_saved(code: str, name: str, action: str) -> str:
    """Confirm a partner change ('toegevoegd', 'gewijzigd', 'verwijderd')."""
    return f"Partner {escape_mrkdwn(name)} {action} bij `{code}`."


def partners_full(code: str, limit: int) -> str:
    """Refuse a partner beyond the limit."""
    return (f"`{code}` heeft al {limit} partners. Verwijder eerst partners die niet meer "
            "betrokken zijn; er is niets opgeslagen.")


# The catalogue on the command line (regiebot interventies list|import).
CATALOGUE_HELP = {
    "interventies": "de instrumentenkoffer: soorten interventies",
    "interventies list": "de soorten interventies met hun code",
    "interventies import": "vervang de lijst door een CSV-bestand (code,naam,screening)",
}
CATALOGUE_EMPTY_FILE = ("Het bestand bevat geen soorten interventies. Er is niets gewijzigd. "
                        "Kolommen: code,naam,screening.")
CATALOGUE_COLUMNS = "verwacht 2 of 3 kolommen: code, naam en (ja/nee) screening"
CATALOGUE_BAD_CODE = ("de code moet met een kleine letter beginnen en mag alleen kleine "
                      "letters, cijfers en streepjes hebben (2 tot 24 tekens)")
CATALOGUE_BAD_SCREENING = "de kolom screening is ja of nee"
CATALOGUE_NAME_FIELD = "naam"
CATALOGUE_LIST_HEADER = ("code", "naam", "screening", "actief", "in gebruik")
CATALOGUE_YES, CATALOGUE_NO = "ja", "nee"


def catalogue_bad_header(columns: str) -> str:
    """Refuse a file without the expected header."""
    return f"De eerste regel moet de kolomnamen geven: {columns}. Er is niets gewijzigd."


def catalogue_bad_line(line_no: int, problem: str) -> str:
    """Refuse a file for one bad line."""
    return f"Regel {line_no}: {problem}. Er is niets gewijzigd."


def catalogue_twice(code: str) -> str:
    """Refuse a code that appears twice."""
    return f"de code {code} staat er twee keer in"


def catalogue_too_many(count: int, limit: int) -> str:
    """Refuse a catalogue too long for a form."""
    return (f"Het bestand bevat {count} soorten; hoogstens {limit} passen in een formulier. "
            "Er is niets gewijzigd.")


def catalogue_imported(added: int, changed: int, removed: int, kept: Sequence[str]) -> str:
    """Report an import."""
    line = (f"Instrumentenkoffer bijgewerkt: {added} nieuw, {changed} gewijzigd, "
            f"{removed} verwijderd.")
    if kept:
        line += (" Niet meer in de lijst maar nog in gebruik (blijven bestaan, worden niet "
                 "meer aangeboden): " + ", ".join(kept) + ".")
    return line




def cli_file_not_readable(path: str) -> str:
    """Explain a file that cannot be read (missing, no rights, not UTF-8)."""
    return (f"Kan {path} niet lezen (bestaat het, mag ik het lezen, is het UTF-8?). Er is "
            "niets gewijzigd.")


CATALOGUE_CONFLICT = ("Tijdens het importeren legde iemand een interventie vast. Er is niets "
                      "gewijzigd; voer de import opnieuw uit.")


# --- The programme monitor (/regie monitor, its CSV and chart) -------------------------------

MONITOR_USAGE = "/regie monitor [van] [tot]"
MONITOR_SUMMARY = "cijfers voor het programmateam (nooit casusinhoud), met CSV en grafiek"
MONITOR_TITLE = "Monitor IPGA Radicalisering"
MONITOR_FILES_FOLLOW = "De cijfers als CSV-bestand en als grafiek staan zo in je privéberichten."
MONITOR_HOME_HINT = ("Dit jaar tot en met vandaag. `/regie monitor [van] [tot]` kiest een andere "
                     "periode en stuurt de cijfers ook als CSV-bestand en grafiek.")
MONITOR_FILE_COMMENT = (
    "Monitorcijfers (alleen aantallen, geen casusinformatie). Kleine groepen zijn afgeschermd.")
MONITOR_FILE_KINDS = {"csv": "CSV", "png": "grafiek"}
MONITOR_SECTION_PHASE = "Casussen in de aanpak per fase (stand)"
MONITOR_SECTION_RISK = "Casussen in de aanpak per risicogroep (stand)"
MONITOR_SECTION_FLOW = "Instroom en uitstroom in de periode"
MONITOR_SECTION_UVO = "Uitvoerdersoverleg (UVO, stand)"
MONITOR_SECTION_EVALUATION = "Evaluaties (stand)"
MONITOR_SECTION_LETTERS = "Notificatiebrief na opname in de periode"
MONITOR_SECTION_APPROVAL = "Doorlooptijd opname tot vastgesteld plan"
MONITOR_SECTION_MEETINGS = "Plannen per overleg in de periode"
MONITOR_SECTION_SAFETY = "Veiligheid"
MONITOR_LABEL_TOTAL = "totaal"
MONITOR_PHASE_LABELS = {
    "plan": "plan van aanpak in voorbereiding",
    "uitvoering": "uitvoering",
    "afbouw": "afbouw",
}
MONITOR_LABEL_INTAKE = "instroom (opnamebesluiten)"
MONITOR_LABEL_OUTFLOW = "uitstroom (afgesloten casussen)"
MONITOR_LABEL_UVO_SHARE = "aandeel van de casussen in de aanpak"
MONITOR_LABEL_EVALUATION_OVERDUE = "evaluatie te laat"
MONITOR_LETTER_LABELS = {
    "op_tijd": "brief binnen 3 weken",
    "te_laat": "brief later dan 3 weken of nog niet verstuurd na 3 weken",
    "loopt": "nog niet verstuurd, termijn loopt nog",
}
MONITOR_LABEL_LETTERS_TOTAL = "opnamebesluiten in de periode"
MONITOR_LABEL_LETTERS_SHARE = "aandeel brieven binnen 3 weken (van de afgeronde termijnen)"
MONITOR_LABEL_APPROVED = "plannen vastgesteld in de periode"
MONITOR_LABEL_MEDIAN = "mediaan aantal dagen van opname tot vastgesteld plan"
MONITOR_MEETING_LABELS = {"itat": "ITAT-R", "regie": "Regieoverleg"}
MONITOR_LABEL_MEETINGS_HELD = "overleggen gehouden (met plannen)"
MONITOR_LABEL_PLANS = "plannen besproken"
MONITOR_LABEL_PER_MEETING = "plannen per overleg (gemiddeld)"
MONITOR_LABEL_SAFETY = "veiligheidsmeldingen in de periode"
MONITOR_UNIT_COUNT = "aantal"
MONITOR_UNIT_PERCENT = "procent"
MONITOR_UNIT_DAYS = "dagen"
MONITOR_UNIT_AVERAGE = "gemiddelde"
MONITOR_CHART_PHASE = "Per fase"
MONITOR_CHART_RISK = "Per risicogroep"
MONITOR_CHART_FLOW = "In de periode"
MONITOR_CHART_RISK_PREFIX = "groep "
MONITOR_CHART_FLOW_LABELS = ("instroom", "uitstroom", "veiligheid")
MONITOR_CSV_HEADER = ("onderdeel", "kenmerk", "waarde", "eenheid")
MONITOR_CSV_META = "monitor"
MONITOR_CSV_FROM = "periode van"
MONITOR_CSV_TO = "periode tot en met"
MONITOR_CSV_TODAY = "stand op"
MONITOR_CSV_THRESHOLD = "drempel kleine groepen"
MONITOR_CSV_DATE = "datum"


def monitor_uvo_label(weeks: int) -> str:
    """Label the count of open cases with a recent UVO."""
    return f"met een UVO in de laatste {_count(weeks, 'week', 'weken')}"


def monitor_period(start: str, end: str, today: str) -> str:
    """Describe the period and the reference day of the figures."""
    return f"Periode {start} t/m {end} · stand op {today}"


def monitor_period_months(months: str, start: str, end: str) -> str:
    """Describe a period of whole months, with its first and last day."""
    return f"Periode {months} ({start} t/m {end}) · stand op {end}"


def monitor_months(start: date, end: date) -> str:
    """Name the whole months a monitor covers: `september t/m november 2026`."""
    first = MONTHS[start.month - 1] + ("" if start.year == end.year else f" {start.year}")
    last = f"{MONTHS[end.month - 1]} {end.year}"
    return last if (start.year, start.month) == (end.year, end.month) else f"{first} t/m {last}"


def monitor_widened(asked_start: str, asked_end: str, months: str) -> str:
    """Say that the asked days were widened (or cut) to whole months that have ended."""
    return (f"Gevraagd: {asked_start} t/m {asked_end}. De monitor telt alleen hele "
            f"kalendermaanden die voorbij zijn, dus deze cijfers gaan over {months}; zo is "
            "uit twee overzichten nooit één dag (en daarmee één casus) terug te rekenen.")


def monitor_month_not_ended(month: str, year: int, last_month: str, last_year: int) -> str:
    """Refuse a period that has no month that has ended."""
    return (f"De monitor telt alleen hele kalendermaanden die voorbij zijn, en {month} {year} "
            f"loopt nog. Er is niets opgevraagd. Vraag een periode tot en met {last_month} "
            f"{last_year}, bijvoorbeeld `/regie monitor 01-01-{last_year} "
            f"{_month_end_text(last_year, last_month)}`.")


def _month_end_text(year: int, month_name: str) -> str:
    month = MONTHS.index(month_name) + 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return format_date(date.fromordinal(following.toordinal() - 1))


def monitor_legend(min_group: int) -> str:
    """Explain the suppression marks."""
    return (f"&lt;{min_group} = minder dan {min_group} (0 tot en met {min_group - 1}); "
            "x = afgeschermd, zodat een kleine groep niet uit de andere getallen terug te "
            "rekenen is; – = niet van toepassing. Standen gelden voor de laatste dag van de "
            "periode, de overige cijfers voor de hele periode (hele kalendermaanden).")


def monitor_chart_title(months: str, stand: str) -> str:
    """Title of the monitor chart: the whole months it covers and the day of the stand."""
    return f"Monitor IPGA Radicalisering, {months} (stand op {stand})"


def monitor_filename(start: str, end: str, ext: str) -> str:
    """File name of a monitor export."""
    return f"monitor-{start}-{end}.{ext}"


def monitor_file_title(kind: str, start: str, end: str) -> str:
    """Title of an uploaded monitor file ('CSV' or 'Grafiek')."""
    return f"Monitor {start} t/m {end} ({kind})"


def monitor_period_reversed(start: str, end: str) -> str:
    """Explain a period whose end lies before its start."""
    return (f"De periode klopt niet: de einddatum {end} ligt vóór de begindatum {start}. "
            "Er is niets opgevraagd. Zet de vroegste datum eerst, bijvoorbeeld "
            "`/regie monitor 01-01-2026 30-06-2026`.")


def monitor_start_in_future(start: str, today: str) -> str:
    """Explain a period that starts after today."""
    return (f"De periode begint op {start}, na vandaag ({today}). Er is niets opgevraagd. "
            "Kies een begindatum van vandaag of eerder.")


MONITOR_TOO_MANY_ARGS = (
    "Dat zijn te veel gegevens voor `/regie monitor`. Geef hoogstens een begin- en een "
    "einddatum, zoals `/regie monitor 01-01-2026 30-06-2026`. Zonder datums krijg je de "
    "voorbije maanden van dit jaar.")
MONITOR_CSV_ASKED_FROM = "gevraagd van"
MONITOR_CSV_ASKED_TO = "gevraagd tot en met"
MONITOR_SECTION_PLAN = "Interventies in de periode"
MONITOR_PLAN_MEASURES = {"gestart": "gestart", "lopend": "lopend (stand)",
                         "beeindigd": "beëindigd"}
MONITOR_LABEL_PLAN_STARTED = "interventies gestart"
MONITOR_LABEL_PLAN_RUNNING = "interventies lopend (stand)"
MONITOR_LABEL_PLAN_ENDED = "interventies beëindigd (afgerond of gestopt)"
MONITOR_PLAN_RESULT_LABELS = {"ja": "beëindigd, doel bereikt", "deels":
                              "beëindigd, doel deels bereikt", "nee":
                              "beëindigd, doel niet bereikt"}
MONITOR_LABEL_PLAN_SHARE = "aandeel beëindigde interventies dat het doel bereikte"
MONITOR_LABEL_SCREENINGS = "screenings gestart"
MONITOR_CHART_PLAN = "Interventies"
MONITOR_CHART_PLAN_LABELS = ("gestart", "lopend", "beëindigd", "screening")


def monitor_plan_section(measure: str, by: str) -> str:
    """Title of a breakdown of interventions: `Interventies gestart, per soort`."""
    return f"Interventies {MONITOR_PLAN_MEASURES[measure]}, per {by}"


# --- The command line: help and usage errors -------------------------------------------------

# The command line's help, by command (and option) as typed after `regiebot`.
CLI_DESCRIPTION = "Regiebot voor IPGA-R"
CLI_HELP = {
    "run": "start Slack (met tokens) of de lokale console met demodata",
    "serve": "HTTP-modus: POST /slack/events, GET /healthz",
    "socket": "Socket Mode (met /healthz op PORT)",
    "shell": "lokale console",
    "shell --as": "Slack-id of naam",
    "shell --script": "consoleregels uit een bestand doen",
    "shell --strict": "stop met foutcode 1 bij de eerste regel die misgaat",
    "rondleiding": "rondleiding langs het hele proces, stap voor stap",
    "demo": "demodata laden",
    "db": "database",
    "db upgrade": "schema aanmaken of bijwerken",
    "keys": "versleutelingssleutels",
    "keys generate": "nieuwe sleutel tonen",
    "keys rotate": "alle opgeslagen tekst opnieuw versleutelen met de nieuwste sleutel",
    "users": "gebruikersbeheer",
    "users add": "gebruiker aanmelden of bijwerken",
    "users set": "rollen, organisatie, naam of e-mail wijzigen",
    "users list": "gebruikers tonen",
    "users deactivate": "gebruiker deactiveren",
    "users import": "gebruikers importeren uit CSV",
    "meetings": "vergaderingen",
    "meetings list": "komende vergaderingen met hun termijnen",
    "meetings list --from": "vanaf deze datum (22-11-2026 of 2026-11-22; standaard vandaag)",
    "meetings list --count": "aantal vergaderingen per reeks (standaard 6)",
    "meetings list --format": ("tekst (standaard), csv of json; csv en json met ISO-datums en "
                               "tijden met hun UTC-verschil"),
    "reminders": "herinneringen",
    "reminders run": "één herinneringsronde (overzichten maken en versturen)",
    "reminders run --at": ("als op dit moment, bv. 2026-11-23T08:30 (Amsterdamse tijd); een "
                           "datum zonder tijd is die dag op het tijdstip van het overzicht"),
    "reminders run --dry-run": "niets opslaan of versturen; toon wat er verstuurd zou worden",
    "monitor": "monitorcijfers (geen casusinhoud), als CSV en grafiek",
    "monitor --from": ("begin van de periode, naar het begin van de maand (standaard 1 "
                       "januari)"),
    "monitor --to": ("einde van de periode, naar het einde van de maand; hoogstens de laatste "
                     "voorbije maand (standaard)"),
    "monitor --csv": "schrijf de cijfers als CSV",
    "monitor --png": "schrijf de grafiek als PNG",
    "retention": "bewaartermijn",
    "retention run": "afgesloten casussen na de bewaartermijn wissen",
    "retention run --dry-run": "niets wissen; toon wat er gewist zou worden",
    "audit": "audittrail",
    "audit export": "audittrail als CSV voor de privacyfunctionaris",
    "audit export --user": "alleen deze gebruiker (of cli/system)",
    "audit export --case": "alleen deze casus, bv. R-0042",
    "audit export --out": "bestand (standaard: standaarduitvoer)",
    "audit verify": ("controleer de keten van de audittrail: gewijzigde, verwijderde of "
                     "ingevoegde regels"),
    "audit verify --checkpoint": ("een eerder getoond controlepunt (volgnummer:MAC); meldt "
                                  "het als regels tot en met dat punt verdwenen of vervangen "
                                  "zijn"),
    "db upgrade --app-role": ("PostgreSQL: geef deze rol (niet de eigenaar) precies de rechten "
                              "van de bot; de audittrail alleen lezen en aanvullen"),
}
CLI_METAVAR_DATE = "DATUM"
CLI_METAVAR_COUNT = "N"
CLI_METAVAR_MOMENT = "ISO-TIJDSTIP"
CLI_METAVAR_FILE = "BESTAND"
CLI_METAVAR_SLACK_ID = "SLACK-ID"
CLI_METAVAR_CASE = "CASUSCODE"
CLI_METAVAR_ROLE = "ROL"
CLI_METAVAR_CHECKPOINT = "VOLGNUMMER:MAC"
# argparse's own error phrases, in Dutch.
CLI_ARGPARSE_PHRASES = (("unrecognized arguments", "onbekende opties"),
                        ("the following arguments are required", "deze gegevens ontbreken"),
                        ("expected one argument", "hier hoort een waarde bij"),
                        ("invalid choice", "ongeldige keuze"), ("argument ", "optie "))
CLI_BAD_OPTIONS = "Onjuiste aanroep"
# argparse's own headings in the help, in Dutch.
CLI_HELP_PHRASES = (("usage: ", "gebruik: "), ("\noptions:\n", "\nopties:\n"),
                    ("positional arguments:", "onderdelen:"),
                    ("show this help message and exit", "toon deze hulp en stop"))
CLI_METAVAR_USER = "GEBRUIKER"


def cli_bad_options(prog: str, detail: str) -> str:
    """Explain an unknown option or a missing value on the command line."""
    return (f"{CLI_BAD_OPTIONS}: {detail}. Er is niets gewijzigd. Typ `{prog} --help` voor de "
            "mogelijke opties.")


def cli_bad_date(value: str) -> str:
    """Explain a date the command line does not understand."""
    return (f"`{value}` is geen datum die ik ken. Schrijf de datum als 2026-11-22 of "
            "22-11-2026. Er is niets gewijzigd.")


def cli_file_written(path: str) -> str:
    """Confirm a written file."""
    return f"Geschreven: {path}"


def cli_file_not_writable(path: str) -> str:
    """Explain a file that cannot be written."""
    return f"Kan {path} niet schrijven. Controleer de map en de rechten. Er is niets gewijzigd."


def config_error(message: str) -> str:
    """Prefix a configuration problem."""
    return f"Configuratiefout: {message}"


def env_required(name: str) -> str:
    """Name the environment variable a mode needs."""
    return f"Omgevingsvariabele {name} is nodig voor deze modus."


# --- The command line: starting, database, keys, demo ----------------------------------------

NO_SLACK_TOKENS = "Geen Slack-tokens gevonden: de lokale console start met demodata ({url})."
ENCRYPTION_KEYS_REQUIRED = ("Omgevingsvariabele REGIEBOT_ENCRYPTION_KEYS is nodig voor deze "
                            "modus (maak een sleutel met: regiebot keys generate).")
NO_SCHEMA = "De database heeft nog geen schema: voer eerst `regiebot db upgrade` uit."


def slack_unreachable(reason: str, wait_s: float) -> str:
    """Say that Slack cannot be reached at start, and when the bot tries again."""
    return (f"Slack is niet bereikbaar ({reason[:60]}); Regiebot probeert het over "
            f"{wait_s:.0f} s opnieuw. Tot de verbinding er is, meldt /healthz 'niet gereed'.")


def slack_refused(error: str) -> str:
    """Explain that Slack refuses the token (trying again will not help)."""
    return (f"Slack weigert het token ({error[:60]}). Controleer SLACK_BOT_TOKEN (en voor "
            "Socket Mode SLACK_APP_TOKEN) en de rechten van de app.")


SLACK_CONNECTED = "Verbonden met Slack; Regiebot is gereed."


def schema_at(revision: str | None) -> str:
    """Report the schema revision."""
    return f"Database op schemaversie {revision}."


def rotation_refused(reason: str) -> str:
    """Explain a refused key rotation."""
    return (f"{reason}; er is niets gewijzigd. Zet de oude sleutel achter de nieuwe in "
            "REGIEBOT_ENCRYPTION_KEYS en probeer het opnieuw.")


def rotation_line(table: str, column: str, rotated: int, total: int) -> str:
    """Report one column of a key rotation."""
    return f"{table}.{column}: {rotated} van {total} opnieuw versleuteld"


ROTATION_DONE = "Klaar. Oude sleutels kun je nu uit REGIEBOT_ENCRYPTION_KEYS halen."


def demo_loaded(added: int) -> str:
    """Confirm loading the demo data."""
    return f"Demodata geladen: {_count(added, 'nieuwe casus', 'nieuwe casussen')}."


# --- The command line: users -----------------------------------------------------------------

def unknown_role(value: str, valid: str) -> str:
    """Refuse an unknown role name."""
    return f"Onbekende rol '{value}'. Kies uit: {valid}."


NO_ROLE = "Geef minstens één rol op."
NAME_AND_ORGANISATION_REQUIRED = "Naam en organisatie zijn verplicht (hoogstens 120 tekens)."
USERS_CSV_COLUMNS = ("De CSV moet de kolommen slack_user_id, naam, organisatie, rollen "
                     "(gescheiden door ;) en optioneel email hebben.")


def not_a_slack_user_id(value: str) -> str:
    """Refuse something that is no Slack user id."""
    return f"'{value}' is geen Slack-gebruikers-id (zoals U012AB3CD)."


def not_an_email(value: str) -> str:
    """Refuse an invalid e-mail address."""
    return f"'{value}' is geen geldig e-mailadres."


NAME_FIELD, ORGANISATION_FIELD, EMAIL_FIELD = "De naam", "De organisatie", "Het e-mailadres"


def control_characters(field: str, shown: str) -> str:
    """Refuse a name, organisation or address with a control character (shown escaped)."""
    return (f"{field} '{shown}' bevat een stuurteken (zoals een regeleinde, tab of "
            "tekenrichtingsteken); dat kan niet. Er is niets opgeslagen.")


def unknown_user(slack_user_id: str) -> str:
    """Say a user id is not registered."""
    return f"Gebruiker {slack_user_id} is niet bekend."


def csv_line(line_no: int, message: str) -> str:
    """Prefix an import error with its CSV line."""
    return f"Regel {line_no}: {message}"


def user_saved(slack_user_id: str, name: str, organisation: str, roles: str) -> str:
    """Confirm a registered user."""
    return f"{slack_user_id} {name} ({organisation}): {roles}"


def user_updated(slack_user_id: str, roles: str) -> str:
    """Confirm changed user data."""
    return f"{slack_user_id} bijgewerkt: {roles}"


USER_ACTIVE, USER_INACTIVE = "actief", "gedeactiveerd"


def user_deactivated(slack_user_id: str) -> str:
    """Confirm a deactivation."""
    return f"{slack_user_id} gedeactiveerd."


def users_imported(count: int) -> str:
    """Confirm a CSV import."""
    return f"{_count(count, 'gebruiker', 'gebruikers')} geïmporteerd."


# --- The command line: meetings list ---------------------------------------------------------

def meetings_list_line(kind: str, planned_on: date, starts_at: datetime | None,
                       cutoff_at: datetime | None, held_on: date | None,
                       holiday: str | None) -> str:
    """Return one line of `regiebot meetings list`."""
    name = f"{meeting_name(kind):<13}"
    if starts_at is None or cutoff_at is None:
        return f"{name}{nl_day(planned_on)} vervalt ({holiday or 'geen werkdag'})"
    line = f"{name}{nl_moment(starts_at)}   termijn gereedmelding: {nl_moment(cutoff_at)}"
    if held_on is not None and held_on != planned_on:
        line += f"   (verplaatst van {nl_day(planned_on)}: {holiday or 'geen werkdag'})"
    return line


MEETINGS_LIST_NONE = "Geen vergaderingen gevonden."


def meetings_bad_from(text: str) -> str:
    """Explain the --from date of `regiebot meetings list`."""
    shown = text if len(text) <= 30 else text[:30] + "…"
    return (f"--from '{shown}' is geen geldige datum. Schrijf bijvoorbeeld --from 22-11-2026 of "
            "--from 2026-11-22.")


def meetings_bad_format(text: str) -> str:
    """Explain the --format of `regiebot meetings list`."""
    shown = text if len(text) <= 30 else text[:30] + "…"
    return f"'{shown}' bestaat niet: kies tekst, csv of json"


MEETINGS_BAD_COUNT = "--count moet een getal van 1 tot en met 100 zijn, bijvoorbeeld --count 6."


# --- The command line: reminders run ---------------------------------------------------------

def cli_sweep_skipped(moment: str, reason: str) -> str:
    """Explain why no digest is made at a moment."""
    return f"Geen overzicht om {moment}: {reason}."


CLI_NOT_WORKING_DAY = "geen werkdag (weekend of feestdag)"
CLI_BEFORE_DIGEST = "nog vóór het tijdstip van het dagelijkse overzicht"


def cli_already_swept(day: date) -> str:
    """Tell that the day's digest already went out."""
    return f"Het overzicht van {nl_day(day)} is al gemaakt; er wordt niets dubbel verstuurd."


def cli_sweep_done(day: date, reminders: int, digests: int) -> str:
    """Summarise one sweep."""
    return (f"Overzicht van {nl_day(day)}: {_count(reminders, 'herinnering', 'herinneringen')}"
            f", {_count(digests, 'bericht', 'berichten')} in de wachtrij.")


def cli_delivery_done(sent: int, retried: int, failed: int) -> str:
    """Summarise one delivery pass."""
    return f"Bezorgd: {sent} verstuurd, {retried} later opnieuw, {failed} definitief mislukt."


CLI_DRY_RUN = "Proefdraaien: er wordt niets opgeslagen of verstuurd."


def cli_dry_run_message(recipient: str, name: str) -> str:
    """Head one would-be message in a dry run."""
    return f"--- aan {recipient} ({name}) ---"


CLI_BAD_AT = ("`--at` moet een ISO-tijdstip zijn, bijvoorbeeld 2026-11-23T08:30 (Amsterdamse "
              "tijd), 2026-11-23T07:30+00:00 of alleen 2026-11-23 (die dag op het tijdstip "
              "van het overzicht). Er is niets gewijzigd.")
CLI_NEEDS_SLACK = ("Voor versturen is SLACK_BOT_TOKEN nodig; gebruik `--dry-run` om te zien wat "
                   "er verstuurd zou worden.")


# --- The command line: retention and audit export --------------------------------------------

def retention_line(code: str, closed_on: str, purge_after: str, rows: int,
                   recorded_on: str | None = None) -> str:
    """One case in a retention run (the term counts from when the closing was recorded)."""
    recorded = f" (vastgelegd {recorded_on})" if recorded_on else ""
    return (f"{code}\tafgesloten {closed_on}{recorded}\tbewaard tot en met {purge_after}"
            f"\t{_count(rows, 'rij', 'rijen')}")


def retention_summary(count: int, dry_run: bool, retention_days: int) -> str:
    """Summarise a retention run."""
    if dry_run:
        return (f"Proefdraai: {_count(count, 'afgesloten casus zou', 'afgesloten casussen zouden')}"
                f" worden gewist (bewaartermijn {_count(retention_days, 'dag', 'dagen')} na "
                "afsluiting). Er is niets gewijzigd.")
    return (f"{_count(count, 'afgesloten casus', 'afgesloten casussen')} gewist (bewaartermijn "
            f"{_count(retention_days, 'dag', 'dagen')} na "
            "afsluiting). Van elke casus blijven de code, de afsluitdatum, de wisdatum en de "
            "audittrail bewaard.")


def retention_missing_closed_on(count: int) -> str:
    """Warn about closed cases without a closing date (never purged automatically)."""
    return (f"Let op: {_count(count, 'afgesloten casus heeft', 'afgesloten casussen hebben')} "
            "geen vastgelegd afsluitmoment en "
            f"{'wordt' if count == 1 else 'worden'} daarom niet gewist. Leg het afsluitbesluit "
            "vast met `/regie besluit`.")


def audit_export_summary(count: int, path: str) -> str:
    """Confirm an audit export."""
    return f"{_count(count, 'auditregel', 'auditregels')} geëxporteerd naar {path}."


# --- The audit trail: chain verification and database roles -------------------------------

AUDIT_VERIFY_NOT_RECORDED = ("Let op: deze controle is niet in de audittrail vastgelegd (de "
                             "databaserol mag geen auditregels schrijven).")

_AUDIT_FINDINGS = {
    "unchained": "Regel {id}: zonder ketengegevens, buiten de bot om ingevoegd.",
    "content": ("Regel {id} (volgnummer {seq}): de inhoud klopt niet met de MAC; gewijzigd, "
                "verplaatst of vervalst."),
    "inserted": ("Regel {id} (volgnummer {seq}): een tweede regel op een plaats die al bezet "
                 "is; ingevoegd."),
    "missing": ("Vóór regel {id} (volgnummer {seq}): {span} ontbreken; regels "
                "verwijderd."),
    "link": ("Regel {id} (volgnummer {seq}): verwijst niet naar de regel ervoor; die is "
             "vervangen of de regels zijn verwisseld."),
    "after_head": ("Regel {id} (volgnummer {seq}): staat na het einde van de keten; buiten "
                   "de bot om toegevoegd."),
    "head_missing": "De kop van de keten (tabel audit_head) ontbreekt.",
    "head_content": "De kop van de keten klopt niet met zijn MAC; gewijzigd.",
    "tail_missing": ("Einde van de keten: de kop noemt volgnummer {seq} (regel {id}), maar "
                     "{span} ontbreken; de nieuwste regels zijn verwijderd."),
    "head_mismatch": ("Einde van de keten: regel {id} (volgnummer {seq}) is niet de regel "
                      "die de kop noemt; de laatste regel is vervangen."),
    "checkpoint": ("Controlepunt volgnummer {seq}: die regel is er niet meer of is anders; "
                   "regels tot en met dat punt zijn verwijderd of vervangen."),
}


def _audit_span(first: int | None, last: int | None) -> str:
    if first is None or last is None:
        return "volgnummers"
    return f"volgnummer {first}" if first == last else f"volgnummers {first}–{last}"


def audit_verify_finding(check: str, event_id: int | None, seq: int | None,
                         first_missing: int | None, last_missing: int | None) -> str:
    """Say where the audit chain breaks and which check failed."""
    return _AUDIT_FINDINGS[check].format(id=event_id if event_id is not None else "?",
                                         seq=seq if seq is not None else "?",
                                         span=_audit_span(first_missing, last_missing))


def audit_verify_report(*, rows: int, findings: list[tuple[str, int | None, int | None,
                                                        int | None, int | None]],
                        omitted: int, unverified: list[tuple[str, int, int | None, int | None]],
                        checkpoint: str | None, recorded: bool) -> list[str]:
    """Return the lines of `regiebot audit verify`'s report."""
    lines: list[str] = []
    if findings:
        count = len(findings) + omitted
        lines.append(f"Audittrail GEBROKEN: {count} {'breuk' if count == 1 else 'breuken'} "
                     f"gevonden in {_count(rows, 'regel', 'regels')}.")
        lines += [audit_verify_finding(*finding) for finding in findings]
        if omitted:
            lines.append(f"… en nog {_count(omitted, 'breuk', 'breuken')} (niet getoond).")
    for key_id, count, first, last in unverified:
        lines.append(f"Niet te controleren: {_count(count, 'regel', 'regels')} "
                     f"(volgnummers {first}–{last}) met "
                     f"sleutel {key_id}, die niet in REGIEBOT_ENCRYPTION_KEYS staat. Voeg de "
                     "oude sleutel voor deze controle achteraan toe.")
    if not findings and not unverified:
        lines.append(f"Audittrail intact: {_count(rows, 'regel', 'regels')} gecontroleerd; "
                     "de keten en haar "
                     "einde kloppen.")
    if checkpoint is not None and not findings:
        lines.append(f"Controlepunt (bewaar het buiten de database): {checkpoint}")
    if not recorded:
        lines.append(AUDIT_VERIFY_NOT_RECORDED)
    return lines


def audit_verify_bad_checkpoint(text: str) -> str:
    """Refuse a checkpoint that is not `volgnummer:MAC`."""
    return (f"'{text[:80]}' is geen controlepunt: verwacht volgnummer:MAC zoals "
            "`regiebot audit verify` het toont.")


def db_app_role_granted(role: str) -> str:
    """Confirm the application role's privileges."""
    return (f"Rechten gezet voor rol {role}: gegevens lezen en schrijven, de audittrail "
            "alleen lezen en aanvullen.")


_DB_ROLE_REFUSALS = {
    "not_postgresql": "rollen bestaan alleen in PostgreSQL",
    "missing": "die rol bestaat niet; maak hem eerst aan",
    "privileged": ("die rol is superuser, eigenaar van de tabellen of lid van de eigenaar, en "
                   "zou de audittrail kunnen wissen"),
}


def db_app_role_refused(role: str, reason: str) -> str:
    """Refuse a role that cannot be the application's role (nothing was migrated)."""
    return (f"Rol {role} kan niet de rol van de bot zijn: {_DB_ROLE_REFUSALS[reason]}. Er is "
            "niets veranderd.")


# --- The local console (regiebot shell) ------------------------------------------------------

SHELL_BANNER = (
    "Regiebot lokale console: dezelfde bot als in Slack, met een eigen klok. Typ `/regie help` "
    "voor de commando's van de bot en `:help` voor wat de console kan; `:stop` stopt."
)


def shell_ambiguous_user(options: str) -> str:
    """Say several users match what was typed."""
    return f"Meerdere gebruikers passen: {options}"


def shell_unknown_user(who: str) -> str:
    """Say no user matches what was typed."""
    return f"Gebruiker '{who}' is niet bekend."


def shell_you_are(name: str, slack_user_id: str, *, now: bool = False) -> str:
    """Say who the console acts as."""
    return f"Je bent {'nu ' if now else ''}{name} ({slack_user_id})."


SHELL_HINT = "Typ een commando dat begint met /regie, of een consolecommando (`:help` toont ze)."


# --- The local console: forms, buttons, time, files, scripts and the tour ------------------

CONSOLE_HELP = """Consolecommando's (alles wat met / begint gaat als slash-commando naar de bot):
  /regie …                 een slash-commando, zoals in Slack
  :als <naam of id>        wissel van gebruiker
  :home                    open het App Home-tabblad
  :snelkoppeling <naam>    gebruik een snelkoppeling (contact of uvo): opent het formulier
  :knop <n>                druk op knop n (knoppen staan als [n: tekst] in berichten)
  :tijd                    toon de gesimuleerde tijd
  :tijd <datum> [HH:MM]    zet de klok, bv. :tijd 4-1-2027 08:30
  :verder <n>m|u|d|w       laat minuten, uren, dagen of weken verstrijken
  :ics                     toon je laatste agenda-uitnodiging
  :ics opslaan <pad>       bewaar die uitnodiging als .ics-bestand
  :bestanden               de bestanden die je in een DM kreeg
  :stop                    stop de console
In een formulier: Enter houdt de huidige waarde, :leeg maakt een veld leeg, :annuleer sluit
het formulier zonder iets te versturen."""
CONSOLE_FORM_PROMPT = "formulier> "


def console_unknown_command(word: str) -> str:
    """Refuse a console command that does not exist."""
    return f"`{word}` kent de console niet. Typ `:help` voor de consolecommando's."


def console_not_our_command(word: str) -> str:
    """Refuse a slash command other than /regie (Slack would not send it to the bot)."""
    return (f"`{word}` is geen commando van Regiebot; in Slack gaat alleen `/regie` naar de "
            "bot. Er is niets verstuurd.")


CONSOLE_NOT_WITH_SLACK = (
    "De console start niet als er Slack-tokens zijn ingesteld: deze database hoort dan bij een "
    "echte bot, en de console zou berichten uit de wachtrij lokaal 'versturen' en herinneringen "
    "vooruit laten lopen. Gebruik een andere DATABASE_URL zonder SLACK_BOT_TOKEN, of "
    "`regiebot rondleiding`.")
CONSOLE_NO_FORM = "Er is geen formulier open; `:annuleer` werkt alleen in een formulier."
CONSOLE_COMMAND_IN_FORM = ("Er is een formulier open: beantwoord eerst het veld, of sluit het "
                           "formulier met `:annuleer`.")
CONSOLE_BUTTON_OUTSIDE_FORM = ("Er is een formulier open: alleen de knoppen in het formulier "
                               "zijn te gebruiken. Sluit het eerst met `:annuleer`.")
CONSOLE_AS_USAGE = "Schrijf `:als` met een naam of Slack-id, bv. `:als Marieke`."

# forms
CONSOLE_FORM_EMPTY = "(leeg)"
CONSOLE_FORM_CANCELLED = "Formulier gesloten; er is niets verstuurd."
CONSOLE_FORM_SENT = "(formulier verstuurd en gesloten)"
CONSOLE_FORM_NOT_SAVED = "Het formulier is niet opgeslagen:"
CONSOLE_FORM_EOF = "De invoer houdt op midden in een formulier; het formulier is gesloten."
CONSOLE_FIELD_REQUIRED = "Dit veld is verplicht: typ een waarde (of `:annuleer`)."
CONSOLE_FIELD_NOT_OPTIONAL = "Dit veld is verplicht en kan niet leeg."
CONSOLE_BAD_FORM_TIME = "Schrijf een tijd als 13:00."
CONSOLE_NOT_A_NUMBER = "Typ een getal, bv. 3."
CONSOLE_WHOLE_NUMBER = "Typ een heel getal, zonder komma."
CONSOLE_NOT_AN_EMAIL = "Typ een e-mailadres, bv. naam@example.org."
CONSOLE_NOT_A_URL = "Typ een adres dat begint met https://."
def console_search_prompt(least: int) -> str:
    """Ask for a search word in a field whose choices the bot looks up."""
    if least == 0:
        return "Typ een zoekterm (of Enter voor alle keuzes); de bot zoekt de keuzes erbij."
    return (f"Typ een zoekterm van minstens {_count(least, 'teken', 'tekens')}; de bot zoekt "
            "de keuzes erbij.")


def console_search_too_short(least: int) -> str:
    """Refuse a search word shorter than the field asks (Slack would not search yet)."""
    return f"Typ minstens {_count(least, 'teken', 'tekens')}; eerder zoekt Slack niet."


def console_shortcuts(names: Iterable[str]) -> str:
    """List the global shortcuts."""
    return "Snelkoppelingen: " + ", ".join(names) + ". Schrijf bv. `:snelkoppeling contact`."


def console_unknown_shortcut(word: str) -> str:
    """Refuse a shortcut that does not exist."""
    return f"Snelkoppeling `{word}` bestaat niet. `:snelkoppeling` toont ze."

CONSOLE_NO_OPTIONS = "De bot vond geen keuzes bij deze zoekterm; probeer een andere."
_FIELD_KINDS = {
    "plain_text_input": "tekst", "email_text_input": "e-mailadres", "url_text_input": "adres",
    "number_input": "getal", "static_select": "keuze", "external_select": "keuze met zoeken",
    "radio_buttons": "één keuze", "multi_static_select": "meerdere keuzes, met komma's",
    "checkboxes": "aankruisen, nummers met komma's", "datepicker": "datum",
    "timepicker": "tijd", "users_select": "gebruiker", "multi_users_select": "gebruikers",
}


def console_field_kind(kind: str, multiline: bool) -> str:
    """Name the kind of a form field."""
    if kind == "plain_text_input" and multiline:
        return "tekst; \\n voor een nieuwe regel"
    if kind == "datepicker":
        return "datum, bv. 22-11-2026, 22-11 of vandaag"
    return _FIELD_KINDS.get(kind, kind)


def console_form_opened(title: str) -> str:
    """Introduce a form."""
    return (f"[formulier: {title}] Vul de velden in. Enter houdt de huidige waarde, "
            "`:annuleer` sluit het formulier.")


def console_field_heading(number: int, total: int, label: str, kind: str,
                          optional: bool) -> str:
    """Head the prompt of one field."""
    need = "mag leeg" if optional else "verplicht"
    return f"Veld {number} van {total}: {label} ({kind}; {need})"


def console_field_hint(hint: str) -> str:
    """Show a field's hint or placeholder."""
    return f"Toelichting: {hint}"


def console_field_current(value: str) -> str:
    """Show a field's current value."""
    return f"Nu: {value}"


def console_field_error(label: str, message: str) -> str:
    """Show the bot's validation error next to its field."""
    return f"  {label}: {message}"


def console_not_an_option(word: str, count: int) -> str:
    """Refuse an answer that is none of a select's options."""
    return (f"`{word}` is geen van de keuzes. Typ een nummer van 1 tot en met {count} "
            "(of de tekst van een keuze).")


def console_too_many_choices(limit: int) -> str:
    """Refuse more choices than a multi-select allows."""
    return f"Kies er hoogstens {limit}."


def console_number_range(low: object, high: object) -> str:
    """Refuse a number outside a field's range."""
    if low is not None and high is not None:
        return f"Typ een getal van {low} tot en met {high}."
    return f"Typ een getal van minstens {low}." if low is not None else (
        f"Typ een getal van hoogstens {high}.")


def console_too_long(length: int, limit: int) -> str:
    """Refuse text longer than a field allows (Slack's form would not send it)."""
    return f"Dit veld mag hoogstens {limit} tekens hebben; je typte er {length}."


def console_too_short(limit: int) -> str:
    """Refuse text shorter than a field needs."""
    return f"Dit veld heeft minstens {_count(limit, 'teken', 'tekens')} nodig."


def console_unfillable(kinds: str) -> str:
    """Say a form has a field the console cannot fill in."""
    return (f"Dit formulier heeft een veld dat de console niet kan invullen ({kinds}); het is "
            "gesloten zonder iets te versturen.")


# buttons
def console_no_button(number: str, last: int) -> str:
    """Refuse a button number that is not on screen."""
    if last == 0:
        return f"Knop {number} bestaat niet: er is nog geen knop getoond."
    return (f"Knop {number} bestaat niet (meer). Knoppen staan als [n: tekst] in berichten; "
            f"het hoogste nummer tot nu toe is {last}.")


CONSOLE_BUTTON_USAGE = "Schrijf `:knop` met het nummer van een knop, bv. `:knop 2`."


def console_button_not_yours(number: int, owner: str) -> str:
    """Refuse pressing a button in a message another user sees."""
    return (f"Knop {number} staat in een bericht dat alleen {owner} ziet; wissel eerst met "
            f"`:als {owner}`.")


def console_button_pressed(number: int, label: str) -> str:
    """Confirm which button was pressed."""
    return f"(knop {number} ingedrukt: {label})"


def console_confirm(title: str, text: str, yes: str, no: str) -> str:
    """Show a button's confirmation dialog."""
    return f"{title}: {text}\nTyp `ja` ({yes}) of `nee` ({no})."


CONSOLE_CONFIRM_DECLINED = "Niet bevestigd; er is niets verstuurd."
CONSOLE_CONFIRM_ANSWER = "Typ `ja` of `nee`."

# time
def console_moment(moment: datetime) -> str:
    """Write a simulated moment in full, Amsterdam time."""
    local = moment.astimezone(_AMSTERDAM)
    return f"{nl_day(local.date())} {local:%H:%M}"


def console_now(moment: datetime) -> str:
    """Show the simulated time."""
    return f"Het is nu {console_moment(moment)} (gesimuleerde tijd)."


def console_clock_moved(moment: datetime) -> str:
    """Confirm that time moved on."""
    return f"De klok staat nu op {console_moment(moment)}."


def console_clock_back(moment: datetime) -> str:
    """Confirm a clock set back; nothing scheduled runs on the way back."""
    return (f"De klok staat nu op {console_moment(moment)} (terug in de tijd: geplande "
            "taken lopen pas weer als de tijd verder gaat).")


def console_heading(moment: datetime) -> str:
    """Head what scheduled jobs delivered at a moment."""
    return f"── {console_moment(moment)} ──"


CONSOLE_TIME_USAGE = ("Schrijf `:tijd` (toont de tijd), `:tijd 22-11-2026` of "
                      "`:tijd 22-11-2026 08:30`.")
CONSOLE_FORWARD_USAGE = ("Schrijf `:verder` met een aantal en een eenheid: `:verder 30m` "
                         "(minuten), `2u` (uren), `3d` (dagen) of `1w` (weken).")


def console_bad_clock_time(text: str) -> str:
    """Refuse a time of day that is not HH:MM."""
    return f"`{text}` is geen tijd. Schrijf de tijd als 08:30. " + CONSOLE_TIME_USAGE


def console_too_far(weeks: int) -> str:
    """Refuse moving the clock too far at once."""
    return f"Zo ver kan de klok niet in één keer: hoogstens {weeks} weken."


CONSOLE_YEAR_RANGE = "Kies een datum tussen 2000 en 2100."


def console_job_failed(job_id: str, error: str) -> str:
    """Report a scheduled job that failed (the console goes on, like the scheduler)."""
    return f"(geplande taak {job_id} mislukte: {error}; de console gaat door)"


# what arrives
def console_dm(name: str) -> str:
    """Label a direct message."""
    return f"DM aan {name}"


def console_channel(name: str) -> str:
    """Label a channel post."""
    return f"kanaal {name}"


CONSOLE_UPDATED = " (bijgewerkt)"
CONSOLE_REPLY_REPLACES = "(vervangt het vorige bericht)"
CONSOLE_REPLY_DELETED = "(het bericht is verwijderd)"


def console_form_title(title: str) -> str:
    """Label a modal."""
    return f"formulier: {title}"


def console_home(name: str) -> str:
    """Label a Home tab."""
    return f"App Home van {name}"


def console_file_dm(name: str | None) -> str:
    """Label a file in a DM."""
    return f"bestand in DM aan {name}" if name else "bestand in DM"


def console_mail(to: str, subject: str) -> str:
    """Label an e-mail the local mail server received."""
    return f"[e-mail aan {to}] {subject}"


def console_mail_part(filename: str, content_type: str) -> str:
    """Describe an e-mail attachment."""
    return f"  bijlage: {filename} ({content_type})"


def console_mail_calendar(method: str) -> str:
    """Describe the calendar part of an iMIP e-mail."""
    return f"  agenda-uitnodiging in de e-mail (text/calendar, METHOD:{method})"


# files and invitations
CONSOLE_NO_FILES = "Je hebt nog geen bestanden in een DM gekregen."
CONSOLE_NO_INVITATION = "Je hebt nog geen agenda-uitnodiging gekregen."
CONSOLE_ICS_USAGE = "Schrijf `:ics` of `:ics opslaan <pad>`."
CONSOLE_FILES_TITLE = "Bestanden in je DM:"


def console_file_line(number: int, filename: str, title: str, size: int,
                      received_at: datetime) -> str:
    """List one delivered file."""
    return (f"  {number}. {filename} — {title} ({size} bytes, ontvangen "
            f"{console_moment(received_at)})")


_ICS_METHODS = {"REQUEST": "uitnodiging of wijziging", "CANCEL": "afzegging",
                "PUBLISH": "agenda om te abonneren"}


def console_ics_lines(method: str, sequence: str, starts: datetime | None,
                      ends: datetime | None, location: str, summary: str, attendee: str,
                      organizer: str, status: str, filename: str) -> list[str]:
    """Describe an invitation decoded from its .ics file."""
    lines = [f"Uitnodiging {filename}:",
             f"  methode:    {method} ({_ICS_METHODS.get(method, '?')})",
             f"  volgnummer: {sequence} (SEQUENCE; hoger = nieuwer)"]
    if starts is not None:
        lines.append(f"  begin:      {console_moment(starts)}")
    if ends is not None:
        lines.append(f"  einde:      {console_moment(ends)}")
    lines += [f"  plaats:     {location}", f"  onderwerp:  {summary}",
              f"  deelnemer:  {attendee}", f"  organisator: {organizer}"]
    if status:
        lines.append(f"  status:     {status}")
    return lines


def console_ics_saved(path: str) -> str:
    """Confirm a saved invitation."""
    return f"Uitnodiging bewaard in {path}."


def console_ics_not_saved(path: str) -> str:
    """Say an invitation could not be written."""
    return f"Kon {path} niet schrijven; kies een ander pad."


CONSOLE_ICS_UNREADABLE = "Dit .ics-bestand is geen leesbare agenda."

# scripts
def console_script_unreadable(path: str) -> str:
    """Say a script file cannot be read."""
    return f"Het script {path} is niet te lezen."


def console_script_stopped(number: int, line: str) -> str:
    """Stop a --strict script at a broken line."""
    return f"Regel {number} ging mis: {line}\nHet script stopt (--strict)."


# the guided tour (regiebot rondleiding)
TOUR_BANNER = ("Rondleiding door Regiebot: één casus van opname tot afsluiting, stap voor stap, "
               "in een lege oefendatabase. Voor elke stap lees je wat er in het proces gebeurt "
               "en waarom (met de paragraaf van de handreiking); druk dan op Enter.")
TOUR_PRESS_ENTER = "[Enter: doe deze stap · q: stop de rondleiding] "
TOUR_DONE = "Einde van de rondleiding. De oefendatabase wordt weer opgeruimd."
TOUR_STOPPED = "Rondleiding gestopt. De oefendatabase wordt weer opgeruimd."


def tour_step(number: int, total: int, title: str) -> str:
    """Head one step of the tour."""
    return f"\n=== Stap {number} van {total}: {title} ==="


# --- The case lifecycle: refusals, decisions and undo, rhythm, missed meetings, escalations ---

STEP_LABELS = {
    "itat": "op de agenda van een komend ITAT-R",
    "besproken": "besproken in het ITAT-R; de volgende stap is het Regieoverleg",
    "regie": "op de agenda van een komend Regieoverleg",
    "besluit": "besproken in het Regieoverleg; het besluit is nog niet vastgelegd",
}
STATE_LABEL_PHASE = {
    "plan": "plan van aanpak in voorbereiding",
    "uitvoering": "uitvoering",
    "afbouw": "afbouw",
    "afgesloten": "afgesloten",
}


def state_label(phase: str, step: str, kind: str | None) -> str:
    """Describe a lifecycle state: the phase and, when something is under way, what and where."""
    text = STATE_LABEL_PHASE.get(phase, phase)
    if step:
        what = f"{item_kind_label(kind)} " if kind else ""
        text += f"; {what}{STEP_LABELS.get(step, step)}"
    return text


def lifecycle_command(code: str, name: str, meeting: str | None, detail: str | None) -> str:
    """Write an agenda event as the command that does it."""
    if name == "gereed":
        return f"`/regie gereed {code} {meeting} {detail}`"
    if name == "intrekken":
        return f"`/regie intrekken {code} {meeting}`"
    if name == "besluit":
        return f"`/regie besluit {code} {detail}`"
    if name == "herstel":
        return f"`/regie besluit {code} herstel`"
    return f"`/regie {name} {code}`"


_PHASE_HINTS = {
    ("itat", "concept"): "het concept plan van aanpak gaat naar het ITAT-R zolang het plan nog "
                         "niet is vastgesteld (handreiking §10)",
    ("itat", "herinbreng"): "opnieuw inbrengen in het ITAT-R kan pas als het plan van aanpak "
                            "is vastgesteld (handreiking §12)",
    ("itat", "afbouw"): "een afbouwvoorstel kan alleen voor een casus in de uitvoering "
                        "(handreiking §13)",
    ("itat", "afsluit"): "een afsluitvoorstel kan alleen voor een casus in de uitvoering of "
                         "de afbouw (handreiking §13)",
    ("regie", "definitief"): "het definitieve plan gaat naar het Regieoverleg zolang het plan "
                             "nog niet is vastgesteld (handreiking §11)",
    ("regie", "afbouw"): "een afbouwvoorstel gaat alleen voor een casus in de uitvoering naar "
                         "het Regieoverleg (handreiking §13)",
    ("regie", "afsluit"): "een afsluitvoorstel gaat alleen voor een casus in de uitvoering of "
                          "de afbouw naar het Regieoverleg (handreiking §13)",
}
_ITAT_FIRST = {"definitief": "concept", "afbouw": "afbouw", "afsluit": "afsluit"}


def lifecycle_reason(reason: str, name: str, meeting: str | None, detail: str | None) -> str:
    """Say in one clause why an event is not allowed now."""
    where = meeting_name(meeting or "")
    if reason == "afgesloten":
        return "de casus is afgesloten"
    if reason == "fase":
        return _PHASE_HINTS.get((meeting or "", detail or ""),
                                f"een {item_kind_label(detail or '')} hoort niet bij deze fase")
    if reason == "vergadering":
        return f"een {item_kind_label(detail or '')} hoort niet op de agenda van het {where}"
    if reason == "al_op_agenda":
        return f"de casus staat al op een komende agenda van het {where}"
    if reason == "niet_op_agenda":
        return f"de casus staat niet op een komende agenda van het {where}"
    if reason == "niet_besproken":
        first = item_kind_label(_ITAT_FIRST.get(detail or "", "concept"))
        return (f"het {item_kind_label(detail or '')} gaat pas naar het Regieoverleg nadat het "
                f"{first} is besproken in een ITAT-R dat al is gehouden (handreiking §11 en "
                "§13)")
    if reason == "onderweg":
        return "er loopt al een agendapunt voor deze casus; wacht dat eerst af"
    if reason == "geen_besluit":
        return ("er is geen punt van deze casus besproken in een Regieoverleg dat al is "
                "gehouden en waarover nog een besluit moet komen")
    if reason == "niet_herstelbaar":
        return "er is geen besluit van de afgelopen 7 dagen dat hersteld kan worden"
    if reason == "bestaat_al":
        return "de casus bestaat al"
    return "dat past niet bij de stand van de casus"


def agenda_item_phrase(meeting: str, item_kind: str, held_on: date, held: bool,
                       outcome: str | None) -> str:
    """Describe one agenda item of a case: meeting, date, kind and where it stands."""
    if outcome:
        state = outcome
    elif held:
        state = "besproken, nog geen besluit" if meeting == "regie" else "besproken"
    else:
        state = "komt nog"
    return (f"{meeting_name(meeting)} {short_day(held_on)}-{held_on.year} "
            f"({item_kind_label(item_kind)}, {state})")


def agenda_items_summary(items: Sequence[tuple[str, str, date, bool, str | None]]) -> str:
    """List a case's agenda items, or say it has none."""
    if not items:
        return "De casus staat op geen enkele agenda."
    return "Agendapunten: " + "; ".join(agenda_item_phrase(*i) for i in items) + "."


def lifecycle_refused(code: str, event: tuple[str, str | None, str | None], reason: str,
                      phase: str, step: str, kind: str | None,
                      items: Sequence[tuple[str, str, date, bool, str | None]],
                      allowed: Sequence[tuple[str, str | None, str | None]]) -> str:
    """Refuse an event: why, the case's state and agenda items, and what can be done now."""
    name, meeting, detail = event
    text = (f"Dat kan nu niet voor `{code}`: {lifecycle_reason(reason, name, meeting, detail)}. "
            f"Stand van de casus: *{state_label(phase, step, kind)}*. "
            f"{agenda_items_summary(items)}")
    if allowed:
        text += " Wat nu wel kan: " + ", ".join(
            lifecycle_command(code, n, m, d) for n, m, d in allowed) + "."
    return text + " Er is niets veranderd."


# Decisions (/regie besluit), with the agenda they belong to.

def decision_not_on_date(code: str, day: date,
                         items: Sequence[tuple[str, str, date, bool, str | None]],
                         phase_text: str) -> str:
    """Refuse a decision dated on a day the case was not discussed by a held Regieoverleg."""
    return (f"`{code}` is op {format_date(day)} niet besproken in een Regieoverleg dat al is "
            f"gehouden, dus daar kan geen besluit over worden vastgelegd. Stand van de casus: "
            f"*{phase_text}*. {agenda_items_summary(items)} Er is niets veranderd.")


def decision_already_taken(code: str, held_on: date, outcome: str) -> str:
    """Refuse a second decision on an item that was already decided."""
    return (f"Over `{code}` is voor het Regieoverleg van {nl_day(held_on)} al besloten: "
            f"*{outcome}*. Is dat een vergissing, herstel het dan met "
            f"`/regie besluit {code} herstel` (binnen 7 dagen). Er is niets veranderd.")


def decision_on_concept(code: str,
                        items: Sequence[tuple[str, str, date, bool, str | None]]) -> str:
    """Refuse a decision on a concept plan placed on a Regieoverleg."""
    return (f"Het punt van `{code}` op het Regieoverleg is een concept plan van aanpak. Een "
            "concept gaat naar het ITAT-R; het Regieoverleg stelt alleen het definitieve plan "
            f"vast (handreiking §10 en §11). {agenda_items_summary(items)} Er is niets "
            "veranderd.")


def decision_date_refused(code: str, day: date, why: str,
                          items: Sequence[tuple[str, str, date, bool, str | None]]) -> str:
    """Refuse a decision date in the future or before the intake, naming the agenda items."""
    return (f"Een besluit over `{code}` kan niet op {format_date(day)} liggen: {why}. Laat de "
            "datum weg (dan geldt de datum van het Regieoverleg) of schrijf de datum van het "
            f"Regieoverleg. {agenda_items_summary(items)} Er is niets veranderd.")


DECISION_DATE_FUTURE = "die datum ligt in de toekomst"


def decision_date_before_intake(intake: date) -> str:
    """Explain a decision date before the intake."""
    return f"die datum ligt vóór het opnamebesluit van {format_date(intake)}"


FOUR_EYES_DECISION = (
    "Je bent zelf de regisseur van deze casus; een besluit erover legt een andere medewerker "
    "van het secretariaat vast (vier ogen). Er is niets veranderd.")
FOUR_EYES_HANDOVER = (
    "Je kunt een casus niet aan jezelf overdragen; dat doet een andere medewerker van het "
    "secretariaat (vier ogen). Er is niets veranderd.")
FOUR_EYES_INTAKE = (
    "Je kunt jezelf niet als regisseur opnemen; dat legt een andere medewerker van het "
    "secretariaat vast (vier ogen). Er is niets opgeslagen.")


def decision_carried(kind: str, held_on: date, position: int) -> str:
    """Say where an `aangehouden` item now stands (the secretary may move it)."""
    return (f" Het punt staat nu op het {meeting_name(kind)} van {nl_day(held_on)} (plaats "
            f"{position + 1}); een andere vergadering kies je met `/regie verplaats … regie "
            "<datum>`.")


def decision_undone(code: str, outcome: str, decided_on: date, phase: str,
                    restored: int, published: bool) -> str:
    """Confirm an undone decision."""
    text = (f"Het besluit *{outcome}* over `{code}` van {nl_day(decided_on)} is hersteld: het "
            f"is alsof het niet is vastgelegd. Fase nu: {phase}. De regisseur krijgt een "
            "bericht.")
    if restored:
        items = _count(restored, "ingetrokken agendapunt staat",
                       "ingetrokken agendapunten staan")
        text += f" {items} weer op de agenda."
        if published:
            text += " Publiceer die agenda opnieuw om de uitnodiging weer te versturen."
    return text


def decision_undo_blocked(code: str, outcome: str,
                          items: Sequence[tuple[str, str, date, bool, str | None]]) -> str:
    """Refuse an undo after the agenda moved on since the decision."""
    return (f"Het besluit *{outcome}* over `{code}` kan niet meer worden hersteld: na het "
            f"besluit is de casus al opnieuw geagendeerd. {agenda_items_summary(items)} Haal "
            "dat punt eerst van de agenda (`/regie intrekken`) en herstel dan het besluit. Er "
            "is niets veranderd.")


def decision_undone_dm(code: str, outcome: str, decided_on: date) -> str:
    """Tell the regisseur a decision was undone."""
    return (f"Het besluit *{outcome}* over `{code}` van {nl_day(decided_on)} was een vergissing "
            "en is hersteld door het secretariaat. De casus staat weer zoals vóór dat besluit.")


# Intake dates.

def intake_not_on_meeting_day(day: date, nearest: date) -> str:
    """Warn that an intake date is not a Regieoverleg day (accepted: history is entered late)."""
    return (f" Let op: op {format_date(day)} was er geen Regieoverleg; het dichtstbijzijnde was "
            f"{nl_day(nearest)}. Controleer de datum; pas hem zo nodig aan.")


def intake_date_refused(day: date) -> str:
    """Refuse an intake decision dated in the future."""
    return (f"Een opnamebesluit kan niet in de toekomst liggen ({format_date(day)}). Schrijf "
            "de datum van het Regieoverleg dat besloot; er is niets opgeslagen.")


# Per-case rhythm (/regie frequentie).

USAGE_FREQUENTIE = "/regie frequentie <casus> uvo|evaluatie <weken> [tot <datum>]"
SUMMARY_FREQUENTIE = "ritme van UVO of evaluatie voor één casus (1 tot en met 26 weken)"
RHYTHM_KIND_LABELS = {"uvo": "UVO", "evaluatie": "evaluatie"}
MISSING_RHYTHM_PARTS = "de casus, `uvo` of `evaluatie`, of het aantal weken"


def rhythm_bad_kind(word: str) -> str:
    """Explain the rhythm kinds."""
    return (f"`{_agenda_shown(word)}` is geen ritme dat ik ken. Kies `uvo` of `evaluatie`, "
            f"bijvoorbeeld `/regie frequentie R-0042 uvo 4`.")


def rhythm_bad_weeks(word: str) -> str:
    """Explain the number of weeks."""
    return (f"`{_agenda_shown(word)}` is geen geldig aantal weken: kies een heel getal van 1 "
            "tot en met 26, bijvoorbeeld `/regie frequentie R-0042 uvo 4`.")


def rhythm_until_past(day: date) -> str:
    """Refuse a `tot` date that is not in the future."""
    return (f"`tot {format_date(day)}` ligt niet in de toekomst. Kies een latere datum of "
            "laat `tot` weg; er is niets veranderd.")


def rhythm_phrase(kind: str, weeks: int, until: date | None) -> str:
    """Describe a case's own rhythm: `UVO elke 4 weken tot 01-03-2027`."""
    text = f"{RHYTHM_KIND_LABELS.get(kind, kind)} elke {_count(weeks, 'week', 'weken')}"
    return text + (f" tot {format_date(until)}" if until else "")


def rhythm_set(code: str, kind: str, weeks: int, until: date | None, default_weeks: int,
               next_due: date | None) -> str:
    """Confirm a rhythm change and the next due date."""
    label = RHYTHM_KIND_LABELS.get(kind, kind)
    if weeks == default_weeks and until is None:
        text = (f"Ritme van `{code}`: {label} weer elke "
                f"{_count(weeks, 'week', 'weken')} (het standaardritme).")
    else:
        text = f"Ritme van `{code}`: {rhythm_phrase(kind, weeks, until)}"
        text += (f", daarna weer elke {_count(default_weeks, 'week', 'weken')}." if until
                 else f" (standaard: elke {_count(default_weeks, 'week', 'weken')}).")
    if next_due is not None:
        text += f" Volgende {label} uiterlijk {format_date(next_due)}."
    return text


RHYTHM_TITLE = "Eigen ritme"


def rhythm_note(weeks: int) -> str:
    """Mark a due date that follows the case's own rhythm."""
    return f"eigen ritme: elke {_count(weeks, 'week', 'weken')}"


# Missed meetings: the deadline moves to the next meeting whose cut-off has not passed.

def missed_meeting_phrase(kind: str, missed_on: date, meeting_on: date, ready_by: date) -> str:
    """Say a meeting was missed and which one is next: `ITAT-R van 10-12 gemist; volgende: …`."""
    name = "Regieoverleg" if kind == "regie_cutoff" else "ITAT-R"
    what = "uiterlijk" if kind == "uvo" else "gereed uiterlijk"
    return (f"{name} van {missed_on.day:02d}-{missed_on.month:02d} gemist; volgende: "
            f"{meeting_on.day:02d}-{meeting_on.month:02d}, {what} "
            f"{ready_by.day:02d}-{ready_by.month:02d}")


# Escalations in the digest of the programme team (and late letters in the secretariat's).

ESCALATIONS_TITLE = "Escalaties"


def escalation_line(code: str, regisseur: str, kind: str, days_late: int,
                    working_days_late: int, missed: str | None) -> str:
    """One escalation: case code, regisseur, what and how late (never case text)."""
    line = (f"• *{escape_mrkdwn(code)}* ({escape_mrkdwn(regisseur)}): {deadline_label(kind)}, "
            f"{_count(days_late, 'dag', 'dagen')} te laat "
            f"({_count(working_days_late, 'werkdag', 'werkdagen')})")
    return line + (f"; {missed}" if missed else "")


def escalations_intro(threshold: int) -> str:
    """Explain what the escalation section lists."""
    return (f"Termijnen die meer dan {_count(threshold, 'werkdag', 'werkdagen')} verlopen zijn "
            "(casuscode, regisseur, wat en hoe laat; geen casusinhoud).")


def escalations_more(count: int) -> str:
    """Summarise escalations that did not fit."""
    return f"… en nog {count} {'escalatie' if count == 1 else 'escalaties'}."
