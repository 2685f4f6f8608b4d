"""Double-entry core: chart of accounts, journal entries, postings, periods, hash chain, verify.

The only writer of journal entries and postings is :func:`coop.ledger.services.post_entry`.
"""
