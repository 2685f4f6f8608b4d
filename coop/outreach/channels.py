"""The channels a message can leave by, behind one small interface, chosen by ``COOP_MESSAGING_CHANNEL``.

A channel has ``kind`` (the consent channel it needs: "whatsapp" or "sms"), ``automatic`` (False: an
officer sends by hand), ``transactional`` (True: it writes the app's own database, so it runs inside a unit
of work), ``send(out) -> Sent`` (raises :class:`SendError`) and ``poll(external_ids) -> Poll`` (delivery
statuses and STOP replies the gateway reports). HTTP uses only the standard library.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

import sqlalchemy as sa

from coop.db import db
from coop.outreach.rules import is_stop


@dataclass(frozen=True)
class Outgoing:
    id: int
    cooperative_id: int
    phone: str
    text: str
    kind: str
    params: list


@dataclass(frozen=True)
class Sent:
    #: "sent" (the gateway accepted it) or "handed" (in the gateway's queue: poll() tells the outcome)
    status: str
    external_id: str | None = None


@dataclass
class Poll:
    #: external id -> ("sent" | "failed", note)
    statuses: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: phone numbers that replied STOP
    stops: list[str] = field(default_factory=list)


class SendError(Exception):
    """The gateway refused or could not be reached. ``retry``: worth another attempt (after ``after``
    seconds when the gateway said so, e.g. a 429's Retry-After)."""

    def __init__(self, message: str, *, retry: bool, after: int | None = None):
        super().__init__(message)
        self.message = message[:500]
        self.retry = retry
        self.after = after


class ManualChannel:
    """No gateway: the officer's outbox page shows a wa.me link per queued message and marks it sent."""

    name, kind, automatic, transactional = "manual", "whatsapp", False, False

    def send(self, out: Outgoing) -> Sent:  # pragma: no cover - never called (automatic is False)
        raise SendError("kanal manual dikirim petugas", retry=False)

    def poll(self, external_ids) -> Poll:
        return Poll()


# ---------------------------------------------------------------------------------------------
# gammu-smsd: its SQL tables (Debian package gammu-smsd, /usr/share/doc/gammu-smsd/examples/*.sql)
# ---------------------------------------------------------------------------------------------

OUTBOX = sa.table("outbox", sa.column("ID", sa.Integer), sa.column("DestinationNumber"), sa.column("TextDecoded"),
                  sa.column("Coding"), sa.column("CreatorID"), sa.column("MultiPart"), sa.column("UDH"),
                  sa.column("DeliveryReport"))
OUTBOX_MULTIPART = sa.table("outbox_multipart", sa.column("ID", sa.Integer), sa.column("SequencePosition"),
                            sa.column("TextDecoded"), sa.column("Coding"), sa.column("UDH"))
SENTITEMS = sa.table("sentitems", sa.column("ID", sa.Integer), sa.column("SequencePosition"), sa.column("Status"),
                     sa.column("StatusError"))
INBOX = sa.table("inbox", sa.column("ID", sa.Integer), sa.column("SenderNumber"), sa.column("TextDecoded"),
                 sa.column("Processed"))
#: sentitems.Status values that mean the SMS left the modem / could not
GAMMU_OK = ("SendingOK", "SendingOKNoReport", "DeliveryOK", "DeliveryPending", "DeliveryUnknown")
GAMMU_FAILED = ("SendingError", "DeliveryFailed", "Error")


def sms_parts(text: str) -> tuple[str, list[str]]:
    """(gammu Coding, parts): one part up to 160 GSM characters (70 Unicode), else parts of 153 (67)."""
    gsm = all(32 <= ord(c) < 127 or c == "\n" for c in text)
    single, part = (160, 153) if gsm else (70, 67)
    coding = "Default_No_Compression" if gsm else "Unicode_No_Compression"
    if len(text) <= single:
        return coding, [text]
    return coding, [text[i:i + part] for i in range(0, len(text), part)]


class GammuChannel:
    """Writes gammu-smsd's ``outbox`` (a long text as a concatenated SMS: ``outbox`` + ``outbox_multipart``
    with the UDH gammu expects), reads ``sentitems`` for the outcome and unprocessed ``inbox`` rows for STOP.
    ``bind``: an Engine on gammu's database (``COOP_GAMMU_DATABASE_URL``), or None for the app's own."""

    name, kind, automatic = "gammu", "sms", True

    def __init__(self, bind: sa.engine.Engine | None = None):
        self.bind = bind
        self.transactional = bind is None

    def _run(self, fn):
        if self.bind is None:
            return fn(db.session.connection())
        with self.bind.begin() as conn:
            return fn(conn)

    def send(self, out: Outgoing) -> Sent:
        coding, parts = sms_parts(out.text)
        multipart = len(parts) > 1
        ref = out.id % 256

        def udh(seq):
            return f"050003{ref:02X}{len(parts):02X}{seq:02X}" if multipart else None

        def write(conn):
            t_value = True if conn.dialect.name == "postgresql" else "true"
            f_value = False if conn.dialect.name == "postgresql" else "false"
            new_id = conn.execute(OUTBOX.insert().values(
                DestinationNumber=out.phone, TextDecoded=parts[0], Coding=coding, UDH=udh(1),
                CreatorID=f"coop:{out.cooperative_id}:{out.id}", MultiPart=t_value if multipart else f_value,
                DeliveryReport="default").returning(OUTBOX.c.ID)).scalar_one()
            for seq, text in enumerate(parts[1:], start=2):
                conn.execute(OUTBOX_MULTIPART.insert().values(ID=new_id, SequencePosition=seq, TextDecoded=text,
                                                              Coding=coding, UDH=udh(seq)))
            return new_id
        try:
            return Sent("handed", str(self._run(write)))
        except sa.exc.OperationalError as exc:  # the gammu database is down: try again later
            raise SendError(f"gammu: {exc.orig}", retry=True) from None

    def poll(self, external_ids) -> Poll:
        ids = [int(x) for x in external_ids]

        def read(conn):
            result = Poll()
            if ids:
                parts: dict[str, list[tuple[str, int]]] = {}
                for row in conn.execute(sa.select(SENTITEMS.c.ID, SENTITEMS.c.Status, SENTITEMS.c.StatusError)
                                        .where(SENTITEMS.c.ID.in_(ids))):
                    parts.setdefault(str(row.ID), []).append((row.Status, row.StatusError))
                for ext, states in parts.items():
                    bad = [s for s in states if s[0] in GAMMU_FAILED]
                    if bad:
                        result.statuses[ext] = ("failed", f"gammu: {bad[0][0]} ({bad[0][1]})")
                    elif all(s[0] in GAMMU_OK for s in states):
                        result.statuses[ext] = ("sent", f"gammu: {states[0][0]}")
            f_value = False if conn.dialect.name == "postgresql" else "false"
            t_value = True if conn.dialect.name == "postgresql" else "true"
            stop_ids = []
            for row in conn.execute(sa.select(INBOX.c.ID, INBOX.c.SenderNumber, INBOX.c.TextDecoded)
                                    .where(INBOX.c.Processed == f_value).order_by(INBOX.c.ID)):
                if is_stop(row.TextDecoded):
                    result.stops.append(row.SenderNumber)
                    stop_ids.append(row.ID)
            if stop_ids:  # other replies stay unprocessed for whoever reads them
                conn.execute(INBOX.update().where(INBOX.c.ID.in_(stop_ids)).values(Processed=t_value))
            return result
        return self._run(read)


# ---------------------------------------------------------------------------------------------
# HTTP gateways
# ---------------------------------------------------------------------------------------------

def _http(method: str, url: str, *, headers: dict, body: bytes | None, timeout: int):
    """(status, headers, body); a network failure or timeout is a SendError worth retrying."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - configured gateway URL
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SendError(f"tidak terhubung: {getattr(exc, 'reason', exc)}", retry=True) from None


def _retry_after(headers) -> int | None:
    raw = (headers or {}).get("Retry-After")
    return int(raw) if raw and str(raw).isdigit() else None


#: Cloud API error codes that clear with time (rate limits, throttling, temporary errors)
WHATSAPP_RETRY_CODES = {4, 80007, 130429, 131016, 131048, 131056, 133004}


class WhatsAppCloudChannel:
    """WhatsApp Cloud API: an approved template per message kind (``<prefix><kind>``, e.g.
    ``coop_instalment_due``) whose body takes the parameters name, amount, date, cooperative phone."""

    name, kind, automatic, transactional = "whatsapp_cloud", "whatsapp", True, False

    def __init__(self, *, base_url: str, phone_number_id: str, token: str, language: str = "id",
                 template_prefix: str = "coop_", timeout: int = 10):
        self.url = f"{base_url.rstrip('/')}/{phone_number_id}/messages"
        self.token, self.language, self.prefix, self.timeout = token, language, template_prefix, timeout

    def send(self, out: Outgoing) -> Sent:
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": out.phone,
                   "type": "template",
                   "template": {"name": f"{self.prefix}{out.kind}", "language": {"code": self.language},
                                "components": [{"type": "body", "parameters": [
                                    {"type": "text", "text": str(p)} for p in out.params]}]}}
        status, headers, body = _http("POST", self.url, body=json.dumps(payload).encode(), timeout=self.timeout,
                                      headers={"Authorization": f"Bearer {self.token}",
                                               "Content-Type": "application/json"})
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = {}
        if 200 <= status < 300 and data.get("messages"):
            return Sent("sent", str(data["messages"][0].get("id")))
        error = data.get("error") or {}
        message = f"WhatsApp {status}: {error.get('code', '')} {error.get('message', body[:200])}".strip()
        retry = status == 429 or status >= 500 or error.get("code") in WHATSAPP_RETRY_CODES
        raise SendError(message, retry=retry, after=_retry_after(headers))

    def poll(self, external_ids) -> Poll:
        return Poll()  # delivery receipts come by webhook (not set up): accepted = sent


class KannelChannel:
    """Kannel's HTTP ``sendsms`` (smsbox ``sendsms-port``): 202 accepted; 503 temporary; other errors final."""

    name, kind, automatic, transactional = "kannel", "sms", True, False

    def __init__(self, *, url: str, username: str, password: str, sender: str | None = None, timeout: int = 10):
        self.base, self.username, self.password, self.sender, self.timeout = url, username, password, sender, timeout

    def send(self, out: Outgoing) -> Sent:
        gsm = all(32 <= ord(c) < 127 or c == "\n" for c in out.text)
        query = {"username": self.username, "password": self.password, "to": out.phone, "text": out.text,
                 "charset": "UTF-8", "coding": "0" if gsm else "2"}
        if self.sender:
            query["from"] = self.sender
        url = f"{self.base}?{urllib.parse.urlencode(query)}"
        status, headers, body = _http("GET", url, headers={}, body=None, timeout=self.timeout)
        text = body.decode("utf-8", "replace").strip()
        if status in (200, 202):
            return Sent("sent", None)
        raise SendError(f"Kannel {status}: {text[:200]}", retry=status == 429 or status >= 500,
                        after=_retry_after(headers))

    def poll(self, external_ids) -> Poll:
        return Poll()


CHANNEL_NAMES = ("manual", "gammu", "whatsapp_cloud", "kannel")


@cache
def _gammu_engine(url: str) -> sa.engine.Engine:
    return sa.create_engine(url, pool_pre_ping=True)


def from_config(config: Mapping):
    """The channel ``COOP_MESSAGING_CHANNEL`` names (an unknown name is a configuration error)."""
    name = (config.get("MESSAGING_CHANNEL") or "manual").strip()
    timeout = int(config.get("MESSAGING_TIMEOUT_SECONDS") or 10)
    if name == "manual":
        return ManualChannel()
    if name == "gammu":
        url = config.get("GAMMU_DATABASE_URL")
        return GammuChannel(_gammu_engine(url) if url else None)
    if name == "whatsapp_cloud":
        return WhatsAppCloudChannel(base_url=config["WHATSAPP_API_BASE_URL"],
                                    phone_number_id=config.get("WHATSAPP_PHONE_NUMBER_ID") or "",
                                    token=config.get("WHATSAPP_ACCESS_TOKEN") or "",
                                    language=config.get("WHATSAPP_TEMPLATE_LANGUAGE") or "id",
                                    template_prefix=config.get("WHATSAPP_TEMPLATE_PREFIX") or "coop_",
                                    timeout=timeout)
    if name == "kannel":
        return KannelChannel(url=config["KANNEL_SENDSMS_URL"], username=config.get("KANNEL_USERNAME") or "",
                             password=config.get("KANNEL_PASSWORD") or "", sender=config.get("KANNEL_FROM") or None,
                             timeout=timeout)
    raise ValueError(f"COOP_MESSAGING_CHANNEL={name!r}: pilih salah satu {', '.join(CHANNEL_NAMES)}")
