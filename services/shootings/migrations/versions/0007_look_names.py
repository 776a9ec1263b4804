"""Tables named as the code names what they hold: a look is a look (the public API keeps calling
it a production request), a status key a status key.

Revision ID: shootings_0007
Revises: shootings_0006
"""

from alembic import op

revision = "shootings_0007"
down_revision = "shootings_0006"
branch_labels = None
depends_on = None

RENAMES = (("production_requests", "looks"), ("production_request_statuses", "status_keys"))


# Constraints first (a primary key's or unique constraint's index follows its constraint), then
# the indexes left; names follow the naming convention of platformkit.db, which spells the table.
_RENAME_NAMES = """
DO $$
DECLARE item record;
BEGIN
    FOR item IN SELECT c.conrelid::regclass AS tab, c.conname FROM pg_constraint c
                JOIN pg_namespace n ON n.oid = c.connamespace
                WHERE n.nspname = current_schema() AND strpos(c.conname, '{old}') > 0
    LOOP
        EXECUTE format('ALTER TABLE %s RENAME CONSTRAINT %I TO %I', item.tab, item.conname,
                       replace(item.conname, '{old}', '{new}'));
    END LOOP;
    FOR item IN SELECT indexname FROM pg_indexes
                WHERE schemaname = current_schema() AND strpos(indexname, '{old}') > 0
    LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', item.indexname, replace(item.indexname, '{old}', '{new}'));
    END LOOP;
END $$;
"""


def _rename(pairs: tuple[tuple[str, str], ...]) -> None:
    for old, new in pairs:
        op.rename_table(old, new)
        op.execute(_RENAME_NAMES.format(old=old, new=new))


def upgrade() -> None:
    _rename(RENAMES)


def downgrade() -> None:
    _rename(tuple((new, old) for old, new in reversed(RENAMES)))
