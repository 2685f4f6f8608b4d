"""Loan models (filled in by its issue)."""
