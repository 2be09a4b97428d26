"""Test helpers shared by every layer: a settable clock, `Bot` (the real app driven by signed
requests), cases, agendas, calendars and a local SMTP server."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar, Event
from slack_bolt import App, BoltResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import jobs
from bot.app import InlineExecutor, build_app
from bot.clock import AMSTERDAM
from bot.deps import Deps
from bot.handlers.common import Subcommand
from bot.handlers.gate import MemberCheck
from bot.localslack import Answer, Call, LocalSlack, SlackDriver, UploadedFile, dm_channel
from bot.outbox import DeliveryResult, deliver_due
from bot.services.users import add_user
from bot.shell import render_answer, render_blocks
from storage import queries
from storage.models import (
    AgendaItem,
    AuditEvent,
    Case,
    EntryKind,
    LogEntry,
    Meeting,
    OutboxMessage,
    Phase,
    Reminder,
    User,
)

TEST_KEY = "bXktdGVzdC1rZXktZm9yLXJlZ2llYm90LXRlc3RzLTE="  # 32 bytes, urlsafe base64
TEST_SIGNING_SECRET = "test-signing-secret-0123456789abcdef"

# Standard users: (slack id, name, organisation, roles, email)
REGISSEUR = "U0REG0001"
REGISSEUR2 = "U0REG0002"
SECRETARIS = "U0SEC0001"
PROGRAMMA = "U0PRG0001"
BEHEERDER = "U0BEH0001"
STANDARD_USERS = [
    (REGISSEUR, "Anna Regisseur", "Politie", ["regisseur"], "anna@example.org"),
    (REGISSEUR2, "Bram Regisseur", "Reclassering", ["regisseur"], None),
    (SECRETARIS, "Carla Secretaris", "AcVZ", ["secretaris"], "secretariaat@example.org"),
    (PROGRAMMA, "Dirk Programma", "AcVZ", ["programma"], None),
    (BEHEERDER, "Eva Beheer", "Gemeente", ["beheerder"], None),
]


class MutableClock:
    """A clock the test sets; nothing ever sleeps to wait for time."""

    def __init__(self, start: datetime) -> None:
        self.now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def set(self, at: datetime) -> None:
        assert at.tzinfo is not None
        self.now = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self.now = self.now + delta


@dataclass
class Bot:
    """The real bolt app wired to the stand-in, with helpers to talk to it."""

    deps: Deps
    slack: LocalSlack
    app: App
    driver: SlackDriver
    members: MemberCheck

    @classmethod
    def build(cls, deps: Deps, slack: LocalSlack,
              extra_subcommands: tuple[Subcommand, ...] = (),
              members: MemberCheck | None = None) -> Bot:
        """Build the app on `deps` and the stand-in, with the test's own subcommands added
        (and, given `members`, that membership cache instead of a fresh one)."""
        members = members or MemberCheck(deps.settings.team_id)
        app = build_app(deps, executor=InlineExecutor(), members=members,
                        extra_subcommands=extra_subcommands)
        return cls(deps, slack, app, SlackDriver(app, TEST_SIGNING_SECRET, slack), members)

    def with_subcommands(self, *extra: Subcommand) -> Bot:
        """Return the same bot (database, stand-in, users) with extra subcommands."""
        return Bot.build(self.deps, self.slack, extra)

    def register_standard_users(self) -> None:
        with self.deps.session_factory.begin() as session:
            for slack_id, name, org, roles, email in STANDARD_USERS:
                add_user(session, slack_user_id=slack_id, name=name, organisation=org,
                         roles=roles, email=email, now=self.deps.clock())
                self.slack.add_user(slack_id, name, email=email)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.deps.session_factory.begin() as session:
            yield session

    # -- talking to the bot ---------------------------------------------------------
    def command(self, user_id: str, text: str, **kwargs: Any) -> BoltResponse:
        """Send `/regie <text>` as a user and return bolt's response."""
        return self.driver.command(user_id, text, **kwargs)

    def ask(self, user_id: str, text: str, **kwargs: Any) -> Answer:
        """Send `/regie <text>`: the acknowledgement and the replies on its response_url."""
        return self.driver.ask(user_id, text, **kwargs)

    def say(self, user_id: str, text: str) -> str:
        """Send `/regie <text>` and return what the user sees (ephemeral) as plain text."""
        answer = self.ask(user_id, text)
        assert answer.ack.status == 200, (answer.ack.status, answer.ack.body)
        return render_answer(answer)

    def reply(self, user_id: str, text: str) -> dict[str, Any]:
        """Send `/regie <text>` and return the one message the user gets, as Slack got it:
        the acknowledgement when it has a body (a refusal at the door), else the reply."""
        answer = self.ask(user_id, text)
        if answer.ack.body:
            assert not answer.replies, answer.replies
            return self.reply_json(answer.ack)
        (reply,) = answer.replies
        return reply

    def reply_json(self, response: BoltResponse) -> dict[str, Any]:
        assert response.status == 200, (response.status, response.body)
        body = json.loads(response.body) if response.body else {}
        assert isinstance(body, dict)
        return body

    def deliver(self) -> DeliveryResult:
        """Run one outbox delivery pass at the current clock time."""
        return deliver_due(self.deps.session_factory, self.app.client, self.deps.clock(),
                           self.deps.instance_id, mail=self.deps.mail)

    def calls(self, method: str) -> list[Call]:
        return self.slack.calls_to(method)

    def dm_texts(self, user_id: str | None = None) -> list[str]:
        """Render every chat.postMessage sent to a DM (optionally one user's) as text."""
        out = []
        for call in self.calls("chat.postMessage"):
            channel = str(call.args.get("channel", ""))
            if not channel.startswith("D"):
                continue
            if user_id is not None and channel != dm_channel(user_id):
                continue
            blocks = call.args.get("blocks")
            out.append(render_blocks(blocks) if blocks else str(call.args.get("text", "")))
        return out

    def audit_count(self, **filters: Any) -> int:
        with self.deps.session_factory() as session:
            stmt = select(func.count()).select_from(AuditEvent)
            for key, value in filters.items():
                stmt = stmt.where(getattr(AuditEvent, key) == value)
            return int(session.scalar(stmt) or 0)


