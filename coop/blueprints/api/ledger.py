"""API v1: ledger endpoints (filled in by its issue)."""
