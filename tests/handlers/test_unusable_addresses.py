"""One unusable e-mail address never blocks a publication: that person's e-mail is skipped and
named to the secretary, everyone else's invitation and e-mail go out; the command line refuses
names and addresses with control characters."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot import cli
from bot.config import Settings
from storage.models import AuditEvent, OutboxMessage, User
from tests.support import (
    REGISSEUR,
    REGISSEUR2,
    SECRETARIS,
    Bot,
    RecordingHandler,
    add_case,
    cli_environment,
    free_port,
    read_invite,
    uploads,
)

SENDER = "secretariaat@example.org"
BAD_ADDRESSES = [
    "",
    "   ",
    "geen-adres",
    "anna@example.org\r\nBcc: indringer@example.org",
    "anna@example.org\n",
    "<anna@example.org>",
    "Anna <anna@example.org>",
    "anna@@example.org",
    "ännа@example.org",
]


@pytest.fixture
def smtp() -> Iterator[tuple[RecordingHandler, int]]:
    handler, port = RecordingHandler(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def settings(settings: Settings, smtp: tuple[RecordingHandler, int]) -> Settings:
    """The standard test settings with SMTP pointed at the local server."""
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp[1],
                                       "smtp_starttls": False, "smtp_sender": SENDER})


def set_email_on_file(bot: Bot, slack_id: str, email: str | None) -> None:
    """Store an address as an older version or a hand-edited database may have it."""
    with bot.session() as session:
        session.scalars(select(User).where(User.slack_user_id == slack_id)).one().email = email


def both_ready(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR, last_uvo_on=date(2026, 11, 2))
    add_case(bot, "R-0002", REGISSEUR2, last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0001 itat")
    bot.say(REGISSEUR2, "gereed R-0002 itat")


def recipients(handler: RecordingHandler) -> list[str]:
    return sorted(r for envelope in handler.envelopes for r in envelope.rcpt_tos)


@pytest.mark.parametrize("bad", BAD_ADDRESSES)
def test_an_unusable_address_on_file_skips_only_that_email_and_names_the_person(
        bot: Bot, smtp: tuple[RecordingHandler, int], caplog: pytest.LogCaptureFixture,
        bad: str) -> None:
    caplog.set_level(logging.DEBUG)
    bot.slack.add_user(REGISSEUR2, "Bram Regisseur", email="bram@example.org")
    set_email_on_file(bot, REGISSEUR, bad)
    both_ready(bot)

    reply = bot.say(SECRETARIS, "publiceer itat")
    bot.deliver()

    assert "gepubliceerd" in reply and "2 nieuwe uitnodigingen" in reply
    assert "Geen e-mail verstuurd aan Anna Regisseur" in reply
    assert "Bram" not in reply.split("Geen e-mail verstuurd aan", 1)[1]
    assert recipients(smtp[0]) == ["bram@example.org"]  # Bram's e-mail went out
    [message] = [message_from_bytes(e.content, policy=policy.default)
                 for e in smtp[0].envelopes]
    assert "indringer" not in str(message)
    # Both invitations reached Slack; Anna's attendee is the placeholder, not the bad value.
    [anna] = uploads(bot, REGISSEUR)
    assert read_invite(anna.content).js["attendees"][0]["value"] == (
        "mailto:U0REG0001@users.slack.invalid")
    assert len(uploads(bot, REGISSEUR2)) == 1
    assert bot.audit_count(action="agenda.publish", outcome="ok") == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    if bad.strip():
        assert bad.strip() not in caplog.text  # the address is not logged either


@pytest.mark.parametrize("bad", ["bram@example.org\r\nBcc: indringer@example.org",
                                 "bram at example dot org", ""])
def test_an_unusable_slack_profile_address_skips_only_that_email(
        bot: Bot, smtp: tuple[RecordingHandler, int], bad: str) -> None:
    bot.slack.add_user(REGISSEUR2, "Bram Regisseur", email=bad)
    both_ready(bot)

    reply = bot.say(SECRETARIS, "publiceer itat")
    bot.deliver()

    assert "Geen e-mail verstuurd aan Bram Regisseur" in reply
    assert recipients(smtp[0]) == ["anna@example.org"]
    assert len(uploads(bot, REGISSEUR)) == len(uploads(bot, REGISSEUR2)) == 1


def test_no_address_at_all_is_no_problem_to_report(
        bot: Bot, smtp: tuple[RecordingHandler, int]) -> None:
    both_ready(bot)  # Bram has no address on file nor in Slack: Slack only, as always

    reply = bot.say(SECRETARIS, "publiceer itat")

    assert "Geen e-mail verstuurd" not in reply
    bot.deliver()
    assert recipients(smtp[0]) == ["anna@example.org"]


def test_a_name_with_a_line_break_on_file_does_not_block_the_publication(
        bot: Bot, smtp: tuple[RecordingHandler, int]) -> None:
    with bot.session() as session:
        anna = session.scalars(select(User).where(User.slack_user_id == REGISSEUR)).one()
        anna.name = "Anna\r\nRegisseur"
    both_ready(bot)

    reply = bot.say(SECRETARIS, "publiceer itat")
    bot.deliver()

    assert "gepubliceerd" in reply
    assert recipients(smtp[0]) == ["anna@example.org"]
    [anna_invite] = uploads(bot, REGISSEUR)
    assert read_invite(anna_invite.content).js["attendees"][0]["cn"] == "Anna Regisseur"


def test_unusable_address_of_a_cancelled_invitation_is_named_too(
        bot: Bot, smtp: tuple[RecordingHandler, int]) -> None:
    both_ready(bot)
    bot.say(SECRETARIS, "publiceer itat")
    set_email_on_file(bot, REGISSEUR, "anna@example.org\n")
    bot.say(SECRETARIS, "verplaats R-0001 itat 31-12-2026")

    reply = bot.say(SECRETARIS, "publiceer itat 10-12-2026")

    assert "1 annulering" in reply and "Geen e-mail verstuurd aan Anna Regisseur" in reply


# -- the command line ---------------------------------------------------------------------------

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
CONTROL_CHARACTERS = ["\n", "\r", "\t", "\x00", "\x1b[31m", "\x85", "\u2028", "\u202e"]


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cli_environment(monkeypatch, tmp_path, db_url, NOW)
    return tmp_path


def stored(session_factory: sessionmaker[Session]) -> tuple[list[tuple[str, str, str | None]],
                                                            int]:
    with session_factory() as session:
        users = [(u.slack_user_id, u.name, u.email)
                 for u in session.scalars(select(User).order_by(User.slack_user_id))]
        return users, int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


@pytest.mark.parametrize("control", CONTROL_CHARACTERS)
@pytest.mark.parametrize("field", ["--naam", "--organisatie", "--email"])
def test_users_add_refuses_control_characters_and_stores_nothing(
        cli_env: Path, session_factory: sessionmaker[Session],
        capsys: pytest.CaptureFixture[str], field: str, control: str) -> None:
    values = {"--naam": "Nina Nieuw", "--organisatie": "GGD", "--email": "nina@example.org"}
    values[field] = values[field][:4] + control + values[field][4:]

    code = cli.main(["users", "add", "U0NEW0001", "--rol", "regisseur",
                     *[part for item in values.items() for part in item]])

    err = capsys.readouterr().err
    assert code == 1
    assert "stuurteken" in err or "geen geldig e-mailadres" in err
    # Quoted back escaped, never raw (a terminal escape, a line break inside the message).
    assert control not in err.removesuffix("\n")
    assert stored(session_factory) == ([], 0)


@pytest.mark.parametrize("bad", ["nina@example.org\n", "nina@example.org\r\nBcc: x@y.nl",
                                 " nina@example.org", "nina@example"])
def test_users_set_refuses_an_unusable_address_and_keeps_the_old_one(
        cli_env: Path, session_factory: sessionmaker[Session],
        capsys: pytest.CaptureFixture[str], bad: str) -> None:
    assert cli.main(["users", "add", "U0NEW0001", "--naam", "Nina Nieuw", "--organisatie",
                     "GGD", "--rol", "regisseur", "--email", "nina@example.org"]) == 0
    before = stored(session_factory)

    assert cli.main(["users", "set", "U0NEW0001", "--email", bad]) == 1

    assert "e-mailadres" in capsys.readouterr().err
    assert stored(session_factory) == before


def test_users_import_refuses_a_row_with_a_control_character_and_imports_nothing(
        cli_env: Path, session_factory: sessionmaker[Session],
        capsys: pytest.CaptureFixture[str]) -> None:
    (cli_env / "users.csv").write_text(
        "slack_user_id,naam,organisatie,rollen,email\n"
        "U0IMP0001,Ivo Import,Politie,regisseur,ivo@example.org\n"
        '"U0IMP0002","Jet\rImport",AcVZ,secretaris,jet@example.org\n', encoding="utf-8")

    assert cli.main(["users", "import", str(cli_env / "users.csv")]) == 1

    err = capsys.readouterr().err
    assert "Regel 3" in err and "stuurteken" in err and "Jet\\u000dImport" in err
    assert stored(session_factory) == ([], 0)


def test_outbox_holds_no_email_for_an_unusable_address(
        bot: Bot, smtp: tuple[RecordingHandler, int]) -> None:
    set_email_on_file(bot, REGISSEUR, "anna@example.org\r\nBcc: indringer@example.org")
    both_ready(bot)

    bot.say(SECRETARIS, "publiceer itat")

    with bot.session() as session:
        mail_to = list(session.scalars(select(OutboxMessage.recipient)
                                       .where(OutboxMessage.kind == "email")))
    assert all("indringer" not in r and "\n" not in r for r in mail_to)
