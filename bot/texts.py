"""All Dutch user-facing text, as constants and small functions, grouped by conversation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

# --- general -----------------------------------------------------------------

BOT_NAME = "Regiebot"
GENERIC_ERROR = (
    "Er ging iets mis aan onze kant. Er is niets opgeslagen van dit verzoek; "
    "probeer het zo nog eens. Blijft het misgaan, meld het dan bij de functioneel beheerder."
)
SLACK_UNAVAILABLE = (
    "Slack is op dit moment niet goed bereikbaar voor Regiebot. Probeer het over een minuut "
    "opnieuw."
)

# --- refusals (middleware) -----------------------------------------------------

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


def refused_role(command: str, roles: Iterable[str]) -> str:
    """Tell that a command is reserved for other roles."""
    names = ", ".join(sorted(roles))
    return f"`/regie {command}` is alleen beschikbaar voor de rol {names}."


# --- help and the command router ------------------------------------------------

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


def unknown_command(word: str, suggestion: str | None) -> str:
    """Explain an unknown subcommand and suggest the closest valid one."""
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
    return f"Zo schrijf je het: `{line}`"


ROLE_LABELS = {
    "regisseur": "regisseur",
    "secretaris": "secretariaat",
    "programma": "programmateam",
    "beheerder": "functioneel beheer",
}

# --- App Home (foundation) -----------------------------------------------------

HOME_TITLE = "Regiebot"
HOME_INTRO = (
    "Welkom bij Regiebot. Gebruik `/regie help` in een willekeurig kanaal of hier in de "
    "berichten; antwoorden met casusinformatie ziet alleen jij."
)
HOME_NOT_REGISTERED = REFUSED_UNREGISTERED

# --- modals (generic) ----------------------------------------------------------

MODAL_CANCEL = "Annuleren"
MODAL_SUBMIT = "Opslaan"

# --- shell ------------------------------------------------------------------------

SHELL_BANNER = (
    "Regiebot lokale console. Typ `/regie help` om te beginnen, `:als <gebruiker>` om van "
    "gebruiker te wisselen, `:home` voor het App Home-tabblad, `:stop` om te stoppen."
)

# --- reminders and deadlines (issue 4) ---------------------------------------------

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
WEEKDAYS_SHORT = ("ma", "di", "wo", "do", "vr", "za", "zo")
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")


def short_day(day: date) -> str:
    """Write a date compactly with its weekday: `do 26-11`."""
    return f"{WEEKDAYS_SHORT[day.weekday()]} {day.day:02d}-{day.month:02d}"


def long_day(day: date) -> str:
    """Write a date in full: `maandag 23 november 2026`."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


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
    return f"Termijnen op {long_day(day)}"


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
                f"`/regie brief {code} [datum] [aan]`, bijvoorbeeld "
                f"`/regie brief {code} vandaag betrokkene`.")
    if kind == "geen_regisseur":
        return (f"Wijs `{code}` een actieve regisseur toe met "
                f"`/regie overdracht {code} @regisseur`.")
    if kind == "uvo":
        return f"Leg de UVO van `{code}` vast met `/regie uvo {code} [datum] <afspraken>`."
    if kind == "evaluatie":
        return (f"Leg de evaluatie van `{code}` vast met "
                f"`/regie evaluatie {code} [datum] <tekst>`.")
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

HOME_DEADLINES_TITLE = "Komende termijnen"
HOME_NO_DEADLINES = "Geen open termijnen voor jouw casussen."
HOME_LETTERS_TITLE = "Notificatiebrieven nog te versturen"


def home_more(count: int) -> str:
    """Say that more cases have deadlines than the Home tab shows."""
    return f"… en nog {count} {'casus' if count == 1 else 'casussen'}."


# CLI: `regiebot reminders run`
def cli_sweep_skipped(moment: str, reason: str) -> str:
    """Explain why no digest is made at a moment."""
    return f"Geen overzicht om {moment}: {reason}."


CLI_NOT_WORKING_DAY = "geen werkdag (weekend of feestdag)"
CLI_BEFORE_DIGEST = "nog vóór het tijdstip van het dagelijkse overzicht"


def cli_already_swept(day: date) -> str:
    """Tell that the day's digest already went out."""
    return f"Het overzicht van {long_day(day)} is al gemaakt; er wordt niets dubbel verstuurd."


def cli_sweep_done(day: date, reminders: int, digests: int) -> str:
    """Summarise one sweep."""
    return (f"Overzicht van {long_day(day)}: {reminders} herinneringen, "
            f"{digests} berichten in de wachtrij.")


