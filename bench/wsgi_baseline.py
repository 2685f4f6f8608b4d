"""The baseline of bench_cashdesk_http.py: a minimal WSGI app (no framework, no ORM) that answers
``POST /api/v1/savings-accounts/{id}/deposits`` with the SAME statements as the coop app on SQLite, through
``sqlite3``, in the same order:

ONE write transaction a request, begun as the app begins it (``coop.db.begin_writing``: the writer lock, then
``BEGIN IMMEDIATE``; :class:`coop.db_sqlite.WriterLockedConnection` hands the lock over and group-commits): the
token with its user and cooperative and the Idempotency-Key's stored response in one row; the savings account
with its product, ledger account, member and the member's resident in one row; then the statements of one
``post_entry`` as the app sends them on SQLite: the head; ONE statement reading the two accounts (the savings
sub-account by id, Kas by its code), the idempotency key, the closed periods and the monthly interest runs since
the value date's month; the voucher counter; the entry; the head; the balances in one UPDATE; the postings; the
audit row; then the account's status (closed meanwhile?), its last activity moved when the date moves it, and
the stored response; then a durable COMMIT. The column lists are the app's, so each statement reads what the
app's reads.

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


from coop.db_sqlite import WriterLockedConnection  # noqa: E402

DB = os.environ.get("BASELINE_DB", "")
PATH = re.compile(r"^/api/v1/savings-accounts/(\d+)/deposits$")
_local = threading.local()


class _Raw:
    """A WriterLockedConnection (writer lock hand-over, group commit) set up as the app sets its own."""

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


_NULLS = ("CAST(NULL AS INTEGER), CAST(NULL AS INTEGER), CAST(NULL AS VARCHAR(40)), CAST(NULL AS VARCHAR(200)), "
          "CAST(NULL AS VARCHAR(1)), CAST(NULL AS BOOLEAN), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)")
TOKEN = ("SELECT t.id, t.user_id, t.token_hash, t.expires_at, t.revoked, t.created_at, u.id, u.cooperative_id,"
         " u.region, u.username, u.full_name, u.role, u.password_hash, u.is_active, u.locale, u.resident_id,"
         " u.session_version, u.created_at, c.id, c.name, c.legal_number, c.village_code, c.address, c.timezone,"
         " c.founded_on, c.created_at, ir.request_hash, ir.status, ir.response_body"
         " FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT OUTER JOIN cooperatives c ON c.id = u.cooperative_id"
         " LEFT OUTER JOIN idempotent_requests ir ON ir.cooperative_id = u.cooperative_id AND ir.\"key\" = ?"
         " WHERE t.token_hash = ?")
ACCOUNT = ("SELECT s.id, s.member_id, s.product_id, s.kind, s.account_number, s.ledger_account_id, s.status,"
           " s.opened_on, s.closed_on, s.last_activity_on, s.principal, s.rate, s.term_months, s.maturity_on,"
           " s.next_action_date, s.arrears_from, s.arrears_due, s.arrears_stale, s.cooperative_id, s.created_at,"
           " p.id, p.code, p.name, p.kind, p.amount, p.balance_class, p.control_code, p.min_balance,"
           " p.interest_method, p.interest_rate, p.term_months, p.maturity_action, p.allows_early_withdrawal,"
           " p.early_withdrawal_penalty, p.is_default, p.is_active, p.cooperative_id, p.created_at,"
           " a.id, a.cooperative_id, a.code, a.name, a.name_en, a.type, a.normal_side, a.parent_id, a.is_control,"
           " a.is_open, a.balance, a.min_balance, a.created_at,"
           " m.id, m.resident_id, m.member_seq, m.member_number, m.status, m.member_type, m.joined_on, m.resigned_on,"
           " m.user_id, m.settlement_entry_id, m.cooperative_id, m.created_at,"
           " r.id, r.household_id, r.nik, r.is_temporary_nik, r.full_name, r.sex, r.birth_place, r.birth_date,"
           " r.relationship, r.education, r.occupation, r.marital_status, r.phone, r.status, r.village_code,"
           " r.address, r.rt, r.rw, r.dusun, r.pmi_status, r.created_at, r.updated_at, r.cooperative_id"
           " FROM savings_accounts s LEFT OUTER JOIN savings_products p ON p.id = s.product_id"
           " LEFT OUTER JOIN accounts a ON a.id = s.ledger_account_id AND a.cooperative_id = s.cooperative_id"
           " LEFT OUTER JOIN members m ON m.id = s.member_id LEFT OUTER JOIN residents r ON r.id = m.resident_id"
           " WHERE s.id = ?")
HEAD = "SELECT chain_seq, head_hash FROM ledger_heads WHERE cooperative_id = ?"
# coop.ledger.services._reads_under_head: the accounts (by id, Kas by code), the key, the closed periods, the
# monthly interest runs since the value date's month
READS = ("WITH locked AS (SELECT id, cooperative_id, code, name, normal_side, is_open, balance, min_balance"
         " FROM accounts WHERE id IN (?) OR cooperative_id = ? AND code IN (?) ORDER BY id)"
         " SELECT 0, id, cooperative_id, code, name, normal_side, is_open, balance, min_balance,"
         " CAST(NULL AS VARCHAR(128)), CAST(NULL AS INTEGER), CAST(NULL AS VARCHAR(64)), CAST(NULL AS DATE),"
         " CAST(NULL AS DATE), CAST(NULL AS DATE) FROM locked"
         f" UNION ALL SELECT 1, {_NULLS}, idempotency_key, id, payload_hash, CAST(NULL AS DATE), CAST(NULL AS DATE),"
         " CAST(NULL AS DATE) FROM journal_entries WHERE cooperative_id = ? AND idempotency_key IN (?)"
         f" UNION ALL SELECT 2, {_NULLS}, CAST(NULL AS VARCHAR(128)), CAST(NULL AS INTEGER), CAST(NULL AS VARCHAR(64)),"
         " start_on, end_on, CAST(NULL AS DATE) FROM accounting_periods WHERE cooperative_id = ? AND status = ?"
         " AND start_on <= ? AND end_on >= ?"
         f" UNION ALL SELECT DISTINCT 3, {_NULLS}, CAST(NULL AS VARCHAR(128)), CAST(NULL AS INTEGER),"
         " CAST(NULL AS VARCHAR(64)), CAST(NULL AS DATE), CAST(NULL AS DATE), value_date FROM journal_entries"
         " WHERE cooperative_id = ? AND source = ? AND value_date >= ?")
VOUCHER = ("UPDATE voucher_counters SET last_seq = (last_seq + ?) WHERE cooperative_id = ? AND year = ?"
           " RETURNING last_seq")
ENTRY = ("INSERT INTO journal_entries (cooperative_id, voucher_year, voucher_seq, voucher_number, chain_seq,"
         " value_date, posted_at, memo, source, source_ref, idempotency_key, payload_hash, reverses_id, actor_id,"
         " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING chain_seq, id")
MOVE_HEAD = "UPDATE ledger_heads SET chain_seq = ?, head_hash = ? WHERE cooperative_id = ?"
BALANCES = ("UPDATE accounts SET balance = CASE WHEN (id = ?) THEN ? WHEN (id = ?) THEN ? ELSE balance END"
            " WHERE id IN (?, ?)")
POSTINGS = ("INSERT INTO postings (cooperative_id, entry_id, line_no, account_id, debit, credit, memo)"
            " VALUES (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?) RETURNING entry_id, line_no, id")
AUDIT = ("INSERT INTO audit_log (cooperative_id, actor_id, action, object_type, object_id, summary, request_id, at)"
         " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
STATUS = "SELECT status FROM savings_accounts WHERE id = ?"
TOUCH = "UPDATE savings_accounts SET last_activity_on = ? WHERE id = ?"
STORE = ("INSERT INTO idempotent_requests (cooperative_id, \"key\", request_hash, status, response_body, created_at)"
         " VALUES (?, ?, ?, ?, ?, ?)")
NOW = "2026-11-27 10:00:00.000000"
KAS = "1101"


def _post(con, cid: int, sub: int, amount: int, memo: str, day: str, key: str | None, user_id: int) -> int:
    """The statements of the app's ``post_entry`` on SQLite (a deposit: Dr Kas by code, Cr the sub-account)."""
    seq, prev = con.execute(HEAD, (cid,)).fetchone()
    month = day[:8] + "01"
    accs, used = {}, []
    for row in con.execute(READS, (sub, cid, KAS, cid, key, cid, "closed", day, day, cid, "savings.interest", month)):
        if row[0] == 0:
            accs[row[3] if row[3] == KAS else row[1]] = row[1:9]
        elif row[0] == 1:
            used.append(row)
    kas, acc = accs[KAS], accs[sub]
    payload = hashlib.sha256(json.dumps([day, memo, "savings.deposit", [[kas[0], amount, 0, None], [sub, 0, amount, None]]],
                                        ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()
    if used:  # a replay: the app answers it from the stored response before this point
        return used[0][10]
    row = con.execute(VOUCHER, (1, cid, int(day[:4]))).fetchone()
    if row is None:  # the year's first entry (as the app: an INSERT once)
        con.execute("INSERT INTO voucher_counters (cooperative_id, year, last_seq) VALUES (?, ?, 1)", (cid, int(day[:4])))
        row = (1,)
    vseq = row[0]
    number = f"JU-{day[:4]}-{vseq:06d}"
    canon = json.dumps([number, day, memo, [[kas[2], amount, 0], [acc[2], 0, amount]]], ensure_ascii=False,
                       separators=(",", ":"))
    h = hashlib.sha256((prev + canon).encode()).hexdigest()
    _, eid = con.execute(ENTRY, (cid, int(day[:4]), vseq, number, seq + 1, day, NOW, memo, "savings.deposit",
                                 f"savings_account:{sub}", key, payload, None, user_id, prev, h)).fetchone()
    con.execute(MOVE_HEAD, (seq + 1, h, cid))
    con.execute(BALANCES, (kas[0], kas[6] + amount, sub, acc[6] - amount, kas[0], sub))
    con.execute(POSTINGS, (cid, eid, 1, kas[0], amount, 0, None, cid, eid, 2, sub, 0, amount, None)).fetchall()
    con.execute(AUDIT, (cid, user_id, "ledger.post.savings.deposit", "journal_entry", str(eid),
                        json.dumps({"amount": amount, "voucher": number}, sort_keys=True), None, NOW))
    return eid


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
    fingerprint = hashlib.sha256(f"POST {environ['PATH_INFO']}\n".encode() + body_raw).hexdigest()
    amount, day = int(body["amount"]), body["value_date"]
    con.acquire_writer(5000)  # coop.db.begin_writing: the request's one transaction, a writing one
    try:
        con.execute("BEGIN IMMEDIATE")
        token = con.execute(TOKEN, (key, hashlib.sha256(auth.encode()).hexdigest())).fetchone()
        if token is None or token[4] or not token[13]:
            con.rollback()
            return _reply(start_response, "401 Unauthorized", {"error": {"code": "unauthorized"}})
        cid, user_id = token[7], token[6]
        if token[26] is not None:
            con.rollback()
            return _reply(start_response, "200 OK", {"replay": True})
        acc = con.execute(ACCOUNT, (int(match.group(1)),)).fetchone()
        if acc is None or acc[18] != cid:
            con.rollback()
            return _reply(start_response, "404 Not Found", {"error": {"code": "not_found"}})
        memo = f"Setoran {acc[4]} {acc[54]} {acc[67]}"  # number, member number, name
        eid = _post(con, cid, acc[5], amount, memo, day, f"api:{user_id}:{key}", user_id)
        if con.execute(STATUS, (acc[0],)).fetchone()[0] == "closed":
            con.rollback()  # closed meanwhile (the app's check after the posting)
            return _reply(start_response, "422 Unprocessable Entity", {"error": {"code": "account_closed"}})
        if acc[9] is None or day > acc[9]:  # the app's _touch: only when the date moves it
            con.execute(TOUCH, (day, acc[0]))
        out = {"entry_id": eid, "amount": amount}
        con.execute(STORE, (cid, key, fingerprint, 201, json.dumps(out), NOW))
    except BaseException:
        con.rollback()  # gives the writer lock back too
        raise
    con.commit()  # COMMIT, give the writer lock back, fsync the WAL (group commit)
    return _reply(start_response, "201 Created", out)
