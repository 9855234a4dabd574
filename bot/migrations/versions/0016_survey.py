"""survey responses and answers, kept without names

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey", sa.String(length=16), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=True),
        sa.Column("created_at", bot.models.types.UtcDateTime(), nullable=False),
        sa.Column("finished_at", bot.models.types.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscriber.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("survey", "subscriber_id", name="uq_survey_subscriber"),
    )
    op.create_index("ix_survey_response_survey", "survey_response", ["survey"])
    op.create_index("ix_survey_response_subscriber_id", "survey_response", ["subscriber_id"])
    op.create_table(
        "survey_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=16), nullable=False),
        sa.Column("choice", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["response_id"], ["survey_response.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_survey_answer_response_id", "survey_answer", ["response_id"])


def downgrade() -> None:
    op.drop_index("ix_survey_answer_response_id", table_name="survey_answer")
    op.drop_table("survey_answer")
    op.drop_index("ix_survey_response_subscriber_id", table_name="survey_response")
    op.drop_index("ix_survey_response_survey", table_name="survey_response")
    op.drop_table("survey_response")
