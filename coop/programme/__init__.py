"""Programme monitoring (DOMAIN.md, API.md "Programme monitoring"): totals over every cooperative of a
region for coordinators (never a person's record), semester snapshots, and onboarding a village."""
