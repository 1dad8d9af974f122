"""the community and status index covers the overview counts

(community_code, status) gains the deadline columns the overview's open / overdue / due-today
counts read, so they are answered from the index without reading the rows.

Revision 0007, after 0006; made 2026-12-03 13:14:48.563589.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_petition_community_status'))
        batch_op.create_index('ix_petition_community_status',
                              ['community_code', 'status', 'resolve_due', 'respond_due',
                               'first_response_at', 'overdue'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.drop_index('ix_petition_community_status')
        batch_op.create_index(batch_op.f('ix_petition_community_status'), ['community_code', 'status'], unique=False)

