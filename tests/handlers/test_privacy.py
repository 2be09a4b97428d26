"""Privacy of the logbook: no plaintext at rest (raw SQLite bytes, raw PostgreSQL rows), key
rotation, an audit row for every read, write and refusal, and no case content in the logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, Text, select, text, type_coerce

from bot.__main__ import main
from bot.services.keys import encrypted_columns
from storage.crypto import CryptoError, Keyring, set_keyring
from storage.db import Base
from storage.models import AuditEvent, LogEntry, OutboxMessage
from tests.support import PROGRAMMA, REGISSEUR, REGISSEUR2, SECRETARIS, TEST_KEY, Bot

# Distinctive words that must never be found outside the encrypted columns.
SECRETS = {
    "contact": "Zwaluwstaart besprak de reis naar Raqqa",
    # (not "leerplicht" alone: that is in the intervention catalogue, "Onderwijs en leerplicht")
    "uvo": "Afspraak Kolibrieveer: wekelijks bij de leerplichtambtenaar",
    "participants": "Pelikaanpoot-wijkteam en Reigernek-GGD",
    "evaluatie": "Evaluatie Merelzang: doelen gehaald",
    "veiligheid": "Mesdreiging Spechtsnavel bij de voordeur",
    "correctie": "Correctie Uilenkuif: het was de broer",
}


def fill_logbook(bot: Bot) -> None:
    """Write one entry of every kind (command and modal paths) for R-0001."""
    assert "Opname" in bot.say(SECRETARIS, f"opname R-0001 <@{REGISSEUR}> 3 02-11-2026")
    bot.say(REGISSEUR, f"contact R-0001 gisteren huisbezoek {SECRETS['contact']}")
    bot.say(REGISSEUR, "uvo R-0001")  # opens the modal; submit it like Slack would
    (opened,) = bot.calls("views.open")
    meta = opened.args["view"]["private_metadata"]
    bot.driver.view_submission(REGISSEUR, "logbook_entry", {
        "entry_case": {"own_case": {"selected_option": {"value": "R-0001"}}},
        "entry_date": {"value": {"selected_date": "2026-11-20"}},
        "entry_participants": {"value": {"value": SECRETS["participants"]}},
        "entry_text": {"value": {"value": SECRETS["uvo"]}}}, private_metadata=meta)
    bot.say(REGISSEUR, f"evaluatie R-0001 {SECRETS['evaluatie']}")
    bot.say(REGISSEUR, f"veiligheid R-0001 {SECRETS['veiligheid']}")
    bot.say(REGISSEUR, f"correctie R-0001 1 {SECRETS['correctie']}")
    shown = bot.say(REGISSEUR, "logboek R-0001")
    assert all(secret in shown for secret in SECRETS.values()), shown  # really stored


def needles() -> list[bytes]:
    words = [w for s in SECRETS.values() for w in s.split() if len(w) >= 9]
    return sorted({w.encode() for w in words} | {s.encode() for s in SECRETS.values()})


# --- at rest ------------------------------------------------------------------------------

def test_the_database_holds_no_plaintext_of_any_logged_text(
        bot: Bot, backend: str, engine: Engine, db_url: str) -> None:
    fill_logbook(bot)
    bot.deliver()
    if backend == "sqlite":
        engine.dispose()
        path = Path(db_url.removeprefix("sqlite:///"))
        files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
        assert path in files
        raw = b"".join(p.read_bytes() for p in files)  # the database, its WAL and shm
        assert b"R-0001" in raw  # the scan does see the rows (codes are not encrypted)
    else:
        chunks: list[str] = []
        with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                # Names come from our own metadata; each whole row, as PostgreSQL stores it.
                rows = conn.execute(text(f'SELECT t::text FROM "{table.name}" t'))  # noqa: S608
                chunks.extend(row[0] for row in rows)
        raw = "\n".join(chunks).encode()
        assert b"R-0001" in raw
    found = [n for n in needles() if n in raw]
    assert found == []


def test_every_encrypted_column_stores_fernet_tokens(bot: Bot, engine: Engine) -> None:
    fill_logbook(bot)
    keyring = Keyring([TEST_KEY])
    with engine.connect() as conn:
        for _table, column in encrypted_columns():
            tokens = conn.scalars(select(type_coerce(column, Text)).where(column.is_not(None)))
            for token in tokens:
                assert token.startswith("gAAAAA")
                keyring.decrypt(token)
    assert {(t.name, c.name) for t, c in encrypted_columns()} >= {
        ("log_entries", "text"), ("log_entries", "participants"), ("outbox", "payload")}


# --- key rotation ---------------------------------------------------------------------------

def raw_tokens(engine: Engine) -> dict[tuple[str, str, Any], str]:
    found = {}
    with engine.connect() as conn:
        for table, column in encrypted_columns():
            (key,) = table.primary_key.columns
            raw = select(key, type_coerce(column, Text)).where(column.is_not(None))
            for row_key, token in conn.execute(raw):
                found[(table.name, column.name, row_key)] = token
    return found


def rotate_cli(monkeypatch: pytest.MonkeyPatch, db_url: str, keys: str) -> int:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("REGIEBOT_ENCRYPTION_KEYS", keys)
    return main(["keys", "rotate"])


def test_key_rotation_re_encrypts_everything_under_the_new_key(
        bot: Bot, engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    fill_logbook(bot)
    before = raw_tokens(engine)
    assert len(before) >= 8
    new_key = Fernet.generate_key().decode()

    assert rotate_cli(monkeypatch, db_url, f"{new_key},{TEST_KEY}") == 0
    out = capsys.readouterr().out
    entries = len([k for k in before if k[:2] == ("log_entries", "text")])
    assert f"log_entries.text: {entries} van {entries} opnieuw versleuteld" in out

    after = raw_tokens(engine)
    assert after.keys() == before.keys()
    only_new, only_old = Keyring([new_key]), Keyring([TEST_KEY])
    for key, token in after.items():
        assert token != before[key]
        assert only_new.decrypt(token) == only_old.decrypt(before[key])
        with pytest.raises(CryptoError):
            only_old.decrypt(token)

    # The app now runs on the new key alone and still reads the whole logbook.
    set_keyring(only_new)
    shown = bot.say(REGISSEUR, "logboek R-0001")
    assert all(secret in shown for secret in SECRETS.values())

    assert rotate_cli(monkeypatch, db_url, new_key) == 0
    assert f"log_entries.text: 0 van {entries} opnieuw versleuteld" in capsys.readouterr().out
    assert raw_tokens(engine) == after
    assert bot.audit_count(action="keys.rotate", actor="cli") == 2


def test_rotation_without_the_old_key_changes_nothing(
        bot: Bot, engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    fill_logbook(bot)
    before = raw_tokens(engine)
    assert rotate_cli(monkeypatch, db_url, Fernet.generate_key().decode()) == 2
    assert "cannot be decrypted" in capsys.readouterr().err
    assert raw_tokens(engine) == before
    assert bot.audit_count(action="keys.rotate") == 0


# --- audit -------------------------------------------------------------------------------------

MY_ACTIONS = ("case.", "cases.", "logbook.", "command.")


def test_every_read_write_and_refusal_of_case_content_leaves_an_audit_row(bot: Bot) -> None:
    with bot.session() as session:
        start = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc())) or 0
    bot.say(SECRETARIS, f"opname R-0001 <@{REGISSEUR}> 3 02-11-2026")
    bot.say(SECRETARIS, "brief R-0001 10-11")
    bot.say(REGISSEUR, f"contact R-0001 {SECRETS['contact']}")
    bot.say(REGISSEUR, f"uvo R-0001 {SECRETS['uvo']}")
    bot.say(REGISSEUR, f"evaluatie R-0001 {SECRETS['evaluatie']}")
    bot.say(REGISSEUR, f"correctie R-0001 1 {SECRETS['correctie']}")
    bot.say(REGISSEUR, f"veiligheid R-0001 {SECRETS['veiligheid']}")
    bot.say(REGISSEUR, "logboek R-0001")
    bot.say(REGISSEUR, "casussen")
    bot.say(REGISSEUR2, "logboek R-0001")
    bot.say(REGISSEUR2, "contact R-0404 Tekst")
    bot.say(SECRETARIS, "logboek R-0001")
    bot.say(PROGRAMMA, "contact R-0001 Tekst")
    bot.say(SECRETARIS, f"overdracht R-0001 <@{REGISSEUR2}>")
    bot.say(REGISSEUR, "uvo R-0001 Na de overdracht")
    bot.say(REGISSEUR, "contact R-0001 31-11 Een ongeldige datum")  # bad input: no audit row
    with bot.session() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.id > start)
                               .order_by(AuditEvent.id)).all()
    trail = [(r.actor, r.action, r.case_code, r.outcome) for r in rows
             if r.action.startswith(MY_ACTIONS)]
    assert trail == [
        (SECRETARIS, "case.intake", "R-0001", "ok"),
        (SECRETARIS, "case.letter", "R-0001", "ok"),
        (REGISSEUR, "logbook.contact", "R-0001", "ok"),
        (REGISSEUR, "logbook.uvo", "R-0001", "ok"),
        (REGISSEUR, "logbook.evaluatie", "R-0001", "ok"),
        (REGISSEUR, "logbook.correctie", "R-0001", "ok"),
        (REGISSEUR, "logbook.veiligheid", "R-0001", "ok"),
        (REGISSEUR, "logbook.read", "R-0001", "ok"),
        (REGISSEUR, "cases.list", None, "ok"),
        (REGISSEUR2, "logbook.read", "R-0001", "refused"),
        (REGISSEUR2, "logbook.contact", "R-0404", "refused"),
        (SECRETARIS, "command.logboek", None, "refused"),
        (PROGRAMMA, "command.contact", None, "refused"),
        (SECRETARIS, "case.handover", "R-0001", "ok"),
        (REGISSEUR, "logbook.uvo", "R-0001", "refused"),
    ]
    for row in rows:
        assert row.at is not None
        assert not any(word.decode() in (row.detail or "") for word in needles())


# --- logs ------------------------------------------------------------------------------------

def test_no_case_content_reaches_the_application_logs(
        bot: Bot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.INFO)
    fill_logbook(bot)
    bot.deliver()

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(SECRETS["contact"])  # an exception text that quotes case content

    monkeypatch.setattr("bot.services.logbook.queries.add_audit", broken)
    assert "Er ging iets mis" in bot.say(REGISSEUR, f"contact R-0001 {SECRETS['contact']}")
    assert "RuntimeError" in caplog.text  # the failure itself is logged …
    logged = caplog.text + json.dumps([r.args for r in caplog.records], default=str)
    assert [n for n in needles() if n.decode() in logged] == []  # … without its content


def test_outbox_payloads_with_case_content_are_encrypted(bot: Bot, engine: Engine) -> None:
    fill_logbook(bot)
    with bot.session() as session:
        payloads = [m.payload for m in session.scalars(select(OutboxMessage))]
        assert any(SECRETS["veiligheid"] in p for p in payloads)
        assert session.scalar(select(LogEntry.text).where(LogEntry.id == 1)) is not None
    with engine.connect() as conn:
        stored = [v for (v,) in conn.execute(text("SELECT payload FROM outbox"))]
    assert stored and not any("Spechtsnavel" in v for v in stored)
