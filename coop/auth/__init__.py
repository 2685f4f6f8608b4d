"""Users, roles, API tokens, login throttling and tenancy (the cooperative a user belongs to)."""
