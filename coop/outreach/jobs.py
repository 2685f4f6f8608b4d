"""Scheduled jobs of outreach: queue the day's reminders, and send what is queued (the scheduler
process only; sending never runs in a web request)."""
from __future__ import annotations

from datetime import date

from flask import current_app

from coop import clock
from coop.outreach import channels, services, triggers


def queue_reminders(cooperative_id: int, as_of: date) -> str:
    """Daily: the reminders of ``as_of`` on the configured channel, only with consent (idempotent)."""
    channel = channels.from_config(current_app.config)
    counts = triggers.queue_reminders(cooperative_id, as_of, channel.kind)
    return f"{sum(counts.values())} pesan diantrekan ({channel.kind}): " + ", ".join(
        f"{k} {n}" for k, n in counts.items())


def send(cooperative_id: int, as_of: date) -> str:
    """Every few minutes: gateway statuses and STOP replies, then the queued messages that are due (not in
    quiet hours), with retries and backoff. Opens its own short units of work."""
    cfg = current_app.config
    return services.deliver(cooperative_id, channels.from_config(cfg), now=clock.now_utc(),
                            max_attempts=cfg["MESSAGING_MAX_ATTEMPTS"],
                            backoff_seconds=cfg["MESSAGING_BACKOFF_SECONDS"])
