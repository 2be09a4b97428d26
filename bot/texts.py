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
