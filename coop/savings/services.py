"""Savings operations as journal entries: products, opening accounts, deposits, withdrawals, wajib dues,
statements, interest (jasa simpanan) with PPh final, berjangka maturity, dormancy.

Every money movement is one ``post_entry``; the savings account's ledger sub-account carries the
balance and its floor (``min_balance``), so concurrent withdrawals can never overdraw (``post_entry``
locks the rows and raises :class:`InsufficientFunds`).
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from coop import audit, datebounds, settings
from coop.db import Prepared, PreparedGet, connection, db, is_sqlite, loaded_related
from coop.errors import NotFound, RuleViolation, ValidationError
from coop.ledger import chart
from coop.ledger.models import Account, JournalEntry, Posting
from coop.ledger.services import Line, open_subaccount, post_entry
from coop.membership.models import Member
from coop.paging import Page
from coop.savings import accrual, rules
from coop.savings.arrears import (  # noqa: F401 - re-exported: the savings API of other areas
    arrears_list,
    arrears_page,
    arrears_summary,
    dues,
    refresh_arrears,
    wajib_amounts,
)
from coop.savings.models import KIND_LABELS, KINDS, SavingsAccount, SavingsProduct
from coop.savings.products import (  # noqa: F401 - re-exported: the savings API of other areas
    CONTROL_CODES,
    MAX_ID,
    PRODUCT_EDITABLE,
    create_product,
    default_product,
    default_products,
    get_product,
    products,
    seed_defaults,
    update_product,
)
from coop.settings.models import Setting

#: Entry sources written by this module (receipts and the day book read them).
SOURCE_LABELS = {"savings.deposit": "Setoran", "savings.withdrawal": "Penarikan",
                 "savings.wajib": "Setoran simpanan wajib", "savings.pokok": "Setoran simpanan pokok",
                 "savings.interest": "Jasa simpanan", "savings.interest_closing": "Jasa simpanan penutupan",
                 "savings.interest_adjustment": "Koreksi jasa simpanan", "savings.maturity": "Jatuh tempo berjangka",
                 "savings.opening": "Saldo awal", "savings.resignation": "Pengunduran diri",
                 "savings.berjangka_open": "Pembukaan simpanan berjangka", "cash.count": "Selisih kas"}


# --------------------------------------------------------------------------------------------
# Accounts
# --------------------------------------------------------------------------------------------

#: The account with its product and ledger account AND its member with the member's resident: one prepared
#: row (coop.db.PreparedGet), what the ORM's joined loads and the member's lazy load read, without the ORM's
#: loading; every deposit and withdrawal reads the member next (:func:`_member_must_be_current`). The member
#: alone (with its resident) for an account already in the session.
_ACCOUNT = PreparedGet(SavingsAccount, also=("member",))
_MEMBER = PreparedGet(Member)


def get_account(cooperative_id: int, account_id: int) -> SavingsAccount:
    acc = _ACCOUNT.get(account_id) if 0 < account_id <= MAX_ID else None
    if acc is None or acc.cooperative_id != cooperative_id:
        raise NotFound("Rekening simpanan tidak ditemukan.")
    return acc


def accounts_of(cooperative_id: int, member_id: int, include_closed: bool = True,
                fresh: bool = False) -> list[SavingsAccount]:
    """The member's accounts in kind order. ``fresh``: the accounts and their ledger accounts (balances) read
    again even if this session loaded them before (a caller that reads them under the ledger's head)."""
    q = sa.select(SavingsAccount).where(SavingsAccount.cooperative_id == cooperative_id,
                                        SavingsAccount.member_id == member_id)
    if not include_closed:
        q = q.where(SavingsAccount.status != "closed")
    if fresh:
        q = q.execution_options(populate_existing=True)
    order = sa.case({k: i for i, k in enumerate(KINDS)}, value=SavingsAccount.kind)
    return list(db.session.scalars(q.order_by(order, SavingsAccount.id)))


def account_for(cooperative_id: int, member_id: int, kind: str) -> SavingsAccount:
    """The member's (first open) account of ``kind``. :raises NotFound: none."""
    acc = db.session.scalar(sa.select(SavingsAccount).where(
        SavingsAccount.cooperative_id == cooperative_id, SavingsAccount.member_id == member_id,
        SavingsAccount.kind == kind, SavingsAccount.status != "closed").order_by(SavingsAccount.id).limit(1))
    if acc is None:
        raise NotFound(f"Anggota tidak punya rekening {KIND_LABELS.get(kind, kind)}.")
    return acc


def open_account(cooperative_id: int, member, product: SavingsProduct, opened_on: date, *,
                 actor=None) -> SavingsAccount:
    """Open a savings account (a ledger sub-account under the product's control account)."""
    if product.cooperative_id != cooperative_id or member.cooperative_id != cooperative_id:
        raise NotFound("Produk atau anggota tidak ditemukan.")
    datebounds.check_day(cooperative_id, opened_on, "opened_on", earlier=[(member.joined_on, "tanggal bergabung")])
    n = 0
    if product.kind == "berjangka":  # the only kind a member may hold several of
        n = db.session.scalar(sa.select(sa.func.count()).select_from(SavingsAccount).where(
            SavingsAccount.member_id == member.id, SavingsAccount.kind == product.kind)) or 0
    number = f"{product.code}-{member.member_seq:06d}" + (f"-{n + 1:02d}" if n else "")
    ledger_acc = open_subaccount(cooperative_id, product.control_code, number,
                                 f"{product.name} {member.member_number}", min_balance=product.min_balance)
    acc = SavingsAccount(cooperative_id=cooperative_id, member_id=member.id, product_id=product.id,
                         kind=product.kind, account_number=number, ledger_account_id=ledger_acc.id,
                         status="active", opened_on=opened_on, last_activity_on=opened_on)
    db.session.add(acc)
    db.session.flush()
    audit.record(actor, "savings.account.open", "savings_account", acc.id,
                 {"number": number, "kind": product.kind}, cooperative_id=cooperative_id)
    return acc


@dataclass
class Receipt:
    """What a savings operation returns: enough for an API body and a printed kuitansi."""

    entry: JournalEntry
    account: SavingsAccount
    amount: int
    balance: int
    #: The posting on the savings account: the transaction id.
    transaction_id: int
    wajib_months: list = field(default_factory=list)


def _posting_id(entry: JournalEntry, ledger_account_id: int) -> int:
    known = entry.posting_ids  # set by post_entry on the entry it just posted
    if known and ledger_account_id in known:
        return known[ledger_account_id]
    posting_id = db.session.scalar(sa.select(Posting.id).where(Posting.entry_id == entry.id,
                                                                Posting.account_id == ledger_account_id)
                                   .order_by(Posting.line_no).limit(1))
    assert posting_id is not None, "the entry was posted to this account"
    return posting_id


def _check_date(acc: SavingsAccount, value_date) -> None:
    """A typed transaction date: not after today, not before the founding nor the account's opening."""
    datebounds.check_day(acc.cooperative_id, value_date, "value_date",
                         earlier=[(acc.opened_on, "tanggal pembukaan rekening")])


def _check_amount(amount) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationError("Jumlah harus bilangan bulat rupiah lebih dari nol.",
                              fields={"amount": ["harus bilangan bulat rupiah > 0"]})


def _member_must_be_current(acc: SavingsAccount):
    """:returns: the account's member. :raises RuleViolation: not (or no longer) a member."""

    member = loaded_related(acc, "member") or _MEMBER.get(acc.member_id)
    if member is None or not member.is_current:
        raise RuleViolation("Hanya anggota yang boleh menabung (koperasi simpan pinjam pola tertutup).",
                            code="not_a_member")
    return member


@functools.cache
def _set_last_activity() -> Prepared:
    t = SavingsAccount.__table__
    return Prepared(sa.update(SavingsAccount).where(t.c.id == sa.bindparam("acc_id", type_=t.c.id.type))
                    .values(last_activity_on=sa.bindparam("day", type_=t.c.last_activity_on.type)))


def _touch(acc: SavingsAccount, value_date: date) -> None:
    """Move the account's last activity: one prepared UPDATE (coop.db.Prepared), shown on the loaded object
    as its committed state (no ORM flush of the account at commit)."""
    if acc.last_activity_on is None or value_date > acc.last_activity_on:
        if not instance_state(acc).persistent:
            acc.last_activity_on = value_date  # not inserted yet: goes in with the INSERT
            return
        _set_last_activity().run(connection(), {"acc_id": acc.id, "day": value_date})
        set_committed_value(acc, "last_activity_on", value_date)


@functools.cache
def _status_of() -> Prepared:
    t = SavingsAccount.__table__
    return Prepared(sa.select(t.c.status).where(t.c.id == sa.bindparam("acc_id", type_=t.c.id.type)))


@functools.cache
def _status_after_touch() -> Prepared:
    """PostgreSQL: :func:`_touch` and :func:`_status_of` in one statement (one round trip): a data-modifying
    CTE moves ``last_activity_on`` (only forward: no row version when it does not move) and the SELECT reads
    the status from the statement's snapshot, which the CTE's own change is not in (it changes no status)."""
    t = SavingsAccount.__table__
    acc_id = sa.bindparam("acc_id", type_=t.c.id.type)
    day = sa.bindparam("day", type_=t.c.last_activity_on.type)
    moved = (sa.update(SavingsAccount).where(t.c.id == acc_id, sa.or_(t.c.last_activity_on.is_(None), t.c.last_activity_on < day))
             .values(last_activity_on=day).cte("moved"))
    return Prepared(sa.select(t.c.status).where(t.c.id == acc_id).add_cte(moved))


def _still_open_and_touch(acc: SavingsAccount, value_date: date) -> None:
    """After the posting, under the ledger's head it holds: the account was not closed meanwhile (a
    resignation or a closing that committed while this transaction waited for the head; its status was read
    before), and its last activity moves to ``value_date`` (:func:`_touch`). One statement on PostgreSQL,
    two on SQLite (where a statement is no round trip). :raises RuleViolation: closed (the posting rolls
    back)."""
    if not instance_state(acc).persistent:
        _touch(acc, value_date)
        return
    if is_sqlite():
        rows = _status_of().run(connection(), {"acc_id": acc.id})
        _touch(acc, value_date)
    else:
        rows = _status_after_touch().run(connection(), {"acc_id": acc.id, "day": value_date})
        if acc.last_activity_on is None or value_date > acc.last_activity_on:
            set_committed_value(acc, "last_activity_on", value_date)
    if rows and rows[0][0] == "closed":
        raise RuleViolation("Rekening sudah ditutup.", code="account_closed")


def deposit(cooperative_id: int, account_id: int, amount: int, *, actor, value_date: date,
            memo: str | None = None, idempotency_key: str | None = None,
            cash_code: str = chart.KAS) -> Receipt:
    """Cash deposit into a savings account: Dr Kas, Cr the savings sub-account.

    Pokok: at most the product amount in total; paying it in full makes an ``applied`` member
    ``active``. Berjangka accounts take money only when opened (see :func:`open_berjangka`).

    :raises RuleViolation: not a member, closed or matured account, pokok overpaid, berjangka top-up.
    """
    _check_amount(amount)
    acc = get_account(cooperative_id, account_id)
    member = _member_must_be_current(acc)
    _check_date(acc, value_date)
    if acc.status in ("closed", "matured"):
        raise RuleViolation("Rekening sudah ditutup.", code="account_closed")
    if acc.kind == "berjangka":
        raise RuleViolation("Simpanan berjangka tidak bisa ditambah; buka rekening berjangka baru.",
                            code="berjangka_no_topup")
    if acc.kind == "pokok":
        owed = pokok_due(acc)
        due = owed - acc.balance
        if amount > due and not _is_replay(cooperative_id, idempotency_key):
            raise RuleViolation(
                f"Simpanan pokok hanya Rp {owed:,} sekali; sisa yang harus dibayar Rp {max(due, 0):,}."
                .replace(",", "."), code="pokok_overpaid", fields={"amount": [f"maksimal {max(due, 0)}"]})
    source = {"pokok": "savings.pokok", "wajib": "savings.wajib"}.get(acc.kind, "savings.deposit")
    memo = _memo(acc, SOURCE_LABELS[source], memo, member)
    before = acc.balance
    entry = post_entry(cooperative_id, [Line.dr(cash_code, amount), Line.cr(acc.ledger_account_id, amount)],
                       actor=actor, memo=memo, value_date=value_date, idempotency_key=idempotency_key,
                       source=source, source_ref=f"savings_account:{acc.id}",
                       dated_since=accrual.runs_since(value_date))
    _still_open_and_touch(acc, value_date)
    if acc.kind == "pokok" and acc.balance > owed:
        # the balance was read before the posting's locks: a pokok deposit committed meanwhile; the balance
        # shown now is the one the posting locked (no statement of its own)
        raise RuleViolation(f"Simpanan pokok hanya Rp {owed:,} sekali; sudah dibayar.".replace(",", "."),
                            code="pokok_overpaid", fields={"amount": ["maksimal 0"]})
    accrual.adjust_backdated(cooperative_id, [acc], value_date, actor=actor, months=entry.dated_since)
    if acc.kind == "pokok":
        _activate_if_pokok_paid(acc)
    months = []
    if acc.kind == "wajib":
        # the months THIS deposit pays: from the balance its posting locked, less its amount (the balance
        # read before the lock would count a wajib deposit committed meanwhile as this one's months); a
        # replay posted nothing and moved nothing
        months = _months_paid_by(acc, acc.balance - amount if acc.balance != before else before, acc.balance)
        refresh_arrears(cooperative_id, [acc.id])
    return Receipt(entry, acc, amount, acc.balance, _posting_id(entry, acc.ledger_account_id), months)


def pokok_due(acc: SavingsAccount) -> int:
    """The simpanan pokok the account's member owes in total (DOMAIN.md: the same amount for every member,
    paid once on joining). A change of the setting ``simpanan_pokok_amount`` applies to members who join
    on or after its effective date; earlier members keep the amount in force when they joined, and
    without any recorded change the product amount applies."""
    return pokok_due_on(acc.cooperative_id, acc.member.joined_on, acc.product.amount)


def pokok_due_on(cooperative_id: int, joined_on: date, product_amount: int | None) -> int:
    """:func:`pokok_due` for a member who joined on ``joined_on`` (plain values, for bulk readers)."""
    raw = db.session.scalar(sa.select(Setting.value).where(
        Setting.cooperative_id == cooperative_id, Setting.key == "simpanan_pokok_amount",
        Setting.effective_on <= joined_on).order_by(Setting.effective_on.desc()).limit(1))
    return int(json.loads(raw)) if raw is not None else (product_amount or 0)


def _memo(acc: SavingsAccount, label: str, memo: str | None, member=None) -> str:
    """Journal memo naming the member, so the day book and the books read without lookups."""

    member = member if member is not None else db.session.get(Member, acc.member_id)
    base = f"{label} {acc.account_number} {member.member_number} {member.full_name}"
    return f"{base}: {memo}" if memo else base


def _is_replay(cooperative_id: int, key: str | None) -> bool:
    if not key:
        return False
    return db.session.scalar(sa.select(JournalEntry.id).where(
        JournalEntry.cooperative_id == cooperative_id, JournalEntry.idempotency_key == key)) is not None


def _activate_if_pokok_paid(acc: SavingsAccount) -> None:
    member = db.session.get_one(Member, acc.member_id)  # a foreign key
    if member.status == "applied" and acc.balance >= pokok_due(acc):
        member.status = "active"
        db.session.flush()
        audit.record(None, "member.activate", "member", member.id, {"reason": "simpanan pokok lunas"},
                     cooperative_id=acc.cooperative_id)


def withdraw(cooperative_id: int, account_id: int, amount: int, *, actor, value_date: date,
             memo: str | None = None, idempotency_key: str | None = None,
             cash_code: str = chart.KAS) -> Receipt:
    """Cash withdrawal from a sukarela account: Dr the savings sub-account, Cr Kas.

    Pokok and wajib are withdrawable only on leaving (resignation); berjangka only at maturity or early
    when its product allows it (with the penalty to other income); dormant accounts must be
    reactivated first. The floor is enforced by ``post_entry`` under a row lock.

    :raises InsufficientFunds: the balance would go below the product minimum.
    """
    _check_amount(amount)
    acc = get_account(cooperative_id, account_id)
    member = _member_must_be_current(acc)
    _check_date(acc, value_date)
    if acc.kind in ("pokok", "wajib"):
        raise RuleViolation(f"{acc.kind_label} hanya dapat diambil saat keluar dari keanggotaan.",
                            code="not_withdrawable")
    if acc.status == "closed":
        raise RuleViolation("Rekening sudah ditutup.", code="account_closed")
    if acc.status == "dormant":
        raise RuleViolation("Rekening dormant (lama tidak aktif). Aktifkan kembali dulu di kasir dengan "
                            "identitas anggota.", code="account_dormant")
    lines = [Line.dr(acc.ledger_account_id, amount)]
    if acc.kind == "berjangka":
        if acc.maturity_on and value_date < acc.maturity_on:
            if not acc.product.allows_early_withdrawal:
                raise RuleViolation(f"Simpanan berjangka baru jatuh tempo {acc.maturity_on:%d-%m-%Y}.",
                                    code="not_matured")
            if amount != acc.balance:
                raise RuleViolation("Pencairan sebelum jatuh tempo harus seluruh saldo.", code="partial_early")
        penalty = (rules.early_withdrawal_penalty(amount, acc.product.early_withdrawal_penalty)
                   if acc.maturity_on and value_date < acc.maturity_on else 0)
        lines.append(Line.cr(cash_code, amount - penalty))
        if penalty:
            lines.append(Line.cr(chart.PENDAPATAN_LAIN, penalty, "penalti pencairan awal"))
    else:
        lines.append(Line.cr(cash_code, amount))
    memo = _memo(acc, "Penarikan", memo, member)
    entry = post_entry(cooperative_id, lines, actor=actor, memo=memo, value_date=value_date,
                       idempotency_key=idempotency_key, source="savings.withdrawal",
                       source_ref=f"savings_account:{acc.id}", dated_since=accrual.runs_since(value_date))
    _still_open_and_touch(acc, value_date)
    if acc.kind == "berjangka" and acc.balance == 0:
        acc.status, acc.closed_on, acc.next_action_date = "closed", value_date, None
        accrual.pay_closing(cooperative_id, [acc], value_date, actor=actor)
    else:
        accrual.adjust_backdated(cooperative_id, [acc], value_date, actor=actor, months=entry.dated_since)
    return Receipt(entry, acc, amount, acc.balance, _posting_id(entry, acc.ledger_account_id))


def pay_wajib(cooperative_id: int, member_id: int, amount: int, *, actor, value_date: date,
              memo: str | None = None, idempotency_key: str | None = None) -> Receipt:
    """Simpanan wajib payment; it pays the OLDEST unpaid month first (dues are derived from the paid
    total, so the allocation is oldest-first by construction). The receipt lists the months covered."""
    acc = account_for(cooperative_id, member_id, "wajib")
    return deposit(cooperative_id, acc.id, amount, actor=actor, value_date=value_date, memo=memo,
                   idempotency_key=idempotency_key)


def _months_paid_by(acc: SavingsAccount, before: int, after: int) -> list[date]:
    member = db.session.get_one(Member, acc.member_id)  # a foreign key
    amount_of = wajib_amounts(acc.cooperative_id, acc.product.amount or 0)
    return rules.months_covered(member.joined_on, amount_of, before, after) if after > before else []


def wajib_status(cooperative_id: int, member, as_of: date) -> dict:
    """Wajib dues of a member up to ``as_of``'s month: the months, the arrears (months already over
    and not fully paid: ``months``/``amount``) and what is due now including the current month
    (``due_months``/``due_amount``)."""
    try:
        acc = account_for(cooperative_id, member.id, "wajib")
    except NotFound:
        return {"dues": [], "months": 0, "amount": 0, "monthly": 0, "due_months": 0, "due_amount": 0}
    amount_of = wajib_amounts(cooperative_id, acc.product.amount or 0)
    monthly = amount_of(as_of.replace(day=1))
    paid = balance_as_of(acc, as_of) if as_of else acc.balance
    until = member.resigned_on or as_of
    ds = dues(cooperative_id, member.joined_on, as_of, acc.product.amount or 0, paid,
              until=min(until, as_of), amount_of=amount_of)
    months, amount = rules.arrears(ds, before=as_of.replace(day=1))
    due_months, due_amount = rules.arrears(ds)
    return {"dues": ds, "months": months, "amount": amount, "monthly": monthly, "account": acc,
            "due_months": due_months, "due_amount": due_amount}


# --------------------------------------------------------------------------------------------
# Balances and statements
# --------------------------------------------------------------------------------------------

def _natural_delta(acc_side: str):
    return (Posting.debit - Posting.credit) if acc_side == "D" else (Posting.credit - Posting.debit)


def balance_as_of(acc: SavingsAccount, as_of: date) -> int:
    """Natural-side balance from postings dated on or before ``as_of``."""
    side = acc.ledger_account.normal_side
    return int(db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(_natural_delta(side)), 0))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(Posting.account_id == acc.ledger_account_id, JournalEntry.value_date <= as_of)) or 0)


