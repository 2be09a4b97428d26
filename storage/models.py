"""Typed SQLAlchemy models: users, cases, logbook, audit, reminders, outbox, agenda, plan."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.db import Base
from storage.types import EncryptedText, UTCDateTime


def _enum(cls: type[enum.Enum]) -> Enum:
    # Stored as plain strings (no native PG enum) so adding a value needs no type migration.
    return Enum(cls, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e],
                validate_strings=True)


class Role(enum.StrEnum):
    REGISSEUR = "regisseur"
    SECRETARIS = "secretaris"
    PROGRAMMA = "programma"
    BEHEERDER = "beheerder"


class Phase(enum.StrEnum):
    PLAN = "plan"              # intake decided; basisdossier and plan van aanpak in preparation
    UITVOERING = "uitvoering"  # plan approved by the Regieoverleg; execution and evaluation
    AFBOUW = "afbouw"          # phase-out agreed
    AFGESLOTEN = "afgesloten"  # closed by the Regieoverleg


class EntryKind(enum.StrEnum):
    CONTACT = "contact"
    UVO = "uvo"
    EVALUATIE = "evaluatie"
    VEILIGHEID = "veiligheid"
    PLAN = "plan"              # a change of the plan van aanpak (written by the bot)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    organisation: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Loaded on access (or eagerly where asked): users joined onto cases need no roles.
    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="select"
    )

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.roles)

    def has_role(self, role: Role) -> bool:
        return role in self.role_set

    def __repr__(self) -> str:
        return f"User({self.slack_user_id!r}, active={self.active})"


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    role: Mapped[Role] = mapped_column(_enum(Role), primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles")

    def __repr__(self) -> str:
        return f"UserRole({self.user_id}, {self.role.value})"


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    risk_group: Mapped[int] = mapped_column(Integer)
    regisseur_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    phase: Mapped[Phase] = mapped_column(_enum(Phase), default=Phase.PLAN)
    intake_on: Mapped[date] = mapped_column(Date)
    assigned_on: Mapped[date] = mapped_column(Date)
    letter_sent_on: Mapped[date | None] = mapped_column(Date)
    letter_to: Mapped[str | None] = mapped_column(String(64))  # comma-separated recipients
    plan_approved_on: Mapped[date | None] = mapped_column(Date)
    last_uvo_on: Mapped[date | None] = mapped_column(Date)
    last_evaluation_on: Mapped[date | None] = mapped_column(Date)
    uvo_interval_days: Mapped[int | None] = mapped_column(Integer)
    evaluation_interval_days: Mapped[int | None] = mapped_column(Integer)
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Issue 13: when the closing decision was recorded (retention counts from this moment,
    # never from the date typed in), and until when a per-case rhythm applies (then the
    # default returns; None: for as long as it is set).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    uvo_interval_until: Mapped[date | None] = mapped_column(Date)
    evaluation_interval_until: Mapped[date | None] = mapped_column(Date)

    regisseur: Mapped[User | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"Case({self.code!r}, phase={self.phase.value})"


class LogEntry(Base):
    """One immutable logbook entry; a correction is a new entry pointing at the old one."""

    __tablename__ = "log_entries"
    __table_args__ = (Index("ix_log_entries_case_created", "case_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[EntryKind] = mapped_column(_enum(EntryKind))
    contact_kind: Mapped[str | None] = mapped_column(String(24))
    occurred_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(EncryptedText)
    participants: Mapped[str | None] = mapped_column(EncryptedText)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("log_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"LogEntry({self.id}, case={self.case_id}, kind={self.kind.value})"


class AuditEvent(Base):
    """Append-only trail of reads, writes and refusals; never holds case text.

    Rows are written only by `storage.audit` (through `queries.add_audit`), which chains them:
    `seq` is the row's place in the chain (1, 2, 3, ...), `mac` an HMAC-SHA256 over the row's
    content and `prev_mac`, the MAC of the row before it, under the key named by `key_id`.
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_at", "at"),
                      Index("ux_audit_events_seq", "seq", unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))        # Slack user id, or "system"/"cli"
    action: Mapped[str] = mapped_column(String(48))
    case_code: Mapped[str | None] = mapped_column(String(16), index=True)
    outcome: Mapped[str] = mapped_column(String(16))      # ok | refused | error
    detail: Mapped[str | None] = mapped_column(String(200))
    seq: Mapped[int] = mapped_column(Integer)
    key_id: Mapped[str] = mapped_column(String(16))
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"AuditEvent({self.actor!r}, {self.action!r}, {self.outcome!r})"


