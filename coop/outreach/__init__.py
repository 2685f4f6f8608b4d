"""Reaching members and calon PMI with recorded consent: consents, the outbox, templates, channels."""