def balances_by_member(cooperative_id: int, kinds, as_of: date | None) -> dict[int, int]:
    """Sum of each member's savings of ``kinds`` on ``as_of`` (the SHU jasa-modal base).

    Members with no such savings are absent. ``as_of=None`` reads the running balances (O(accounts)).
    """
    kinds = list(kinds)
    if as_of is None:
        q = (sa.select(SavingsAccount.member_id, sa.func.sum(-Account.balance))
             .join(Account, Account.id == SavingsAccount.ledger_account_id))
    else:
        q = (sa.select(SavingsAccount.member_id, sa.func.sum(Posting.credit - Posting.debit))
             .join(Posting, Posting.account_id == SavingsAccount.ledger_account_id)
             .join(JournalEntry, JournalEntry.id == Posting.entry_id)
             .where(JournalEntry.value_date <= as_of))
    q = q.where(SavingsAccount.cooperative_id == cooperative_id, SavingsAccount.kind.in_(kinds)) \
        .group_by(SavingsAccount.member_id)
    return {mid: int(total) for mid, total in db.session.execute(q) if total}


@dataclass
class StatementRow:
    transaction_id: int
    entry_id: int
    voucher_number: str
    value_date: date
    memo: str
    source: str
    deposit: int
    withdrawal: int
    balance: int


