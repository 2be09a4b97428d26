"""Case register use cases: intake decisions, notification letters, hand-overs, my cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import lifecycle, meetings, texts
from bot.clock import local_date
from bot.config import Settings
from bot.errors import ConflictError, InputError, NotFoundError, Refusal, RefusedError
from bot.meetings import SeriesConfig
from bot.outbox import enqueue, message_payload, withdraw
from bot.parsing import LETTER_RECIPIENTS, Mention
from bot.rules import (
    LETTER_DAYS,
    REGISSEUR_KINDS,
    CaseFacts,
    Deadline,
    case_deadlines,
    evaluation_due_on,
    target_itat_on,
    uvo_due_on,
)
from bot.services import casestate
from bot.services.access import find_case, own_case, own_cases, require_role
from bot.services.facts import case_facts, load_facts
from bot.services.users import Actor
from storage import queries
from storage.models import Case, Phase, PurgedCase, Role, User

PROGRAMME_START = date(2016, 4, 1)   # the IPGA Radicalisering started on 1 April 2016


@dataclass(frozen=True)
class CaseOverview:
    """One of my cases as the regisseur sees it in lists (no logbook text)."""

    code: str
    phase: str
    risk_group: int
    intake_on: date
    last_uvo_on: date | None
    last_evaluation_on: date | None
    next_deadline: Deadline | None
    # The case's own rhythm while it differs from the default: (kind, weeks, until).
    rhythms: tuple[tuple[str, int, date | None], ...] = ()


@dataclass(frozen=True)
class Intake:
    """A recorded intake, and the nearest Regieoverleg when its date was not a meeting day."""

    case: Case
    nearest_regie_on: date | None = None


@dataclass(frozen=True)
class Rhythm:
    """A case's rhythm after `frequentie`: its weeks, until when, and the next due date."""

    code: str
    kind: str                 # "uvo" | "evaluatie"
    weeks: int
    until: date | None
    default_weeks: int
    next_due_on: date | None


@dataclass(frozen=True)
class CaseChoice:
    """One of my open cases as a form's case field offers it."""

    code: str
    phase: str


@dataclass(frozen=True)
class HandOver:
    """The outcome of a hand-over: the case and both regisseurs."""

    case: Case
    old: User | None
    new: User


def check_past_date(day: date, today: date) -> None:
    """Refuse dates after today and before the programme started."""
    if day > today:
        raise InputError(texts.date_in_future(texts.format_date(day)))
    if day < PROGRAMME_START:
        raise InputError(texts.date_before_programme(texts.format_date(day)))


def _require_secretariat(actor: Actor, action: str, code: str | None) -> None:
    require_role(actor, Role.SECRETARIS, texts.SECRETARIAT_ONLY, action, code)


def resolve_regisseur(session: Session, mention: Mention) -> User:
    """Return the active regisseur a mention names, or raise a Dutch error."""
    if mention.user_id is not None:
        user = queries.user_by_slack_id(session, mention.user_id)
        shown = "@" + (mention.name or mention.user_id)
        if user is None or not user.active or not user.has_role(Role.REGISSEUR):
            raise NotFoundError(texts.not_a_regisseur(shown))
        return user
    # Commands sent without Slack's escaping carry `@naam`: match registered regisseurs.
    name = (mention.name or "").replace(".", " ").replace("_", " ").strip().lower()
    candidates = [u for u in queries.users_with_role(session, Role.REGISSEUR)
                  if u.name.lower() == name]
    if not candidates:
        candidates = [u for u in queries.users_with_role(session, Role.REGISSEUR)
                      if u.name.lower().split()[0] == name.split()[0]] if name else []
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise NotFoundError(texts.not_a_regisseur("@" + (mention.name or "")))
    raise InputError(texts.ambiguous_person(mention.name or "",
                                            [(u.name, u.organisation) for u in candidates]))


