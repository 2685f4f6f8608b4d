"""Journal CSV export and its independent verification (a tampered file is caught)."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coop.ledger.models import LedgerHead
from coop.reports import verify
from coop.reports.exports import JOURNAL_COLUMNS, Period, journal_csv


def _rows(coop_id, period=Period()):
    text = "".join(journal_csv(coop_id, period))
    return text, list(csv.DictReader(io.StringIO(text)))


def _write(tmp_path, rows, name="j.csv"):
    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=JOURNAL_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return str(path)


def test_one_row_per_posting_line_with_chain_fields(app, coop, books):
    """Five entries with 2+2+2+3+2 lines give 11 rows; member-less accounts have an empty member number,
    the entry memo (with quote, comma, newline, non-ASCII) survives the CSV round trip."""
    from coop.db import db

    _, rows = _rows(coop.id)
    assert len(rows) == 11
    assert [r["chain_seq"] for r in rows] == ["1", "1", "2", "2", "3", "3", "4", "4", "4", "5", "5"]
    assert rows[0]["prev_hash"] == "0" * 64
    assert rows[6]["memo"] == 'Angsuran "April", ke-1\nSri'
    assert rows[7]["line_memo"] == "pokok"
    assert rows[2]["account_code"] == "1101" and rows[2]["account_name"] == "Kas"
    assert rows[3]["account_code"] == "SS-0001" and rows[3]["source"] == "savings.deposit"
    assert rows[3]["document_ref"] == "KW-1" and rows[3]["journal"] == "savings"
    assert sum(int(r["debit"]) for r in rows) == 3_000_000 + 500_000 + 2_000_000 + 250_000 + 30_000
    head = db.session.get(LedgerHead, coop.id)
    assert rows[-1]["hash"] == head.head_hash


def test_full_export_verifies_and_matches_published_head(app, coop, books, tmp_path):
    """The verifier, using only the file, recomputes every hash and the published head."""
    from coop.db import db

    text, rows = _rows(coop.id)
    path = tmp_path / "j.csv"
    path.write_text(text, encoding="utf-8")
    head = db.session.get(LedgerHead, coop.id).head_hash
    rep = verify.verify_file(str(path), head, full=True)
    assert rep.ok, rep.problems
    assert (rep.entries, rep.lines, rep.total_debit, rep.total_credit) == (5, 11, 5_780_000, 5_780_000)
    assert rep.head_matches is True
    assert not verify.verify_file(str(path), "f" * 64).ok


@pytest.mark.parametrize("tamper", ["amount_both_sides", "memo", "account", "drop_entry", "drop_line",
                                    "swap_hash_only"])
def test_tampered_file_is_caught(app, coop, books, tmp_path, tamper):
    """Any change to the books in the file (even one that keeps the entry balanced) is reported."""
    _, rows = _rows(coop.id)
    if tamper == "amount_both_sides":  # entry 2: 500.000 -> 50.000 on both lines, still balanced
        rows[2]["debit"] = "50000"
        rows[3]["credit"] = "50000"
    elif tamper == "memo":
        rows[4]["memo"] = rows[5]["memo"] = "Pencairan pinjaman (fiktif)"
    elif tamper == "account":
        rows[9]["account_code"] = "5202"
    elif tamper == "drop_entry":
        rows = [r for r in rows if r["chain_seq"] != "3"]
    elif tamper == "drop_line":
        del rows[8]
    elif tamper == "swap_hash_only":  # a forger rehashes entry 2 but cannot fix entry 3's link
        rows[2]["debit"] = rows[3]["credit"] = "50000"
        lines = [(r["account_code"], int(r["debit"]), int(r["credit"])) for r in rows[2:4]]
        new = verify.chain_hash(rows[2]["prev_hash"], verify.canonical(
            rows[2]["voucher_number"], rows[2]["value_date"], rows[2]["memo"], lines))
        rows[2]["hash"] = rows[3]["hash"] = new
    rep = verify.verify_file(_write(tmp_path, rows), full=True)
    assert not rep.ok
    assert rep.problems


def test_period_export_verifies_with_its_own_links(app, coop, books, tmp_path):
    """A February-April export holds entries 2..4; it links internally and to the genesis-less start."""
    text, rows = _rows(coop.id, Period(date(2026, 2, 1), date(2026, 4, 30)))
    assert {r["chain_seq"] for r in rows} == {"2", "3", "4"}
    path = tmp_path / "p.csv"
    path.write_text(text, encoding="utf-8")
    rep = verify.verify_file(str(path))
    assert rep.ok and rep.entries == 3 and rep.first_seq == 2
    assert not verify.verify_file(str(path), full=True).ok  # not the whole history


def test_cli_verify_exit_codes(app, coop, books, tmp_path, runner):
    """``flask exports verify`` exits 0 and says SAH for a good file, 1 and TIDAK SAH for a tampered one."""
    from coop.db import db

    text, rows = _rows(coop.id)
    good = tmp_path / "good.csv"
    good.write_text(text, encoding="utf-8")
    head = db.session.get(LedgerHead, coop.id).head_hash
    res = runner.invoke(args=["exports", "verify", str(good), "--head", head, "--full"])
    assert res.exit_code == 0, res.output
    assert "HASIL: SAH" in res.output and "COCOK" in res.output
    rows[0]["debit"] = rows[1]["credit"] = "3000001"
    res = runner.invoke(args=["exports", "verify", _write(tmp_path, rows), "--head", head])
    assert res.exit_code == 1
    assert "TIDAK SAH" in res.output and "hash tidak cocok" in res.output


@given(voucher=st.text(max_size=20), memo=st.text(max_size=60),
       lines=st.lists(st.tuples(st.text(min_size=1, max_size=12), st.integers(0, 10**15),
                                st.integers(0, 10**15)), min_size=2, max_size=6))
def test_independent_canonical_equals_ledger_rule(voucher, memo, lines):
    """verify.py (stdlib only) computes exactly the ledger's canonical text and chain hash."""
    from coop.ledger import rules

    d = date(2026, 1, 2)
    assert verify.canonical(voucher, d.isoformat(), memo, lines) == rules.canonical(voucher, d, memo, lines)
    assert verify.chain_hash("a" * 64, "x") == rules.chain_hash("a" * 64, "x")


def test_cli_write_and_close_year(app, coop, books, tmp_path, runner, rat_season):
    """``exports write`` produces a file the verifier accepts; ``exports close-year`` closes 2026."""
    from coop.yearend.closing import get_year_end

    out = tmp_path / "j.csv"
    res = runner.invoke(args=["exports", "write", "journal.csv", "--cooperative-id", str(coop.id), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert verify.verify_file(str(out), full=True).ok
    res = runner.invoke(args=["exports", "close-year", "--cooperative-id", str(coop.id), "--year", "2026"])
    assert res.exit_code == 0, res.output
    assert get_year_end(coop.id, 2026).surplus == 50_000 - 30_000 - 4_400  # PPh badan 22 % of 20.000
