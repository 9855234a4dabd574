"""screening waiting list: residents told when their tổ gets a session

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screening_waitlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("area", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", bot.models.types.UtcDateTime(), nullable=False),
        sa.Column("invited_at", bot.models.types.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscriber.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_screening_waitlist_subscriber_id", "screening_waitlist", ["subscriber_id"])
    op.create_index("ix_screening_waitlist_area", "screening_waitlist", ["area"])


def downgrade() -> None:
    op.drop_index("ix_screening_waitlist_area", table_name="screening_waitlist")
    op.drop_index("ix_screening_waitlist_subscriber_id", table_name="screening_waitlist")
    op.drop_table("screening_waitlist")
