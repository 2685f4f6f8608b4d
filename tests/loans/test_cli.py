"""The loans CLI group runs the daily pass, the provision and prints the portfolio."""
from __future__ import annotations

from datetime import date


def test_cli_commands(runner, coop, make_member, make_loan):
    """Do `loans daily` (1 pinjaman diproses), `loans provision` (PPAP 2026-05 wajib 900000: 10 % of 9 juta,
    Kurang Lancar) and `loans portfolio` (Kurang Lancar, tidak sehat) run and print the expected figures?"""
    make_loan(coop, make_member(coop), first_due_date=date(2026, 2, 5))
    out = runner.invoke(args=["loans", "daily", "--cooperative-id", str(coop.id), "--as-of", "2026-06-01"])
    assert out.exit_code == 0, out.output
    assert "1 pinjaman diproses" in out.output
    out = runner.invoke(args=["loans", "provision", "--cooperative-id", str(coop.id), "--month-end", "2026-05-31"])
    assert out.exit_code == 0 and "PPAP 2026-05: wajib 900000" in out.output  # Kurang Lancar: 10 % of 9 juta
    out = runner.invoke(args=["loans", "portfolio", "--cooperative-id", str(coop.id), "--as-of", "2026-06-01"])
    assert out.exit_code == 0 and "Kurang Lancar" in out.output and "tidak sehat" in out.output
