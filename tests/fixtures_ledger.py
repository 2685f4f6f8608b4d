"""Shared fixtures of the ledger area (usable by every test)."""
