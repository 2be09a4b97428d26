"""The plan van aanpak against real databases: interventions, goals, partners, the catalogue,
encryption at rest, key rotation, the purge and the audit trail."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from bot.errors import ConflictError, InputError, RefusedError
from bot.services import catalogue, partners, plan
from bot.services.keys import encrypted_columns, rotate
from bot.services.plan import Draft, ReviewItem
from bot.services.retention import run_retention
from bot.services.users import Actor, actor_for
from storage.crypto import Keyring, generate_key, set_keyring
from storage.models import (
    AuditEvent,
    Case,
    CasePartner,
    EntryKind,
    Intervention,
    InterventionKind,
    LogEntry,
    Phase,
    PlanGoal,
    PurgedCase,
)
from tests.support import REGISSEUR, REGISSEUR2, TEST_KEY, Bot, add_case, set_case

SECRET_GOAL = "GEHEIM-DOEL-7431"
SECRET_CONSIDERATIONS = "GEHEIME-OVERWEGING-1187"
SECRET_RESULT = "GEHEIM-RESULTAAT-5520"
SECRET_PARTNER = "Pieter GEHEIMNAAM-2291"


def _actor(bot: Bot, slack_id: str = REGISSEUR) -> Actor:
    with bot.session() as session:
        actor = actor_for(session, slack_id)
    assert actor is not None
    return actor


def _add(bot: Bot, kind: str = "screening", *, code: str = "R-0001", **fields: object
         ) -> plan.Saved:
    draft = Draft(kind=kind, goal=str(fields.pop("goal", SECRET_GOAL)),
                  starts_on=fields.pop("starts_on", date(2026, 11, 23)),  # type: ignore[arg-type]
                  **fields)  # type: ignore[arg-type]
    with bot.session() as session:
        return plan.add_intervention(session, _actor(bot), code=code, draft=draft,
                                     now=bot.deps.clock())


@pytest.fixture
def case(quiet: Bot) -> Bot:
    add_case(quiet, "R-0001")
    add_case(quiet, "R-0002", REGISSEUR2)
    return quiet


def _plan_lines(bot: Bot) -> list[str]:
    with bot.session() as session:
        return [e.text for e in session.scalars(select(LogEntry).where(
            LogEntry.kind == EntryKind.PLAN).order_by(LogEntry.id)).unique()]


# -- interventions -----------------------------------------------------------------------------

def test_an_intervention_is_numbered_per_case_and_logged_in_the_logbook(case: Bot) -> None:
    first = _add(case, considerations=SECRET_CONSIDERATIONS, organisation="GGD Amsterdam",
                 planned_end_on=date(2027, 2, 1))
    second = _add(case, "werk")
    assert (first.number, second.number, first.status) == (1, 2, "lopend")
    lines = _plan_lines(case)
    assert len(lines) == 2
    assert "Interventie #1" in lines[0] and "Screening door de GGD" in lines[0]
    assert SECRET_GOAL in lines[0] and SECRET_CONSIDERATIONS in lines[0]
    assert "GGD Amsterdam" in lines[0] and "einde gepland 01-02-2027" in lines[0]
    with case.session() as session:
        row = session.scalars(select(Intervention).where(Intervention.number == 1)).one()
        assert (row.started_on, row.ended_on) == (date(2026, 11, 23), None)


def test_a_planned_intervention_starts_when_it_is_set_running(case: Bot) -> None:
    _add(case, status="gepland", starts_on=date(2026, 12, 7))
    case.deps.clock.advance(timedelta(days=21))  # type: ignore[attr-defined]
    with case.session() as session:
        saved = plan.change_status(session, _actor(case), code="R-0001", number=1,
                                   target="lopend", now=case.deps.clock())
        row = session.scalars(select(Intervention)).one()
        assert (saved.previous_status, row.status, row.started_on) == (
            "gepland", "lopend", date(2026, 12, 7))


def test_closing_records_the_result_and_reopening_needs_a_reason(case: Bot) -> None:
    _add(case)
    actor = _actor(case)
    with case.session() as session, pytest.raises(InputError, match="resultaat"):
        plan.change_status(session, actor, code="R-0001", number=1, target="afgerond",
                           now=case.deps.clock(), goal_reached="ja")
    with case.session() as session:
        plan.change_status(session, actor, code="R-0001", number=1, target="afgerond",
                           now=case.deps.clock(), goal_reached="deels", text=SECRET_RESULT)
    with case.session() as session:
        with pytest.raises(InputError, match="zeg dan waarom"):
            plan.change_status(session, actor, code="R-0001", number=1, target="lopend",
                               now=case.deps.clock())
        with pytest.raises(ConflictError, match="al afgerond"):
            plan.change_status(session, actor, code="R-0001", number=1, target="gestopt",
                               now=case.deps.clock(), goal_reached="nee", text="x")
    with case.session() as session:
        plan.change_status(session, actor, code="R-0001", number=1, target="lopend",
                           now=case.deps.clock(), text="Nieuwe aanleiding")
        row = session.scalars(select(Intervention)).one()
        assert (row.status, row.goal_reached, row.result, row.ended_on) == (
            "lopend", None, None, None)
    lines = _plan_lines(case)
    assert "lopend → afgerond" in lines[1] and SECRET_RESULT in lines[1]
    assert "Heropend; reden: Nieuwe aanleiding" in lines[2]


def test_a_planned_end_before_the_start_stores_nothing(case: Bot) -> None:
    with pytest.raises(plan.PlanDateError, match="vóór de startdatum"):
        _add(case, planned_end_on=date(2026, 11, 1))
    with pytest.raises(plan.PlanDateError, match="niet pas op"):
        _add(case, starts_on=date(2026, 12, 1))  # running, but from the future
    with case.session() as session:
        assert session.scalar(select(func.count()).select_from(Intervention)) == 0
        assert session.scalar(select(func.count()).select_from(LogEntry)) == 0


def test_someone_elses_case_is_refused_and_nothing_is_stored(case: Bot) -> None:
    with pytest.raises(RefusedError, match="niet aan jou toegewezen"):
        _add(case, code="R-0002")
    with case.session() as session, pytest.raises(RefusedError):
        plan.read_plan(session, _actor(case), code="R-0002", page=1, now=case.deps.clock())
    with case.session() as session:
        assert session.scalar(select(func.count()).select_from(Intervention)) == 0


def test_a_closed_case_keeps_its_plan_readable_but_unchangeable(case: Bot) -> None:
    _add(case)
    set_case(case, "R-0001", phase=Phase.AFGESLOTEN, closed_on=date(2026, 11, 20))
    with pytest.raises(ConflictError, match="afgesloten"):
        _add(case, "werk")
    with case.session() as session:
        page = plan.read_plan(session, _actor(case), code="R-0001", page=1,
                              now=case.deps.clock())
    assert page.closed_case and [i.number for i in page.interventions] == [1]


def test_the_plan_lists_goals_and_open_interventions_first_on_pages(case: Bot) -> None:
    for kind in ("screening", "werk", "wonen"):
        _add(case, kind)
    with case.session() as session:
        actor = _actor(case)
        plan.change_status(session, actor, code="R-0001", number=1, target="gestopt",
                           now=case.deps.clock(), goal_reached="nee", text="Geen zin")
        plan.add_goal(session, actor, code="R-0001", text="Geen contact met het netwerk",
                      now=case.deps.clock())
    with case.session() as session:
        page = plan.read_plan(session, _actor(case), code="R-0001", page=1,
                              now=case.deps.clock(), page_size=2)
        assert [i.number for i in page.interventions] == [2, 3]
        assert (page.pages, page.total, page.open_count) == (2, 3, 2)
        assert [g.text for g in page.goals] == ["Geen contact met het netwerk"]
        with pytest.raises(InputError, match="bestaat niet"):
            plan.read_plan(session, _actor(case), code="R-0001", page=3,
                           now=case.deps.clock(), page_size=2)


def test_an_evaluation_review_notes_progress_and_closes_in_one_go(case: Bot) -> None:
    _add(case)
    _add(case, "werk")
    with case.session() as session:
        result = plan.apply_review(session, _actor(case), code="R-0001", items=[
            ReviewItem(1, "vertraagd"), ReviewItem(2, "afgerond", "ja", SECRET_RESULT)],
            occasion="evaluatie", now=case.deps.clock())
    assert (result.noted, result.closed) == ([1], [2])
    with case.session() as session:
        rows = {r.number: r for r in session.scalars(select(Intervention)).unique()}
        assert (rows[1].progress, rows[1].status) == ("vertraagd", "lopend")
        assert (rows[2].status, rows[2].goal_reached) == ("afgerond", "ja")
    assert "(bij de evaluatie)" in _plan_lines(case)[-1]


def test_a_review_of_an_intervention_closed_meanwhile_changes_nothing(case: Bot) -> None:
    _add(case)
    _add(case, "werk")
    with case.session() as session:
        plan.change_status(session, _actor(case), code="R-0001", number=2, target="gestopt",
                           now=case.deps.clock(), goal_reached="nee", text="Gestopt")
    with pytest.raises(ConflictError, match="intussen gestopt"), case.session() as session:
        plan.apply_review(session, _actor(case), code="R-0001", items=[
            ReviewItem(1, "op_schema"), ReviewItem(2, "afgerond", "ja", "x")],
            occasion="evaluatie", now=case.deps.clock())
    with case.session() as session:
        row = session.scalars(select(Intervention).where(Intervention.number == 1)).one()
        assert row.progress is None


def test_a_phase_out_keeps_an_intervention_open_only_with_a_reason(case: Bot) -> None:
    _add(case)
    with pytest.raises(InputError, match="open blijft"), case.session() as session:
        plan.apply_review(session, _actor(case), code="R-0001",
                          items=[ReviewItem(1, "blijft_open")], occasion="afbouw",
                          now=case.deps.clock())
    with case.session() as session:
        plan.apply_review(session, _actor(case), code="R-0001",
                          items=[ReviewItem(1, "blijft_open", None, "Warme overdracht")],
                          occasion="afbouw", now=case.deps.clock())
    assert "blijft open" in _plan_lines(case)[-1]


def test_plan_lines_in_the_logbook_cannot_be_corrected(case: Bot) -> None:
    from bot.services.logbook import correct_entry

    _add(case)
    with pytest.raises(ConflictError, match="wijziging van het plan"), \
            case.session() as session:
        correct_entry(session, _actor(case), code="R-0001", number="1", text="anders",
                      occurred_on=None, now=case.deps.clock())


# -- partners --------------------------------------------------------------------------------

def test_partners_are_added_changed_and_removed_and_interventions_keep_who(case: Bot) -> None:
    actor = _actor(case)
    with case.session() as session:
        added = partners.add_partner(session, actor, code="R-0001", draft=partners.PartnerDraft(
            SECRET_PARTNER, "GGD", "interventiepleger", "020 555 1234", "p@ggd.example"),
            now=case.deps.clock())
    _add(case, partner_id=added.partner_id)
    with case.session() as session:
        partners.update_partner(session, actor, code="R-0001", partner_id=added.partner_id,
                                draft=partners.PartnerDraft(SECRET_PARTNER, "GGD Amsterdam"),
                                now=case.deps.clock())
        shown = plan.read_plan(session, actor, code="R-0001", page=1, now=case.deps.clock())
        assert (shown.interventions[0].organisation, shown.interventions[0].partner) == (
            "GGD Amsterdam", SECRET_PARTNER)
        partners.remove_partner(session, actor, code="R-0001", partner_id=added.partner_id,
                                now=case.deps.clock())
    with case.session() as session:
        row = session.scalars(select(Intervention)).one()
        assert (row.partner_id, row.organisation) == (None, "GGD Amsterdam")
        assert partners.list_partners(session, actor, code="R-0001",
                                      now=case.deps.clock()).partners == []


def test_a_partner_of_another_case_cannot_be_named_in_a_form(case: Bot) -> None:
    other = _actor(case, REGISSEUR2)
    with case.session() as session:
        theirs = partners.add_partner(session, other, code="R-0002",
                                      draft=partners.PartnerDraft("Iemand", "Politie"),
                                      now=case.deps.clock())
    with pytest.raises(plan.PartnerGoneError):
        _add(case, partner_id=theirs.partner_id)
    with pytest.raises(InputError), case.session() as session:
        partners.participant_names(session, _actor(case), code="R-0001",
                                   partner_ids=[theirs.partner_id])
    with pytest.raises(InputError), case.session() as session:
        partners.update_partner(session, _actor(case), code="R-0001",
                                partner_id=theirs.partner_id,
                                draft=partners.PartnerDraft("X", "Y"), now=case.deps.clock())


# -- the catalogue ---------------------------------------------------------------------------

def test_the_default_catalogue_has_the_manuals_kinds_with_screening_marked(
        case: Bot) -> None:
    with case.session() as session:
        kinds = catalogue.list_kinds(session)
    assert [k.code for k in kinds] == ["paspoort", "screening", "specialisten", "zorg",
                                       "veiligheid", "werk", "onderwijs", "wonen", "gezin",
                                       "ideologie", "overig"]
    assert [k.code for k in kinds if k.screening] == ["screening"]


def test_an_unknown_kind_suggests_the_closest(case: Bot) -> None:
    with pytest.raises(catalogue.UnknownKindError, match="Bedoel je `screening`"):
        _add(case, "screenig")
    with pytest.raises(catalogue.UnknownKindError, match="Bedoel je `specialisten`"):
        _add(case, "spec")


def test_an_import_replaces_the_list_but_never_deletes_a_kind_in_use(case: Bot) -> None:
    _add(case, "paspoort")
    rows = catalogue.parse_catalogue_csv(
        "code;naam;screening\nscreening;Screening GGD;ja\nnieuw;Nieuwe interventie;nee\n")
    with case.session() as session:
        report = catalogue.import_kinds(session, rows, case.deps.clock())
    assert (report.added, report.changed, report.kept) == (["nieuw"], ["screening"],
                                                           ["paspoort"])
    assert "werk" in report.removed and "paspoort" not in report.removed
    with case.session() as session:
        kinds = {k.code: k for k in catalogue.list_kinds(session)}
        assert set(kinds) == {"screening", "nieuw", "paspoort"}
        assert (kinds["paspoort"].active, kinds["paspoort"].in_use) == (False, 1)
        page = plan.read_plan(session, _actor(case), code="R-0001", page=1,
                              now=case.deps.clock())
        assert page.interventions[0].kind_name == "Paspoortmaatregel"
    with pytest.raises(catalogue.UnknownKindError):  # no longer offered for new ones
        _add(case, "paspoort")


@pytest.mark.parametrize(("content", "message"), [
    ("", "geen soorten"),
    ("soort,naam\nx,y\n", "kolomnamen"),
    ("code,naam,screening\nzorg!,Zorg,nee\n", "Regel 2: de code"),
    ("code,naam,screening\nzorg,Zorg,misschien\n", "Regel 2: de kolom screening"),
    ("code,naam,screening\nzorg,Zorg,nee\nzorg,Zorg,ja\n", "Regel 3: de code zorg"),
    ("code,naam,screening\nzorg,Zo\x07rg,nee\n", "Regel 2: In de naam staan"),
])
def test_a_bad_import_file_is_refused_whole(content: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        catalogue.parse_catalogue_csv(content)


# -- privacy at rest, key rotation and the purge -----------------------------------------------

def _fill(bot: Bot) -> None:
    with bot.session() as session:
        added = partners.add_partner(session, _actor(bot), code="R-0001",
                                     draft=partners.PartnerDraft(
                                         SECRET_PARTNER, "GEHEIM-ORG-3391", "GEHEIM-ROL",
                                         "06 1234 5678", "geheim@example.org"),
                                     now=bot.deps.clock())
        plan.add_goal(session, _actor(bot), code="R-0001", text="GEHEIM-PLANDOEL-88",
                      now=bot.deps.clock())
    _add(bot, considerations=SECRET_CONSIDERATIONS, organisation="GEHEIM-UITVOERDER-12",
         partner_id=added.partner_id)
    with bot.session() as session:
        plan.change_status(session, _actor(bot), code="R-0001", number=1, target="afgerond",
                           now=bot.deps.clock(), goal_reached="ja", text=SECRET_RESULT)


SECRETS = (SECRET_GOAL, SECRET_CONSIDERATIONS, SECRET_RESULT, "GEHEIMNAAM-2291",
           "GEHEIM-ORG-3391", "GEHEIM-ROL", "06 1234 5678", "geheim@example.org",
           "GEHEIM-PLANDOEL-88", "GEHEIM-UITVOERDER-12")


def test_the_database_holds_no_plaintext_of_plans_or_partners(case: Bot, engine: Engine,
                                                              backend: str) -> None:
    _fill(case)
    with engine.connect() as conn:
        for table in ("interventions", "plan_goals", "case_partners", "log_entries"):
            dump = repr(conn.execute(text(f"SELECT * FROM {table}")).all())  # noqa: S608
            for secret in SECRETS:
                assert secret not in dump, (table, secret)
            assert "GEHEIM" not in dump
        audit = repr(conn.execute(text("SELECT * FROM audit_events")).all())
        assert "GEHEIM" not in audit and "geheim@" not in audit
    if backend == "sqlite":
        engine.dispose()
        raw = b"".join(p.read_bytes() for p in Path(str(engine.url.database)).parent.glob(
            "regiebot.sqlite3*"))
        for secret in SECRETS:
            assert secret.encode() not in raw


def test_key_rotation_covers_the_plans_encrypted_columns(case: Bot, engine: Engine) -> None:
    names = {f"{t.name}.{c.name}" for t, c in encrypted_columns()}
    assert {"interventions.goal", "interventions.considerations", "interventions.result",
            "interventions.organisation", "plan_goals.text", "case_partners.name",
            "case_partners.organisation", "case_partners.role", "case_partners.phone",
            "case_partners.email"} <= names
    _fill(case)
    new_key = generate_key()
    both = Keyring([new_key, TEST_KEY])
    set_keyring(both)
    with case.session() as session:
        results = {f"{r.table}.{r.column}": r for r in rotate(session, both,
                                                               case.deps.clock())}
    for name in ("interventions.goal", "interventions.result", "plan_goals.text",
                 "case_partners.name", "case_partners.email"):
        assert (results[name].rotated, results[name].total) == (1, 1), name
    set_keyring(Keyring([new_key]))  # the old key is gone: everything still reads
    with case.session() as session:
        page = plan.read_plan(session, _actor(case), code="R-0001", page=1,
                              now=case.deps.clock())
        assert page.interventions[0].result == SECRET_RESULT
        assert page.goals[0].text == "GEHEIM-PLANDOEL-88"
        listed = partners.list_partners(session, _actor(case), code="R-0001",
                                        now=case.deps.clock())
        assert listed.partners[0].email == "geheim@example.org"


def test_the_purge_removes_interventions_goals_and_partners_with_the_case(
        case: Bot) -> None:
    _fill(case)
    # Retention counts from when the closing was recorded (issue 11.11).
    set_case(case, "R-0001", phase=Phase.AFGESLOTEN, closed_on=date(2024, 1, 2),
             closed_at=case.deps.clock() - timedelta(days=731))
    with case.session() as session:
        report = run_retention(session, now=case.deps.clock(), retention_days=730)
    (item,) = report.items
    assert item.rows["interventions"] == 1 and item.rows["plan_goals"] == 1
    assert item.rows["case_partners"] == 1
    with case.session() as session:
        for model in (Intervention, PlanGoal, CasePartner):
            assert session.scalar(select(func.count()).select_from(model)) == 0
        assert session.get(PurgedCase, "R-0001") is not None
        assert session.scalar(select(func.count()).select_from(InterventionKind)) == 11
        assert session.scalar(select(func.count()).select_from(Case)) == 1  # R-0002 stays


# -- the audit trail ---------------------------------------------------------------------------

def test_every_read_and_write_of_a_plan_is_audited_without_its_text(case: Bot) -> None:
    _fill(case)
    with case.session() as session:
        plan.read_plan(session, _actor(case), code="R-0001", page=1, now=case.deps.clock())
        partners.list_partners(session, _actor(case), code="R-0001", now=case.deps.clock())
    with case.session() as session:
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.case_code == "R-0001").order_by(AuditEvent.seq)).all()
        actions = [e.action for e in events]
    assert actions == ["partners.add", "plan.goal.add", "plan.intervention.add",
                       "plan.intervention.status", "plan.read", "partners.read"]
    assert all(e.actor == REGISSEUR and e.outcome == "ok" for e in events)
    details = " ".join(e.detail or "" for e in events)
    assert "GEHEIM" not in details and "screening" not in details
