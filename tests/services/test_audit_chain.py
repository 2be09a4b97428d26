"""The audit trail is a tamper-evident chain (DESIGN.md §6.7): every change, removal, insertion
or reordering of rows, also by a database superuser, is found at its place."""

from __future__ import annotations

import hashlib
import io
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.services.audit_export import write_audit_csv
from bot.services.audit_verify import verify_audit_trail
from bot.services.keys import rotate
from bot.services.retention import run_retention
from storage import queries
from storage.audit_verify import ChainReport
from storage.crypto import Keyring, generate_key, set_keyring
from storage.models import AuditEvent, AuditHead, Case, Phase
from tests.support import REGISSEUR, SECRETARIS, TEST_KEY, Bot

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
REFUSED = r"append-only|only moves forward"

Found = tuple[str, int | None, int | None, int | None, int | None]
Statement = str | tuple[str, dict[str, object]]


def write_rows(factory: sessionmaker[Session], count: int, *, first: int = 1) -> None:
    """Append `count` audit rows, one transaction each (as requests would)."""
    for n in range(first, first + count):
        with factory.begin() as session:
            queries.add_audit(session, at=NOW + timedelta(minutes=n), actor=f"U0REG000{n}",
                              action="logbook.read", case_code=f"R-{n:04d}",
                              detail=f"regels={n}")


def verify(factory: sessionmaker[Session], keyring: Keyring, *,
           checkpoint: str | None = None) -> ChainReport:
    return verify_audit_trail(factory, keyring, NOW + timedelta(days=1),
                              checkpoint=checkpoint, actor="test").report


def found(report: ChainReport) -> list[Found]:
    return [(f.check.value, f.event_id, f.seq, f.first_missing, f.last_missing)
            for f in report.findings]


def as_superuser(engine: Engine, *statements: Statement) -> None:
    """Run statements (SQL, or SQL with :named parameters) as someone who owns the database:
    triggers out of the way."""
    steps = [(s, {}) if isinstance(s, str) else s for s in statements]
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # the tests connect as the cluster's superuser
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for sql, params in steps:
                conn.execute(text(sql), params)
        return
    # SQLite: whoever can write the file. Drop the triggers, change, put them back.
    assert engine.url.database is not None
    raw = sqlite3.connect(engine.url.database, isolation_level=None)
    try:
        triggers = raw.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                               "AND tbl_name IN ('audit_events', 'audit_head')").fetchall()
        raw.execute("BEGIN")
        for name, _ in triggers:
            raw.execute(f"DROP TRIGGER {name}")
        for sql, params in steps:
            raw.execute(sql, params)
        for _, sql in triggers:
            raw.execute(sql)
        raw.execute("COMMIT")
    finally:
        raw.close()


def head_of(factory: sessionmaker[Session]) -> AuditHead:
    with factory() as session:
        head = session.get(AuditHead, 1)
        assert head is not None
        session.expunge(head)
        return head


def row_at(factory: sessionmaker[Session], seq: int) -> AuditEvent:
    with factory() as session:
        row = session.scalars(select(AuditEvent).where(AuditEvent.seq == seq)).one()
        session.expunge(row)
        return row


# -- an intact trail ----------------------------------------------------------------------------

def test_an_intact_trail_after_normal_use_verifies_clean(bot: Bot) -> None:
    factory = bot.deps.session_factory
    with bot.session() as session:
        user = queries.user_by_slack_id(session, REGISSEUR)
        assert user is not None
        for code, phase, closed_on in (("R-0001", Phase.UITVOERING, None),
                                       ("R-0002", Phase.AFGESLOTEN, date(2023, 1, 10))):
            session.add(Case(code=code, risk_group=3, regisseur_id=user.id, phase=phase,
                             intake_on=date(2022, 9, 1), assigned_on=date(2022, 9, 1),
                             closed_on=closed_on, created_at=NOW, updated_at=NOW,
                             closed_at=NOW - timedelta(days=1000) if closed_on else None))
    bot.say(REGISSEUR, "contact R-0001 vandaag gesprek met de moeder")
    bot.say(REGISSEUR, "logboek R-0001")
    bot.say(SECRETARIS, "logboek R-0001")          # refused, and audited
    bot.slack.add_user("U0NOBODY01", "Niet Aangemeld")
    bot.say("U0NOBODY01", "casussen")              # unregistered, audited
    with factory.begin() as session:
        assert run_retention(session, now=NOW, retention_days=730).items
    with factory.begin() as session:
        write_audit_csv(session, io.StringIO(), now=NOW)
    rotated = Keyring([generate_key(), TEST_KEY])
    set_keyring(rotated)  # a new key first: later rows are MACed with it
    with factory.begin() as session:
        rotate(session, rotated, NOW)
    with factory() as session:
        rows = int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"logbook.contact", "logbook.read", "refused.unregistered", "retention.purge",
            "audit.export", "keys.rotate"} <= actions

    report = verify(factory, rotated)

    assert report.intact and found(report) == [] and len(report.keys) == 2
    assert report.rows == rows and report.head_seq == rows
    assert report.checkpoint == f"{rows}:{row_at(factory, rows).mac}"


