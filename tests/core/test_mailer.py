"""Tests for bot.mailer: iMIP messages delivered to a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import ipaddress
import ssl
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from icalendar import Calendar

from bot.invites import Person, SlotInvite, build_invite
from bot.mailer import MailError, SmtpConfig, build_imip_message, send_message
from tests.support import RecordingHandler, SmtpServer, free_port, run_smtp_server

SENDER = "itat-r@amsterdam.example"
RECIPIENT = "j.devries@example.org"
SENT_AT = datetime(2026, 10, 20, 8, 0, tzinfo=UTC)

REQUEST = SlotInvite(
    uid="agenda-item-17@regiebot",
    sequence=1,
    method="REQUEST",
    summary="ITAT-R: R-0042",
    description="Presentatie plan van aanpak R-0042.",
    starts_at=datetime(2026, 10, 29, 12, 0, tzinfo=UTC),
    ends_at=datetime(2026, 10, 29, 12, 20, tzinfo=UTC),
    location="Stadhuis, kamer 3",
    organizer=Person(name="Secretariaat ITAT-R", email=SENDER),
    attendee=Person(name="Jan de Vries", email=RECIPIENT),
    non_participant=False,
    stamp_at=datetime(2026, 10, 15, 8, 30, tzinfo=UTC),
)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """Run a plain SMTP server without STARTTLS or AUTH."""
    with run_smtp_server(RecordingHandler()) as server:
        yield server


def accept_only_regiebot(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    """Accept the login regiebot / s3cret and nothing else."""
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"regiebot",
        b"s3cret",
    )
    # handled=False lets aiosmtpd answer a failure with 535 itself.
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def tls_certificate(tmp_path: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for 127.0.0.1 and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "regiebot test SMTP")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = tmp_path / "smtp-cert.pem"
    key_path = tmp_path / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_smtp_server(tls_certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    """Run an SMTP server that offers STARTTLS and requires AUTH over TLS."""
    cert_path, key_path = tls_certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    with run_smtp_server(
        RecordingHandler(),
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=accept_only_regiebot,
    ) as server:
        yield server


def config_for(port: int, **changes: Any) -> SmtpConfig:
    """Return an SMTP configuration for a local test server."""
    config = SmtpConfig(
        host="127.0.0.1",
        port=port,
        starttls=False,
        username=None,
        password=None,
        sender=SENDER,
        sender_name="Secretariaat ITAT-R",
        timeout_s=5.0,
    )
    return replace(config, **changes)


def imip_message(method: Literal["REQUEST", "CANCEL"] = "REQUEST") -> tuple[bytes, EmailMessage]:
    """Return the invite bytes and the iMIP message that carries them."""
    invite = REQUEST if method == "REQUEST" else replace(REQUEST, method="CANCEL", sequence=2)
    ics = build_invite(invite)
    message = build_imip_message(
        ics=ics,
        method=method,
        sender=SENDER,
        sender_name="Secretariaat ITAT-R",
        to=f"Jan de Vries <{RECIPIENT}>",
        subject="ITAT-R R-0042 – donderdag 29 oktober 13:00",
        body_text="Je presentatie van R-0042 staat op donderdag 29 oktober om 13:00.",
        sent_at=SENT_AT,
    )
    return ics, message


def received(server: SmtpServer) -> EmailMessage:
    """Return the single message the server received, parsed."""
    [envelope] = server.handler.envelopes
    parsed = message_from_bytes(envelope.content, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_imip_message_arrives_with_inline_calendar_and_ics_attachment(
    smtp_server: SmtpServer, method: Literal["REQUEST", "CANCEL"]
) -> None:
    ics, message = imip_message(method)

    send_message(config_for(smtp_server.port), message)

    [envelope] = smtp_server.handler.envelopes
    assert envelope.mail_from == SENDER
    assert envelope.rcpt_tos == [RECIPIENT]
    delivered = received(smtp_server)
    assert delivered.get_content_type() == "multipart/mixed"
    alternative, attachment = delivered.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    text_part, calendar_part = alternative.iter_parts()
    assert text_part.get_content_type() == "text/plain"
    assert "R-0042" in text_part.get_content()
    assert calendar_part.get_content_type() == "text/calendar"
    assert calendar_part.get_param("method") == method
    assert str(calendar_part.get_param("charset")).upper() == "UTF-8"
    assert calendar_part.get_content_disposition() is None
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "invite.ics"

    inline_ics = calendar_part.get_payload(decode=True)
    assert inline_ics == ics
    assert attachment.get_payload(decode=True) == ics
    calendar = Calendar.from_ical(inline_ics)
    assert str(calendar["METHOD"]) == method
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == "agenda-item-17@regiebot"
    assert event.decoded("SEQUENCE") == (1 if method == "REQUEST" else 2)
    assert str(event["STATUS"]) == ("CONFIRMED" if method == "REQUEST" else "CANCELLED")


def test_imip_message_has_sender_date_and_message_id_headers() -> None:
    _, message = imip_message()

    assert message["From"].addresses[0].display_name == "Secretariaat ITAT-R"
    assert message["From"].addresses[0].addr_spec == SENDER
    assert message["To"].addresses[0].addr_spec == RECIPIENT
    assert message["Date"].datetime == SENT_AT
    assert message["Message-ID"].startswith("<")
    assert message["Message-ID"].endswith("@regiebot.local>")
    assert message["Subject"] == "ITAT-R R-0042 – donderdag 29 oktober 13:00"


def test_message_ids_are_unique_per_message() -> None:
    _, first = imip_message()
    _, second = imip_message()

    assert first["Message-ID"] != second["Message-ID"]


def test_method_that_does_not_match_the_calendar_is_refused() -> None:
    ics = build_invite(REQUEST)

    with pytest.raises(ValueError, match="METHOD"):
        build_imip_message(
            ics=ics,
            method="CANCEL",
            sender=SENDER,
            sender_name="Secretariaat ITAT-R",
            to=RECIPIENT,
            subject="ITAT-R R-0042",
            body_text="R-0042",
        )


def test_header_injection_through_the_subject_is_refused() -> None:
    with pytest.raises(ValueError):
        build_imip_message(
            ics=build_invite(REQUEST),
            method="REQUEST",
            sender=SENDER,
            sender_name="Secretariaat ITAT-R",
            to=RECIPIENT,
            subject="R-0042\r\nBcc: someone@example.org",
            body_text="R-0042",
        )


def test_unreachable_smtp_server_raises_mail_error_quickly() -> None:
    started = time.monotonic()

    with pytest.raises(MailError, match="cannot reach SMTP server"):
        send_message(config_for(free_port(), timeout_s=2.0), imip_message()[1])

    assert time.monotonic() - started < 2.0


def test_starttls_required_but_not_offered_raises_mail_error(smtp_server: SmtpServer) -> None:
    with pytest.raises(MailError, match="STARTTLS"):
        send_message(config_for(smtp_server.port, starttls=True), imip_message()[1])

    assert smtp_server.handler.envelopes == []


def test_starttls_with_an_untrusted_certificate_raises_mail_error(
    tls_smtp_server: SmtpServer,
) -> None:
    config = config_for(tls_smtp_server.port, starttls=True, username="regiebot", password="s3cret")

    with pytest.raises(MailError, match="TLS"):
        send_message(config, imip_message()[1])

    assert tls_smtp_server.handler.envelopes == []


def test_starttls_and_login_deliver_when_the_certificate_is_trusted(
    tls_smtp_server: SmtpServer,
    tls_certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ssl.create_default_context() trusts the CA file named by SSL_CERT_FILE.
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_certificate[0]))
    config = config_for(tls_smtp_server.port, starttls=True, username="regiebot", password="s3cret")

    send_message(config, imip_message()[1])

    assert received(tls_smtp_server).get_content_type() == "multipart/mixed"


def test_wrong_password_raises_mail_error(
    tls_smtp_server: SmtpServer,
    tls_certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_certificate[0]))
    config = config_for(tls_smtp_server.port, starttls=True, username="regiebot", password="nope")

    with pytest.raises(MailError, match="login refused") as raised:
        send_message(config, imip_message()[1])

    assert "nope" not in str(raised.value)
    assert tls_smtp_server.handler.envelopes == []


@pytest.mark.parametrize(("refusal", "permanent"), [
    ("550 5.1.1 No such user", True),
    ("450 4.2.1 Mailbox busy, try again later", False),
])
def test_refused_recipient_raises_mail_error_final_only_for_5xx(refusal: str,
                                                                permanent: bool) -> None:
    with (
        run_smtp_server(RecordingHandler(refuse_recipients=True, refusal=refusal)) as server,
        pytest.raises(MailError, match="refused the recipient") as raised,
    ):
        send_message(config_for(server.port), imip_message()[1])
    assert raised.value.permanent is permanent


def test_smtp_config_repr_hides_the_password() -> None:
    config = config_for(25, username="regiebot", password="s3cret")

    assert "s3cret" not in repr(config)