def add_user_with_roles(bot: Bot, slack_id: str, roles: list[str], name: str | None = None
                        ) -> None:
    """Register one more user (in the database and the stand-in's directory)."""
    with bot.session() as session:
        add_user(session, slack_user_id=slack_id, name=name or f"Gebruiker {slack_id}",
                 organisation="Gemeente", roles=roles, email=None, now=bot.deps.clock())
    bot.slack.add_user(slack_id, name or slack_id)


def cli_environment(monkeypatch: Any, tmp_path: Any, db_url: str, now: datetime) -> None:
    """Run the command line in-process against `db_url` at a fixed moment: no Slack tokens,
    no stray .env, the test key."""
    from bot.cli import common
    from bot.clock import fixed_clock

    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("REGIEBOT_ENCRYPTION_KEYS", TEST_KEY)
    monkeypatch.setattr(common, "system_clock", fixed_clock(now))


# -- agenda -------------------------------------------------------------------------------

CHANNEL = "C0SECRET01"  # the secretariat channel of the test settings


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """Return an Amsterdam wall-clock moment."""
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """Return a UTC moment."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def add_case(bot: Bot, code: str, regisseur: str = REGISSEUR, *, phase: Phase = Phase.PLAN,
             last_uvo_on: date | None = None) -> None:
    """Register a case for a regisseur, as the intake of the Regieoverleg would."""
    with bot.session() as session:
        user = queries.user_by_slack_id(session, regisseur)
        assert user is not None
        now = bot.deps.clock()
        session.add(Case(code=code, risk_group=3, regisseur_id=user.id, phase=phase,
                         intake_on=date(2026, 9, 1), assigned_on=date(2026, 9, 1),
                         last_uvo_on=last_uvo_on, created_at=now, updated_at=now))


def on_held_meeting(bot: Bot, code: str, kind: str, item_kind: str, held_on: date) -> None:
    """Record that a case was on the agenda of a meeting already held (as if marked ready
    before its cut-off)."""
    from bot import meetings

    series = bot.deps.settings.series(kind)
    occurrence = meetings.meeting_on(series, held_on)
    assert occurrence is not None, f"no {kind} on {held_on}"
    with bot.session() as session:
        case = session.scalars(select(Case).where(Case.code == code)).one()
        meeting = session.scalars(select(Meeting).where(
            Meeting.kind == kind, Meeting.planned_on == occurrence.planned_on)).first()
        if meeting is None:
            meeting = Meeting(kind=kind, planned_on=occurrence.planned_on,
                              held_on=occurrence.held_on, starts_at=occurrence.starts_at,
                              revision=0)
            session.add(meeting)
            session.flush()
        assert case.regisseur_id is not None
        session.add(AgendaItem(uid=f"{code}-{kind}-{item_kind}-{held_on}@test",
                               case_id=case.id, meeting_id=meeting.id, item_kind=item_kind,
                               status="actief",
                               ready_at=occurrence.starts_at - timedelta(days=8), position=0,
                               sequence=0, created_by_id=case.regisseur_id))


def presented_at_itat(bot: Bot, code: str, item_kind: str = "concept",
                      held_on: date = date(2026, 11, 19)) -> None:
    """Record that a case's plan or proposal was on the agenda of an ITAT-R already held
    (default: Thursday 19 November 2026, before the fixtures' Monday)."""
    on_held_meeting(bot, code, "itat", item_kind, held_on)


def discussed_at_regie(bot: Bot, code: str, item_kind: str = "definitief",
                       held_on: date = date(2026, 11, 11)) -> None:
    """Record that a case was on the agenda of a Regieoverleg already held (default:
    Wednesday 11 November 2026), after its ITAT-R presentation a week before."""
    itat_kind = "concept" if item_kind == "definitief" else item_kind
    presented_at_itat(bot, code, itat_kind, date(2026, 10, 29))
    on_held_meeting(bot, code, "regie", item_kind, held_on)


def agenda_rows(bot: Bot) -> list[tuple[str, str, date, int | None, str]]:
    """Return (code, meeting kind, planned date, 1-based position, status) of every item."""
    with bot.session() as session:
        rows = session.execute(
            select(Case.code, Meeting.kind, Meeting.planned_on, AgendaItem.position,
                   AgendaItem.status)
            .join(Case, AgendaItem.case_id == Case.id)
            .join(Meeting, AgendaItem.meeting_id == Meeting.id)
            .order_by(Meeting.planned_on, AgendaItem.position, Case.code)).all()
    # Withdrawn items (no position) first, on every backend (NULLs sort differently).
    ordered = sorted(rows, key=lambda r: (r[2], -1 if r[3] is None else r[3], r[0]))
    return [(code, kind, planned, None if pos is None else pos + 1, status)
            for code, kind, planned, pos, status in ordered]


def item_uid(bot: Bot, code: str) -> str:
    """Return the calendar UID of the case's latest agenda item."""
    with bot.session() as session:
        return str(session.scalars(select(AgendaItem.uid).join(Case).where(
            Case.code == code).order_by(AgendaItem.id.desc())).first())


def outbox_count(bot: Bot) -> int:
    """Return how many messages the outbox holds (any state)."""
    with bot.session() as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


def channel_posts(bot: Bot) -> list[str]:
    """Return the texts posted in the secretariat channel."""
    return [str(c.args.get("text", "")) for c in bot.calls("chat.postMessage")
            if c.args.get("channel") == CHANNEL]


def set_settings(bot: Bot, **changes: Any) -> None:
    """Change settings for this test (by field name), as an operator's environment would."""
    bot.deps.settings = bot.deps.settings.model_copy(update=changes)


def log_entries(bot: Bot) -> list[LogEntry]:
    """Return every logbook entry, oldest first."""
    with bot.session() as session:
        return list(session.scalars(select(LogEntry).order_by(LogEntry.id)).unique())


# -- calendars ----------------------------------------------------------------------------

ICALJS_DIR = Path(__file__).parent / "icaljs"
INSTALL_HINT = "run .ci/install-icaljs (npm ci --prefix tests/icaljs)"


def parse_with_icaljs(ics: bytes, occurrences: int = 10) -> dict[str, Any]:
    """Return what Mozilla's ical.js reads from the calendar (see tests/icaljs/parse.mjs)."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"Node.js is not installed: install Node.js 20, then {INSTALL_HINT}")
    if not (ICALJS_DIR / "node_modules" / "ical.js" / "package.json").is_file():
        pytest.fail(f"ical.js is not installed: {INSTALL_HINT}")
    completed = subprocess.run(
        [node, str(ICALJS_DIR / "parse.mjs"), str(occurrences)],
        input=ics,
        capture_output=True,
        timeout=60,
        check=False,
        # A zone far from Amsterdam: a time that ical.js read as floating would show up.
        env={**os.environ, "TZ": "Pacific/Auckland"},
    )
    assert completed.returncode == 0, completed.stderr.decode()
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def uploads(bot: Bot, user_id: str) -> list[UploadedFile]:
    """Return the completed uploads in a user's DM, oldest first."""
    files = [f for f in bot.slack.state.files.values()
             if f.completed and f.channel_id == dm_channel(user_id)]
    return sorted(files, key=lambda f: f.file_id)


@dataclass(frozen=True)
class Invite:
    """One .ics as both parsers read it."""

    method: str
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    event: Event
    js: dict[str, Any]


def iso_z(moment: datetime) -> str:
    """Return a moment as ical.js writes it in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def read_invite(ics: bytes) -> Invite:
    """Parse an invite with icalendar and ical.js and check that they agree."""
    calendar = Calendar.from_ical(ics)
    [event] = calendar.walk("VEVENT")
    assert isinstance(event, Event)
    parsed = parse_with_icaljs(ics)
    [js_event] = parsed["events"]
    starts_at, ends_at = event.decoded("DTSTART"), event.decoded("DTEND")
    assert str(starts_at.tzinfo) == "Europe/Amsterdam"
    assert parsed["method"] == str(calendar["METHOD"])
    assert js_event["uid"] == str(event["UID"])
    assert js_event["sequence"] == event.decoded("SEQUENCE")
    assert js_event["startZone"] == "Europe/Amsterdam"
    assert js_event["startDate"] == iso_z(starts_at)
    assert js_event["endDate"] == iso_z(ends_at)
    assert parsed["timezones"] == ["Europe/Amsterdam"]
    return Invite(method=str(calendar["METHOD"]), uid=str(event["UID"]),
                  sequence=int(event.decoded("SEQUENCE")), starts_at=starts_at,
                  ends_at=ends_at, event=event, js=js_event)


# -- e-mail -------------------------------------------------------------------------------

@dataclass
class RecordingHandler:
    """An aiosmtpd handler that keeps every delivered envelope and can refuse recipients."""

    refuse_recipients: bool = False
    refusal: str = "550 5.1.1 No such user"
    envelopes: list[Any] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        """Accept or refuse a recipient."""
        if self.refuse_recipients:
            return self.refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Record the delivered message."""
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@dataclass(frozen=True)
class SmtpServer:
    """A running local SMTP server and what it received."""

    port: int
    handler: RecordingHandler


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def run_smtp_server(handler: RecordingHandler, **smtp_options: Any) -> Iterator[SmtpServer]:
    """Run aiosmtpd on a free local port for the duration of a test."""
    # aiosmtpd's Controller cannot report the port the OS picked for port 0.
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **smtp_options)
    controller.start()
    try:
        yield SmtpServer(port=port, handler=handler)
    finally:
        controller.stop()


