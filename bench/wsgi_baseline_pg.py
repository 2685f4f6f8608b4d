"""The baseline of bench_cashdesk_http_pg.py: a minimal WSGI app (no framework, no ORM) that answers
``POST /api/v1/savings-accounts/{id}/deposits`` with the SAME statements as the coop app on PostgreSQL,
through ``psycopg`` (one connection per thread, psycopg's default ``prepare_threshold`` as the app has it):

the app's liveness check of a pooled connection (coop.db.install_liveness_check: an empty statement outside a
transaction, only when the connection sat idle for more than 0.5 s or the server spoke to it while idle), then
ONE transaction, as the app runs it on PostgreSQL (the token read and the
write share it: coop.db._end_read_transaction splits them on SQLite only): the token with its user and
cooperative, the stored idempotent response, the savings account with its product and ledger account,
the member with the resident, the Kas account, the statements of one ``post_entry``
(:class:`bench_ledger_pg.RawLedger`: head FOR UPDATE; one statement locking the two accounts FOR UPDATE and
reading the idempotency key, the closed periods and the monthly interest runs since the value date's month
(``post_entry(..., dated_since=accrual.runs_since(day))``); voucher counter, entry, head, balances, postings,
audit row; the entry, head, balances and postings in one statement as the app writes them on PostgreSQL), the
account's status read and its last activity moved in one statement (``savings._still_open_and_touch``), the
stored response; then a durable COMMIT (``synchronous_commit`` as the server has it). The column lists are the app's, so each statement reads what the app's reads.

    gunicorn --workers 3 --threads 2 --chdir bench 'wsgi_baseline_pg:app'   (env BASELINE_DSN=postgresql://...)
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import select
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ledger_pg import RawLedger  # noqa: E402

PATH = re.compile(r"^/api/v1/savings-accounts/(\d+)/deposits$")
CASH = ("admin", "treasurer")  # coop.auth.roles.CASH
_local = threading.local()

TOKEN = ("SELECT t.id, t.user_id, t.token_hash, t.expires_at, t.revoked, t.created_at, u.id, u.cooperative_id,"
         " u.region, u.username, u.full_name, u.role, u.password_hash, u.is_active, u.locale, u.resident_id,"
         " u.session_version, u.created_at, c.id, c.name, c.legal_number, c.village_code, c.address, c.timezone,"
         " c.founded_on, c.created_at, ir.request_hash, ir.status, ir.response_body"
         " FROM api_tokens t JOIN users u ON u.id = t.user_id"
         " LEFT OUTER JOIN cooperatives c ON c.id = u.cooperative_id"
         # the Idempotency-Key's stored response in the same row (coop.auth.services.token_and_stored)
         " LEFT OUTER JOIN idempotent_requests ir ON ir.cooperative_id = u.cooperative_id AND ir.key = %s"
         " WHERE t.token_hash = %s")
ACCOUNT = ("SELECT s.id, s.member_id, s.product_id, s.kind, s.account_number, s.ledger_account_id, s.status,"
           " s.opened_on, s.closed_on, s.last_activity_on, s.principal, s.rate, s.term_months, s.maturity_on,"
           " s.next_action_date, s.cooperative_id, s.created_at, p.id, p.code, p.name, p.kind, p.amount,"
           " p.balance_class, p.control_code, p.min_balance, p.interest_method, p.interest_rate, p.term_months,"
           " p.maturity_action, p.allows_early_withdrawal, p.early_withdrawal_penalty, p.is_default, p.is_active,"
           " p.cooperative_id, p.created_at, a.id, a.cooperative_id, a.code, a.name, a.name_en, a.type,"
           " a.normal_side, a.parent_id, a.is_control, a.is_open, a.balance, a.min_balance, a.created_at,"
           # the member and its resident in the same row (coop.savings: PreparedGet with also=("member",))
           " m.id, m.resident_id, m.member_seq, m.member_number, m.status, m.member_type, m.joined_on,"
           " m.resigned_on, m.user_id, m.settlement_entry_id, m.cooperative_id, m.created_at, r.id, r.household_id,"
           " r.nik, r.is_temporary_nik, r.full_name, r.sex, r.birth_place, r.birth_date, r.relationship,"
           " r.education, r.occupation, r.marital_status, r.phone, r.status, r.village_code, r.address, r.rt, r.rw,"
           " r.dusun, r.pmi_status, r.created_at, r.updated_at, r.cooperative_id"
           " FROM savings_accounts s LEFT OUTER JOIN savings_products p ON p.id = s.product_id"
           " LEFT OUTER JOIN accounts a ON a.id = s.ledger_account_id AND a.cooperative_id = s.cooperative_id"
           " LEFT OUTER JOIN members m ON m.id = s.member_id LEFT OUTER JOIN residents r ON r.id = m.resident_id"
           " WHERE s.id = %s")
MEMBER_AT = 48  # where the member's columns begin in an ACCOUNT row
# after the posting: not closed meanwhile; the last activity moved (only forward)
STILL_OPEN_AND_TOUCH = ("WITH moved AS (UPDATE savings_accounts SET last_activity_on = %(day)s WHERE id = %(id)s"
                        " AND (last_activity_on IS NULL OR last_activity_on < %(day)s))"
                        " SELECT status FROM savings_accounts WHERE id = %(id)s")
IDLE_PING_S = 0.5  # coop.config DATABASE_PING_AFTER_IDLE_MS
STORE = ("INSERT INTO idempotent_requests (cooperative_id, key, request_hash, status, response_body, created_at)"
         " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id")


def _readable(con) -> bool:
    poller = select.poll()
    poller.register(con.pgconn.socket, select.POLLIN)
    return bool(poller.poll(0))


def _raw() -> RawLedger:
    if not hasattr(_local, "raw"):
        _local.raw = RawLedger(os.environ["BASELINE_DSN"], None)  # synchronous_commit: the server's
    return _local.raw


def _reply(start_response, status: str, body: dict | str):
    data = (body if isinstance(body, str) else json.dumps(body)).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def app(environ, start_response):
    match = PATH.match(environ.get("PATH_INFO", ""))
    if environ["REQUEST_METHOD"] != "POST" or not match:
        if environ.get("PATH_INFO") == "/healthz":
            return _reply(start_response, "200 OK", {"ok": True})
        return _reply(start_response, "404 Not Found", {"error": {"code": "not_found"}})
    raw = _raw()
    con = raw.con
    body_raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    body = json.loads(body_raw)
    auth = environ.get("HTTP_AUTHORIZATION", "")[len("Bearer "):]
    key = environ.get("HTTP_IDEMPOTENCY_KEY")
    used = getattr(_local, "used", None)
    # a new connection is not pinged; a pooled one when it sat idle or the server spoke to it meanwhile
    if used is not None and (time.monotonic() - used > IDLE_PING_S or _readable(con)):
        con.autocommit = True  # the app's liveness check on checkout
        con.execute(";")
        con.autocommit = False
    cur = con.cursor()
    try:
        return _deposit(raw, cur, environ, start_response, int(match.group(1)), body, body_raw, auth, key)
    except BaseException:
        con.rollback()
        raise
    finally:
        _local.used = time.monotonic()


def _deposit(raw: RawLedger, cur, environ, start_response, account_id: int, body: dict, body_raw: bytes,  # noqa: PLR0913
             auth: str, key: str):
    con = raw.con
    token = cur.execute(TOKEN, (key, hashlib.sha256(auth.encode()).hexdigest())).fetchone()
    now = datetime.now(UTC)
    if token is None or token[4] or token[3] <= now or not token[13]:
        con.rollback()
        return _reply(start_response, "401 Unauthorized", {"error": {"code": "unauthorized"}})
    if token[11] not in CASH:
        con.rollback()
        return _reply(start_response, "403 Forbidden", {"error": {"code": "forbidden"}})
    user_id, cid = token[6], token[7]
    fingerprint = hashlib.sha256(f"POST {environ['PATH_INFO']}\n".encode() + body_raw).hexdigest()
    if token[26] is not None:  # stored for this key: the replay's answer
        con.rollback()
        return _reply(start_response, f"{token[27]} Replayed", token[28])
    acc = cur.execute(ACCOUNT, (account_id,)).fetchone()
    if acc is None or acc[15] != cid:
        con.rollback()
        return _reply(start_response, "404 Not Found", {"error": {"code": "not_found"}})
    member = acc[MEMBER_AT:]
    amount, day = int(body["amount"]), date.fromisoformat(body["value_date"])
    eid = raw.post(cid, "1101", acc[5], amount, f"Setoran {acc[4]} {member[3]} {member[16]}", day,
                   key=f"api:{user_id}:{key}", own_transaction=False, source="savings.deposit",
                   source_ref=f"savings_account:{acc[0]}", actor_id=user_id, request_id=uuid.uuid4().hex,
                   dated_since=("savings.interest", day.replace(day=1)))  # the monthly runs, read with the posting
    if cur.execute(STILL_OPEN_AND_TOUCH, {"day": day, "id": acc[0]}).fetchone()[0] == "closed":
        con.rollback()
        return _reply(start_response, "422 Unprocessable Entity", {"error": {"code": "account_closed"}})
    out = {"account_id": acc[0], "amount": amount, "balance": -raw.balances[1], "entry_id": eid,
           "transaction_id": raw.audit_id, "voucher_number": raw.voucher_number}
    text = json.dumps(out, sort_keys=True, separators=(",", ":")) + "\n"
    cur.execute(STORE, (cid, key, fingerprint, 201, text, now)).fetchone()
    con.commit()
    return _reply(start_response, "201 Created", text)
