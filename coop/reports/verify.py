"""Independent verification of an exported journal CSV.

Deliberately self-contained: only the Python standard library, no import from the rest of ``coop``,
so an auditor can read this one file, check it against the published rule, and run it on a file
without trusting the software that wrote the file:

    canonical(entry) = JSON [voucher_number, value_date, memo, [[account_code, debit, credit], ...]]
                       (lines in line order, no spaces, UTF-8, non-ASCII kept)
    hash_i           = sha256(hash_{i-1} + canonical(entry_i)), hash_0 = "0" * 64

It recomputes every entry's hash from its lines, checks each entry balances, that consecutive entries
link (``prev_hash`` = previous ``hash``), totals debits and credits, and compares the last hash with
the head hash the cooperative published (``GET /api/v1/ledger/verify``, the SAF-T header, the auditor
dashboard). Run it as ``flask --app coop exports verify FILE --head HASH`` or
``python coop/reports/verify.py FILE [HASH]``.
"""
from __future__ import annotations

import csv
import hashlib
import json
import sys
from dataclasses import dataclass, field

GENESIS = "0" * 64
REQUIRED = ("chain_seq", "voucher_number", "value_date", "memo", "line_no", "account_code", "debit", "credit",
            "prev_hash", "hash")


def canonical(voucher_number: str, value_date: str, memo: str, lines: list[tuple[str, int, int]]) -> str:
    return json.dumps([voucher_number, value_date, memo, [[a, d, c] for a, d, c in lines]],
                      ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev: str, text: str) -> str:
    return hashlib.sha256((prev + text).encode("utf-8")).hexdigest()


@dataclass
class Report:
    entries: int = 0
    lines: int = 0
    total_debit: int = 0
    total_credit: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    head_hash: str | None = None
    #: (after chain_seq, next chain_seq present): entries absent from the file (outside the period or removed)
    gaps: list[tuple[int, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    expected_head: str | None = None

    @property
    def head_matches(self) -> bool | None:
        return None if self.expected_head is None else self.head_hash == self.expected_head

    @property
    def ok(self) -> bool:
        return not self.problems and self.total_debit == self.total_credit and self.head_matches is not False

    def lines_out(self) -> list[str]:
        out = [f"Jurnal: {self.entries} entri, {self.lines} baris, chain_seq {self.first_seq}..{self.last_seq}",
               f"Total debit  : {self.total_debit}", f"Total kredit : {self.total_credit}",
               f"Hash kepala (dihitung): {self.head_hash}"]
        if self.expected_head is not None:
            out.append("Hash kepala yang diumumkan: " + self.expected_head
                       + ("  COCOK" if self.head_matches else "  TIDAK COCOK"))
        if self.gaps:
            out.append(f"Celah rantai (entri di luar berkas): {len(self.gaps)}, mis. setelah #{self.gaps[0][0]}"
                       f" langsung #{self.gaps[0][1]}")
        out.extend("MASALAH: " + p for p in self.problems[:50])
        if len(self.problems) > 50:
            out.append(f"... dan {len(self.problems) - 50} masalah lain")
        out.append("HASIL: " + ("SAH" if self.ok else "TIDAK SAH"))
        return out


def _int(text: str, where: str, problems: list[str]) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError):
        problems.append(f"{where}: bukan bilangan bulat: {text!r}")
        return 0
    if value < 0:
        problems.append(f"{where}: jumlah negatif {value}")
    return value


def verify_rows(rows, expected_head: str | None = None, full: bool = False) -> Report:  # noqa: C901, PLR0915 -- the independent verifier, kept in one readable pass
    """Verify journal CSV rows (dicts). ``full``: the file claims the whole history (no gaps allowed,
    first entry links to the genesis hash)."""
    rep = Report(expected_head=expected_head.strip().lower() if expected_head else None)
    prev_seq: int | None = None
    prev_hash: str | None = None
    group: list[dict] = []

    def finish(group: list[dict]) -> None:  # noqa: C901 -- one check per invariant of a journal entry
        nonlocal prev_seq, prev_hash
        head = group[0]
        where = f"entri #{head['chain_seq']} ({head['voucher_number']})"
        try:
            seq = int(head["chain_seq"])
        except ValueError:
            rep.problems.append(f"{where}: chain_seq tidak valid")
            return
        for r in group[1:]:
            for col in ("voucher_number", "value_date", "memo", "prev_hash", "hash"):
                if r[col] != head[col]:
                    rep.problems.append(f"{where}: kolom {col} berbeda antar baris entri yang sama")
                    break
        try:
            ordered = sorted(group, key=lambda r: int(r["line_no"]))
        except ValueError:
            rep.problems.append(f"{where}: line_no tidak valid")
            ordered = group
        lines = []
        d_sum = c_sum = 0
        for r in ordered:
            d = _int(r["debit"], where, rep.problems)
            c = _int(r["credit"], where, rep.problems)
            if (d == 0) == (c == 0):
                rep.problems.append(f"{where}: baris {r['line_no']} harus debit ATAU kredit")
            lines.append((r["account_code"], d, c))
            d_sum += d
            c_sum += c
        if d_sum != c_sum:
            rep.problems.append(f"{where}: tidak seimbang (debit {d_sum}, kredit {c_sum})")
        recomputed = chain_hash(head["prev_hash"], canonical(head["voucher_number"], head["value_date"],
                                                             head["memo"], lines))
        if recomputed != head["hash"]:
            rep.problems.append(f"{where}: hash tidak cocok dengan isi entri (diubah?)")
        if prev_seq is None:
            rep.first_seq = seq
            if full and (seq != 1 or head["prev_hash"] != GENESIS):
                rep.problems.append(f"{where}: rantai lengkap harus mulai dari entri #1 dan hash genesis")
        elif seq <= prev_seq:
            rep.problems.append(f"{where}: urutan chain_seq mundur atau ganda setelah #{prev_seq}")
        elif seq == prev_seq + 1:
            if head["prev_hash"] != prev_hash:
                rep.problems.append(f"{where}: prev_hash tidak sama dengan hash entri #{prev_seq}")
        else:
            rep.gaps.append((prev_seq, seq))
            if full:
                rep.problems.append(f"entri #{prev_seq + 1}..#{seq - 1} hilang dari berkas")
        rep.entries += 1
        rep.lines += len(group)
        rep.total_debit += d_sum
        rep.total_credit += c_sum
        prev_seq, prev_hash = seq, head["hash"]
        rep.last_seq, rep.head_hash = seq, head["hash"]

    for row in rows:
        if group and row["chain_seq"] != group[0]["chain_seq"]:
            finish(group)
            group = []
        group.append(row)
    if group:
        finish(group)
    if rep.total_debit != rep.total_credit:
        rep.problems.append(f"total debit {rep.total_debit} tidak sama dengan total kredit {rep.total_credit}")
    return rep


def verify_file(path: str, expected_head: str | None = None, full: bool = False) -> Report:
    """Verify a journal CSV file (streams it: constant memory)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            rep = Report(expected_head=expected_head)
            rep.problems.append("kolom wajib tidak ada: " + ", ".join(missing))
            return rep
        return verify_rows(reader, expected_head, full)


if __name__ == "__main__":  # pragma: no cover - standalone use by an auditor
    report = verify_file(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
    print("\n".join(report.lines_out()))
    sys.exit(0 if report.ok else 1)
