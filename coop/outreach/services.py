"""Consent, templates, the outbox and delivery. Services flush and never commit (the caller's ``atomic``);
:func:`deliver` is the exception: the scheduler calls it outside a unit of work and it opens short ones
of its own, so no gateway call ever runs while the database's writer lock is held."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from coop import audit, clock, datebounds, settings
from coop.auth.models import Cooperative
from coop.db import atomic, db, utcnow
from coop.errors import Conflict, NotFound, ValidationError
from coop.membership.models import Member
from coop.outreach import rules
from coop.outreach.channels import Outgoing, Poll, SendError
from coop.outreach.models import ContactConsent, Message, MessageEvent, MessageTemplate
from coop.registry.services import get_resident

MAX_ID = 2**31 - 1
#: a message being sent is not picked again for this long (a crash between the gateway call and the
#: record of its result retries it after the lease)
SEND_LEASE = timedelta(minutes=10)


# ---------------------------------------------------------------------------------------------
# Consent
# ---------------------------------------------------------------------------------------------

def resident_of_member(cooperative_id: int, member_id: int) -> int:
    m = db.session.get(Member, member_id) if 0 < member_id <= MAX_ID else None
    if m is None or m.cooperative_id != cooperative_id:
        raise NotFound("Anggota tidak ditemukan.")
    return m.resident_id


def consents_of(cooperative_id: int, resident_id: int) -> list[ContactConsent]:
    """Every consent of the resident, the ones in force first, newest first."""
    return list(db.session.scalars(sa.select(ContactConsent).where(
        ContactConsent.cooperative_id == cooperative_id, ContactConsent.resident_id == resident_id)
        .order_by(ContactConsent.withdrawn_at.is_not(None), ContactConsent.id.desc())))


def active_consent(cooperative_id: int, resident_id: int, channel: str) -> ContactConsent | None:
    return db.session.scalar(sa.select(ContactConsent).where(
        ContactConsent.cooperative_id == cooperative_id, ContactConsent.resident_id == resident_id,
        ContactConsent.channel == channel, ContactConsent.withdrawn_at.is_(None)).order_by(ContactConsent.id.desc()))


def record_consent(cooperative_id: int, resident_id: int, data: dict, *, method: str, actor) -> ContactConsent:
    """Record consent on one channel (``channel``, ``phone``, ``given_on``, ``purposes``). A consent already
    in force on that channel is replaced (kept, marked ``replaced``).

    :raises ValidationError: unknown channel or purpose, a phone that is not a mobile number, a future date."""
    resident = get_resident(cooperative_id, resident_id)
    errors: dict[str, list[str]] = {}
    channel = str(data.get("channel") or "")
    if channel not in rules.CHANNELS:
        errors["channel"] = ["pilih whatsapp atau sms"]
    phone = rules.normalize_phone(str(data.get("phone") or ""))
    if phone is None:
        errors["phone"] = ["nomor HP tidak valid (contoh 0812-3456-7890)"]
    purposes = rules.parse_purposes(data.get("purposes"))
    if not purposes or any(p not in rules.PURPOSES for p in purposes):
        errors["purposes"] = [f"pilih dari: {', '.join(rules.PURPOSES)}"]
    if method not in rules.CONSENT_METHODS:
        errors["method"] = ["tidak dikenal"]
    if errors:
        raise ValidationError("Persetujuan tidak valid.", fields=errors)
    given_on = datebounds.check_day(cooperative_id, data.get("given_on"), "given_on")
    now = utcnow()
    old = active_consent(cooperative_id, resident.id, channel)
    if old is not None:
        old.withdrawn_at, old.withdrawn_via, old.withdrawn_by_id = now, "replaced", getattr(actor, "id", None)
    consent = ContactConsent(cooperative_id=cooperative_id, resident_id=resident.id, channel=channel, phone=phone,
                             purposes=",".join(purposes), given_on=given_on, method=method,
                             recorded_by_id=getattr(actor, "id", None), recorded_at=now)
    db.session.add(consent)
    db.session.flush()
    audit.record(actor, "outreach.consent.record", "resident", resident.id,
                 {"channel": channel, "purposes": purposes, "given_on": given_on, "method": method,
                  "replaces": old.id if old else None}, cooperative_id=cooperative_id)
    return consent


def withdraw_consent(cooperative_id: int, resident_id: int, channel: str, *, via: str, actor) -> int:
    """Opt out at once: the consent on ``channel`` ends and every message still queued on it fails with
    the reason. Withdrawing twice is harmless. Returns the number of messages cancelled."""
    resident = get_resident(cooperative_id, resident_id)
    if channel not in rules.CHANNELS:
        raise NotFound("Kanal tidak dikenal.")
    consent = active_consent(cooperative_id, resident.id, channel)
    if consent is None:
        return 0
    consent.withdrawn_at, consent.withdrawn_via, consent.withdrawn_by_id = utcnow(), via, getattr(actor, "id", None)
    cancelled = 0
    for msg in db.session.scalars(sa.select(Message).where(
            Message.cooperative_id == cooperative_id, Message.resident_id == resident.id,
            Message.channel == channel, Message.status == "queued")):
        _set_status(msg, "failed", "persetujuan dicabut", actor=actor)
        cancelled += 1
    db.session.flush()
    audit.record(actor, "outreach.consent.withdraw", "resident", resident.id,
                 {"channel": channel, "via": via, "cancelled": cancelled}, cooperative_id=cooperative_id)
    return cancelled


def stop_from_phone(cooperative_id: int, phone: str) -> int:
    """A STOP reply from ``phone`` on the SMS channel withdraws every SMS consent with that number."""
    number = rules.normalize_phone(phone)
    if number is None:
        return 0
    residents = db.session.scalars(sa.select(ContactConsent.resident_id).where(
        ContactConsent.cooperative_id == cooperative_id, ContactConsent.channel == "sms",
        ContactConsent.phone == number, ContactConsent.withdrawn_at.is_(None))).all()
    for resident_id in residents:
        withdraw_consent(cooperative_id, resident_id, "sms", via="sms_stop", actor=None)
    return len(residents)


# ---------------------------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------------------------

def templates(cooperative_id: int) -> dict[str, tuple[str, bool]]:
    """kind -> (body, is_default) for every message kind."""
    own = {t.purpose: t.body for t in db.session.scalars(
        sa.select(MessageTemplate).where(MessageTemplate.cooperative_id == cooperative_id))}
    return {kind: (own.get(kind, default), kind not in own) for kind, default in rules.DEFAULT_TEMPLATES.items()}


def set_template(cooperative_id: int, kind: str, body: str | None, *, actor) -> None:
    """Store the cooperative's wording of ``kind`` (``None`` or blank: back to the default).

    :raises ValidationError: an unknown kind or placeholder, unbalanced braces, over 1000 characters."""
    if kind not in rules.DEFAULT_TEMPLATES:
        raise ValidationError("Jenis pesan tidak dikenal.", fields={"kind": ["tidak dikenal"]})
    row = db.session.scalar(sa.select(MessageTemplate).where(
        MessageTemplate.cooperative_id == cooperative_id, MessageTemplate.purpose == kind))
    if body is None or not body.strip():
        if row is not None:
            db.session.delete(row)
    else:
        problem = rules.template_problem(body)
        if problem:
            raise ValidationError(problem, fields={"body": [problem]})
        if row is None:
            row = MessageTemplate(cooperative_id=cooperative_id, purpose=kind, body=body)
            db.session.add(row)
        row.body, row.updated_by_id, row.updated_at = body.strip(), getattr(actor, "id", None), utcnow()
    db.session.flush()
    audit.record(actor, "outreach.template.set", "outreach_template", kind, {"default": row is None or not body},
                 cooperative_id=cooperative_id)


# ---------------------------------------------------------------------------------------------
# The outbox
# ---------------------------------------------------------------------------------------------

def get_message(cooperative_id: int, message_id: int) -> Message:
    m = db.session.get(Message, message_id) if 0 < message_id <= MAX_ID else None
    if m is None or m.cooperative_id != cooperative_id:
        raise NotFound("Pesan tidak ditemukan.")
    return m


def _set_status(msg: Message, status: str, note: str | None = None, *, actor=None, at: datetime | None = None):
    msg.status = status
    if status in ("sent", "manual"):
        msg.sent_at = at or utcnow()
    db.session.add(MessageEvent(cooperative_id=msg.cooperative_id, message_id=msg.id, status=status,
                                note=(note or None) and note[:500], at=at or utcnow(),
                                by_id=getattr(actor, "id", None)))


def active_consents(cooperative_id: int, channel: str, purpose: str) -> dict[int, ContactConsent]:
    """resident id -> the consent in force on ``channel`` that covers ``purpose``."""
    rows = db.session.scalars(sa.select(ContactConsent).where(
        ContactConsent.cooperative_id == cooperative_id, ContactConsent.channel == channel,
        ContactConsent.withdrawn_at.is_(None)))
    return {c.resident_id: c for c in rows if purpose in c.purpose_list}


def queue(cooperative_id: int, consent: ContactConsent, *, kind: str, due_on: date, values: dict,
          member_id: int | None, body: str | None = None) -> Message | None:
    """Queue one message for the consent's resident, or None when it was queued before (at most one per
    resident, kind and due date) or the consent does not cover the kind's purpose. ``body``: the
    template, when the caller already read them."""
    if consent.withdrawn_at is not None or rules.KINDS[kind] not in consent.purpose_list:
        return None
    exists = db.session.scalar(sa.select(Message.id).where(
        Message.cooperative_id == cooperative_id, Message.resident_id == consent.resident_id,
        Message.purpose == kind, Message.due_on == due_on))
    if exists is not None:
        return None
    body = body if body is not None else templates(cooperative_id)[kind][0]
    params = [values.get(k, "") for k in rules.PLACEHOLDERS]
    msg = Message(cooperative_id=cooperative_id, resident_id=consent.resident_id, member_id=member_id,
                  consent_id=consent.id, channel=consent.channel, purpose=kind, due_on=due_on,
                  phone=consent.phone, text=rules.render(body, values), params=params, status="queued",
                  attempts=0, created_at=utcnow())
    db.session.add(msg)
    db.session.flush()
    _set_status(msg, "queued", None)
    return msg


def mark_manual(cooperative_id: int, message_id: int, *, actor, now: datetime) -> Message:
    """The officer sent the message from their own phone (the wa.me link): status ``manual``.

    :raises Conflict: not queued any more, consent withdrawn meanwhile, or within quiet hours."""
    msg = get_message(cooperative_id, message_id)
    if msg.status != "queued":
        raise Conflict("Pesan ini tidak lagi dalam antrean.")
    if active_consent(cooperative_id, msg.resident_id, msg.channel) is None:
        raise Conflict("Persetujuan kontak sudah dicabut: pesan tidak boleh dikirim.")
    if quiet_now(cooperative_id, now):
        raise Conflict("Jam tenang: jangan kirim pesan sekarang.")
    _set_status(msg, "manual", "dikirim petugas lewat wa.me", actor=actor, at=now)
    db.session.flush()
    audit.record(actor, "outreach.message.manual", "outreach_message", msg.id, {"purpose": msg.purpose},
                 cooperative_id=cooperative_id)
    return msg


def quiet_hours(cooperative_id: int) -> tuple[int, int]:
    return settings.get_int(cooperative_id, "quiet_hours_start"), settings.get_int(cooperative_id, "quiet_hours_end")


def quiet_now(cooperative_id: int, now: datetime) -> bool:
    """Is ``now`` within the cooperative's quiet hours (its own time zone)?"""
    coop = db.session.get(Cooperative, cooperative_id)
    start, end = quiet_hours(cooperative_id)
    return rules.in_quiet_hours(now.astimezone(clock.zone(coop)), start, end)