def test_verification_is_itself_recorded_in_the_trail(
        session_factory: sessionmaker[Session], keyring: Keyring) -> None:
    write_rows(session_factory, 2)
    assert verify(session_factory, keyring).rows == 2
    last = row_at(session_factory, 3)
    assert (last.action, last.outcome, last.detail) == (
        "audit.verify", "ok", "rijen=2 breuken=0 ongecontroleerd=0")
    assert verify(session_factory, keyring).intact


# -- what changes are found, and where --------------------------------------------------------

def test_a_row_changed_by_a_superuser_is_found_at_its_place(
        engine: Engine, session_factory: sessionmaker[Session], keyring: Keyring) -> None:
    write_rows(session_factory, 5)
    target = row_at(session_factory, 3)
    as_superuser(engine, ("UPDATE audit_events SET actor = 'U0SOMEONE' WHERE id = :id",
                          {"id": target.id}))

    assert found(verify(session_factory, keyring)) == [("content", target.id, 3, None, None)]


def test_a_row_rehashed_without_the_key_is_found(
        engine: Engine, session_factory: sessionmaker[Session], keyring: Keyring) -> None:
    """A plain hash chain could be recomputed; an HMAC without the key cannot."""
    write_rows(session_factory, 5)
    third, fourth = row_at(session_factory, 3), row_at(session_factory, 4)
    forged = hashlib.sha256(b"U0SOMEONE" + third.prev_mac.encode()).hexdigest()
    as_superuser(engine,
                 ("UPDATE audit_events SET actor = 'U0SOMEONE', mac = :mac WHERE id = :id",
                  {"mac": forged, "id": third.id}),
                 ("UPDATE audit_events SET prev_mac = :mac WHERE id = :id",
                  {"mac": forged, "id": fourth.id}))

    assert found(verify(session_factory, keyring)) == [("content", third.id, 3, None, None),
                                                       ("content", fourth.id, 4, None, None)]


def test_a_removed_row_in_the_middle_is_found_as_a_gap(
        engine: Engine, session_factory: sessionmaker[Session], keyring: Keyring) -> None:
    write_rows(session_factory, 5)
    third, fourth = row_at(session_factory, 3), row_at(session_factory, 4)
    as_superuser(engine, ("DELETE FROM audit_events WHERE id = :id", {"id": third.id}))

    assert found(verify(session_factory, keyring)) == [("missing", fourth.id, 4, 3, 3)]


def test_removed_newest_rows_are_found_by_the_head(
        engine: Engine, session_factory: sessionmaker[Session], keyring: Keyring) -> None:
    write_rows(session_factory, 5)
    head = head_of(session_factory)
    as_superuser(engine, "DELETE FROM audit_events WHERE seq >= 4")

    assert found(verify(session_factory, keyring)) == [("tail_missing", head.event_id, 5, 4, 5)]


def test_removed_newest_rows_with_the_head_wound_back_are_found_against_a_checkpoint(
        engine: Engine, session_factory: sessionmaker[Session], keyring: Keyring) -> None:
    """The limit the README states: a superuser who kept an old head row can hide the
    newest rows from the database's own evidence; a checkpoint kept elsewhere shows it."""
    write_rows(session_factory, 3)
    old = head_of(session_factory)
    write_rows(session_factory, 2, first=4)
    checkpoint = verify(session_factory, keyring).checkpoint  # kept outside the database
    assert checkpoint == f"5:{row_at(session_factory, 5).mac}"
    as_superuser(engine, "DELETE FROM audit_events WHERE seq > 3",
                 ("UPDATE audit_head SET seq = :seq, event_id = :event_id, mac = :mac, "
                  "key_id = :key_id, head_mac = :head_mac",
                  {"seq": old.seq, "event_id": old.event_id, "mac": old.mac,
                   "key_id": old.key_id, "head_mac": old.head_mac}))

    assert found(verify(session_factory, keyring)) == []  # (recorded at place 4)
    assert found(verify(session_factory, keyring, checkpoint=checkpoint)) == [
        ("checkpoint", None, 5, None, None)]
    write_rows(session_factory, 3, first=10)  # place 5 is taken again, by another row
    assert found(verify(session_factory, keyring, checkpoint=checkpoint)) == [
        ("checkpoint", row_at(session_factory, 5).id, 5, None, None)]


