"""iMIP (RFC 6047) e-mail for calendar invites: build the MIME message and send it over SMTP."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formatdate, make_msgid
from typing import Literal

from icalendar import Calendar

ATTACHMENT_FILENAME = "invite.ics"


class MailError(Exception):
    """Sending an e-mail failed; the message is a short reason without message content.
    `permanent`: the server refused for good (a 5xx answer), so retrying cannot help."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


def _refusal_is_final(codes: Iterable[int]) -> bool:
    """Tell whether every SMTP reply code is a permanent (5xx) failure."""
    codes = list(codes)
    return bool(codes) and all(500 <= code < 600 for code in codes)


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to deliver e-mail."""

    host: str
    port: int
    starttls: bool
    username: str | None
    password: str | None = field(repr=False)  # keep it out of logs and tracebacks
    sender: str
    sender_name: str
    timeout_s: float = 10.0


def build_imip_message(
    *,
    ics: bytes,
    method: Literal["REQUEST", "CANCEL"],
    sender: str,
    sender_name: str,
    to: str,
    subject: str,
    body_text: str,
    message_id_domain: str = "regiebot.local",
    sent_at: datetime | None = None,
) -> EmailMessage:
    """Return a multipart/mixed iMIP message with the calendar inline and as attachment."""
    if _calendar_method(ics) != method:
        raise ValueError(f"the calendar's METHOD does not match {method!r}")
    if sent_at is not None and sent_at.utcoffset() is None:
        raise ValueError("sent_at must be timezone-aware")

    message = EmailMessage()
    message["From"] = Address(display_name=sender_name, addr_spec=sender)
    message["To"] = to
    message["Subject"] = subject
    # The Date header is when the message is built; callers with a clock pass sent_at.
    message["Date"] = format_datetime(sent_at) if sent_at is not None else formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=message_id_domain)

    message.set_content(body_text)
    # RFC 6047 §2.4: the text/calendar part carries the iTIP method as a parameter.
    # Base64 keeps the iCalendar CRLF line ends and folding byte-exact on the way.
    message.add_alternative(
        ics,
        maintype="text",
        subtype="calendar",
        params={"method": method, "charset": "UTF-8"},
    )
    # Outlook and Google also look for the same object as an .ics attachment.
    message.add_attachment(
        ics,
        maintype="application",
        subtype="ics",
        filename=ATTACHMENT_FILENAME,
        params={"name": ATTACHMENT_FILENAME},
    )
    return message


def send_message(config: SmtpConfig, message: EmailMessage) -> None:
    """Deliver the message over SMTP with STARTTLS and login as configured."""
    try:
        with smtplib.SMTP(config.host, config.port, timeout=config.timeout_s) as smtp:
            smtp.ehlo()
            if config.starttls:
                if not smtp.has_extn("starttls"):
                    raise MailError("SMTP server does not offer STARTTLS")
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if config.username and config.password:
                smtp.login(config.username, config.password)
            refused = smtp.send_message(message, from_addr=config.sender)
    except MailError:
        raise
    except smtplib.SMTPAuthenticationError as error:
        raise MailError(f"SMTP login refused ({error.smtp_code})") from error
    except smtplib.SMTPSenderRefused as error:  # our configuration: worth retrying once fixed
        raise MailError(f"SMTP server refused the sender ({error.smtp_code})") from error
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        raise MailError(f"SMTP server refused the recipient ({codes[0] if codes else '?'})",
                        permanent=_refusal_is_final(codes)) from error
    except smtplib.SMTPResponseException as error:
        raise MailError(f"SMTP server answered {error.smtp_code}",
                        permanent=_refusal_is_final([error.smtp_code])) from error
    except ssl.SSLError as error:
        raise MailError(f"TLS with the SMTP server failed ({error.reason})") from error
    except smtplib.SMTPException as error:
        raise MailError(f"SMTP failed ({type(error).__name__})") from error
    except OSError as error:
        raise MailError(
            f"cannot reach SMTP server {config.host}:{config.port} "
            f"({error.strerror or type(error).__name__})"
        ) from error
    if refused:
        codes = [code for code, _ in refused.values()]
        raise MailError(f"SMTP server refused a recipient ({codes[0]})",
                        permanent=_refusal_is_final(codes))


def _calendar_method(ics: bytes) -> str:
    """Return the METHOD of an iCalendar object."""
    return str(Calendar.from_ical(ics).get("METHOD", "")).upper()
