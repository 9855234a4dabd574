"""server-side staff sessions, login and sign-up counters, delivery rows that outlive erasure,
web chat history

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0002 created the outbox's link to subscriber without a name: this is how each database
# named it, so batch mode (SQLite) and PostgreSQL can both drop it.
_UNNAMED_FK = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def _subscriber_link_name() -> str:
    if op.get_bind().dialect.name == "sqlite":
        return "fk_outbox_message_subscriber_id_subscriber"
    return "outbox_message_subscriber_id_fkey"


def _recreate_ready_index() -> None:
    """SQLite's batch copy loses the index's DESC column: put the claim's index back as 0002 made it."""
    op.drop_index("ix_outbox_ready", table_name="outbox_message")
    op.create_index(
        "ix_outbox_ready",
        "outbox_message",
        ["status", "channel", sa.text("priority DESC"), "not_before", "id"],
    )


def upgrade() -> None:
    op.create_table(
        "staff_session",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("csrf", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", bot.models.types.UtcDateTime(), nullable=False),
        sa.Column("last_seen", bot.models.types.UtcDateTime(), nullable=False),
        sa.Column("ends_at", bot.models.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_staff_session_staff_id"), "staff_session", ["staff_id"])
    op.create_table(
        "throttle_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", bot.models.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_throttle_event_key", "throttle_event", ["kind", "key", "at"])
    op.create_index(op.f("ix_throttle_event_at"), "throttle_event", ["at"])
    with op.batch_alter_table("outbox_message", naming_convention=_UNNAMED_FK) as batch:
        batch.drop_constraint(_subscriber_link_name(), type_="foreignkey")
        batch.alter_column("subscriber_id", existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(
            "fk_outbox_message_subscriber_id_subscriber",
            "subscriber",
            ["subscriber_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _recreate_ready_index()
    with op.batch_alter_table("web_message") as batch:
        batch.add_column(
            sa.Column(
                "role",
                sqlmodel.sql.sqltypes.AutoString(length=8),
                nullable=False,
                server_default="inbox",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("web_message") as batch:
        batch.drop_column("role")
    op.execute("DELETE FROM outbox_message WHERE subscriber_id IS NULL")
    with op.batch_alter_table("outbox_message", naming_convention=_UNNAMED_FK) as batch:
        batch.drop_constraint("fk_outbox_message_subscriber_id_subscriber", type_="foreignkey")
        batch.alter_column("subscriber_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            _subscriber_link_name(), "subscriber", ["subscriber_id"], ["id"], ondelete="CASCADE"
        )
    _recreate_ready_index()
    op.drop_index(op.f("ix_throttle_event_at"), table_name="throttle_event")
    op.drop_index("ix_throttle_event_key", table_name="throttle_event")
    op.drop_table("throttle_event")
    op.drop_index(op.f("ix_staff_session_staff_id"), table_name="staff_session")
    op.drop_table("staff_session")