def statement(cooperative_id: int, account_id: int, date_from: date | None = None,
              date_to: date | None = None) -> tuple[SavingsAccount, int, list[StatementRow]]:
    """The account's postings between two dates with the running balance: (account, opening, rows)."""
    acc = get_account(cooperative_id, account_id)
    # nothing lies before 1 Jan of year 1 (the earliest date there is): its opening balance is 0
    opening = balance_as_of(acc, date_from - timedelta(days=1)) if date_from and date_from > date.min else 0
    q = (sa.select(Posting.id, JournalEntry.id, JournalEntry.voucher_number, JournalEntry.value_date,
                   JournalEntry.memo, JournalEntry.source, Posting.debit, Posting.credit)
         .join(JournalEntry, JournalEntry.id == Posting.entry_id)
         .where(Posting.account_id == acc.ledger_account_id))
    if date_from:
        q = q.where(JournalEntry.value_date >= date_from)
    if date_to:
        q = q.where(JournalEntry.value_date <= date_to)
    rows, bal = [], opening
    credit_side = acc.ledger_account.normal_side == "C"
    for pid, eid, voucher, vd, memo, source, debit, credit in db.session.execute(
            q.order_by(JournalEntry.value_date, JournalEntry.id, Posting.id)):
        dep, wd = (credit, debit) if credit_side else (debit, credit)
        bal += dep - wd
        rows.append(StatementRow(pid, eid, voucher, vd, memo, source, dep, wd, bal))
    return acc, opening, rows


