"""``ledger verify``: recompute the books from the append-only journal and compare.

For one cooperative it streams every posting in chain order (one query, no ORM objects) and checks:

- each entry balances, and each line is positive and one-sided;
- the hash chain: ``chain_seq`` runs 1, 2, 3 ... without gaps, every ``prev_hash`` is the previous
  entry's hash, and every stored ``hash`` equals ``sha256(prev_hash + canonical(entry))`` recomputed
  from the stored voucher, date, memo and lines (so a changed amount is caught);
- the chain head (``ledger_heads``) points at the last entry;
- voucher numbers per year run 1..N without gaps and match their text form (numbers a recorded restore
  took away count as issued: they are never given out again);
- every restore from a backup is reported (``restores``: chain head before and after).
- every account's running balance equals the sum of its postings;
- every sub-ledger agrees with the journal (:data:`SUBLEDGER_CHECKS`): each loan's outstanding principal
  and schedule against its postings, each savings account against its transactions (postings), each cash
  count against Kas, each remittance against what its entry credited. A problem names the ``object`` and gives ``expected`` (the journal's figure) and
  ``found`` (the sub-ledger's).

The first failing entry is named (voucher number and id) in ``first_bad_entry``.
"""
from __future__ import annotations

import importlib
import json
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext

from coop.audit.models import AuditLog
from coop.db import db
from coop.ledger import rules
from coop.ledger.models import Account, JournalEntry, LedgerHead, Posting
from coop.text import N_

#: Sub-ledger reconciliations, ``module:function`` resolved when verify runs (as the job list in coop/jobs):
#: the areas above the ledger core know their own rows. Each function takes the cooperative id and returns
#: problems as dicts ``{"code", "text", "params", "object", "expected", "found"}`` (``text`` an Indonesian
#: template marked ``N_``), found with set-based SQL (a few queries per cooperative, never one per object).
#: ``posted`` is {account id: debits - credits} as verify just recomputed it from every posting, so no
#: check scans the postings again.
SUBLEDGER_CHECKS: list[str] = ["coop.loans.integrity:problems", "coop.savings.integrity:problems",
                                "coop.remittances.integrity:problems"]


def subledger_problems(cooperative_id: int, posted: Mapping[int, int]) -> list[dict[str, Any]]:
    """Every sub-ledger's disagreements with the journal (loans, savings accounts, cash counts)."""
    found: list[dict[str, Any]] = []
    for ref in SUBLEDGER_CHECKS:
        module, name = ref.split(":")
        found += getattr(importlib.import_module(module), name)(cooperative_id, posted)
    return found


def _problem(problems: list[dict[str, Any]], code: str, text: str, params: dict[str, Any] | None = None,
             entry_id: int | None = None, voucher: str | None = None, object: Any = None, expected: Any = None,
             found: Any = None) -> None:
    """``text`` is the Indonesian template (marked ``N_``) and ``params`` its values: ``message`` (the API's,
    always Indonesian) is ``text % params`` prefixed with the entry; :func:`problem_text` translates."""
    params = params or {}
    message = text % params
    if entry_id is not None:
        message = f"{voucher} (id {entry_id}): {message}"
    problems.append({"code": code, "message": message, "entry_id": entry_id, "voucher_number": voucher,
                     "object": object, "expected": expected, "found": found, "text": text, "params": params})


def problem_text(problem: dict[str, Any]) -> str:
    """One problem in the current language (request, or ``COOP_LANG`` on the command line)."""

    text = problem.get("text")
    if not text:
        return str(problem["message"])
    message: str = gettext(text) % problem.get("params", {})
    if problem.get("entry_id") is not None:
        message = f"{problem['voucher_number']} (id {problem['entry_id']}): {message}"
    return message


def count_postings(cooperative_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Posting).join(
        JournalEntry, JournalEntry.id == Posting.entry_id).where(JournalEntry.cooperative_id == cooperative_id)) or 0


