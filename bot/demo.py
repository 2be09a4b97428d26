"""Demo data: a few users in each role and a dozen pseudonymous cases in different phases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import meetings, texts
from bot.clock import local_date
from bot.config import Settings
from bot.meetings import SeriesConfig
from bot.services.users import add_user
from storage import queries
from storage.models import (
    AgendaItem,
    Case,
    CaseDecision,
    CasePartner,
    EntryKind,
    Intervention,
    InterventionKind,
    LogEntry,
    Meeting,
    Phase,
    PlanGoal,
)

DEMO_USERS = [
    ("U0REGIE01", "Sanne de Vries", "Politie Amsterdam", ["regisseur"], "sanne@example.org"),
    ("U0REGIE02", "Youssef El Amrani", "Reclassering Nederland", ["regisseur"], None),
    ("U0REGIE03", "Petra Jansen", "GGZ Arkin", ["regisseur"], "petra@example.org"),
    ("U0SECR01", "Marieke Bos", "AcVZ secretariaat", ["secretaris"], "secretariaat@example.org"),
    ("U0PROG01", "Daan Visser", "AcVZ programmateam", ["programma"], None),
    ("U0BEHEER1", "Lotte Smit", "Gemeente Amsterdam", ["beheerder"], None),
    ("U0MULTI01", "Ilse Mulder", "OOV", ["regisseur", "secretaris"], None),
]

@dataclass(frozen=True)
class DemoCase:
    """A demo case, its dates given in weeks before today (None: not yet)."""

    code: str
    regisseur: str
    risk_group: int
    phase: Phase
    intake_weeks: int
    uvo_weeks: int | None = None
    approved_weeks: int | None = None
    evaluated_weeks: int | None = None
    letter_sent: bool = True


# Built relative to today: every phase, a few deadlines this week or next, a few recently
# missed (a UVO, an evaluation, a letter), nothing months overdue. Approvals (and the phase-out
# and the closing) are decisions of a Regieoverleg that was held, after an ITAT-R, as the
# lifecycle has it: the dates are those meetings' (the evaluations do not depend on them).
DEMO_CASES: list[DemoCase] = [
    DemoCase("R-0001", "U0REGIE01", 4, Phase.PLAN, 1, letter_sent=False),
    DemoCase("R-0002", "U0REGIE01", 3, Phase.PLAN, 4, uvo_weeks=1),
    DemoCase("R-0003", "U0REGIE01", 1, Phase.UITVOERING, 40, 9, 30, 11),   # UVO 1 week late
    DemoCase("R-0004", "U0REGIE01", 5, Phase.UITVOERING, 24, 3, 16, 12),   # evaluation in 1 week
    DemoCase("R-0005", "U0REGIE02", 2, Phase.PLAN, 6, uvo_weeks=2),
    DemoCase("R-0006", "U0REGIE02", 4, Phase.UITVOERING, 52, 7, 44, 10),   # UVO in 1 week
    DemoCase("R-0007", "U0REGIE02", 3, Phase.AFBOUW, 80, 5, 70, 4),
    DemoCase("R-0008", "U0REGIE03", 4, Phase.UITVOERING, 30, 10, 22, 14),  # both just missed
    DemoCase("R-0009", "U0REGIE03", 5, Phase.PLAN, 2),
    DemoCase("R-0010", "U0REGIE03", 3, Phase.AFGESLOTEN, 100, 20, 90, 8),
    DemoCase("R-0011", "U0MULTI01", 4, Phase.PLAN, 3, letter_sent=False),  # letter 1 day late
    DemoCase("R-0012", "U0MULTI01", 2, Phase.UITVOERING, 24, 6, 16, 13),   # evaluation today
]
PHASE_OUT_WEEKS = 12     # R-0007's phase-out was agreed this long ago
CLOSED_WEEKS = 2         # R-0010 was closed this long ago


def load_demo_users(session: Session, now: datetime) -> None:
    """Register the demo users that are not there yet (the tour starts with only these)."""
    for slack_id, name, org, roles, email in DEMO_USERS:
        if queries.user_by_slack_id(session, slack_id) is None:
            add_user(session, slack_user_id=slack_id, name=name, organisation=org,
                     roles=roles, email=email, now=now)


def load_demo(session: Session, now: datetime, settings: Settings | None = None) -> int:
    """Insert the demo users and cases that are not there yet; return the cases added."""
    today = local_date(now)
    settings = settings or Settings(_env_file=None)  # type: ignore[call-arg]
    itat, regie = settings.series("itat"), settings.series("regie")
    load_demo_users(session, now)
    added = 0
    for demo in DEMO_CASES:
        if queries.case_by_code(session, demo.code) is not None:
            continue
        regisseur = queries.user_by_slack_id(session, demo.regisseur)
        assert regisseur is not None
        intake_on = today - timedelta(weeks=demo.intake_weeks)
        case = Case(
            code=demo.code, risk_group=demo.risk_group, regisseur_id=regisseur.id,
            phase=demo.phase, intake_on=intake_on, assigned_on=intake_on,
            letter_sent_on=intake_on + timedelta(days=10) if demo.letter_sent else None,
            letter_to="betrokkene" if demo.letter_sent else None,
            plan_approved_on=None,
            last_uvo_on=_weeks_ago(today, demo.uvo_weeks),
            last_evaluation_on=_weeks_ago(today, demo.evaluated_weeks),
            created_at=now, updated_at=now,
        )
        session.add(case)
        session.flush()
        _decisions(session, case, demo, regisseur.id, today, itat, regie)
        last_contact_on = min(max(intake_on, today - timedelta(days=3)), case.closed_on or today)
        entries: list[tuple[EntryKind, date, str]] = [(
            EntryKind.CONTACT, last_contact_on,
            "Kennismakingsgesprek gevoerd; betrokkene staat open voor begeleiding.")]
        if case.last_uvo_on is not None:
            entries.append((EntryKind.UVO, case.last_uvo_on,
                            "Afspraken: wekelijks contact, schuldhulp gestart."))
        if case.last_evaluation_on is not None:
            entries.append((EntryKind.EVALUATIE, case.last_evaluation_on,
                            "Doelen deels gehaald; interventies lopen door."))
        for kind, occurred_on, text in sorted(entries, key=lambda e: e[1]):
            session.add(LogEntry(
                case_id=case.id, author_id=regisseur.id, kind=kind, occurred_on=occurred_on,
                contact_kind="gesprek" if kind is EntryKind.CONTACT else None,
                participants="Politie, Reclassering, GGD" if kind is EntryKind.UVO else None,
                text=text, created_at=now))
        if case.plan_approved_on is not None and demo.phase is not Phase.AFGESLOTEN:
            _demo_plan(session, case, regisseur.id, case.plan_approved_on, now)
        added += 1
    queries.add_audit(session, at=now, actor="cli", action="demo.load", detail=f"cases={added}")
    return added


def _weeks_ago(today: date, weeks: int | None) -> date | None:
    return None if weeks is None else today - timedelta(weeks=weeks)


def _meeting(session: Session, occurrence: meetings.Meeting) -> Meeting:
    row = session.scalars(select(Meeting).where(
        Meeting.kind == occurrence.kind, Meeting.planned_on == occurrence.planned_on)).first()
    if row is None:
        row = Meeting(kind=occurrence.kind, planned_on=occurrence.planned_on,
                      held_on=occurrence.held_on, starts_at=occurrence.starts_at,
                      published_at=occurrence.cutoff_at, revision=1)
        session.add(row)
        session.flush()
    return row


def _on_agenda(session: Session, case: Case, occurrence: meetings.Meeting, item_kind: str,
               author_id: int, outcome: str | None = None) -> AgendaItem:
    row = _meeting(session, occurrence)
    taken = int(session.scalar(select(func.count()).select_from(AgendaItem).where(
        AgendaItem.meeting_id == row.id)) or 0)
    item = AgendaItem(uid=f"demo-{case.code}-{occurrence.kind}-{occurrence.planned_on}"
                          "@regiebot", case_id=case.id, meeting_id=row.id,
                      item_kind=item_kind, status="actief",
                      ready_at=occurrence.cutoff_at - timedelta(days=1), position=taken,
                      sequence=0, created_by_id=author_id, outcome=outcome,
                      decided_on=occurrence.held_on if outcome else None)
    session.add(item)
    session.flush()
    return item


def _held_on_or_before(series: SeriesConfig, day: date) -> meetings.Meeting:
    found = meetings.meetings_between(series, day - timedelta(weeks=3 * series.interval_weeks),
                                      day)
    return found[-1]


def _decisions(session: Session, case: Case, demo: DemoCase, author_id: int, today: date,
               itat: SeriesConfig, regie: SeriesConfig) -> None:
    """Give a case beyond the plan phase the agenda history and decisions that brought it
    there: ITAT-R, then the Regieoverleg that approved the plan (and the phase-out or the
    closing), each decision recorded the day of its meeting."""
    steps: list[tuple[int, str, str]] = []
    if demo.approved_weeks is not None:
        steps.append((demo.approved_weeks, "definitief", "vastgesteld"))
    if demo.phase is Phase.AFBOUW:
        steps.append((PHASE_OUT_WEEKS, "afbouw", "vastgesteld"))
    if demo.phase is Phase.AFGESLOTEN:
        steps.append((CLOSED_WEEKS, "afsluit", "afgesloten"))
    phase = Phase.PLAN
    for weeks, kind, outcome in steps:
        held = _held_on_or_before(regie, today - timedelta(weeks=weeks))
        presented = _held_on_or_before(itat, held.held_on - timedelta(days=8))
        _on_agenda(session, case, presented, "concept" if kind == "definitief" else kind,
                   author_id)
        item = _on_agenda(session, case, held, kind, author_id, outcome)
        recorded_at = held.starts_at + timedelta(hours=3)
        after = {"definitief": Phase.UITVOERING, "afbouw": Phase.AFBOUW,
                 "afsluit": Phase.AFGESLOTEN}[kind]
        session.add(CaseDecision(
            case_id=case.id, agenda_item_id=item.id, item_kind=kind, outcome=outcome,
            decided_on=held.held_on, recorded_at=recorded_at, recorded_by="U0SECR01",
            prior_phase=phase, prior_plan_approved_on=case.plan_approved_on,
            prior_closed_on=None, prior_closed_at=None, effects={}))
        if after is Phase.UITVOERING:
            case.plan_approved_on = held.held_on
        if after is Phase.AFGESLOTEN:
            case.closed_on, case.closed_at = held.held_on, recorded_at
        phase = after
    case.phase = phase


# A plan van aanpak for each demo case in execution: a goal, a partner, two interventions.
DEMO_PLAN = (("zorg", "Stabiele behandeling bij de GGZ", "GGZ Arkin", 26),
             ("werk", "Dagbesteding of werk via WPI", "WPI", 39))


def _demo_plan(session: Session, case: Case, author_id: int, start: date,
               now: datetime) -> None:
    """Add a goal, a partner and two running interventions as of the plan's approval."""
    partner = CasePartner(case_id=case.id, name="Ruud Bakker", organisation="GGZ Arkin",
                          role="interventiepleger", phone="020 555 0100", email=None,
                          created_at=now, updated_at=now)
    goal = "Geen contact meer met het extremistische netwerk"
    session.add_all([partner, PlanGoal(case_id=case.id, number=1, text=goal,
                                       created_by_id=author_id, created_at=now)])
    session.flush()
    for number, (code, aim, organisation, weeks) in enumerate(DEMO_PLAN, start=1):
        kind = session.scalars(select(InterventionKind).where(
            InterventionKind.code == code)).first()
        if kind is None:  # the administrator replaced the catalogue
            continue
        end = start + timedelta(weeks=weeks)
        session.add(Intervention(
            case_id=case.id, number=number, kind_id=kind.id,
            partner_id=partner.id if code == "zorg" else None,
            organisation=None if code == "zorg" else organisation, goal=aim, status="lopend",
            starts_on=start, started_on=start, planned_end_on=end, created_by_id=author_id,
            created_at=now, updated_at=now))
        session.add(LogEntry(case_id=case.id, author_id=author_id, kind=EntryKind.PLAN,
                             occurred_on=start, created_at=now, text=texts.plan_log_added(
                                 number, kind.name, "lopend", organisation, start, end, aim,
                                 None)))
