"""A case's partners (interventieplegers and experts): list, add, change, remove; UVO names."""

# Contact details of people outside the programme: only the case's regisseur sees them
# (`own_case`), never the secretariat or the programme team. Every field is encrypted at rest;
# every read and write is audited without the details themselves.

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import texts
from bot.errors import ConflictError, InputError
from bot.services.access import own_case
from bot.services.users import Actor
from storage import queries
from storage.models import Case, CasePartner, Intervention, Phase

MAX_PARTNERS = 50        # per case; one form offers at most 100 options


@dataclass(frozen=True)
class PartnerDraft:
    """A partner as filled in (already cleaned and checked)."""

    name: str
    organisation: str
    role: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class PartnerView:
    """One partner as the regisseur sees it."""

    partner_id: int
    number: int
    name: str
    organisation: str
    role: str | None
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class PartnerList:
    """The partners of one case."""

    case_code: str
    partners: list[PartnerView]
    closed_case: bool


def _case(session: Session, actor: Actor, code: str, action: str, *, writing: bool) -> Case:
    case = own_case(session, actor, code, action)
    if writing and case.phase is Phase.AFGESLOTEN:
        raise ConflictError(texts.PLAN_CASE_CLOSED)
    return case


def _rows(session: Session, case: Case) -> list[CasePartner]:
    return list(session.scalars(select(CasePartner).where(CasePartner.case_id == case.id)
                                .order_by(CasePartner.id)))


def _views(rows: Sequence[CasePartner]) -> list[PartnerView]:
    return [PartnerView(r.id, n, r.name, r.organisation, r.role, r.phone, r.email)
            for n, r in enumerate(rows, start=1)]


def _audit(session: Session, actor: Actor, now: datetime, action: str, case: Case,
           detail: str) -> None:
    queries.add_audit(session, at=now, actor=actor.slack_user_id, action=action,
                      case_code=case.code, detail=detail)


def _own_partner(session: Session, case: Case, partner_id: int) -> CasePartner:
    partner = session.get(CasePartner, partner_id)
    if partner is None or partner.case_id != case.id:
        raise InputError(texts.PLAN_PARTNER_GONE)
    return partner


def list_partners(session: Session, actor: Actor, *, code: str, now: datetime,
                  action: str = "partners.read") -> PartnerList:
    """Return the case's partners, numbered in the order they were added."""
    case = _case(session, actor, code, action, writing=False)
    rows = _rows(session, case)
    _audit(session, actor, now, action, case, f"partners={len(rows)}")
    return PartnerList(case.code, _views(rows), case.phase is Phase.AFGESLOTEN)


def get_partner(session: Session, actor: Actor, *, code: str, partner_id: int,
                now: datetime) -> PartnerView:
    """Return one partner of the case (to fill the form for a change)."""
    case = _case(session, actor, code, "partners.read", writing=False)
    rows = _rows(session, case)
    _own_partner(session, case, partner_id)
    _audit(session, actor, now, "partners.read", case, "partners=1")
    return next(v for v in _views(rows) if v.partner_id == partner_id)


def add_partner(session: Session, actor: Actor, *, code: str, draft: PartnerDraft,
                now: datetime) -> PartnerView:
    """Add a partner to the case."""
    case = _case(session, actor, code, "partners.add", writing=True)
    rows = _rows(session, case)
    if len(rows) >= MAX_PARTNERS:
        raise ConflictError(texts.partners_full(case.code, MAX_PARTNERS))
    row = CasePartner(case_id=case.id, name=draft.name, organisation=draft.organisation,
                      role=draft.role, phone=draft.phone, email=draft.email, created_at=now,
                      updated_at=now)
    session.add(row)
    session.flush()
    _audit(session, actor, now, "partners.add", case, f"partner={row.id}")
    return _views([*rows, row])[-1]


def update_partner(session: Session, actor: Actor, *, code: str, partner_id: int,
                   draft: PartnerDraft, now: datetime) -> PartnerView:
    """Change a partner's details."""
    case = _case(session, actor, code, "partners.edit", writing=True)
    row = _own_partner(session, case, partner_id)
    row.name, row.organisation, row.role = draft.name, draft.organisation, draft.role
    row.phone, row.email, row.updated_at = draft.phone, draft.email, now
    _audit(session, actor, now, "partners.edit", case, f"partner={row.id}")
    return next(v for v in _views(_rows(session, case)) if v.partner_id == partner_id)


def remove_partner(session: Session, actor: Actor, *, code: str, partner_id: int,
                   now: datetime) -> PartnerView:
    """Remove a partner; interventions they carried out keep their organisation."""
    case = _case(session, actor, code, "partners.remove", writing=True)
    row = _own_partner(session, case, partner_id)
    removed = next(v for v in _views(_rows(session, case)) if v.partner_id == partner_id)
    # Keep who carried out an intervention: copy the organisation before the link goes.
    for intervention in session.scalars(select(Intervention).where(
            Intervention.partner_id == row.id, Intervention.organisation.is_(None))):
        intervention.organisation = row.organisation
    session.execute(update(Intervention).where(Intervention.partner_id == row.id)
                    .values(partner_id=None))
    session.delete(row)
    _audit(session, actor, now, "partners.remove", case, f"partner={partner_id}")
    return removed


def participant_names(session: Session, actor: Actor, *, code: str,
                      partner_ids: Sequence[int]) -> list[str]:
    """Return "name (organisation)" of the chosen partners of the actor's case, for a UVO."""
    if not partner_ids:
        return []
    case = own_case(session, actor, code, "logbook.uvo")
    rows = {r.id: r for r in _rows(session, case)}
    if any(i not in rows for i in partner_ids):
        raise InputError(texts.PLAN_PARTNER_GONE)
    return [texts.partner_participant(rows[i].name, rows[i].organisation)
            for i in dict.fromkeys(partner_ids)]
