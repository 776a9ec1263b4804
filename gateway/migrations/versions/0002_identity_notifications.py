"""Identity changes are announced: NOTIFY identity_changed '<user id>' from the writing
transaction, whenever a user row changes or goes, or a membership comes or goes (the gateways'
principal caches forget that user; gateway/principals.py).

Revision ID: 0002_identity_notifications
Revises: 0001_identity
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002_identity_notifications"
down_revision: str | None = "0001_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each function notifies the user id of the row as it was (a deleted or moved row) and as it is.
_FUNCTIONS = {
    "notify_user_changed": "id",
    "notify_membership_changed": "user_id",
}
_TRIGGERS = {
    "users_identity_changed": ("users", "notify_user_changed", "UPDATE OR DELETE"),
    "organization_members_identity_changed": (
        "organization_members",
        "notify_membership_changed",
        "INSERT OR UPDATE OR DELETE",
    ),
}


def upgrade() -> None:
    for function, column in _FUNCTIONS.items():
        op.execute(
            f"""
            CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP IN ('UPDATE', 'DELETE') THEN
                    PERFORM pg_notify('identity_changed', OLD.{column}::text);
                END IF;
                IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    PERFORM pg_notify('identity_changed', NEW.{column}::text);
                END IF;
                RETURN NULL;
            END;
            $$
            """
        )
    for trigger, (table, function, events) in _TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {trigger} AFTER {events} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()")


def downgrade() -> None:
    for trigger, (table, _, _) in _TRIGGERS.items():
        op.execute(f"DROP TRIGGER {trigger} ON {table}")
    for function in _FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}()")
