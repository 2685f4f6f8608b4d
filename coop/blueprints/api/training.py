"""API v1: training endpoints (filled in by its issue)."""