# -- reminders ------------------------------------------------------------------------------

MONDAY = date(2026, 11, 23)
SECRET_TEXT = "GEHEIM-LOGBOEKTEKST-42"


def user_id(bot: Bot, slack_id: str) -> int:
    """Return the database id of a registered user."""
    with bot.session() as session:
        found = session.scalars(select(User.id).where(User.slack_user_id == slack_id)).one()
        return int(found)


def add_scheduled_case(bot: Bot, code: str, *, regisseur: str | None = REGISSEUR,
                       **fields: Any) -> int:
    """Add a case that has nothing due in late November 2026 unless `fields` say so."""
    values: dict[str, Any] = {
        "risk_group": 3, "phase": Phase.UITVOERING, "intake_on": date(2026, 1, 5),
        "assigned_on": date(2026, 1, 5), "letter_sent_on": date(2026, 1, 12),
        "plan_approved_on": date(2026, 3, 4), "last_uvo_on": date(2026, 11, 2),
        "last_evaluation_on": date(2026, 11, 2)}
    values.update(fields)
    now = bot.deps.clock()
    regisseur_id = user_id(bot, regisseur) if regisseur else None
    with bot.session() as session:
        case = Case(code=code, regisseur_id=regisseur_id, created_at=now, updated_at=now,
                    **values)
        session.add(case)
        session.flush()
        if regisseur_id is not None:
            session.add(LogEntry(case_id=case.id, author_id=regisseur_id,
                                 kind=EntryKind.CONTACT, contact_kind="gesprek",
                                 occurred_on=date(2026, 11, 2), text=SECRET_TEXT,
                                 created_at=now))
        return int(case.id)


