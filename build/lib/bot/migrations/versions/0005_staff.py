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
    op.create_table(
        "rumor_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("photo", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("verdict", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("correction", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("answered_by", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=True),
        sa.Column("created_at", bot.models.types.UtcDateTime(), nullable=False),
        sa.Column("answered_at", bot.models.types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    op.create_index(op.f("ix_rumor_report_status"), "rumor_report", ["status"])
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("photo", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("drafted_by", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column("approved_by", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=True),
        sa.Column("broadcast_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bot.models.types.UtcDateTime(), nullable=False),
        sa.Column("sent_at", bot.models.types.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["broadcast_id"], ["broadcast.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_alert_status"), "alert", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_status"), table_name="alert")
    op.drop_table("alert")
    op.drop_index(op.f("ix_rumor_report_status"), table_name="rumor_report")
    op.drop_table("rumor_report")
    op.drop_index(op.f("ix_staff_member_zalo_id"), table_name="staff_member")
    op.drop_index(op.f("ix_staff_member_telegram_id"), table_name="staff_member")
    op.drop_table("staff_member")
