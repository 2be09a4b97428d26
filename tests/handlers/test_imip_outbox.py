"""Invites by e-mail: iMIP messages go through the outbox to a real local SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy import select

from bot.config import Settings
from storage.models import OutboxMessage
from tests.support import (
    REGISSEUR,
    REGISSEUR2,
    SECRETARIS,
    Bot,
    RecordingHandler,
    add_case,
    discussed_at_regie,
    free_port,
    item_uid,
    parse_with_icaljs,
    read_invite,
    uploads,
    utc,
)

SENDER = "secretariaat@example.org"


class Smtp:
    """A local SMTP server on a fixed port that a test can start late or stop."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = RecordingHandler()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[EmailMessage]:
        found = []
        for envelope in self.handler.envelopes:
            parsed = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            found.append(parsed)
        return found


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(settings: Settings, smtp: Smtp) -> Settings:
    """The standard test settings with SMTP pointed at the local server."""
    return settings.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_starttls": False,
        "smtp_sender": SENDER, "smtp_sender_name": "Secretariaat ITAT-R"})


def calendar_part(message: EmailMessage) -> tuple[str, bytes]:
    """Return the iTIP method parameter and the bytes of the text/calendar part."""
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return str(parts[0].get_param("method")), payload


def ready_and_publish(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR, last_uvo_on=date(2026, 11, 2))
    add_case(bot, "R-0002", REGISSEUR2, last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0001 itat")
    bot.say(REGISSEUR2, "gereed R-0002 itat")
    bot.say(SECRETARIS, "publiceer itat")


def test_published_invite_is_also_emailed_as_imip_request(bot: Bot, smtp: Smtp) -> None:
    ready_and_publish(bot)

    bot.deliver()

    # Bram has no address on file nor in his Slack profile: Slack only.
    [message] = smtp.messages()
    [envelope] = smtp.handler.envelopes
    assert envelope.mail_from == SENDER and envelope.rcpt_tos == ["anna@example.org"]
    assert message.get_content_type() == "multipart/mixed"
    assert message["From"].addresses[0].addr_spec == SENDER
    assert "R-0001" in message["Subject"]
    method, ics = calendar_part(message)
    assert method == "REQUEST"
    assert ics == uploads(bot, REGISSEUR)[0].content  # the same object as in Slack
    [event] = Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["UID"]) == item_uid(bot, "R-0001")
    assert event.decoded("SEQUENCE") == 0
    assert event.decoded("DTSTART") == utc(2026, 12, 10, 12)
    assert str(event["ORGANIZER"]) == f"mailto:{SENDER}"
    js = parse_with_icaljs(ics)
    assert js["method"] == "REQUEST"
    assert js["events"][0]["startDate"] == "2026-12-10T12:00:00.000Z"
    assert js["events"][0]["attendees"][0]["value"] == "mailto:anna@example.org"
    [attachment] = [p for p in message.iter_attachments()]
    assert attachment.get_filename() == "invite.ics"


def test_slack_profile_address_is_used_when_none_is_on_file(bot: Bot, smtp: Smtp) -> None:
    bot.slack.add_user(REGISSEUR2, "Bram Regisseur", email="bram@example.org")

    ready_and_publish(bot)
    bot.deliver()

    recipients = sorted(r for e in smtp.handler.envelopes for r in e.rcpt_tos)
    assert recipients == ["anna@example.org", "bram@example.org"]
    [bram] = [read for read in smtp.messages() if "bram" in str(read["To"])]
    invite = read_invite(calendar_part(bram)[1])
    assert invite.js["attendees"][0]["value"] == "mailto:bram@example.org"
    assert (invite.method, invite.sequence) == ("REQUEST", 0)


def test_withdraw_after_publication_emails_a_cancel_with_the_same_uid(
        bot: Bot, smtp: Smtp) -> None:
    ready_and_publish(bot)
    bot.deliver()

    bot.say(REGISSEUR, "intrekken R-0001 itat")
    bot.deliver()

    request, cancel = smtp.messages()
    assert calendar_part(request)[0] == "REQUEST"
    method, ics = calendar_part(cancel)
    assert method == "CANCEL"
    invite = read_invite(ics)
    assert (invite.method, invite.uid, invite.sequence) == ("CANCEL", item_uid(bot, "R-0001"), 1)
    assert str(invite.event["STATUS"]) == invite.js["status"] == "CANCELLED"
    assert invite.starts_at == utc(2026, 12, 10, 12)
    assert cancel["Subject"].startswith("Geannuleerd")


