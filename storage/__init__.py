"""SQLModel tables and queries. Never commits on its own: the caller owns the transaction."""
