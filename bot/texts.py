"""All Dutch user-facing text, as constants and small functions, grouped by conversation."""

from __future__ import annotations

from collections.abc import Iterable

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


