"""Why the secretariat took an item off an agenda: one row per withdrawn item, reason encrypted.

Revision ID: 0008_issue16
Revises: 0007_issue14
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0008_issue16"
down_revision: str | None = "0007_issue14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agenda_withdrawals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=False),
        sa.Column("reason", storage.types.EncryptedText(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["agenda_items.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["withdrawn_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id"),
    )


def downgrade() -> None:
    op.drop_table("agenda_withdrawals")
