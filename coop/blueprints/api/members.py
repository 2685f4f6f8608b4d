"""API v1: members endpoints (filled in by its issue)."""
