"""Savings models (filled in by its issue)."""