# ---------------------------------------------------------------------------------------------
# Delivery (the scheduler's job; never a web request)
# ---------------------------------------------------------------------------------------------

def _apply_poll(cooperative_id: int, polled: Poll) -> tuple[int, int]:
    for phone in polled.stops:
        stop_from_phone(cooperative_id, phone)
    done = 0
    if polled.statuses:
        for msg in db.session.scalars(sa.select(Message).where(
                Message.cooperative_id == cooperative_id, Message.status == "queued",
                Message.external_id.in_(list(polled.statuses)))):
            status, note = polled.statuses[str(msg.external_id)]
            _set_status(msg, status, note)
            if status == "failed":
                msg.last_error = note
            done += 1
    db.session.flush()
    return done, len(polled.stops)


def _handed_ids(cooperative_id: int, channel_kind: str) -> list[str]:
    return list(db.session.scalars(sa.select(Message.external_id).where(
        Message.cooperative_id == cooperative_id, Message.channel == channel_kind, Message.status == "queued",
        Message.external_id.is_not(None))))


def _due_ids(cooperative_id: int, channel_kind: str, now: datetime) -> list[int]:
    return list(db.session.scalars(sa.select(Message.id).where(
        Message.cooperative_id == cooperative_id, Message.channel == channel_kind, Message.status == "queued",
        Message.external_id.is_(None),
        sa.or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now)).order_by(Message.id)))


