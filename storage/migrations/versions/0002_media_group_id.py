"""media_group_id on petition messages (albums)

Revision 0002, after 0001; made 2026-12-03 08:34:19.093676.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table('petitionmessage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('media_group_id', sa.String(), nullable=True))
        batch_op.create_index(batch_op.f('ix_petitionmessage_media_group_id'), ['media_group_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('petitionmessage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_petitionmessage_media_group_id'))
        batch_op.drop_column('media_group_id')