def set_case(bot: Bot, code: str, **fields: Any) -> None:
    """Change fields of a stored case."""
    with bot.session() as session:
        case = session.scalars(select(Case).where(Case.code == code)).one()
        for name, value in fields.items():
            setattr(case, name, value)


def move_clock_to(bot: Bot, day: date, hour: int = 9, minute: int = 0) -> None:
    """Set the bot's clock to an Amsterdam wall-clock moment."""
    clock = bot.deps.clock
    assert isinstance(clock, MutableClock)
    clock.set(datetime.combine(day, time(hour, minute), tzinfo=AMSTERDAM))


def tick(bot: Bot) -> None:
    """One scheduler round: the sweep tick, then a delivery pass."""
    jobs.sweep_tick(bot.deps)
    bot.deliver()


def dm_blocks(bot: Bot, slack_id: str) -> list[list[dict[str, Any]]]:
    """Return the blocks of every message posted in a user's DM."""
    channel = dm_channel(slack_id)
    return [json.loads(c.args["blocks"]) if isinstance(c.args["blocks"], str)
            else c.args["blocks"]
            for c in bot.calls("chat.postMessage") if c.args.get("channel") == channel]


def open_reminder_id(bot: Bot, slack_id: str, kind: str) -> int:
    """Return the id of a user's one open reminder of a kind."""
    uid = user_id(bot, slack_id)
    with bot.session() as session:
        return int(session.scalars(select(Reminder.id).where(
            Reminder.recipient_id == uid, Reminder.kind == kind,
            Reminder.resolved_at.is_(None))).one())


