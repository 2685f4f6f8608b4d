"""Each channel's adapter against its real table layout or a fake server that answers like the real one:
gammu-smsd's SQL tables (Debian's schema, created in the test database), the WhatsApp Cloud API and
Kannel's sendsms (local HTTP servers in a thread that check the request shape)."""
from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from coop.db import atomic, db
from coop.outreach import channels, services
from tests.outreach.conftest import messages

GAMMU = Path(__file__).parent / "gammu"


@pytest.fixture
def gammu_tables(app):
    """gammu-smsd's inbox/outbox/outbox_multipart/sentitems in the test database (rolled back with the test)."""
    dialect = db.session.get_bind().dialect.name
    sql = (GAMMU / ("pgsql.sql" if dialect == "postgresql" else "sqlite.sql")).read_text()
    body = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    for statement in body.split("\n;\n"):
        db.session.execute(sa.text(statement))
    return dialect


def _queue(coop, resident, consent, today, kind="rat_invitation", channel="whatsapp", values=None, **kw):
    c = consent(coop, resident, channel=channel, purposes=("rat", "instalment"), **kw)
    return atomic(services.queue, coop.id, c, kind=kind, due_on=today, values=values or {"nama": resident.full_name},
                  member_id=None)


def _rows(sql, **params):
    return db.session.execute(sa.text(sql), params).mappings().all()


# ------------------------------------------------------------------------------------------------ gammu

def test_gammu_writes_outbox_and_reads_sentitems(coop, make_resident, consent, gammu_tables, today, at):
    """A queued SMS becomes one gammu outbox row (number, decoded text, CreatorID naming it); it stays
    queued until sentitems says SendingOK, then it is sent; a SendingError in sentitems fails another?"""
    a, b = make_resident(coop), make_resident(coop)
    m1 = _queue(coop, a, consent, today, channel="sms")
    m2 = _queue(coop, b, consent, today, channel="sms", phone="0813-1111-2222")
    gammu = channels.GammuChannel()
    assert "2 diserahkan" in services.deliver(coop.id, gammu, now=at(9))
    rows = _rows('SELECT "ID", "DestinationNumber", "TextDecoded", "CreatorID", "Coding", "Status" '
                 'FROM outbox ORDER BY "ID"')
    assert [(r["DestinationNumber"], r["TextDecoded"], r["CreatorID"]) for r in rows] == [
        ("6281234567890", m1.text, f"coop:{coop.id}:{m1.id}"), ("6281311112222", m2.text, f"coop:{coop.id}:{m2.id}")]
    assert {r["Coding"] for r in rows} == {"Default_No_Compression"} and {r["Status"] for r in rows} == {"Reserved"}
    assert (m1.status, m1.external_id) == ("queued", str(rows[0]["ID"]))
    services.deliver(coop.id, gammu, now=at(9, 5))  # not sent twice while gammu holds it
    assert len(_rows("SELECT * FROM outbox")) == 2
    for row, status in zip(rows, ("SendingOK", "SendingError"), strict=True):
        db.session.execute(sa.text(
            'INSERT INTO sentitems ("Text", "DestinationNumber", "UDH", "TextDecoded", "ID", "SenderID", "Status", '
            '"StatusError", "CreatorID") VALUES (\'\', :n, \'\', :t, :id, \'modem1\', :s, -1, :c)'),
            {"n": row["DestinationNumber"], "t": row["TextDecoded"], "id": row["ID"], "s": status,
             "c": row["CreatorID"]})
    assert "2 status" in services.deliver(coop.id, gammu, now=at(9, 10))
    assert (m1.status, m2.status) == ("sent", "failed")
    assert m2.last_error.startswith("gammu: SendingError")


def test_gammu_long_text_is_a_concatenated_sms(coop, make_resident, consent, gammu_tables, today, at):
    """A 200-character text goes as outbox (part 1, MultiPart, UDH 050003..0201) plus outbox_multipart
    (part 2, UDH ..0202), 153 + 47 characters?"""
    r = make_resident(coop)
    msg = _queue(coop, r, consent, today, channel="sms")
    msg.text = "x" * 200
    services.deliver(coop.id, channels.GammuChannel(), now=at(9))
    [first] = _rows('SELECT "ID", "TextDecoded", "UDH", "MultiPart" FROM outbox')
    [second] = _rows('SELECT "ID", "TextDecoded", "UDH", "SequencePosition" FROM outbox_multipart')
    ref = f"{msg.id % 256:02X}"
    assert first["UDH"] == f"050003{ref}0201" and str(first["MultiPart"]).lower() == "true"
    assert (second["ID"], second["UDH"], second["SequencePosition"]) == (first["ID"], f"050003{ref}0202", 2)
    assert len(first["TextDecoded"]) == 153 and len(second["TextDecoded"]) == 47


