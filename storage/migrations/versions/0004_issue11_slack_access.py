"""What Slack last said about each registered user (issue 11.4): a revocation every replica
honours at once.

Revision ID: 0004_issue11_access
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0004_issue11_access"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_access",
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("revoked", sa.String(length=16), nullable=True),
        sa.Column("slack_updated", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("slack_user_id"))


def downgrade() -> None:
    op.drop_table("slack_access")
