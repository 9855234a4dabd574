"""the Zalo OA window keeps the resident's last message id, which replies name

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("zalo_oa_window") as batch:
        batch.add_column(sa.Column("last_message_id", sa.String(length=160), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("zalo_oa_window") as batch:
        batch.drop_column("last_message_id")