def _statement_lines(acc: SavingsAccount, date_from: date | None, date_to: date | None, *where):
    """The account's postings (id, entry id, voucher, value date, memo, source, debit, credit) in the period."""
    q = (sa.select(Posting.id, JournalEntry.id, JournalEntry.voucher_number, JournalEntry.value_date,
                   JournalEntry.memo, JournalEntry.source, Posting.debit, Posting.credit)
         .join(JournalEntry, JournalEntry.id == Posting.entry_id)
         .where(Posting.account_id == acc.ledger_account_id, *where))
    if date_from:
        q = q.where(JournalEntry.value_date >= date_from)
    if date_to:
        q = q.where(JournalEntry.value_date <= date_to)
    return q


def _moved(acc: SavingsAccount, *where) -> int:
    """Natural-side sum of the account's postings whose entries match ``where``."""
    return int(db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(_natural_delta(acc.ledger_account.normal_side)), 0))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(Posting.account_id == acc.ledger_account_id, *where)) or 0)


def _closing(acc: SavingsAccount, date_to: date | None) -> int:
    """Natural-side balance on the evening of ``date_to`` (None: now): the running balance less what is dated
    after it, so a recent statement does not sum the account's whole history."""
    running = int(db.session.scalar(sa.select(Account.balance).where(Account.id == acc.ledger_account_id)) or 0)
    natural = running if acc.ledger_account.normal_side == "D" else -running
    return natural - (_moved(acc, JournalEntry.value_date > date_to) if date_to else 0)


