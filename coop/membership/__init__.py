"""membership domain package."""
