"""Chain the audit trail (HMAC per row over its content and the previous row's MAC, a head row)
and close the ways around append-only: REPLACE on SQLite, TRUNCATE on PostgreSQL.

Existing rows are chained in id order under the newest key of REGIEBOT_ENCRYPTION_KEYS, so the
keyring must be configured when the trail is not empty.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types
from storage.audit import GENESIS, HEAD_ID, head_message, row_message
from storage.crypto import CryptoError, get_keyring

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000
REFUSE = "SELECT RAISE(ABORT, 'audit_events is append-only')"
SQLITE_GUARDS = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    # INSERT OR REPLACE / REPLACE delete the row they replace without firing DELETE
    # triggers; refusing an insert whose id or place exists stops them before that.
    "CREATE TRIGGER audit_events_no_replace BEFORE INSERT ON audit_events "
    "WHEN EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.id OR seq = NEW.seq) "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
    "BEGIN SELECT RAISE(ABORT, 'audit_head only moves forward'); END",
    "CREATE TRIGGER audit_head_no_replace BEFORE INSERT ON audit_head "
    "WHEN EXISTS (SELECT 1 FROM audit_head) "
    "BEGIN SELECT RAISE(ABORT, 'audit_head only moves forward'); END",
    "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head "
    "WHEN NEW.seq < OLD.seq BEGIN SELECT RAISE(ABORT, 'audit_head only moves forward'); END",
)

events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer()), sa.column("at", storage.types.UTCDateTime()),
    sa.column("actor", sa.String()), sa.column("action", sa.String()),
    sa.column("case_code", sa.String()), sa.column("outcome", sa.String()),
    sa.column("detail", sa.String()), sa.column("seq", sa.Integer()),
    sa.column("key_id", sa.String()), sa.column("prev_mac", sa.String()),
    sa.column("mac", sa.String()))

CHAIN_COLUMNS = (("seq", sa.Integer()), ("key_id", sa.String(length=16)),
                 ("prev_mac", sa.String(length=64)), ("mac", sa.String(length=64)))


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _chain_existing_rows() -> dict[str, object]:
    """Chain the rows already there, oldest id first; return the head row's values."""
    bind = op.get_bind()
    head: dict[str, object] = {"id": HEAD_ID, "seq": 0, "event_id": 0, "mac": GENESIS,
                               "key_id": None, "head_mac": None}
    if not bind.execute(sa.select(events.c.id).limit(1)).first():
        return head
    try:
        key = get_keyring().mac_key
    except CryptoError as exc:
        raise RuntimeError(
            "the audit trail is chained with a key derived from REGIEBOT_ENCRYPTION_KEYS: "
            "set it (the same keys the bot uses) and run the upgrade again") from exc
    change = (sa.update(events).where(events.c.id == sa.bindparam("b_id"))
              .values(seq=sa.bindparam("b_seq"), key_id=sa.bindparam("b_key"),
                      prev_mac=sa.bindparam("b_prev"), mac=sa.bindparam("b_mac")))
    seq, last_id, prev_mac = 0, 0, GENESIS
    while True:
        rows = bind.execute(
            sa.select(events.c.id, events.c.at, events.c.actor, events.c.action,
                      events.c.case_code, events.c.outcome, events.c.detail)
            .where(events.c.id > last_id).order_by(events.c.id).limit(BATCH)).all()
        if not rows:
            break
        updates = []
        for row in rows:
            seq += 1
            mac = key.mac(row_message(
                id=row.id, seq=seq, at=row.at, actor=row.actor, action=row.action,
                case_code=row.case_code, outcome=row.outcome, detail=row.detail,
                key_id=key.key_id, prev_mac=prev_mac))
            updates.append({"b_id": row.id, "b_seq": seq, "b_key": key.key_id,
                            "b_prev": prev_mac, "b_mac": mac})
            prev_mac, last_id = mac, row.id
        bind.execute(change, updates)
    head.update(seq=seq, event_id=last_id, mac=prev_mac, key_id=key.key_id,
                head_mac=key.mac(head_message(seq=seq, event_id=last_id, mac=prev_mac,
                                              key_id=key.key_id)))
    return head


def _drop_append_only_triggers() -> None:
    if _is_postgresql():
        op.execute("DROP TRIGGER audit_events_no_change ON audit_events")
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("DROP TRIGGER audit_events_no_delete")


def _create_guards() -> None:
    if _is_postgresql():
        op.execute(
            "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()")
        op.execute(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()")
        op.execute(
            """
            CREATE FUNCTION audit_head_forward_only() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND NEW.seq >= OLD.seq THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'audit_head only moves forward';
            END;
            $$ LANGUAGE plpgsql
            """)
        op.execute(
            "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head "
            "FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()")
        op.execute(
            "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_head_forward_only()")
        return
    for statement in SQLITE_GUARDS:
        op.execute(statement)


def upgrade() -> None:
    _drop_append_only_triggers()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        for name, type_ in CHAIN_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
    head = _chain_existing_rows()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        for name, type_ in CHAIN_COLUMNS:
            batch_op.alter_column(name, existing_type=type_, nullable=False)
        batch_op.create_index("ux_audit_events_seq", ["seq"], unique=True)
    head_table = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=True),
        sa.Column("head_mac", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"))
    op.bulk_insert(head_table, [head])
    _create_guards()


def downgrade() -> None:
    if _is_postgresql():
        op.execute("DROP TRIGGER audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER audit_events_no_change ON audit_events")
        op.execute("DROP TABLE audit_head")
        op.execute("DROP FUNCTION audit_head_forward_only()")
    else:
        for name in ("no_update", "no_delete", "no_replace"):
            op.execute(f"DROP TRIGGER audit_events_{name}")
        op.drop_table("audit_head")  # its triggers go with it
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ux_audit_events_seq")
        for name, _ in reversed(CHAIN_COLUMNS):
            batch_op.drop_column(name)
    if _is_postgresql():
        op.execute(
            "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON "
                       f"audit_events BEGIN {REFUSE}; END")
