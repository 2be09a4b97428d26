"""The plan van aanpak: the intervention catalogue (with its default list), interventions, plan
goals and partners per case.

Logbook lines of the new kind "plan" need no change of `log_entries.kind`: the kind is stored
as a plain string (a non-native enum without a CHECK constraint).

Revision ID: 0007_issue14
Revises: 0006_issue13
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0007_issue14"
down_revision: str | None = "0006_issue13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The default instrumentenkoffer: the special interventions of the manual (§9) and the
# pillars of an integrated plan. Frozen here: `regiebot interventies import` replaces it.
DEFAULT_KINDS: tuple[tuple[str, str, bool], ...] = (
    ("paspoort", "Paspoortmaatregel", False),
    ("screening", "Screening door de GGD", True),
    ("specialisten", "Inzet pool specialisten", False),
    ("zorg", "Zorg en gezondheid", False),
    ("veiligheid", "Veiligheid en straf", False),
    ("werk", "Werk en inkomen", False),
    ("onderwijs", "Onderwijs en leerplicht", False),
    ("wonen", "Wonen", False),
    ("gezin", "Gezin en netwerk", False),
    ("ideologie", "Ideologie en levensbeschouwing", False),
    ("overig", "Overig", False),
)


def upgrade() -> None:
    kinds = op.create_table(
        "intervention_kinds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("screening", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "case_partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("name", storage.types.EncryptedText(), nullable=False),
        sa.Column("organisation", storage.types.EncryptedText(), nullable=False),
        sa.Column("role", storage.types.EncryptedText(), nullable=True),
        sa.Column("phone", storage.types.EncryptedText(), nullable=True),
        sa.Column("email", storage.types.EncryptedText(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_partners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_partners_case_id"), ["case_id"],
                              unique=False)
    op.create_table(
        "plan_goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", storage.types.EncryptedText(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "number"),
    )
    op.create_table(
        "interventions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("organisation", storage.types.EncryptedText(), nullable=True),
        sa.Column("goal", storage.types.EncryptedText(), nullable=False),
        sa.Column("considerations", storage.types.EncryptedText(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.String(length=16), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("planned_end_on", sa.Date(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("goal_reached", sa.String(length=8), nullable=True),
        sa.Column("result", storage.types.EncryptedText(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["kind_id"], ["intervention_kinds.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["case_partners.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "number"),
    )
    with op.batch_alter_table("interventions", schema=None) as batch_op:
        batch_op.create_index("ix_interventions_kind", ["kind_id"], unique=False)
    now = datetime.now(UTC)  # a migration runs outside the bot: its own moment is the edge
    op.bulk_insert(kinds, [
        {"code": code, "name": name, "screening": screening, "active": True,
         "position": position, "updated_at": now}
        for position, (code, name, screening) in enumerate(DEFAULT_KINDS, start=1)])


def downgrade() -> None:
    # Plan lines in the logbook would no longer be readable as a kind: refuse to lose them.
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM log_entries WHERE kind = 'plan' LIMIT 1")).first():
        raise RuntimeError("the logbook holds plan lines; a downgrade would lose their kind")
    with op.batch_alter_table("interventions", schema=None) as batch_op:
        batch_op.drop_index("ix_interventions_kind")
    op.drop_table("interventions")
    op.drop_table("plan_goals")
    with op.batch_alter_table("case_partners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_partners_case_id"))
    op.drop_table("case_partners")
    op.drop_table("intervention_kinds")
