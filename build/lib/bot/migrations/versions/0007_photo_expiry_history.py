"""alert photos, dated-message expiry, stop dates, list links for screening coverage

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("broadcast") as batch:
        batch.add_column(sa.Column("photo", sa.String(length=500), nullable=True))
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("not_after", bot.models.types.UtcDateTime(), nullable=True))
    with op.batch_alter_table("subscriber") as batch:
        batch.add_column(sa.Column("stopped_at", bot.models.types.UtcDateTime(), nullable=True))
    with op.batch_alter_table("screening_registration") as batch:
        batch.add_column(sa.Column("eligible_id", sa.Integer(), nullable=True))
        batch.create_index("ix_screening_registration_eligible_id", ["eligible_id"])
    # Residents who had already stopped: the best date known is their last change.
    op.execute("UPDATE subscriber SET stopped_at = updated_at WHERE NOT active")


def downgrade() -> None:
    with op.batch_alter_table("screening_registration") as batch:
        batch.drop_index("ix_screening_registration_eligible_id")
        batch.drop_column("eligible_id")
    with op.batch_alter_table("subscriber") as batch:
        batch.drop_column("stopped_at")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("not_after")
    with op.batch_alter_table("broadcast") as batch:
        batch.drop_column("photo")