def responses(bot: Bot) -> list[str]:
    """Return the texts of every reply to an interaction (response_url), oldest first."""
    return [str(c.args.get("text", "")) for c in bot.calls("response_url")]


def contact_form_state(case: str = "R-0001", text: str = "Gesprek gevoerd",
                       day: str = "2026-11-20") -> dict[str, dict[str, Any]]:
    """Return the state of a filled-in logging form for a contact (a view_submission's)."""
    return {"entry_case": {"own_case": {"type": "external_select",
                                        "selected_option": {"value": case}}},
            "entry_date": {"value": {"type": "datepicker", "selected_date": day}},
            "entry_kind": {"value": {"type": "static_select",
                                     "selected_option": {"value": "gesprek"}}},
            "entry_text": {"value": {"type": "plain_text_input", "value": text}}}


# -- the lifecycle's invariants (the simulation and the demo data) -------------------------------

def lifecycle_problems(session: Session, settings: Any, now: datetime) -> list[str]:
    """Return what contradicts the lifecycle in the stored cases (empty when all is well):
    the phase must follow from the decisions not undone, in order; a case in execution has a
    next UVO and evaluation date; a closed case knows when its closing was recorded."""
    from bot import lifecycle
    from bot.rules import evaluation_due_on, uvo_due_on
    from bot.services import casestate
    from bot.services.facts import case_facts
    from storage.models import CaseDecision

    problems: list[str] = []
    for case in session.scalars(select(Case).order_by(Case.id)).unique():
        decisions = list(session.scalars(
            select(CaseDecision).where(CaseDecision.case_id == case.id,
                                       CaseDecision.undone_at.is_(None))
            .order_by(CaseDecision.recorded_at, CaseDecision.id)))
        phase = lifecycle.PLAN
        for record in decisions:
            if record.prior_phase.value != phase:
                problems.append(f"{case.code}: decision {record.id} starts from "
                                f"{record.prior_phase.value}, not {phase}")
            phase = lifecycle.phase_after_decision(record.prior_phase.value,
                                                   record.item_kind, record.outcome)
        if phase != case.phase.value:
            problems.append(f"{case.code}: phase {case.phase.value}, decisions say {phase}")
        casestate.case_state(session, case, now)  # derivable, whatever the agenda holds
        if case.phase.value in lifecycle.EXECUTION_PHASES:
            facts = case_facts(case, settings)
            if case.plan_approved_on is None or uvo_due_on(facts) is None \
                    or evaluation_due_on(facts) is None:
                problems.append(f"{case.code}: in execution without next UVO or evaluation")
        closed = case.phase.value in lifecycle.CLOSED_PHASES
        if closed != (case.closed_on is not None) or closed != (case.closed_at is not None):
            problems.append(f"{case.code}: {case.phase.value} with closing date "
                            f"{case.closed_on} recorded at {case.closed_at}")
        if case.phase.value == lifecycle.PLAN and case.plan_approved_on is not None:
            problems.append(f"{case.code}: plan not approved, yet approved on "
                            f"{case.plan_approved_on}")
    return problems


