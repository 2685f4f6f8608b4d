"""The baseline of bench_cashdesk_http.py: a minimal WSGI app (no framework, no ORM) that answers
``POST /api/v1/savings-accounts/{id}/deposits`` with the SAME SQL as the coop app through ``sqlite3``:

a read transaction for the bearer token, then one write transaction (the app's writer lock and group commit,
:class:`coop.db_sqlite.WriterLockedConnection`) that reads the stored idempotent response, the savings
account, the member and the Kas account, runs the ledger statements of one ``post_entry``
(:class:`bench_ledger_throughput.RawLedger`: head, key, periods, account rows, voucher counter, entry, head,
balances, postings, audit row), touches the savings account and stores the response, then commits durably.

    gunicorn --workers 2 --threads 4 --chdir bench 'wsgi_baseline:app'   (env BASELINE_DB=<sqlite path>)
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_ledger_throughput import RawLedger  # noqa: E402

from coop.db_sqlite import WriterLockedConnection  # noqa: E402

DB = os.environ.get("BASELINE_DB", "")
PATH = re.compile(r"^/api/v1/savings-accounts/(\d+)/deposits$")
_local = threading.local()


class _Raw(RawLedger):
    """RawLedger's statements on a WriterLockedConnection (writer lock hand-over, group commit)."""

    def __init__(self, db_path: str):  # noqa: D107 - no super(): the connection differs
        con = sqlite3.connect(db_path, isolation_level=None, factory=WriterLockedConnection,
                              check_same_thread=False)
        con.execute("PRAGMA busy_timeout = 5000")
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = NORMAL")
        con.execute("PRAGMA wal_autocheckpoint = 0")
        con.execute("PRAGMA journal_size_limit = 0")
        con._coop_group_sync = True
        self.con = con
        self.wal = None  # WriterLockedConnection.commit fsyncs the WAL (group commit)


def _conn() -> _Raw:
    if not hasattr(_local, "raw"):
        _local.raw = _Raw(DB)
    return _local.raw


def _reply(start_response, status: str, body: dict):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def app(environ, start_response):
    match = PATH.match(environ.get("PATH_INFO", ""))
    if environ["REQUEST_METHOD"] != "POST" or not match:
        if environ.get("PATH_INFO") == "/healthz":
            return _reply(start_response, "200 OK", {"ok": True})
        return _reply(start_response, "404 Not Found", {"error": {"code": "not_found"}})
    raw = _conn()
    con = raw.con
    body_raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    body = json.loads(body_raw)
    auth = environ.get("HTTP_AUTHORIZATION", "")[len("Bearer "):]
    key = environ.get("HTTP_IDEMPOTENCY_KEY")
    con.execute("BEGIN DEFERRED")
    token = con.execute("SELECT t.id, t.user_id, t.expires_at, t.revoked, u.cooperative_id, u.is_active, u.role "
                        "FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
                        (hashlib.sha256(auth.encode()).hexdigest(),)).fetchone()
    con.execute("COMMIT")
    if token is None or token[3]:
        return _reply(start_response, "401 Unauthorized", {"error": {"code": "unauthorized"}})
    cid = token[4]
    fingerprint = hashlib.sha256(f"POST {environ['PATH_INFO']}\n".encode() + body_raw).hexdigest()
    amount = int(body["amount"])
    con.acquire_writer(5000)
    con.execute("BEGIN IMMEDIATE")
    try:
        stored = con.execute("SELECT * FROM idempotent_requests WHERE cooperative_id = ? AND key = ?",
                             (cid, key)).fetchone()
        if stored is not None:
            con.rollback()
            return _reply(start_response, "200 OK", {"replay": True})
        acc = con.execute("SELECT id, member_id, ledger_account_id, account_number, status, kind FROM savings_accounts "
                          "WHERE id = ? AND cooperative_id = ?", (int(match.group(1)), cid)).fetchone()
        member = con.execute("SELECT m.id, m.member_number, r.full_name, m.status FROM members m JOIN residents r "
                             "ON r.id = m.resident_id WHERE m.id = ?", (acc[1],)).fetchone()
        kas, = con.execute("SELECT id FROM accounts WHERE cooperative_id = ? AND code = '1101'", (cid,)).fetchone()
        eid = raw.post(cid, kas, acc[2], amount, f"Setoran {acc[3]} {member[1]} {member[2]}", body["value_date"],
                       key=key, own_transaction=False)
        if con.execute("SELECT status FROM savings_accounts WHERE id = ?", (acc[0],)).fetchone()[0] == "closed":
            con.rollback()  # closed meanwhile (the app's check after the posting)
            return _reply(start_response, "422 Unprocessable Entity", {"error": {"code": "account_closed"}})
        con.execute("UPDATE savings_accounts SET last_activity_on = ? WHERE id = ?", (body["value_date"], acc[0]))
        out = {"entry_id": eid, "amount": amount}
        con.execute("INSERT INTO idempotent_requests (cooperative_id, key, request_hash, status, response_body, "
                    "created_at) VALUES (?, ?, ?, 201, ?, '2026-11-27 10:00:00.000000')",
                    (cid, key, fingerprint, json.dumps(out)))
    except BaseException:
        con.rollback()
        raise
    con.commit()  # COMMIT, give the writer lock back, fsync the WAL (group commit)
    return _reply(start_response, "201 Created", out)
