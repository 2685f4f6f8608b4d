"""Pure ledger rules: line validation, balancing, canonical form and the hash chain.

No Flask, no SQLAlchemy: tested on plain values. ``canonical`` is also what an auditor recomputes
from an exported journal CSV alone, so it uses only fields that the export carries.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from json.encoder import encode_basestring as _esc

from coop.ledger.chart import KAS

GENESIS_HASH = "0" * 64
#: Largest amount of one line (Rp 1 kuadriliun): far above any cooperative's books, far below 2**63,
#: so sums of many lines can never overflow a BIGINT.
MAX_AMOUNT = 10**15
#: The default bound of one posting line (config ``LEDGER_MAX_LINE_AMOUNT``): Rp 10 triliun.
DEFAULT_MAX_LINE_AMOUNT = 10**13


@dataclass(frozen=True)
class Line:
    """One requested line of an entry (before it is posted), naming its account by id, or by the code of one
    of the cooperative's accounts (``Line.dr(chart.KAS, ...)``: ``account_code`` set, ``account_id`` 0 until
    :func:`coop.ledger.services.post_entries` reads the id in the statement that locks the accounts, with no
    lookup of its own)."""

    account_id: int
    debit: int = 0
    credit: int = 0
    memo: str | None = None
    account_code: str | None = None

    @classmethod
    def dr(cls, account: int | str, amount: int, memo: str | None = None) -> Line:
        if isinstance(account, str):
            return cls(0, debit=amount, memo=memo, account_code=account)
        return cls(account, debit=amount, memo=memo)

    @classmethod
    def cr(cls, account: int | str, amount: int, memo: str | None = None) -> Line:
        if isinstance(account, str):
            return cls(0, credit=amount, memo=memo, account_code=account)
        return cls(account, credit=amount, memo=memo)


def _is_money(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def line_problems(lines: Sequence[Line], max_amount: int = MAX_AMOUNT) -> list[str]:
    """Everything wrong with a set of lines, in words a treasurer understands (empty when fine).
    ``max_amount``: the largest amount of one line (config ``LEDGER_MAX_LINE_AMOUNT``)."""
    problems: list[str] = []
    if len(lines) < 2:
        problems.append("Jurnal harus punya minimal dua baris.")
    for i, ln in enumerate(lines, 1):
        if not (_is_money(ln.debit) and _is_money(ln.credit)):
            problems.append(f"Baris {i}: jumlah harus bilangan bulat rupiah.")
            continue
        if ln.debit < 0 or ln.credit < 0:
            problems.append(f"Baris {i}: jumlah tidak boleh negatif.")
        elif ln.debit > max_amount or ln.credit > max_amount:
            problems.append(f"Baris {i}: jumlah terlalu besar.")
        elif (ln.debit == 0) == (ln.credit == 0):
            problems.append(f"Baris {i}: isi debit atau kredit (salah satu, lebih dari nol).")
    if not problems:
        d, c = totals(lines)
        if d != c:
            problems.append(f"Jurnal tidak seimbang: debit Rp {d:,} dan kredit Rp {c:,} (selisih Rp {abs(d - c):,})."
                            .replace(",", "."))
    return problems


def totals(lines: Iterable[Line]) -> tuple[int, int]:
    d = c = 0
    for ln in lines:
        d += ln.debit
        c += ln.credit
    return d, c


def canonical(voucher_number: str, value_date: date | str, memo: str,
              lines: Iterable[tuple[str, int, int]]) -> str:
    """Canonical text of an entry for hashing: voucher, value date, memo, and (account code, debit,
    credit) per line in line order.

    Byte-for-byte the compact JSON ``json.dumps([voucher, date, memo, [[code, debit, credit], ...]],
    ensure_ascii=False, separators=(",", ":"))`` (a test holds it to that), built with the C string
    escaper directly because ``ledger verify`` recomputes it for every entry.
    """
    vd = value_date.isoformat() if isinstance(value_date, date) else value_date
    body = ",".join(f"[{_esc(str(a))},{int(d)},{int(c)}]" for a, d, c in lines)
    return f"[{_esc(voucher_number)},{_esc(vd)},{_esc(memo)},[{body}]]"


def chain_hash(prev_hash: str, canonical_text: str) -> str:
    """``hash_i = sha256(hash_{i-1} + canonical(entry_i))``."""
    return hashlib.sha256((prev_hash + canonical_text).encode("utf-8")).hexdigest()


def payload_hash(value_date: date, memo: str, lines: Sequence[Line], source: str) -> str:
    """Fingerprint of a request, to tell an idempotent replay from a different payload."""
    text = _COMPACT.encode([value_date.isoformat(), memo, source,
                            [[ln.account_id, ln.debit, ln.credit, ln.memo] for ln in lines]])
    return hashlib.sha256(text.encode()).hexdigest()


#: ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` with one encoder (``dumps`` with options
#: builds a new one on every call).
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def voucher_number(year: int, seq: int) -> str:
    return f"JU-{year}-{seq:06d}"


_KAS_SUB = KAS + "."


def is_cash_code(code: str) -> bool:
    """Kas (1101) or one of its sub-accounts (coded ``1101.<x>``, as every sub-account is coded
    ``<parent>.<x>``): cash on hand, which cannot be paid out beyond what is in the box."""
    return code == KAS or code.startswith(_KAS_SUB)


def floor_message(code: str, name: str, balance: int, floor: int, requested: int) -> tuple[str, str]:
    """(message, field message) when a movement of ``requested`` would take an account below its floor.

    ``balance`` is the natural-side balance before the movement. Cash reads as cash ("Kas tidak
    mencukupi: saldo Kas (1101) Rp 150.000, diminta Rp 200.000. ..."), so the treasurer knows it is the
    box and not the member's savings that is short; any other account names the account and what is
    available above its floor.
    """
    def rp(amount: int) -> str:
        return f"Rp {amount:,}".replace(",", ".")

    if is_cash_code(code):
        minimum = f", batas minimum {rp(floor)}" if floor else ""
        return (f"Kas tidak mencukupi: saldo {name} ({code}) {rp(balance)}{minimum}, diminta {rp(requested)}. "
                "Uang tunai tidak dapat dibayarkan melebihi isi kas; catat dulu uang yang masuk ke kas "
                "(mis. setoran atau pengambilan dari bank).", "kas tidak mencukupi")
    return (f"Saldo {name} tidak mencukupi: tersedia {rp(balance - floor)}, diminta {rp(requested)}.",
            "saldo tidak mencukupi")
