"""Issue 13: decision records (undo), the moment a case was closed, per-case rhythm until.

Revision ID: 0006_issue13
Revises: 0005_issue11_replay
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0006_issue13"
down_revision: str | None = "0005_issue11_replay"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PHASES = ("plan", "uitvoering", "afbouw", "afgesloten")


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("closed_at", storage.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("uvo_interval_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("evaluation_interval_until", sa.Date(), nullable=True))
    # Cases closed before this revision: the last change of the row is the latest the closing
    # can have been recorded, so retention counts from then (never earlier than it should).
    op.execute("UPDATE cases SET closed_at = updated_at "
               "WHERE phase = 'afgesloten' AND closed_at IS NULL")
    op.create_table(
        "case_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("item_kind", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("prior_phase", sa.Enum(*_PHASES, name="phase", native_enum=False,
                                         length=24), nullable=False),
        sa.Column("prior_plan_approved_on", sa.Date(), nullable=True),
        sa.Column("prior_closed_on", sa.Date(), nullable=True),
        sa.Column("prior_closed_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("effects", sa.JSON(), nullable=False),
        sa.Column("undone_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("undone_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_decisions_case", "case_decisions", ["case_id", "recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_case_decisions_case", table_name="case_decisions")
    op.drop_table("case_decisions")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("evaluation_interval_until")
        batch_op.drop_column("uvo_interval_until")
        batch_op.drop_column("closed_at")