def _claim(cooperative_id: int, message_id: int, now: datetime) -> Outgoing | None:
    """Take one queued message for an attempt (a lease), after checking its consent is still in force."""
    msg = get_message(cooperative_id, message_id)
    if msg.status != "queued" or msg.external_id is not None:
        return None
    consent = active_consent(cooperative_id, msg.resident_id, msg.channel)
    if consent is None or rules.KINDS[msg.purpose] not in consent.purpose_list:
        _set_status(msg, "failed", "tidak ada persetujuan kontak")
        return None
    msg.attempts += 1
    msg.next_attempt_at = now + SEND_LEASE
    db.session.flush()
    return Outgoing(id=msg.id, cooperative_id=cooperative_id, phone=consent.phone, text=msg.text, kind=msg.purpose,
                    params=list(msg.params or []))


def _record(cooperative_id: int, message_id: int, outcome, now: datetime, *, max_attempts: int,
            backoff_seconds: int, channel_name: str) -> str:
    msg = get_message(cooperative_id, message_id)
    if isinstance(outcome, SendError):
        msg.last_error = outcome.message
        if outcome.retry and msg.attempts < max_attempts:
            wait = rules.backoff(msg.attempts, backoff_seconds)
            if outcome.after:
                wait = max(wait, timedelta(seconds=outcome.after))
            msg.next_attempt_at = now + wait
            db.session.add(MessageEvent(cooperative_id=cooperative_id, message_id=msg.id, status="queued",
                                        note=f"percobaan {msg.attempts} gagal, ulang {msg.next_attempt_at:%H:%M} "
                                             f"UTC: {outcome.message}"[:500], at=now))
            result = "retry"
        else:
            _set_status(msg, "failed", outcome.message, at=now)
            result = "failed"
    elif outcome.status == "handed":
        msg.external_id = outcome.external_id
        msg.next_attempt_at = None
        db.session.add(MessageEvent(cooperative_id=cooperative_id, message_id=msg.id, status="queued",
                                    note=f"diserahkan ke {channel_name} (ID {outcome.external_id})", at=now))
        result = "handed"
    else:
        msg.external_id = outcome.external_id
        _set_status(msg, "sent", f"{channel_name}: {outcome.external_id or 'diterima'}", at=now)
        result = "sent"
    db.session.flush()
    return result