class AuditHead(Base):
    """The end of the audit chain (one row): the last row's place, id and MAC, under its own
    MAC. Every audit write locks and moves it, which keeps the chain one line across replicas;
    the verifier compares it with the last row, so removing the newest rows shows."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # always 1
    seq: Mapped[int] = mapped_column(Integer)             # 0: the chain is empty
    event_id: Mapped[int] = mapped_column(Integer)
    mac: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(16))
    head_mac: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"AuditHead(seq={self.seq})"


class SlackEvent(Base):
    """Slack event ids already handled, so re-sent events run once."""

    __tablename__ = "slack_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    def __repr__(self) -> str:
        return f"SlackEvent({self.event_id!r})"


class Reminder(Base):
    """One reminder stage for one due item; the unique key makes sweeps idempotent."""

    __tablename__ = "reminders"
    # The digest reads the open rows per recipient; resolved rows pile up over the years.
    __table_args__ = (Index("ix_reminders_open", "resolved_at", "recipient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                                index=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[date] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"Reminder({self.key!r})"


class ReminderSweep(Base):
    """A working day whose reminder sweep committed; its key lets one replica sweep a day once."""

    __tablename__ = "reminder_sweeps"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    swept_at: Mapped[datetime] = mapped_column(UTCDateTime)
    instance_id: Mapped[str] = mapped_column(String(64))
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    digests: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"ReminderSweep({self.day})"


class OutboxMessage(Base):
    """An outgoing Slack call or e-mail, delivered with retries, exactly once per dedupe key."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))         # dm | channel | file | email
    recipient: Mapped[str] = mapped_column(String(254))   # Slack user/channel id or e-mail
    payload: Mapped[str] = mapped_column(EncryptedText)   # JSON; may hold case content
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                                index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"OutboxMessage({self.dedupe_key!r}, {self.status})"


class Meeting(Base):
    """A held or planned ITAT-R or Regieoverleg meeting that has agenda items."""

    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("kind", "planned_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))           # itat | regie
    planned_on: Mapped[date] = mapped_column(Date)
    held_on: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revision: Mapped[int] = mapped_column(Integer, default=0)  # times the agenda was published
    # What the last announcement listed: [[position, case code, regisseur Slack id], ...].
    published_lines: Mapped[list[list[object]] | None] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"Meeting({self.kind}, {self.held_on})"


class AgendaItem(Base):
    """A case on a meeting's agenda, with its slot and invite state."""

    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(80), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    item_kind: Mapped[str] = mapped_column(String(16))     # concept | definitief | ...
    status: Mapped[str] = mapped_column(String(16), default="actief")
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime)
    position: Mapped[int | None] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    sent_sequence: Mapped[int | None] = mapped_column(Integer)
    sent_state: Mapped[dict[str, object] | None] = mapped_column(JSON)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))  # Regieoverleg decision, if any
    decided_on: Mapped[date | None] = mapped_column(Date)

    meeting: Mapped[Meeting] = relationship(lazy="joined")
    case: Mapped[Case] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"AgendaItem({self.uid!r}, {self.status})"


class PurgedCase(Base):
    """Tombstone of a case purged after the retention period."""

    __tablename__ = "purged_cases"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    closed_on: Mapped[date] = mapped_column(Date)
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"PurgedCase({self.code!r})"


class SlackAccess(Base):
    """What Slack last said about a registered user: `revoked` names why they may not use
    Regiebot (deleted, guest, external, bot), or is None for a full member. Every replica
    reads it when it resolves the acting user, so a revocation one replica heard of holds on
    all of them at once; `slack_updated` (the user object's `updated`) orders Slack's answers,
    so an older one never overrides a newer one."""

    __tablename__ = "slack_access"

    slack_user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    revoked: Mapped[str | None] = mapped_column(String(16))
    slack_updated: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"SlackAccess({self.slack_user_id!r}, revoked={self.revoked!r})"