def test_a_forged_row_added_after_the_head_is_found(
        engine: Engine, session_factory: sessionmaker[Session], keyring: Keyring) -> None:
    write_rows(session_factory, 3)
    last = row_at(session_factory, 3)
    as_superuser(engine, (
        "INSERT INTO audit_events (id, at, actor, action, case_code, outcome, detail, seq, "
        "key_id, prev_mac, mac) VALUES (500, '2026-11-23 09:00:00.000000', 'U0REG0001', "
        "'logbook.read', 'R-0009', 'ok', NULL, 4, :key_id, :prev_mac, :mac)",
        {"key_id": last.key_id, "prev_mac": last.mac, "mac": "ab" * 32}))

    assert found(verify(session_factory, keyring)) == [("content", 500, 4, None, None),
                                                       ("after_head", 500, 4, None, None)]


def test_a_copy_of_a_genuine_row_inserted_at_a_taken_place_is_found(
        engine: Engine, session_factory: sessionmaker[Session], keyring: Keyring) -> None:
    write_rows(session_factory, 4)
    as_superuser(engine, "DROP INDEX ux_audit_events_seq",
                 "INSERT INTO audit_events (id, at, actor, action, case_code, outcome, detail, "
                 "seq, key_id, prev_mac, mac) SELECT 900, at, actor, action, case_code, "
                 "outcome, detail, seq, key_id, prev_mac, mac FROM audit_events WHERE seq = 2")

    assert found(verify(session_factory, keyring)) == [("inserted", 900, 2, None, None)]


def test_swapped_rows_are_found_at_both_places(
        engine: Engine, session_factory: sessionmaker[Session], keyring: Keyring) -> None:
    write_rows(session_factory, 5)
    two, three = row_at(session_factory, 2), row_at(session_factory, 3)
    move = "UPDATE audit_events SET seq = :seq WHERE id = :id"
    as_superuser(engine, (move, {"seq": -1, "id": two.id}), (move, {"seq": 2, "id": three.id}),
                 (move, {"seq": 3, "id": two.id}))

    assert found(verify(session_factory, keyring)) == [
        ("content", three.id, 2, None, None), ("link", three.id, 2, None, None),
        ("content", two.id, 3, None, None), ("link", two.id, 3, None, None),
        ("link", row_at(session_factory, 4).id, 4, None, None)]


def test_a_row_without_chain_columns_is_found(
        engine: Engine, session_factory: sessionmaker[Session], keyring: Keyring) -> None:
    write_rows(session_factory, 2)
    if engine.dialect.name == "postgresql":
        as_superuser(engine, "ALTER TABLE audit_events ALTER COLUMN seq DROP NOT NULL",
                     "INSERT INTO audit_events (id, at, actor, action, outcome, key_id, "
                     "prev_mac, mac) VALUES (77, now(), 'U1', 'x', 'ok', 'k', 'p', 'm')")
    else:  # SQLite keeps whatever it is given, whatever the column type
        as_superuser(engine,
                     "INSERT INTO audit_events (id, at, actor, action, outcome, seq, key_id, "
                     "prev_mac, mac) VALUES (77, 'gisteren', 'U1', 'x', 'ok', 'drie', 'k', "
                     "'p', 'm')")

    assert found(verify(session_factory, keyring)) == [("unchained", 77, None, None, None)]


def test_a_changed_head_is_found(
        engine: Engine, session_factory: sessionmaker[Session], keyring: Keyring) -> None:
    write_rows(session_factory, 3)
    as_superuser(engine, "UPDATE audit_head SET event_id = 2")

    assert found(verify(session_factory, keyring)) == [
        ("head_content", None, 3, None, None), ("head_mismatch", 3, 3, None, None)]