def test_stop_reply_in_gammu_inbox_withdraws_sms_consent(coop, make_resident, consent, gammu_tables, today, at):
    """An inbox row "Stop" from the member's number withdraws their SMS consent (via sms_stop), fails the
    queued SMS before it is sent and is marked processed; another reply is left unprocessed?"""
    r = make_resident(coop)
    msg = _queue(coop, r, consent, today, channel="sms")
    processed_false = "false" if gammu_tables == "sqlite" else False
    for sender, text in (("+6281234567890", " Stop "), ("+6281299999999", "terima kasih")):
        db.session.execute(sa.text('INSERT INTO inbox ("Text", "SenderNumber", "UDH", "TextDecoded", "RecipientID", '
                                   '"Processed") VALUES (\'\', :s, \'\', :t, \'modem1\', :p)'),
                           {"s": sender, "t": text, "p": processed_false})
    services.deliver(coop.id, channels.GammuChannel(), now=at(9))
    assert msg.status == "failed" and _rows("SELECT * FROM outbox") == []
    [c] = services.consents_of(coop.id, r.id)
    assert c.withdrawn_via == "sms_stop"
    flags = {row["SenderNumber"]: str(row["Processed"]).lower() for row in
             _rows('SELECT "SenderNumber", "Processed" FROM inbox')}
    assert flags == {"+6281234567890": "true", "+6281299999999": "false"}
    assert atomic(services.queue, coop.id, c, kind="rat_invitation", due_on=today + timedelta(days=1), values={},
                  member_id=None) is None


# ------------------------------------------------------------------------------------------------ HTTP fakes

class FakeServer:
    """A local HTTP server answering each request with the next of ``answers`` (status, headers, body) and
    keeping what it received."""

    def __init__(self):
        self.answers, self.requests = [], []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                owner.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                       "body": self.rfile.read(length) if length else b""})
                status, headers, body = owner.answers.pop(0)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = FakeServer()
    yield s
    s.close()


def test_whatsapp_cloud_template_message_shape_and_answers(coop, make_resident, consent, server, today, at):
    """The Cloud API gets POST /v21.0/<phone id>/messages with the bearer token and a template message
    (coop_rat_invitation, language id, the four body parameters); a 200 with a wamid is sent; a 400
    OAuthException fails at once; a 429 (code 130429, Retry-After 120) waits and is tried again?"""
    a, b, c = make_resident(coop), make_resident(coop), make_resident(coop)
    ok = _queue(coop, a, consent, today, values={"nama": "Siti", "jumlah": "", "tanggal": "1 Des 2026",
                                                 "telepon": "0355-1"})
    bad = _queue(coop, b, consent, today, phone="0813-1111-2222")
    limited = _queue(coop, c, consent, today, phone="0813-3333-4444")
    server.answers = [
        (200, {"Content-Type": "application/json"},
         {"messaging_product": "whatsapp", "contacts": [{"input": "6281234567890", "wa_id": "6281234567890"}],
          "messages": [{"id": "wamid.HBgLNjI4MTIzNDU2Nzg5MBUCABEYEjQ2"}]}),
        (400, {"Content-Type": "application/json"},
         {"error": {"message": "(#132001) Template name does not exist in the translation", "type": "OAuthException",
                    "code": 132001, "fbtrace_id": "AbCdEf"}}),
        (429, {"Content-Type": "application/json", "Retry-After": "120"},
         {"error": {"message": "(#130429) Rate limit hit", "type": "OAuthException", "code": 130429,
                    "fbtrace_id": "GhIj"}}),
    ]
    wa = channels.WhatsAppCloudChannel(base_url=server.url + "/v21.0", phone_number_id="1055", token="tok-1")
    services.deliver(coop.id, wa, now=at(9))
    first = server.requests[0]
    assert (first["method"], first["path"]) == ("POST", "/v21.0/1055/messages")
    assert first["headers"]["Authorization"] == "Bearer tok-1"
    assert first["headers"]["Content-Type"] == "application/json"
    assert json.loads(first["body"]) == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "6281234567890", "type": "template",
        "template": {"name": "coop_rat_invitation", "language": {"code": "id"}, "components": [
            {"type": "body", "parameters": [{"type": "text", "text": t} for t in ("Siti", "", "1 Des 2026", "0355-1")]}]}}
    assert (ok.status, ok.external_id) == ("sent", "wamid.HBgLNjI4MTIzNDU2Nzg5MBUCABEYEjQ2")
    assert bad.status == "failed" and "132001" in bad.last_error
    assert limited.status == "queued" and limited.next_attempt_at == at(9) + timedelta(minutes=5)
    assert "130429" in limited.last_error
    server.answers = [(200, {}, {"messaging_product": "whatsapp", "messages": [{"id": "wamid.2"}]})]
    services.deliver(coop.id, wa, now=at(9, 5))
    assert (limited.status, limited.attempts, len(server.requests)) == ("sent", 2, 4)


