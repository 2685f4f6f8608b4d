"""registry domain package."""
