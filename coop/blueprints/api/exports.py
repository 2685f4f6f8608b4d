"""API v1: exports endpoints (filled in by its issue)."""