def record_intake(session: Session, actor: Actor, *, code: str, regisseur: Mention,
                  risk_group: int, decided_on: date, assigned_on: date | None,
                  now: datetime, settings: Settings, itat: SeriesConfig,
                  regie: SeriesConfig | None = None) -> Intake:
    """Record the Regieoverleg's intake decision and tell the assigned regisseur."""
    action = "case.intake"
    _require_secretariat(actor, action, code)
    today = local_date(now)
    if decided_on > today:
        # §1: the intake is a decision the Regieoverleg has taken; it cannot lie ahead.
        raise RefusedError(texts.intake_date_refused(decided_on),
                           Refusal(action, code, "future_date"))
    check_past_date(decided_on, today)
    assigned = assigned_on or decided_on
    check_past_date(assigned, today)
    if assigned < decided_on:
        raise InputError(texts.assigned_before_intake(texts.format_date(assigned),
                                                      texts.format_date(decided_on)))
    if queries.case_by_code(session, code) is not None:
        raise ConflictError(texts.case_exists(code))
    if session.get(PurgedCase, code) is not None:
        raise ConflictError(texts.case_code_purged(code))
    lifecycle_gate = lifecycle.check(None, lifecycle.INTAKE)
    assert lifecycle_gate.allowed  # a new case starts the lifecycle
    user = resolve_regisseur(session, regisseur)
    if user.id == actor.user_id:
        # Four eyes: nobody assigns a case to themselves (DESIGN.md §6.11).
        raise RefusedError(texts.FOUR_EYES_INTAKE, Refusal(action, code, "four_eyes"))
    if not 1 <= risk_group <= 5:
        raise InputError(texts.RISK_GROUP_RANGE)
    case = Case(code=code, risk_group=risk_group, regisseur_id=user.id, phase=Phase.PLAN,
                intake_on=decided_on, assigned_on=assigned, created_at=now, updated_at=now)
    session.add(case)
    session.flush()
    queries.add_audit(session, at=now, actor=actor.slack_user_id, action=action,
                      case_code=code, detail=f"regisseur={user.slack_user_id} group={risk_group}")
    itat_on = target_itat_on(case_facts(case, settings), itat)
    hint = texts.itat_target_hint(texts.format_date(itat_on)) if itat_on else ""
    notice = texts.intake_notice(code, risk_group, texts.format_date(decided_on), hint)
    enqueue(session, dedupe_key=f"case.intake:{case.id}", kind="dm",
            recipient=user.slack_user_id, payload=message_payload(notice), now=now,
            case_id=case.id)
    # History gets entered late, so a date that was no Regieoverleg is taken, with a warning.
    nearest = None
    if regie is not None and meetings.meeting_on(regie, decided_on) is None:
        nearest = nearest_meeting_on(regie, decided_on)
    return Intake(case, nearest)


def nearest_meeting_on(series: SeriesConfig, day: date) -> date:
    """Return the date of the meeting held nearest to `day` (the earlier one on a tie)."""
    span = timedelta(weeks=2 * series.interval_weeks)
    around = meetings.meetings_between(series, day - span, day + span)
    return min((m.held_on for m in around), key=lambda d: (abs((d - day).days), d))


def record_letter(session: Session, actor: Actor, *, code: str, sent_on: date,
                  recipient: str, now: datetime) -> Case:
    """Record that the notification letter was sent, on a date, to a recipient."""
    action = "case.letter"
    _require_secretariat(actor, action, code)
    if recipient not in LETTER_RECIPIENTS:
        raise InputError(texts.LETTER_RECIPIENT_CHOICE)
    case = find_case(session, code, action, texts.case_not_found_secretariat(code))
    casestate.require(session, case, lifecycle.LETTER, now, action)
    check_past_date(sent_on, local_date(now))
    if sent_on < case.intake_on:
        raise InputError(texts.date_before_intake(texts.format_date(sent_on),
                                                  texts.format_date(case.intake_on)))
    recorded = letter_recipients(case)
    if case.letter_sent_on is None or recorded == [recipient]:
        case.letter_sent_on = sent_on  # the first letter, or a corrected date for it
    else:
        case.letter_sent_on = min(case.letter_sent_on, sent_on)
    merged = set(recorded) | {recipient}
    case.letter_to = ",".join(r for r in LETTER_RECIPIENTS if r in merged)
    case.updated_at = now
    queries.add_audit(session, at=now, actor=actor.slack_user_id, action=action,
                      case_code=code, detail=f"to={recipient} on={sent_on.isoformat()}")
    return case


