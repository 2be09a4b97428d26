"""PostgreSQL roles: the application's role may read and write the data, but may only read and
append the audit trail; the owner role that runs the migrations grants exactly that."""

from __future__ import annotations

from sqlalchemy import Connection, text

from storage.db import Base

AUDIT_PRIVILEGES = {
    "audit_events": "SELECT, INSERT",   # never UPDATE, DELETE, TRUNCATE (nor owning it)
    "audit_head": "SELECT, UPDATE",     # moved forward by every audit write
    "alembic_version": "SELECT",        # the bot checks the schema revision at start-up
}
DATA_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"


class RoleError(Exception):
    """The role cannot be used as the application's role; `reason` says why:
    "not_postgresql", "missing" or "privileged" (superuser, owner or member of the owner)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def grant_statements(connection: Connection, role: str) -> list[str]:
    """Return the GRANT/REVOKE statements that give `role` what the application needs."""
    quote = connection.dialect.identifier_preparer.quote
    who = quote(role)
    schema = str(connection.execute(text("SELECT current_schema()")).scalar_one())
    statements = [f"GRANT USAGE ON SCHEMA {quote(schema)} TO {who}"]
    tables = [*Base.metadata.sorted_tables]
    for name in [*(t.name for t in tables), "alembic_version"]:
        privileges = AUDIT_PRIVILEGES.get(name, DATA_PRIVILEGES)
        statements += [f"REVOKE ALL ON TABLE {quote(name)} FROM {who}",
                       f"GRANT {privileges} ON TABLE {quote(name)} TO {who}"]
    for table in tables:
        if table.name in AUDIT_PRIVILEGES or "id" not in table.c:
            continue  # audit ids are given by the chain, not by a sequence
        sequence = connection.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"),
                                      {"t": table.name}).scalar()
        if sequence:
            statements.append(f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {who}")
    return statements


def grant_app_role(connection: Connection, role: str) -> None:
    """Give `role` the application's privileges; refuse a role that could undo them."""
    if connection.dialect.name != "postgresql":
        raise RoleError("not_postgresql")
    found = connection.execute(text(
        "SELECT rolsuper, rolbypassrls, pg_has_role(rolname, current_user, 'MEMBER') "
        "FROM pg_roles WHERE rolname = :role"), {"role": role}).first()
    if found is None:
        raise RoleError("missing")
    superuser, bypass_rls, member_of_owner = found
    owner = connection.execute(text(
        "SELECT tableowner FROM pg_tables WHERE tablename = 'audit_events' "
        "AND schemaname = current_schema()")).scalar()
    if superuser or bypass_rls or member_of_owner or role == owner:
        # A superuser, the owner or a member of the owner's role may disable triggers,
        # drop them or truncate: it would not be held to append-only.
        raise RoleError("privileged")
    for statement in grant_statements(connection, role):
        connection.exec_driver_sql(statement)
