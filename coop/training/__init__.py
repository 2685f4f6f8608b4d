"""training domain package."""
