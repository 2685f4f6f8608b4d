"""Shared fixtures of the loans area (usable by every test)."""
