"""staff accounts, alerts, rumor reports

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("telegram_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("zalo_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_at", bot.models.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_index(op.f("ix_staff_member_telegram_id"), "staff_member", ["telegram_id"])
    op.create_index(op.f("ix_staff_member_zalo_id"), "staff_member", ["zalo_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_member_zalo_id"), table_name="staff_member")
    op.drop_index(op.f("ix_staff_member_telegram_id"), table_name="staff_member")
    op.drop_table("staff_member")
