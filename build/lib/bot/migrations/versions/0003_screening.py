"""screening: sessions, registrations, eligible-resident lists

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screening_eligible",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("full_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("area", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("identity", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("imported_at", bot.models.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("identity", name="uq_eligible_identity"),
    )
    op.create_index(
        op.f("ix_screening_eligible_area"), "screening_eligible", ["area"], unique=False
    )
    op.create_index(
        op.f("ix_screening_eligible_phone"), "screening_eligible", ["phone"], unique=False
    )
    op.create_table(
        "screening_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start", sa.Time(), nullable=False),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", bot.models.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_screening_session_archived"), "screening_session", ["archived"], unique=False
    )
    op.create_index(op.f("ix_screening_session_day"), "screening_session", ["day"], unique=False)
    op.create_index(
        op.f("ix_screening_session_round"), "screening_session", ["round"], unique=False
    )
    op.create_table(
        "screening_registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("round", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=True),
        sa.Column("for_relative", sa.Boolean(), nullable=False),
        sa.Column("full_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("area", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("identity", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("referral", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("consent_at", bot.models.types.UtcDateTime(), nullable=False),
        sa.Column("created_at", bot.models.types.UtcDateTime(), nullable=False),
        sa.Column("erased_at", bot.models.types.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["screening_session.id"],
        ),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscriber.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index(
        "ix_registration_identity", "screening_registration", ["round", "identity"], unique=False
    )
    op.create_index(
        op.f("ix_screening_registration_area"), "screening_registration", ["area"], unique=False
    )
    op.create_index(
        op.f("ix_screening_registration_session_id"),
        "screening_registration",
        ["session_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_screening_registration_status"), "screening_registration", ["status"], unique=False
    )
    op.create_index(
        op.f("ix_screening_registration_subscriber_id"),
        "screening_registration",
        ["subscriber_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("screening_registration")
    op.drop_table("screening_session")
    op.drop_table("screening_eligible")