def verify(cooperative_id: int, *, progress: Callable[[int], None] | None = None, max_problems: int = 100) -> dict[str, Any]:  # noqa: C901, PLR0915 -- one pass over the books, one check per invariant
    """Verify one cooperative's books. Pure read.

    :param progress: called with the number of postings processed since the last call.
    :returns: ``{"ok": bool, "entries": int, "postings": int, "head_hash": str, "first_bad_entry":
        {"entry_id", "voucher_number"} | None, "problems": [{"code", "message", "entry_id",
        "voucher_number"}]}`` (problems capped at ``max_problems``).
    """
    problems: list[dict[str, Any]] = []
    first_bad = None
    codes = dict(db.session.execute(sa.select(Account.id, Account.code).where(
        Account.cooperative_id == cooperative_id)).all())
    computed: dict[int, int] = defaultdict(int)
    vouchers: dict[int, list[int]] = defaultdict(list)

    stmt = (sa.select(JournalEntry.id, JournalEntry.chain_seq, JournalEntry.voucher_number, JournalEntry.voucher_year,
                      JournalEntry.voucher_seq, sa.cast(JournalEntry.value_date, sa.String(10)), JournalEntry.memo, JournalEntry.prev_hash,
                      JournalEntry.hash, Posting.account_id, Posting.debit, Posting.credit)
            .join(Posting, Posting.entry_id == JournalEntry.id)
            .where(JournalEntry.cooperative_id == cooperative_id)
            .order_by(JournalEntry.chain_seq, Posting.line_no))
    expected_prev = rules.GENESIS_HASH
    expected_seq = 1
    entries = postings = 0
    pending = 0
    cur: tuple[Any, list[tuple[int, int, int]]] | None = None  # (entry row head, lines)

    def finish(head: Any, lines: list[tuple[int, int, int]]) -> None:
        nonlocal expected_prev, expected_seq, first_bad
        e_id, seq, voucher, year, vseq, vdate, memo, prev_hash, stored_hash = head
        bad = []
        if seq != expected_seq:
            bad.append(("chain_gap", N_("urutan rantai %(seq)s, seharusnya %(expected)s"),
                        {"seq": seq, "expected": expected_seq}))
        if prev_hash != expected_prev:
            bad.append(("chain_broken", N_("prev_hash tidak sama dengan hash jurnal sebelumnya"), {}))
        d = c = 0
        for _acc, ld, lc in lines:
            d += ld
            c += lc
            if ld < 0 or lc < 0 or (ld == 0) == (lc == 0):
                bad.append(("bad_line", N_("baris dengan jumlah tidak sah"), {}))
        if d != c:
            bad.append(("unbalanced", N_("debit %(debit)s != kredit %(credit)s"), {"debit": d, "credit": c}))
        canon = rules.canonical(voucher, vdate, memo, [(codes.get(a, "?"), ld, lc) for a, ld, lc in lines])
        if rules.chain_hash(prev_hash, canon) != stored_hash:
            bad.append(("hash_mismatch", N_("hash tidak cocok dengan isi jurnal (isi diubah?)"), {}))
        if voucher != rules.voucher_number(year, vseq):
            bad.append(("voucher_text", N_("nomor bukti %(voucher)s tidak cocok dengan tahun/urutan"),
                        {"voucher": voucher}))
        vouchers[year].append(vseq)
        for code, text, params in bad:
            if len(problems) < max_problems:
                _problem(problems, code, text, params, e_id, voucher)
            if first_bad is None:
                first_bad = {"entry_id": e_id, "voucher_number": voucher}
        expected_prev = stored_hash
        expected_seq = seq + 1

    # Core (not ORM) execution and the date as ISO text: no per-row type processing on the hot path.
    # Statement-level option: Connection.execution_options() would change the shared connection in place.
    result = db.session.connection().execute(stmt.execution_options(yield_per=20000))
    for row in result:
        e_id = row[0]
        if cur is None or cur[0][0] != e_id:
            if cur is not None:
                finish(*cur)
                entries += 1
            cur = (row[:9], [])
        acc_id, debit, credit = row[9], row[10], row[11]
        cur[1].append((acc_id, debit, credit))
        computed[acc_id] += debit - credit
        postings += 1
        pending += 1
        if progress is not None and pending >= 10000:
            progress(pending)
            pending = 0
    if cur is not None:
        finish(*cur)
        entries += 1
    if progress is not None and pending:
        progress(pending)

    # Entries without any posting would not appear in the join above.
    total_entries = db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry).where(
        JournalEntry.cooperative_id == cooperative_id)) or 0
    if total_entries != entries:
        _problem(problems, "entry_without_postings", N_("%(count)s jurnal tanpa baris posting"),
                 {"count": total_entries - entries})

    head = db.session.get(LedgerHead, cooperative_id)
    head_hash = head.head_hash if head else None
    if head is not None and (head.chain_seq != expected_seq - 1 or head.head_hash != expected_prev):
        _problem(problems, "head_mismatch", N_("kepala rantai menunjuk urutan %(head)s, jurnal terakhir %(last)s"),
                 {"head": head.chain_seq, "last": expected_seq - 1})

    restores = restores_of(cooperative_id)
    skipped: dict[int, set[int]] = defaultdict(set)
    for r in restores:  # numbers a restore took away were printed once: never reissued, so not a gap
        for year, (first, last) in (r.get("vouchers_skipped") or {}).items():
            skipped[int(year)].update(range(int(first), int(last) + 1))
    for year, seqs in sorted(vouchers.items()):
        seqs.sort()
        accounted = set(seqs) | {n for n in skipped.get(year, ()) if n < seqs[-1]}
        if len(seqs) != len(set(seqs)) or accounted != set(range(1, seqs[-1] + 1)):
            missing = sorted(set(range(1, seqs[-1] + 1)) - accounted)[:10]
            dup = len(seqs) - len(set(seqs))
            if dup:
                _problem(problems, "voucher_gap", N_("nomor bukti %(year)s: hilang %(missing)s, ganda %(dup)s"),
                         {"year": year, "missing": missing, "dup": dup})
            else:
                _problem(problems, "voucher_gap", N_("nomor bukti %(year)s: hilang %(missing)s"),
                         {"year": year, "missing": missing})

    for acc_id, code, balance in db.session.execute(sa.select(Account.id, Account.code, Account.balance).where(
            Account.cooperative_id == cooperative_id).order_by(Account.code)):
        if computed.get(acc_id, 0) != balance:
            _problem(problems, "balance_mismatch",
                     N_("akun %(code)s: saldo tersimpan %(stored)s, dihitung dari posting %(computed)s"),
                     {"code": code, "stored": balance, "computed": computed.get(acc_id, 0)},
                     object=f"account:{code}", expected=computed.get(acc_id, 0), found=balance)
    for p in subledger_problems(cooperative_id, computed):
        if len(problems) < max_problems:
            _problem(problems, p["code"], p["text"], p["params"], object=p["object"], expected=p["expected"],
                     found=p["found"])
    return {"ok": not problems, "entries": entries, "postings": postings, "head_hash": head_hash,
            "first_bad_entry": first_bad, "problems": problems, "restores": restores}


def restores_of(cooperative_id: int) -> list[dict[str, Any]]:
    """The restores from a backup this database went through (``flask restore`` audits each), oldest first:
    ``{"at", "backup", "by", "entries_lost", "last_voucher_lost", "amount_lost", "head_before", "head_after",
    "vouchers_skipped"}``. A restore replaces history, so ``verify`` reports them instead of claiming the
    chain shows every change."""

    rows = db.session.execute(sa.select(AuditLog.at, AuditLog.summary).where(
        AuditLog.cooperative_id == cooperative_id, AuditLog.action == "system.restore").order_by(AuditLog.id)).all()
    return [{"at": at, **json.loads(summary or "{}")} for at, summary in rows]