def test_update_after_a_move_is_emailed_with_a_higher_sequence(bot: Bot, smtp: Smtp) -> None:
    ready_and_publish(bot)
    bot.say(SECRETARIS, "verplaats R-0001 itat 10-12-2026 3")
    bot.say(SECRETARIS, "publiceer itat")

    bot.deliver()

    invites = [read_invite(calendar_part(m)[1]) for m in smtp.messages()]
    assert [(i.method, i.sequence, i.starts_at) for i in invites] == [
        ("REQUEST", 0, utc(2026, 12, 10, 12)), ("REQUEST", 1, utc(2026, 12, 10, 12, 40))]
    assert invites[0].uid == invites[1].uid == item_uid(bot, "R-0001")


def test_unreachable_smtp_server_is_retried_later_and_delivered_once(
        bot: Bot, smtp: Smtp) -> None:
    smtp.stop()
    ready_and_publish(bot)

    first = bot.deliver()

    assert first.retried == 1 and first.failed == 0
    with bot.session() as session:
        email = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "email")).one()
        assert email.status == "pending" and email.attempts == 1
        assert email.last_error is not None and "cannot reach SMTP server" in email.last_error
        assert email.next_attempt_at > bot.deps.clock()
    assert uploads(bot, REGISSEUR)  # Slack was not held up by the mail server

    smtp.start()
    assert bot.deliver().sent == 0  # not due yet: backing off
    bot.deps.clock.advance(timedelta(minutes=15))  # type: ignore[attr-defined]
    assert bot.deliver().sent == 1
    bot.deps.clock.advance(timedelta(minutes=15))  # type: ignore[attr-defined]
    assert bot.deliver().sent == 0
    assert len(smtp.handler.envelopes) == 1


def test_without_smtp_no_email_is_queued(bot: Bot, smtp: Smtp) -> None:
    bot.deps.settings = bot.deps.settings.model_copy(update={"smtp_host": None})

    ready_and_publish(bot)

    with bot.session() as session:
        kinds = set(session.scalars(select(OutboxMessage.kind)))
    assert "email" not in kinds and {"dm", "file", "channel"} <= kinds


def test_closing_a_case_emails_the_cancel_to_the_slack_profile_address(
        bot: Bot, smtp: Smtp) -> None:
    bot.slack.add_user(REGISSEUR2, "Bram Regisseur", email="bram@example.org")
    ready_and_publish(bot)
    bot.deliver()
    invited = item_uid(bot, "R-0002")
    discussed_at_regie(bot, "R-0002")  # the Regieoverleg of 11 November closes it

    assert "afgesloten" in bot.say(SECRETARIS, "besluit R-0002 afgesloten")
    bot.deliver()

    to_bram = [m for m in smtp.messages() if "bram@example.org" in str(m["To"])]
    assert [calendar_part(m)[0] for m in to_bram] == ["REQUEST", "CANCEL"]
    cancel = read_invite(calendar_part(to_bram[1])[1])
    assert (cancel.method, cancel.uid, cancel.sequence) == ("CANCEL", invited, 1)


def test_a_recipient_the_mail_server_refuses_for_good_is_not_retried(
        bot: Bot, smtp: Smtp) -> None:
    smtp.handler.refuse_recipients = True  # 550 5.1.1 No such user
    ready_and_publish(bot)

    result = bot.deliver()

    assert result.failed == 1 and result.retried == 0
    with bot.session() as session:
        email = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "email")).one()
        assert (email.status, email.attempts) == ("failed", 1)
        assert email.last_error == "SMTP server refused the recipient (550)"
    assert uploads(bot, REGISSEUR)  # the Slack invite went out all the same
    bot.deps.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
    assert bot.deliver().sent == 0 and smtp.handler.envelopes == []