def _period_where(date_from: date | None, date_to: date | None) -> list:
    return ([JournalEntry.value_date >= date_from] if date_from else []) + (
        [JournalEntry.value_date <= date_to] if date_to else [])


def _rows_from(acc: SavingsAccount, found, balance: int, newest_first: bool) -> list[StatementRow]:
    """StatementRows of ``found`` (in display order) starting from the balance after the first of them
    (newest first) or before it (oldest first)."""
    credit_side = acc.ledger_account.normal_side == "C"
    rows = []
    for pid, eid, voucher, vd, memo, source, debit, credit in found:
        dep, wd = (credit, debit) if credit_side else (debit, credit)
        if not newest_first:
            balance += dep - wd
        rows.append(StatementRow(pid, eid, voucher, vd, memo, source, dep, wd, balance))
        if newest_first:
            balance -= dep - wd
    return rows


def _after_row(vd: date, eid: int, pid: int):
    """Postings after (value date, entry id, posting id) in statement order."""
    return sa.or_(JournalEntry.value_date > vd, sa.and_(JournalEntry.value_date == vd, sa.or_(
        JournalEntry.id > eid, sa.and_(JournalEntry.id == eid, Posting.id > pid))))


def statement_page(cooperative_id: int, account_id: int, date_from: date | None = None, date_to: date | None = None,
                   page: int = 1, per_page: int = 50) -> tuple[SavingsAccount, int, Page]:
    """One page of :func:`statement`, newest first, read in SQL: (account, opening of the period, page).

    The closing of the period is the running balance less what is dated after it; the first row's balance
    the closing less the rows above it; the opening the closing less the period's movements (aggregates,
    not rows). Same figures as :func:`statement` (``test_statement_page_matches_the_whole_statement``)."""
    acc = get_account(cooperative_id, account_id)
    period = _period_where(date_from, date_to)
    closing = _closing(acc, date_to)
    total, moved = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(_natural_delta(acc.ledger_account.normal_side)), 0))
        .select_from(Posting).join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(Posting.account_id == acc.ledger_account_id, *period)).one()
    page = min(max(1, page or 1), max(1, -(-total // per_page)))
    found = db.session.execute(_statement_lines(acc, date_from, date_to).order_by(
        JournalEntry.value_date.desc(), JournalEntry.id.desc(), Posting.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    rows = []
    if found:
        top = found[0]
        balance = closing - _moved(acc, *period, _after_row(top[3], top[1], top[0]))
        rows = _rows_from(acc, found, balance, newest_first=True)
    return acc, closing - int(moved), Page(rows, page, per_page, total)


def statement_after(cooperative_id: int, account_id: int, date_from: date | None, date_to: date | None,
                    after: int | None, limit: int) -> tuple[SavingsAccount, int, list[StatementRow], bool]:
    """The API's pages, oldest first: up to ``limit`` rows after posting ``after`` (a cursor; None: the
    first page; a posting not in the statement: nothing), (account, opening, rows, more after them)."""
    acc = get_account(cooperative_id, account_id)
    period = _period_where(date_from, date_to)
    opening = _closing(acc, date_to) - _moved(acc, *period)
    where, before = [], opening
    if after is not None:
        cursor = db.session.execute(_statement_lines(acc, date_from, date_to, Posting.id == after)).first()
        if cursor is None:
            return acc, opening, [], False
        where.append(_after_row(cursor[3], cursor[1], cursor[0]))
        before += _moved(acc, *period, sa.not_(where[0]))
    found = db.session.execute(_statement_lines(acc, date_from, date_to, *where).order_by(
        JournalEntry.value_date, JournalEntry.id, Posting.id).limit(limit + 1)).all()
    return acc, opening, _rows_from(acc, found[:limit], before, newest_first=False), len(found) > limit


# --------------------------------------------------------------------------------------------
# Dormancy
# --------------------------------------------------------------------------------------------

def reactivate(cooperative_id: int, account_id: int, *, actor, on: date) -> SavingsAccount:
    """Lift dormancy (the member came to the desk with their ID): the account and the member are active."""

    acc = get_account(cooperative_id, account_id)
    if acc.status != "dormant":
        raise RuleViolation("Rekening tidak dalam status dormant.", code="not_dormant")
    datebounds.check_day(cooperative_id, on, "on")
    acc.status = "active"
    acc.last_activity_on = on
    member = db.session.get_one(Member, acc.member_id)  # a foreign key
    if member.status == "dormant":
        member.status = "active"
    db.session.flush()
    audit.record(actor, "savings.reactivate", "savings_account", acc.id, {"on": on},
                 cooperative_id=cooperative_id)
    return acc


def mark_dormant(cooperative_id: int, as_of: date) -> int:
    """Sukarela accounts without any posting for ``dormancy_months`` become dormant; a member whose
    sukarela accounts are all dormant becomes dormant. Returns how many accounts changed."""

    months = settings.get_int(cooperative_id, "dormancy_months", as_of)
    cutoff = rules.add_months(as_of, -months)
    candidates = list(db.session.scalars(sa.select(SavingsAccount).where(
        SavingsAccount.cooperative_id == cooperative_id, SavingsAccount.kind == "sukarela",
        SavingsAccount.status == "active", SavingsAccount.last_activity_on < cutoff)))
    if not candidates:
        return 0
    # Other areas post to savings too (loan disbursement, SHU): trust the postings, not only the column.
    last_posting = dict(db.session.execute(
        sa.select(Posting.account_id, sa.func.max(JournalEntry.value_date))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(Posting.account_id.in_([a.ledger_account_id for a in candidates]))
        .group_by(Posting.account_id)).all())
    changed = 0
    for acc in candidates:
        last = last_posting.get(acc.ledger_account_id)
        if last is not None and last > (acc.last_activity_on or last):
            acc.last_activity_on = last
        if acc.last_activity_on is not None and acc.last_activity_on >= cutoff:
            continue
        acc.status = "dormant"
        changed += 1
        member = db.session.get_one(Member, acc.member_id)  # a foreign key
        if member.status == "active" and all(
                a.status == "dormant" for a in accounts_of(cooperative_id, member.id) if a.kind == "sukarela"):
            member.status = "dormant"
        audit.record(None, "savings.dormant", "savings_account", acc.id, {"as_of": as_of},
                     cooperative_id=cooperative_id)
    db.session.flush()
    return changed
