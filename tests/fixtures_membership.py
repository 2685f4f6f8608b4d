"""Shared fixtures of the membership area (usable by every test)."""