def deliver(cooperative_id: int, channel, *, now: datetime, max_attempts: int = 5,
            backoff_seconds: int = 300) -> str:
    """Read the gateway's statuses and STOP replies, then send what is due on ``channel`` (nothing within
    quiet hours; a temporary failure waits ``rules.backoff``; after ``max_attempts`` the message fails).
    Each step is its own unit of work; the gateway call of an HTTP channel is outside any. Returns a
    summary, empty when nothing happened."""
    def poll():
        return _apply_poll(cooperative_id, channel.poll(_handed_ids(cooperative_id, channel.kind)))
    updated, stops = atomic(poll)
    counts = {"sent": 0, "handed": 0, "retry": 0, "failed": 0}
    if channel.automatic and not atomic(quiet_now, cooperative_id, now):
        for message_id in atomic(_due_ids, cooperative_id, channel.kind, now):
            if channel.transactional:
                def one(message_id=message_id):
                    out = _claim(cooperative_id, message_id, now)
                    return None if out is None else _record(
                        cooperative_id, message_id, _attempt(channel, out), now, max_attempts=max_attempts,
                        backoff_seconds=backoff_seconds, channel_name=channel.name)
                result = atomic(one)
            else:
                out = atomic(_claim, cooperative_id, message_id, now)
                if out is None:
                    continue
                outcome = _attempt(channel, out)
                result = atomic(_record, cooperative_id, message_id, outcome, now, max_attempts=max_attempts,
                                backoff_seconds=backoff_seconds, channel_name=channel.name)
            if result:
                counts[result] += 1
    elif channel.automatic:
        return f"jam tenang; {updated} status, {stops} STOP"
    if not (updated or stops or any(counts.values())):
        return ""  # nothing happened: the job says nothing
    return (f"{channel.name}: {counts['sent']} terkirim, {counts['handed']} diserahkan, {counts['retry']} diulang, "
            f"{counts['failed']} gagal; {updated} status, {stops} STOP")


def _attempt(channel, out: Outgoing):
    try:
        return channel.send(out)
    except SendError as exc:
        return exc