def letter_recipients(case: Case) -> list[str]:
    """Return the recorded letter recipients of a case."""
    return [r for r in (case.letter_to or "").split(",") if r]


def letter_days_late(case: Case) -> int:
    """Return how many days after the intake the letter went out, if past the term, else 0."""
    if case.letter_sent_on is None:
        return 0
    days = (case.letter_sent_on - case.intake_on).days
    return days if days > LETTER_DAYS else 0


def hand_over(session: Session, actor: Actor, *, code: str, to: Mention, now: datetime,
              secretariat_channel: str | None) -> HandOver:
    """Give a case to another regisseur; the old one loses access and both are told."""
    action = "case.handover"
    _require_secretariat(actor, action, code)
    case = find_case(session, code, action, texts.case_not_found_secretariat(code))
    if case.phase is Phase.AFGESLOTEN:
        raise RefusedError(texts.CASE_CLOSED_FOR_HANDOVER, Refusal(action, code, "closed"))
    casestate.require(session, case, lifecycle.HANDOVER, now, action)
    new = resolve_regisseur(session, to)
    if new.id == actor.user_id:
        # Four eyes: a secretary who is also a regisseur cannot give themselves a case (and
        # with it the whole logbook) (DESIGN.md §6.11).
        raise RefusedError(texts.FOUR_EYES_HANDOVER, Refusal(action, code, "four_eyes"))
    old = case.regisseur
    if old is not None and old.id == new.id:
        raise ConflictError(texts.SAME_REGISSEUR)
    case.regisseur_id = new.id
    case.regisseur = new
    case.updated_at = now
    old_id = old.slack_user_id if old else "-"
    # What was queued for the old regisseur about this case (a slot, an invitation) is no
    # longer theirs to receive.
    withdrawn = withdraw(session, case_id=case.id, recipients=(
        old.slack_user_id, old.email or "")) if old is not None else 0
    queries.add_audit(session, at=now, actor=actor.slack_user_id, action=action,
                      case_code=code, detail=f"from={old_id} to={new.slack_user_id} "
                                             f"withdrawn={withdrawn}")
    stamp = now.isoformat()
    old_name = old.name if old else "—"
    enqueue(session, dedupe_key=f"case.handover:{case.id}:{stamp}:new", kind="dm",
            recipient=new.slack_user_id, now=now, case_id=case.id,
            payload=message_payload(texts.handover_notice_new(code, old_name)))
    if old is not None and old.active:
        enqueue(session, dedupe_key=f"case.handover:{case.id}:{stamp}:old", kind="dm",
                recipient=old.slack_user_id, now=now, case_id=case.id,
                payload=message_payload(texts.handover_notice_old(code, new.name)))
    if secretariat_channel:
        # Code and names only: the channel never gets case content.
        enqueue(session, dedupe_key=f"case.handover:{case.id}:{stamp}:channel", kind="channel",
                recipient=secretariat_channel, now=now, case_id=case.id,
                payload=message_payload(texts.handover_channel_notice(code, old_name,
                                                                      new.name)))
    return HandOver(case=case, old=old, new=new)


def next_deadline(facts: CaseFacts, today: date, itat: SeriesConfig,
                  regie: SeriesConfig) -> Deadline | None:
    """Return the case's first open deadline for its regisseur (not the secretariat's)."""
    deadlines = [d for d in case_deadlines(facts, today, itat, regie)
                 if d.kind in REGISSEUR_KINDS]
    return deadlines[0] if deadlines else None


def my_cases(session: Session, actor: Actor, now: datetime, *, settings: Settings,
             itat: SeriesConfig, regie: SeriesConfig, audit: bool = True) -> list[CaseOverview]:
    """Return the actor's open cases with phase, last UVO/evaluation and next deadline."""
    today = local_date(now)
    mine = own_cases(session, actor)
    # The facts include the agenda (plan marked ready, ITAT-R meeting) the deadlines depend on.
    facts = {f.case_id: f for f in load_facts(session, settings, [c.id for c in mine])}
    overviews = [
        CaseOverview(code=c.code, phase=c.phase.value, risk_group=c.risk_group,
                     intake_on=c.intake_on, last_uvo_on=c.last_uvo_on,
                     last_evaluation_on=c.last_evaluation_on,
                     next_deadline=next_deadline(facts[c.id], today, itat, regie),
                     rhythms=case_rhythms(c, settings, today))
        for c in mine]
    if audit:
        queries.add_audit(session, at=now, actor=actor.slack_user_id, action="cases.list",
                          detail=f"count={len(overviews)}")
    return overviews




