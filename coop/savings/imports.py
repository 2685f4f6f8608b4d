"""Opening balances of savings from the paper books: CSV or XLSX, dry run, row errors, all or nothing.

Columns (header row, case-insensitive): ``member_number`` (or ``nik``), ``kind`` (pokok / wajib /
sukarela), ``amount`` (whole rupiah). Each valid row becomes one entry Dr 3901 Saldo Awal, Cr the
member's savings account, dated ``value_date``; nothing is written unless every row is valid.

*Bounds* (issue 14, finding 6). The upload is read by :mod:`coop.uploads`: rows streamed, never listed;
rows, columns and characters a cell bounded (:class:`~coop.uploads.ImportLimits`, the ``IMPORT_*``
settings); an over-compressed or too large XLSX refused (413) before openpyxl reads it; the first
``max_errors`` errors listed, every one counted by code.

*The write lock* (finding 5). A cooperative's opening balances are one act, so they post in ONE unit of
work, all or nothing. Called outside a unit of work (the page, the CLI), :func:`import_opening_balances`
parses and validates every row with reads only (no write transaction open), then opens one short unit of
work that re-checks in bulk what validation read (not imported meanwhile, member still current, pokok
within the product amount: 409 otherwise, nothing written) and posts the entries. Called inside an open
unit of work, it does both in that one.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from coop import audit, datebounds, uploads
from coop.db import atomic, db, in_unit_of_work
from coop.errors import Conflict, ValidationError
from coop.ledger import chart
from coop.ledger.imports import EntrySpec, post_entries
from coop.ledger.models import Account, JournalEntry
from coop.ledger.services import Line, account_by_code
from coop.membership.models import Member
from coop.money import RupiahInputError, parse_rupiah
from coop.registry.models import Resident
from coop.savings.models import SavingsAccount, SavingsProduct
from coop.savings.services import _activate_if_pokok_paid, pokok_due_on
from coop.uploads import DEFAULT_LIMITS, ErrorList, ImportLimits, UnreadableFile

KINDS = ("pokok", "wajib", "sukarela")
_KEY = "savings.opening:"
_CHUNK = 500


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    total: int = 0
    #: ``{"row", "field", "message"}``: the first ``max_errors``; ``errors.total`` / ``errors.counts`` count all
    errors: ErrorList = field(default_factory=ErrorList)
    dry_run: bool = True

    @property
    def error_total(self) -> int:
        return self.errors.total

    @property
    def error_counts(self) -> dict[str, int]:
        return dict(sorted(self.errors.counts.items()))


def read_table(filename: str, data: bytes, limits: ImportLimits = DEFAULT_LIMITS) -> Iterator[dict]:
    """Rows of a CSV (UTF-8, comma, semicolon or tab) or XLSX (first sheet) as dicts keyed by lower-case
    header, with ``_row`` (the spreadsheet row; the header is row 1); blank rows skipped.

    A generator over :func:`coop.uploads.read_table` and :func:`~coop.uploads.data_rows` (the file is never
    held as a list of rows); past ``limits.max_rows`` rows it raises :class:`~coop.errors.PayloadTooLarge`.

    :raises PayloadTooLarge: an XLSX that unpacks too large or too compressed (before openpyxl reads it).
    :raises ValidationError: unreadable, too many columns, a column named twice.
    """
    try:
        header, rows = uploads.read_table(data, filename, limits)
    except UnreadableFile as exc:
        raise ValidationError(str(exc), fields={"file": ["unreadable_file"]}) from None
    names = uploads.header_names(header)
    doubled = uploads.duplicate_names(names)
    if doubled:
        raise ValidationError(uploads.msg(f"Kolom ganda: {', '.join(doubled)}.", f"duplicate columns: {', '.join(doubled)}"),
                              fields={"file": ["duplicate_column"]})
    return _dicts(names, rows, limits)


def _dicts(names: list[str], rows: Iterable[list], limits: ImportLimits) -> Iterator[dict]:
    for rowno, raw in uploads.data_rows(rows, limits):
        row = {n: ("" if v is None else v) for n, v in zip(names, raw, strict=False) if n}
        if any(v != "" for v in row.values()):
            row["_row"] = rowno
            yield row


def _amount(raw) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if not isinstance(raw, str):  # an XLSX number cell such as 200000.0: whole rupiah or refused
        try:
            d = Decimal(str(raw))
        except InvalidOperation:
            return None
        return int(d) if d.is_finite() and d == d.to_integral_value() else None
    try:  # typed as on a receipt: "Rp 200.000"; "200.00" or "200.000,50" refused, never guessed
        return parse_rupiah(raw)
    except RupiahInputError:
        return None


@dataclass(frozen=True)
class _Spec:
    """One valid row: the account it credits, with what validation read about it."""

    account_id: int
    ledger_account_id: int
    account_number: str
    member_id: int
    kind: str
    amount: int
    key: str
    pokok_amount: int


def _lookups(cooperative_id: int):
    """Members by number and by NIK, accounts by (member, kind), the opening keys already used: a handful
    of queries for the whole file (reads only; plain rows, no ORM objects)."""
    members = {number: (mid, status, joined_on) for mid, number, status, joined_on in db.session.execute(
        sa.select(Member.id, Member.member_number, Member.status, Member.joined_on)
        .where(Member.cooperative_id == cooperative_id))}
    by_nik = {nik: number for nik, number in db.session.execute(
        sa.select(Resident.nik, Member.member_number).join(Member, Member.resident_id == Resident.id)
        .where(Member.cooperative_id == cooperative_id))}
    accounts: dict[tuple[int, str], tuple] = {}
    for row in db.session.execute(
            sa.select(SavingsAccount.member_id, SavingsAccount.kind, SavingsAccount.id, SavingsAccount.ledger_account_id,
                      SavingsAccount.account_number, SavingsProduct.amount, Account.balance, Account.normal_side)
            .join(SavingsProduct, SavingsProduct.id == SavingsAccount.product_id)
            .join(Account, Account.id == SavingsAccount.ledger_account_id)
            .where(SavingsAccount.cooperative_id == cooperative_id, SavingsAccount.status != "closed",
                   SavingsAccount.kind.in_(KINDS)).order_by(SavingsAccount.id)):
        accounts.setdefault((row.member_id, row.kind), row)  # the member's first open account, as account_for
    used = set(db.session.scalars(sa.select(JournalEntry.idempotency_key).where(
        JournalEntry.cooperative_id == cooperative_id, JournalEntry.idempotency_key.like(_KEY + "%"))))
    return members, by_nik, accounts, used


def _validate(cooperative_id: int, rows: Iterable[dict], res: ImportResult,  # noqa: C901 -- the row checks of one streaming pass
              limits: ImportLimits) -> list[_Spec]:
    """Check every row (reads only); the valid rows as specs. Row errors go to ``res.errors``."""
    members, by_nik, accounts, used = _lookups(cooperative_id)
    seen: set[tuple[int, str]] = set()
    specs: list[_Spec] = []
    rowno = 1
    try:
        for n, row in enumerate(rows, 2):  # row 1 is the header
            rowno = row.get("_row", n)
            res.rows += 1

            def err(f, message, code, rowno=rowno):
                res.errors.add({"row": rowno, "field": f, "message": message}, code)
            long = [k for k, v in row.items() if uploads.too_long(v, limits)]
            if long:
                for k in long:
                    err(k, uploads.too_long_message(limits), "cell_too_long")
                continue
            number, nik = str(row.get("member_number", "")).strip().upper(), str(row.get("nik", "")).strip()
            number = number or by_nik.get(nik, "")
            if number not in members:
                err("member_number", "anggota tidak ditemukan (isi member_number atau nik)", "unknown_member")
                continue
            member_id, status, joined_on = members[number]
            if status not in ("applied", "active", "dormant"):  # Member.is_current
                err("member_number", f"{number} bukan anggota aktif", "member_not_current")
                continue
            kind = str(row.get("kind", "")).strip().lower()
            if kind not in KINDS:
                err("kind", "harus pokok, wajib atau sukarela", "invalid_kind")
                continue
            amount = _amount(row.get("amount", ""))
            if amount is None or amount <= 0:
                err("amount", "harus bilangan bulat rupiah > 0", "invalid_amount")
                continue
            if (member_id, kind) in seen:
                err("kind", f"{number} {kind} muncul dua kali", "duplicate_row")
                continue
            seen.add((member_id, kind))
            acc = accounts.get((member_id, kind))
            if acc is None:
                err("kind", f"{number} tidak punya rekening {kind}", "no_account")
                continue
            key = f"{_KEY}{acc.id}"
            if key in used:
                err("kind", f"saldo awal {kind} {number} sudah pernah diimpor", "already_imported")
                continue
            balance = acc.balance if acc.normal_side == "D" else -acc.balance
            # the pokok in force on the member's joining day (a raise applies to members joining after it)
            pokok = pokok_due_on(cooperative_id, joined_on, acc.amount) if kind == "pokok" else 0
            if kind == "pokok" and balance + amount > pokok:
                err("amount", f"simpanan pokok maksimal {pokok}", "pokok_over_amount")
                continue
            specs.append(_Spec(acc.id, acc.ledger_account_id, acc.account_number, member_id, kind, amount, key,
                               pokok))
            res.total += amount
    except UnreadableFile as exc:  # a malformed row further down the file
        res.errors.add({"row": rowno + 1, "field": "file", "message": str(exc)}, "unreadable_file")
    return specs


def _chunks(items: list, n: int = _CHUNK) -> Iterator[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _post(cooperative_id: int, specs: list[_Spec], value_date: date, res: ImportResult, *, actor) -> None:
    """Under the write lock: re-check in bulk what validation read, then post every entry (one unit of work).

    :raises Conflict: an account's opening balance was imported, a member left, or a pokok balance grew
        since validation (nothing is written).
    """
    changed = uploads.msg("Data simpanan berubah selama impor; tidak ada yang disimpan. Ulangi impor.",
                          "savings changed during the import; nothing was saved. Run the import again.")
    for chunk in _chunks([s.key for s in specs]):
        if db.session.scalar(sa.select(JournalEntry.id).where(JournalEntry.cooperative_id == cooperative_id,
                                                              JournalEntry.idempotency_key.in_(chunk)).limit(1)):
            raise Conflict(changed, fields={"file": ["already_imported"]})
    status: dict[int, str] = {}
    for chunk in _chunks(sorted({s.member_id for s in specs})):
        status.update(db.session.execute(sa.select(Member.id, Member.status).where(Member.id.in_(chunk))).all())
    if any(status.get(s.member_id) not in ("applied", "active", "dormant") for s in specs):
        raise Conflict(changed, fields={"file": ["member_not_current"]})
    pokok = [s for s in specs if s.kind == "pokok"]
    balances: dict[int, int] = {}
    for chunk in _chunks([s.ledger_account_id for s in pokok]):
        balances.update((i, b if side == "D" else -b) for i, b, side in db.session.execute(
            sa.select(Account.id, Account.balance, Account.normal_side).where(Account.id.in_(chunk))))
    if any(balances.get(s.ledger_account_id, 0) + s.amount > s.pokok_amount for s in pokok):
        raise Conflict(changed, fields={"file": ["pokok_over_amount"]})
    saldo_awal = account_by_code(cooperative_id, chart.SALDO_AWAL).id
    post_entries(cooperative_id, [EntrySpec(lines=[Line.dr(saldo_awal, s.amount), Line.cr(s.ledger_account_id, s.amount)],
                                            value_date=value_date, memo=f"Saldo awal {s.account_number}",
                                            idempotency_key=s.key) for s in specs],
                 actor=actor, source="savings.opening")
    for s in pokok:
        if status.get(s.member_id) == "applied":  # the pokok may now be paid: the member becomes active
            acc = db.session.get_one(SavingsAccount, s.account_id)  # read with the rows above
            db.session.refresh(acc.ledger_account)
            _activate_if_pokok_paid(acc)
    audit.record(actor, "savings.opening_import", "savings_account", None,
                 {"rows": res.rows, "total": res.total}, cooperative_id=cooperative_id)


def import_opening_balances(cooperative_id: int, rows: Iterable[dict], value_date: date, *, actor,
                            dry_run: bool = True, limits: ImportLimits = DEFAULT_LIMITS) -> ImportResult:
    """Validate every row; post them all (unless ``dry_run``) only when none has an error.

    ``rows`` is any iterable of dicts (:func:`read_table` streams a file). Call it outside
    :func:`coop.db.atomic` so validation holds no write lock (see the module docstring).

    :raises PayloadTooLarge: more than ``limits.max_rows`` rows in the file.
    :raises Conflict: the data changed between validation and the write (nothing written).
    """
    datebounds.check_day(cooperative_id, value_date, "value_date")  # the file's one date, typed on the form
    res = ImportResult(dry_run=dry_run, errors=ErrorList(limits.max_errors))
    specs = _validate(cooperative_id, rows, res, limits)
    if res.error_total or dry_run:
        return res
    if in_unit_of_work():
        _post(cooperative_id, specs, value_date, res, actor=actor)
    else:  # the write lock is held for the re-check and the posting only
        atomic(_post, cooperative_id, specs, value_date, res, actor=actor)
        db.session.expire_all()
    res.created = len(specs)
    return res
