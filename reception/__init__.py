"""The reception domain: petitions, their lifecycle, routing, deadlines and reports.

Nothing here imports Telegram. Handlers call into this package; it calls storage and nlp.
"""

from reception.petition import searchable as _searchable  # noqa: F401  (registers the search hook)