# -- live markup ----------------------------------------------------------------------------

def mrkdwn_strings(value: Any) -> Iterator[str]:
    """Yield every `mrkdwn` text object in blocks or a view (plain_text objects show `<` as
    it is, so they cannot carry markup)."""
    if isinstance(value, list):
        for item in value:
            yield from mrkdwn_strings(item)
    elif isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            yield value["text"]
        for item in value.values():
            if isinstance(item, dict | list):
                yield from mrkdwn_strings(item)


def _decoded(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)  # blocks and views arrive as JSON text
        except ValueError:
            return None
    return value


def live_markup(calls: list[Call]) -> list[str]:
    """Return every mrkdwn text the bot sent with an unescaped `<` or `>`: a ping, a link or
    a mention Slack would act on. The bot escapes everything, its own texts included."""
    found = []
    for call in calls:
        if call.method not in ("chat.postMessage", "chat.update", "chat.postEphemeral",
                               "response_url", "views.open", "views.push", "views.update",
                               "views.publish", "files.completeUploadExternal"):
            continue
        texts = [call.args.get("text"), call.args.get("initial_comment"),
                 *mrkdwn_strings(_decoded(call.args.get("blocks"))),
                 *mrkdwn_strings(_decoded(call.args.get("view")))]
        for text in texts:
            if isinstance(text, str) and ("<" in text or ">" in text):
                found.append(f"{call.method}: {text[:300]}")
    return found