def cli_delivery_done(sent: int, retried: int, failed: int) -> str:
    """Summarise one delivery pass."""
    return f"Bezorgd: {sent} verstuurd, {retried} later opnieuw, {failed} definitief mislukt."


CLI_DRY_RUN = "Proefdraaien: er wordt niets opgeslagen of verstuurd."


def cli_dry_run_message(recipient: str, name: str) -> str:
    """Head one would-be message in a dry run."""
    return f"--- aan {recipient} ({name}) ---"


CLI_BAD_AT = ("`--at` moet een ISO-tijdstip zijn, bijvoorbeeld 2026-11-23T08:30 (Amsterdamse "
              "tijd) of 2026-11-23T07:30+00:00.")
CLI_NEEDS_SLACK = ("Voor versturen is SLACK_BOT_TOKEN nodig; gebruik `--dry-run` om te zien wat "
                   "er verstuurd zou worden.")


# --- programme monitor, retention and audit export (issue 6) ----------------------------

MONITOR_USAGE = "/regie monitor [van] [tot]"
MONITOR_SUMMARY = "cijfers voor het programmateam (nooit casusinhoud), met CSV en grafiek"
MONITOR_TITLE = "Monitor IPGA Radicalisering"
MONITOR_FILES_FOLLOW = "De cijfers als CSV-bestand en als grafiek staan zo in je privéberichten."
MONITOR_FILE_COMMENT = (
    "Monitorcijfers (alleen aantallen, geen casusinformatie). Kleine groepen zijn afgeschermd.")
MONITOR_SECTION_PHASE = "Casussen in de aanpak per fase (stand)"
MONITOR_SECTION_RISK = "Casussen in de aanpak per risicogroep (stand)"
MONITOR_SECTION_FLOW = "Instroom en uitstroom in de periode"
MONITOR_SECTION_UVO = "Uitvoeringsoverleg (UVO, stand)"
MONITOR_SECTION_EVALUATION = "Evaluaties (stand)"
MONITOR_SECTION_LETTERS = "Kennisgevingsbrief na opname in de periode"
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
    return f"met een UVO in de laatste {weeks} weken"


def monitor_period(start: str, end: str, today: str) -> str:
    """Describe the period and the reference day of the figures."""
    return f"Periode {start} t/m {end} · stand op {today}"


def monitor_legend(min_group: int) -> str:
    """Explain the suppression marks."""
    return (f"<{min_group} = minder dan {min_group} (0 tot en met {min_group - 1}); "
            "x = afgeschermd, zodat een kleine groep niet uit de andere getallen terug te "
            "rekenen is; – = niet van toepassing. Standen gelden voor vandaag, de overige "
            "cijfers voor de periode.")


def monitor_chart_title(start: str, end: str) -> str:
    """Title of the monitor chart."""
    return f"Monitor IPGA Radicalisering, {start} t/m {end}"


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
    "einddatum, zoals `/regie monitor 01-01-2026 30-06-2026`. Zonder datums krijg je het "
    "lopende jaar tot en met vandaag.")

# CLI (regiebot monitor / retention run / audit export)

CLI_BAD_OPTIONS = "Onjuiste aanroep"


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


def retention_line(code: str, closed_on: str, purge_after: str, rows: int) -> str:
    """One case in a retention run."""
    return f"{code}\tafgesloten {closed_on}\tbewaard tot en met {purge_after}\t{rows} rijen"


def retention_summary(count: int, dry_run: bool, retention_days: int) -> str:
    """Summarise a retention run."""
    if dry_run:
        return (f"Proefdraai: {count} afgesloten casussen zouden worden gewist (bewaartermijn "
                f"{retention_days} dagen na afsluiting). Er is niets gewijzigd.")
    return (f"{count} afgesloten casussen gewist (bewaartermijn {retention_days} dagen na "
            "afsluiting). Van elke casus blijven de code, de afsluitdatum, de wisdatum en de "
            "audittrail bewaard.")


def retention_missing_closed_on(count: int) -> str:
    """Warn about closed cases without a closing date (never purged automatically)."""
    return (f"Let op: {count} afgesloten casussen hebben geen afsluitdatum en worden daarom "
            "niet gewist. Vul de afsluitdatum aan.")


def audit_export_summary(count: int, path: str) -> str:
    """Confirm an audit export."""
    return f"{count} auditregels geëxporteerd naar {path}."


