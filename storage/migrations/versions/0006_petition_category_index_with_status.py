"""petition category index with status

The desk lists a category's petitions, most often its open ones; (category, status) answers
both that and category alone, so it replaces the single-column index.

Revision 0006, after 0005; made 2026-12-03 12:57:35.917120.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_petition_category'))
        batch_op.create_index('ix_petition_category_status', ['category', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.drop_index('ix_petition_category_status')
        batch_op.create_index(batch_op.f('ix_petition_category'), ['category'], unique=False)