class HandledRequest(Base):
    """A Slack request whose work was stored (a command's trigger_id, a form's view and
    values, a button's trigger_id), kept about ten minutes so a replay within Slack's five
    minutes is refused on every replica; `key` is a SHA-256 of what identifies it."""

    __tablename__ = "handled_requests"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    def __repr__(self) -> str:
        return f"HandledRequest({self.kind!r}, {self.handled_at})"


class CaseDecision(Base):
    """A recorded Regieoverleg decision, with what it changed, so it can be undone exactly."""

    __tablename__ = "case_decisions"
    __table_args__ = (Index("ix_case_decisions_case", "case_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    # The agenda item decided on; not a foreign key, so the purge reaches these rows through
    # the case alone (the item goes with the case too).
    agenda_item_id: Mapped[int | None] = mapped_column(Integer)
    item_kind: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    decided_on: Mapped[date] = mapped_column(Date)          # the Regieoverleg's date
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(64))    # Slack user id of the secretary
    prior_phase: Mapped[Phase] = mapped_column(_enum(Phase))
    prior_plan_approved_on: Mapped[date | None] = mapped_column(Date)
    prior_closed_on: Mapped[date | None] = mapped_column(Date)
    prior_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What else it did: {"withdrawn": [[item id, position], ...], "carried": item id,
    # "positions": {meeting id: {item id: position}}} (positions before it, to restore).
    effects: Mapped[dict[str, object]] = mapped_column(JSON)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"CaseDecision({self.case_id}, {self.outcome!r}, {self.decided_on})"


# --- the plan van aanpak: the catalogue, interventions, goals and partners (issue 14) ---------

class InterventionKind(Base):
    """A kind of intervention in the catalogue (instrumentenkoffer), with its short code."""

    __tablename__ = "intervention_kinds"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    screening: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # offered for new interventions
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"InterventionKind({self.code!r}, active={self.active})"


class CasePartner(Base):
    """A contact person of a case (interventiepleger or expert); every field encrypted."""

    __tablename__ = "case_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(EncryptedText)
    organisation: Mapped[str] = mapped_column(EncryptedText)
    role: Mapped[str | None] = mapped_column(EncryptedText)
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    email: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"CasePartner({self.id}, case={self.case_id})"


class PlanGoal(Base):
    """A goal of a case's plan van aanpak, numbered per case."""

    __tablename__ = "plan_goals"
    __table_args__ = (UniqueConstraint("case_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(EncryptedText)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"PlanGoal({self.number}, case={self.case_id})"


class Intervention(Base):
    """An intervention of a case's plan: kind, who, goal, dates, status and result.

    Goal, considerations, the carrying organisation and the result text are encrypted; the
    status, dates and whether the goal was reached are plain, for the monitor."""

    __tablename__ = "interventions"
    __table_args__ = (UniqueConstraint("case_id", "number"),
                      Index("ix_interventions_kind", "kind_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    kind_id: Mapped[int] = mapped_column(ForeignKey("intervention_kinds.id"))
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_partners.id", ondelete="SET NULL"))
    organisation: Mapped[str | None] = mapped_column(EncryptedText)
    goal: Mapped[str] = mapped_column(EncryptedText)
    considerations: Mapped[str | None] = mapped_column(EncryptedText)
    status: Mapped[str] = mapped_column(String(16))         # gepland|lopend|afgerond|gestopt
    progress: Mapped[str | None] = mapped_column(String(16))  # op_schema|vertraagd (evaluation)
    starts_on: Mapped[date] = mapped_column(Date)             # planned (or actual) start
    planned_end_on: Mapped[date | None] = mapped_column(Date)
    started_on: Mapped[date | None] = mapped_column(Date)     # when it became lopend
    ended_on: Mapped[date | None] = mapped_column(Date)       # when it was closed
    goal_reached: Mapped[str | None] = mapped_column(String(8))  # ja|deels|nee
    result: Mapped[str | None] = mapped_column(EncryptedText)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    kind: Mapped[InterventionKind] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"Intervention({self.number}, case={self.case_id}, {self.status})"


class AgendaWithdrawal(Base):
    """Why the secretariat took an item off an agenda (agenda metadata; told only to the
    case's regisseur, by DM)."""

    __tablename__ = "agenda_withdrawals"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"),
                                         unique=True)
    withdrawn_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"AgendaWithdrawal(item={self.item_id})"
