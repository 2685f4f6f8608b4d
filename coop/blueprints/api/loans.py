"""API v1: loans endpoints (filled in by its issue)."""
