"""health news points, their volunteers, and each subscriber's news frequency

Revision ID: 0011
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models.types

revision: str = "0011"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "news_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=True),
        sa.Column("summary_en", sa.String(), nullable=True),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("topics", sa.String(), nullable=False),
        sa.Column("areas", sa.String(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=96), nullable=False),
        sa.Column("created_at", bot.models.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_news_item_day", "news_item", ["day"])
    op.create_table(
        "volunteer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=False),
        sa.Column("added_by", sa.String(length=96), nullable=False),
        sa.Column("created_at", bot.models.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscriber.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_volunteer_subscriber_id", "volunteer", ["subscriber_id"], unique=True)
    # Existing subscribers keep None: weekly, and asked once in their first digest.
    with op.batch_alter_table("subscriber") as batch:
        batch.add_column(sa.Column("news_frequency", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriber") as batch:
        batch.drop_column("news_frequency")
    op.drop_index("ix_volunteer_subscriber_id", table_name="volunteer")
    op.drop_table("volunteer")
    op.drop_index("ix_news_item_day", table_name="news_item")
    op.drop_table("news_item")
