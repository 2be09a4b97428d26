"""Slack requests already handled (issue 11.7): a replay is stored once, across replicas.

Revision ID: 0005_issue11_replay
Revises: 0004_issue11_access
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0005_issue11_replay"
down_revision: str | None = "0004_issue11_access"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handled_requests",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("handled_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"))
    with op.batch_alter_table("handled_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handled_requests_handled_at"), ["handled_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("handled_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handled_requests_handled_at"))
    op.drop_table("handled_requests")
