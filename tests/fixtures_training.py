"""Shared fixtures of the training area (usable by every test)."""
