"""handled platform updates, so each one is acted on once

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handled_update",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("handled_at", bot.models.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_handled_update_handled_at", "handled_update", ["handled_at"])


def downgrade() -> None:
    op.drop_index("ix_handled_update_handled_at", table_name="handled_update")
    op.drop_table("handled_update")
