"""reports domain package."""