def test_whatsapp_cloud_unreachable_is_retried(coop, make_resident, consent, today, at):
    """A base URL nobody listens on is a temporary failure (queued again), never an exception?"""
    msg = _queue(coop, make_resident(coop), consent, today)
    wa = channels.WhatsAppCloudChannel(base_url="http://127.0.0.1:9", phone_number_id="1", token="t", timeout=2)
    services.deliver(coop.id, wa, now=at(9))
    assert msg.status == "queued" and msg.attempts == 1 and msg.last_error.startswith("tidak terhubung")


def test_kannel_sendsms_shape_and_answers(coop, make_resident, consent, server, today, at):
    """Kannel gets GET /cgi-bin/sendsms with username, password, to, text, from, charset; 202 "0: Accepted
    for delivery" is sent; 403 "Authorization failed" fails; 503 "Temporal failure" is retried?"""
    a, b, c = make_resident(coop), make_resident(coop), make_resident(coop)
    ok = _queue(coop, a, consent, today, channel="sms")
    refused = _queue(coop, b, consent, today, channel="sms", phone="0813-1111-2222")
    later = _queue(coop, c, consent, today, channel="sms", phone="0813-3333-4444")
    server.answers = [(202, {"Content-Type": "text/html"}, b"0: Accepted for delivery"),
                      (403, {"Content-Type": "text/html"}, b"Authorization failed for sendsms"),
                      (503, {"Content-Type": "text/html"}, b"Temporal failure, try again later.")]
    kannel = channels.KannelChannel(url=server.url + "/cgi-bin/sendsms", username="coop", password="rahasia",
                                    sender="KOPERASI")
    services.deliver(coop.id, kannel, now=at(9))
    first = urlsplit(server.requests[0]["path"])
    assert (server.requests[0]["method"], first.path) == ("GET", "/cgi-bin/sendsms")
    assert {k: v[0] for k, v in parse_qs(first.query).items()} == {
        "username": "coop", "password": "rahasia", "to": "6281234567890", "text": ok.text, "from": "KOPERASI",
        "charset": "UTF-8", "coding": "0"}
    assert ok.status == "sent" and refused.status == "failed" and "403" in refused.last_error
    assert later.status == "queued" and later.attempts == 1


def test_channel_from_configuration(app):
    """COOP_MESSAGING_CHANNEL picks the adapter (manual by default) and an unknown name is an error?"""
    assert isinstance(channels.from_config({}), channels.ManualChannel)
    assert channels.from_config({"MESSAGING_CHANNEL": "gammu"}).kind == "sms"
    wa = channels.from_config({"MESSAGING_CHANNEL": "whatsapp_cloud", "WHATSAPP_API_BASE_URL": "http://x/v21.0/",
                               "WHATSAPP_PHONE_NUMBER_ID": "42"})
    assert wa.url == "http://x/v21.0/42/messages" and wa.kind == "whatsapp"
    assert channels.from_config({"MESSAGING_CHANNEL": "kannel", "KANNEL_SENDSMS_URL": "http://k"}).kind == "sms"
    with pytest.raises(ValueError):
        channels.from_config({"MESSAGING_CHANNEL": "telegram"})


def test_no_channel_ignores_messages_queued_for_the_other_channel(coop, make_resident, consent, server, today, at):
    """A message queued for SMS is not sent by the WhatsApp channel (and vice versa)?"""
    msg = _queue(coop, make_resident(coop), consent, today, channel="sms")
    wa = channels.WhatsAppCloudChannel(base_url=server.url, phone_number_id="1", token="t")
    services.deliver(coop.id, wa, now=at(9))
    assert server.requests == [] and msg.status == "queued" and messages(coop.id)[0].attempts == 0