def test_a_removed_head_is_found_and_no_row_is_written_without_it(
        engine: Engine, session_factory: sessionmaker[Session], keyring: Keyring) -> None:
    write_rows(session_factory, 2)
    as_superuser(engine, "DELETE FROM audit_head")

    with pytest.raises(Exception, match="head row is missing"):
        write_rows(session_factory, 1, first=3)
    # The refused commit leaves no lock behind: another thread's work goes on at once.
    done = threading.Event()

    def other_request() -> None:
        with session_factory.begin() as session:
            session.execute(select(func.count()).select_from(Case))
        done.set()

    thread = threading.Thread(target=other_request)
    thread.start()
    thread.join(timeout=10)
    assert done.is_set()
    assert found(verify_chain_only(session_factory, keyring)) == [
        ("head_missing", None, None, None, None)]


def verify_chain_only(factory: sessionmaker[Session], keyring: Keyring) -> ChainReport:
    """Verify without recording the check (the trail cannot take rows without its head)."""
    from storage.audit_verify import verify_chain

    with factory() as session:
        return verify_chain(session, keyring.mac_key_by_id)


# -- what the database itself refuses --------------------------------------------------------

@pytest.mark.backends("sqlite")
def test_sqlite_replace_cannot_overwrite_an_audit_row(
        session_factory: sessionmaker[Session], keyring: Keyring) -> None:
    write_rows(session_factory, 2)
    first = row_at(session_factory, 1)
    for statement in (
            "INSERT OR REPLACE INTO audit_events (id, at, actor, action, case_code, outcome, "
            "detail, seq, key_id, prev_mac, mac) SELECT id, at, 'U0SOMEONE', action, "
            "case_code, outcome, detail, seq, key_id, prev_mac, mac FROM audit_events "
            "WHERE id = :id",
            "REPLACE INTO audit_events (id, at, actor, action, case_code, outcome, detail, "
            "seq, key_id, prev_mac, mac) SELECT :id + 1000, at, 'U0SOMEONE', action, "
            "case_code, outcome, detail, seq, key_id, prev_mac, mac FROM audit_events "
            "WHERE id = :id",
            "REPLACE INTO audit_head (id, seq, event_id, mac) VALUES (1, 0, 0, 'x')"):
        with pytest.raises(IntegrityError, match=REFUSED), \
                session_factory.begin() as session:
            session.execute(text(statement), {"id": first.id})

    assert row_at(session_factory, 1).actor == first.actor
    assert verify(session_factory, keyring).intact


@pytest.mark.backends("postgresql")
def test_postgresql_refuses_truncate_even_to_the_owner(
        session_factory: sessionmaker[Session], keyring: Keyring) -> None:
    write_rows(session_factory, 2)
    for table in ("audit_events", "audit_head"):
        with pytest.raises(DBAPIError, match=REFUSED), \
                session_factory.begin() as session:
            session.execute(text(f"TRUNCATE {table}"))
    assert verify(session_factory, keyring).intact


def test_rows_and_head_cannot_be_changed_deleted_or_wound_back(
        session_factory: sessionmaker[Session], keyring: Keyring) -> None:
    write_rows(session_factory, 2)
    for statement in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events",
                      "UPDATE audit_head SET seq = 0", "DELETE FROM audit_head"):
        with pytest.raises(DBAPIError, match=REFUSED), \
                session_factory.begin() as session:
            session.execute(text(statement))
    assert verify(session_factory, keyring).intact


def test_an_audit_row_written_around_the_chain_is_refused(
        session_factory: sessionmaker[Session]) -> None:
    with pytest.raises(IntegrityError), session_factory.begin() as session:
        session.add(AuditEvent(at=NOW, actor="U1", action="x", outcome="ok"))


# -- transactions, savepoints and replicas -------------------------------------------------------

def test_audit_rows_of_rolled_back_work_are_not_written(
        session_factory: sessionmaker[Session], keyring: Keyring) -> None:
    with pytest.raises(RuntimeError), session_factory.begin() as session:
        queries.add_audit(session, at=NOW, actor="U1", action="gone.transaction")
        raise RuntimeError
    with session_factory.begin() as session:
        queries.add_audit(session, at=NOW, actor="U1", action="kept.before")
        with pytest.raises(RuntimeError), session.begin_nested():
            queries.add_audit(session, at=NOW, actor="U1", action="gone.savepoint")
            raise RuntimeError
        with session.begin_nested():
            queries.add_audit(session, at=NOW, actor="U1", action="kept.savepoint")
        queries.add_audit(session, at=NOW, actor="U1", action="kept.after")
    with session_factory() as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions == ["kept.before", "kept.savepoint", "kept.after"]
    assert verify(session_factory, keyring).intact


