"""Shared fixtures of the registry area (usable by every test)."""
