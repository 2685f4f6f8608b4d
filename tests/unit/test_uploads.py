"""coop.uploads, the bounded reader every importer shares (issue 14, finding 6)."""
from __future__ import annotations

import pytest

from coop.errors import PayloadTooLarge, ValidationError
from coop.uploads import ErrorList, ImportLimits, data_rows, read_table


def test_a_row_wider_than_the_column_bound_is_refused_but_trailing_blanks_are_not():
    """With max_columns 3, is ['a','b','c','',None] read as 3 cells and ['a','b','c','d'] a 422 naming row 3?"""
    limits = ImportLimits(max_columns=3)
    rows = iter([["a", "b", "c", "", None], ["a", "b", "c", "d"]])
    it = data_rows(rows, limits)
    assert next(it) == (2, ["a", "b", "c"])
    with pytest.raises(ValidationError) as exc:
        next(it)
    assert exc.value.fields == {"file": ["too_many_columns"]} and "Baris 3" in exc.value.message


def test_blank_rows_count_toward_the_row_bound():
    """Are 3 blank rows past max_rows 2 a 413 (blank rows cost reading too)?"""
    with pytest.raises(PayloadTooLarge):
        list(data_rows(iter([[], [], []]), ImportLimits(max_rows=2)))


def test_error_list_keeps_the_first_and_counts_all():
    """Adding 7 errors (5 'a', 2 'b') to a list of limit 3: 3 kept, 7 counted, 4 unlisted?"""
    errors = ErrorList(3)
    for i in range(5):
        errors.add(i, "a")
    errors.add(5, "b")
    errors.add(6, "b")
    assert list(errors) == [0, 1, 2] and errors.total == 7 and errors.unlisted == 4
    assert errors.counts == {"a": 5, "b": 2} and errors.summary().startswith("7 kesalahan (a: 5, b: 2)")


def test_csv_header_drops_trailing_blank_cells_and_a_wide_header_is_a_422():
    """Is 'code,amount,,' read as header [code, amount], and a 4-column header refused with max_columns 3?"""
    header, rows = read_table(b"code,amount,,\n1101,5,,\n", "o.csv")
    assert header == ["code", "amount"] and list(rows) == [["1101", "5", "", ""]]
    with pytest.raises(ValidationError):
        read_table(b"a,b,c,d\n", "o.csv", ImportLimits(max_columns=3))
