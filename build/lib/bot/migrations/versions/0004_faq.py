"""faq: question log (no user identity) and hand-offs to staff

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "faq_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asked_at", bot.models.types.UtcDateTime(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("chosen_topic", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("faq_question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_faq_question_asked_at"), ["asked_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_faq_question_outcome"), ["outcome"], unique=False)
        batch_op.create_index(batch_op.f("ix_faq_question_topic"), ["topic"], unique=False)

    op.create_table(
        "faq_handoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", bot.models.types.UtcDateTime(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("answered_by", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=True),
        sa.Column("answered_at", bot.models.types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("faq_handoff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_faq_handoff_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_faq_handoff_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("faq_handoff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_handoff_status"))
        batch_op.drop_index(batch_op.f("ix_faq_handoff_created_at"))
    op.drop_table("faq_handoff")
    with op.batch_alter_table("faq_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_question_topic"))
        batch_op.drop_index(batch_op.f("ix_faq_question_outcome"))
        batch_op.drop_index(batch_op.f("ix_faq_question_asked_at"))
    op.drop_table("faq_question")
