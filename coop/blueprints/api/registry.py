"""API v1: registry endpoints (filled in by its issue)."""