# -- per-case rhythm (/regie frequentie) -------------------------------------------------------

RHYTHM_KINDS = ("uvo", "evaluatie")
MIN_RHYTHM_WEEKS, MAX_RHYTHM_WEEKS = 1, 26


def case_rhythms(case: Case, settings: Settings, today: date
                 ) -> tuple[tuple[str, int, date | None], ...]:
    """Return the case's own rhythms that differ from the default and still apply today."""
    found = []
    for kind, days, until, default in (
            ("uvo", case.uvo_interval_days, case.uvo_interval_until,
             settings.uvo_interval_weeks * 7),
            ("evaluatie", case.evaluation_interval_days, case.evaluation_interval_until,
             settings.evaluation_interval_weeks * 7)):
        if days is not None and days != default and (until is None or until >= today):
            found.append((kind, days // 7, until))
    return tuple(found)


def set_rhythm(session: Session, actor: Actor, *, code: str, kind: str, weeks: int,
               until: date | None, now: datetime, settings: Settings) -> Rhythm:
    """Set a case's UVO or evaluation rhythm (its regisseur; 1-26 weeks), optionally until a
    day after which the default returns; the next due date changes at once."""
    action = "case.rhythm"
    case = own_case(session, actor, code, action)
    casestate.require(session, case, lifecycle.RHYTHM, now, action)
    if kind not in RHYTHM_KINDS:
        raise InputError(texts.rhythm_bad_kind(kind))
    if not MIN_RHYTHM_WEEKS <= weeks <= MAX_RHYTHM_WEEKS:
        raise RefusedError(texts.rhythm_bad_weeks(str(weeks)),
                           Refusal(action, case.code, f"weeks={weeks}"))
    if until is not None and until <= local_date(now):
        raise RefusedError(texts.rhythm_until_past(until),
                           Refusal(action, case.code, "until_not_future"))
    default_weeks = (settings.uvo_interval_weeks if kind == "uvo"
                     else settings.evaluation_interval_weeks)
    # The default without an end date is no rhythm of its own: store nothing.
    own = weeks != default_weeks or until is not None
    days = weeks * 7 if own else None
    if kind == "uvo":
        case.uvo_interval_days, case.uvo_interval_until = days, until if own else None
    else:
        case.evaluation_interval_days = days
        case.evaluation_interval_until = until if own else None
    case.updated_at = now
    facts = case_facts(case, settings)
    next_due = uvo_due_on(facts) if kind == "uvo" else evaluation_due_on(facts)
    queries.add_audit(session, at=now, actor=actor.slack_user_id, action=action,
                      case_code=case.code,
                      detail=f"{kind} weeks={weeks} until={until.isoformat() if until else '-'}")
    return Rhythm(case.code, kind, weeks, until, default_weeks, next_due)


MAX_SEARCH_LENGTH = 40   # longer search text is cut (Slack's field is short anyway)


def search_own_cases(session: Session, actor: Actor, query: str, now: datetime, *,
                     limit: int) -> list[CaseChoice]:
    """Return the actor's open cases whose code contains what was typed (`42`, `r-00`, `R0042`;
    any other text finds nothing), by code; the search is audited as a read (never its text)."""
    wanted = "".join(ch for ch in query[:MAX_SEARCH_LENGTH].upper() if ch.isalnum())
    rows = session.execute(  # two columns only: this answers every keystroke
        select(Case.code, Case.phase).where(Case.regisseur_id == actor.user_id,
                                            Case.phase != Phase.AFGESLOTEN)
        .order_by(Case.code)).all() if actor.has(Role.REGISSEUR) else []
    found = [CaseChoice(code=code, phase=phase.value) for code, phase in rows
             if wanted in code.replace("-", "")][:limit]
    queries.add_audit(session, at=now, actor=actor.slack_user_id, action="cases.search",
                      detail=f"found={len(found)}")
    return found
