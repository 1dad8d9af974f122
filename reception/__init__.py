"""The reception domain: petitions, their lifecycle, routing, deadlines and reports.

Nothing here imports Telegram. Handlers call into this package; it calls storage and nlp.
"""
