"""bench/bench_cashdesk_pages.py at a tiny size, so that the bench cannot rot: it generates both books, logs in
as the treasurer, gets every cash-desk page with status 200 (the bench asserts it) and prints a figure for each."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_cashdesk_pages.py"


@pytest.mark.slow
def test_the_cashdesk_pages_bench_runs_at_a_tiny_size(tmp_path, capsys):
    """60 members / 6,000 lines against 20 members: a line per page with both sizes, the raw replay and a
    verdict; a second run reuses the cached books (no "generated" line); ``--arrears --pages arrears`` measures
    the arrears list alone on copies of them with 10 % of the members in arrears."""
    spec = importlib.util.spec_from_file_location("bench_cashdesk_pages", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    argv = ["--members", "60", "--postings", "6000", "--small-members", "20", "--repeat", "1",
            "--cache-dir", str(tmp_path)]
    bench.main(argv)
    out = capsys.readouterr().out
    assert out.count("  generated ") == 2
    for label in ("cash desk home", "search by name", "type-ahead, member number", "member page (savings + loans)",
                  "savings statement", "day book", "loan page", "arrears list", "receipt"):
        line = next(ln for ln in out.splitlines() if ln.startswith(label))
        assert line.rstrip().endswith(("met", "NOT MET")), line
    assert "large set: 5,940 posting lines" in out
    bench.main(argv)
    assert "generated" not in capsys.readouterr().out
    bench.main([*argv, "--arrears", "--pages", "arrears"])  # 10 % in arrears: copies of the cached books
    out = capsys.readouterr().out
    assert "generated" not in out and [ln.split()[0] for ln in out.splitlines()[3:-1]] == ["arrears"]
    assert len(list(tmp_path.glob("*.arrears.sqlite3"))) == 2
