"""Demo data: a few users in each role and a dozen pseudonymous cases in different phases."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.clock import local_date
from bot.services.users import add_user
from storage import queries
from storage.models import Case, EntryKind, LogEntry, Phase

DEMO_USERS = [
    ("U0REGIE01", "Sanne de Vries", "Politie Amsterdam", ["regisseur"], "sanne@example.org"),
    ("U0REGIE02", "Youssef El Amrani", "Reclassering Nederland", ["regisseur"], None),
    ("U0REGIE03", "Petra Jansen", "GGZ Arkin", ["regisseur"], "petra@example.org"),
    ("U0SECR01", "Marieke Bos", "AcVZ secretariaat", ["secretaris"], "secretariaat@example.org"),
    ("U0PROG01", "Daan Visser", "AcVZ programmateam", ["programma"], None),
    ("U0BEHEER1", "Lotte Smit", "Gemeente Amsterdam", ["beheerder"], None),
    ("U0MULTI01", "Ilse Mulder", "OOV", ["regisseur", "secretaris"], None),
]

# code, regisseur, risk group, phase, intake weeks ago, last UVO weeks ago, approved weeks ago
DEMO_CASES: list[tuple[str, str, int, Phase, int, int | None, int | None]] = [
    ("R-0001", "U0REGIE01", 4, Phase.PLAN, 1, None, None),
    ("R-0002", "U0REGIE01", 3, Phase.PLAN, 4, 1, None),
    ("R-0003", "U0REGIE01", 1, Phase.UITVOERING, 40, 9, 30),
    ("R-0004", "U0REGIE01", 5, Phase.UITVOERING, 26, 3, 18),
    ("R-0005", "U0REGIE02", 2, Phase.PLAN, 6, 2, None),
    ("R-0006", "U0REGIE02", 4, Phase.UITVOERING, 52, 7, 44),
    ("R-0007", "U0REGIE02", 3, Phase.AFBOUW, 80, 5, 70),
    ("R-0008", "U0REGIE03", 4, Phase.UITVOERING, 30, 12, 22),
    ("R-0009", "U0REGIE03", 5, Phase.PLAN, 2, None, None),
    ("R-0010", "U0REGIE03", 3, Phase.AFGESLOTEN, 100, 20, 90),
    ("R-0011", "U0MULTI01", 4, Phase.PLAN, 3, None, None),
    ("R-0012", "U0MULTI01", 2, Phase.UITVOERING, 20, 6, 13),
]


def load_demo(session: Session, now: datetime) -> int:
    """Insert the demo users and cases that are not there yet; return the cases added."""
    today = local_date(now)
    for slack_id, name, org, roles, email in DEMO_USERS:
        if queries.user_by_slack_id(session, slack_id) is None:
            add_user(session, slack_user_id=slack_id, name=name, organisation=org,
                     roles=roles, email=email, now=now)
    added = 0
    for code, regisseur_id, group, phase, intake_w, uvo_w, approved_w in DEMO_CASES:
        if queries.case_by_code(session, code) is not None:
            continue
        regisseur = queries.user_by_slack_id(session, regisseur_id)
        assert regisseur is not None
        intake_on = _weeks_ago(today, intake_w)
        case = Case(
            code=code, risk_group=group, regisseur_id=regisseur.id, phase=phase,
            intake_on=intake_on, assigned_on=intake_on,
            letter_sent_on=intake_on + timedelta(days=10) if intake_w >= 2 else None,
            letter_to="betrokkene" if intake_w >= 2 else None,
            plan_approved_on=_weeks_ago(today, approved_w) if approved_w else None,
            last_uvo_on=_weeks_ago(today, uvo_w) if uvo_w is not None else None,
            last_evaluation_on=None,
            closed_on=_weeks_ago(today, 2) if phase is Phase.AFGESLOTEN else None,
            created_at=now, updated_at=now,
        )
        session.add(case)
        session.flush()
        if uvo_w is not None:
            session.add(LogEntry(
                case_id=case.id, author_id=regisseur.id, kind=EntryKind.UVO,
                occurred_on=case.last_uvo_on, participants="Politie, Reclassering, GGD",
                text="Afspraken: wekelijks contact, schuldhulp gestart.", created_at=now))
        session.add(LogEntry(
            case_id=case.id, author_id=regisseur.id, kind=EntryKind.CONTACT,
            contact_kind="gesprek", occurred_on=max(intake_on, today - timedelta(days=3)),
            text="Kennismakingsgesprek gevoerd; betrokkene staat open voor begeleiding.",
            created_at=now))
        added += 1
    queries.add_audit(session, at=now, actor="cli", action="demo.load", detail=f"cases={added}")
    return added


def _weeks_ago(today: date, weeks: int) -> date:
    return today - timedelta(weeks=weeks)