@pytest.mark.backends("postgresql")
def test_concurrent_writers_on_postgresql_keep_one_linear_chain(
        session_factory: sessionmaker[Session], keyring: Keyring) -> None:
    writers, per_writer = 8, 25
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            start.wait()
            for i in range(per_writer):
                with session_factory.begin() as session:
                    # Other work first, as a request does; the chain is extended at commit.
                    session.execute(select(func.count()).select_from(Case))
                    queries.add_audit(session, at=NOW, actor=f"U{n}", action=f"w{n}.{i}")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with session_factory() as session:
        seqs = session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
    assert seqs == list(range(1, writers * per_writer + 1))
    report = verify(session_factory, keyring)
    assert report.intact and report.rows == writers * per_writer


# -- key rotation --------------------------------------------------------------------------------

@pytest.fixture
def two_keys() -> Iterator[tuple[str, str]]:
    old, new = TEST_KEY, generate_key()
    yield old, new
    set_keyring(Keyring([TEST_KEY]))


def test_rows_under_a_retired_key_verify_while_that_key_is_configured(
        session_factory: sessionmaker[Session], two_keys: tuple[str, str]) -> None:
    old, new = two_keys
    write_rows(session_factory, 2)
    set_keyring(Keyring([new, old]))            # rotation: the new key first
    write_rows(session_factory, 2, first=3)
    old_id, new_id = Keyring([old]).mac_key.key_id, Keyring([new]).mac_key.key_id

    both = verify_chain_only(session_factory, Keyring([new, old]))
    assert both.intact and {k: (u.rows, u.first_seq, u.last_seq)
                            for k, u in both.keys.items()} == {old_id: (2, 1, 2),
                                                               new_id: (2, 3, 4)}

    without_old = verify_chain_only(session_factory, Keyring([new]))
    assert not without_old.broken and not without_old.intact
    assert [(u.key_id, u.rows, u.first_seq, u.last_seq) for u in without_old.unverified] == [
        (old_id, 2, 1, 2)]


# -- the command ---------------------------------------------------------------------------------

def test_regiebot_audit_verify_reports_in_dutch_and_exits_non_zero_when_broken(
        engine: Engine, session_factory: sessionmaker[Session], db_url: str,
        monkeypatch: pytest.MonkeyPatch, tmp_path: object,
        capsys: pytest.CaptureFixture[str]) -> None:
    from bot import __main__ as cli
    from tests.support import cli_environment

    cli_environment(monkeypatch, tmp_path, db_url, NOW)
    write_rows(session_factory, 3)

    assert cli.main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "Audittrail intact: 3 regels gecontroleerd" in out
    checkpoint = out.split("Controlepunt (bewaar het buiten de database): ")[1].strip()
    assert checkpoint == f"3:{row_at(session_factory, 3).mac}"

    target = row_at(session_factory, 2)
    as_superuser(engine, ("UPDATE audit_events SET detail = 'regels=0' WHERE id = :id",
                          {"id": target.id}))
    assert cli.main(["audit", "verify", "--checkpoint", checkpoint]) == 1
    out = capsys.readouterr().out
    assert "Audittrail GEBROKEN: 1 breuk gevonden" in out
    assert (f"Regel {target.id} (volgnummer 2): de inhoud klopt niet met de MAC; gewijzigd, "
            "verplaatst of vervalst.") in out
    assert "Controlepunt" not in out

    assert cli.main(["audit", "verify", "--checkpoint", "drie"]) == 2
    assert "'drie' is geen controlepunt" in capsys.readouterr().err


def test_db_upgrade_refuses_an_app_role_it_cannot_hold_to_append_only(
        backend: str, db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: object,
        capsys: pytest.CaptureFixture[str]) -> None:
    from bot import __main__ as cli
    from tests.support import cli_environment

    cli_environment(monkeypatch, tmp_path, db_url, NOW)

    assert cli.main(["db", "upgrade", "--app-role", "regiebot_nobody"]) == 2
    expected = ("rollen bestaan alleen in PostgreSQL" if backend == "sqlite"
                else "die rol bestaat niet; maak hem eerst aan")
    assert f"Rol regiebot_nobody kan niet de rol van de bot zijn: {expected}. Er is niets " \
           "veranderd." in capsys.readouterr().err
