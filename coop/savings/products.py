"""Savings products: the defaults of DOMAIN.md for a new cooperative, creation and changes of terms.

A product maps its kind and balance-sheet class to the control account its accounts are opened under
(pokok 3101 / wajib 3102 as equity, 2103 / 2104 as liabilities under SAK EP; sukarela 2101; berjangka 2102).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from coop import audit, settings
from coop.db import db
from coop.errors import NotFound, ValidationError
from coop.ledger import chart
from coop.ledger.models import Account
from coop.savings.models import INTEREST_METHODS, KINDS, SavingsAccount, SavingsProduct

#: Ids above this are not keys of ours (32-bit integer primary keys): 404 without asking the database.
MAX_ID = 2**31 - 1
#: Control account per (kind, balance class).
CONTROL_CODES = {
    ("pokok", "equity"): chart.SIMPANAN_POKOK, ("pokok", "liability"): chart.SIMPANAN_POKOK_LIAB,
    ("wajib", "equity"): chart.SIMPANAN_WAJIB, ("wajib", "liability"): chart.SIMPANAN_WAJIB_LIAB,
    ("sukarela", "liability"): chart.SIMPANAN_SUKARELA, ("berjangka", "liability"): chart.SIMPANAN_BERJANGKA,
}


# --------------------------------------------------------------------------------------------

def seed_defaults(cooperative_id: int, *, actor=None) -> list[SavingsProduct]:
    """Create the default products of DOMAIN.md for a new cooperative (idempotent).

    Pokok Rp 100.000 once and wajib Rp 20.000 a month (settings ``simpanan_pokok_amount`` /
    ``simpanan_wajib_amount``), both equity; sukarela 3 % a year on the daily balance (liability);
    berjangka 12 months at 6 % a year, paid into sukarela at maturity (liability).
    """
    existing = list(db.session.scalars(sa.select(SavingsProduct).where(
        SavingsProduct.cooperative_id == cooperative_id)))
    if existing:
        return existing
    specs: list[dict[str, Any]] = [
        dict(code="SP", name="Simpanan Pokok", kind="pokok", balance_class="equity",
             amount=settings.get_int(cooperative_id, "simpanan_pokok_amount")),
        dict(code="SW", name="Simpanan Wajib", kind="wajib", balance_class="equity",
             amount=settings.get_int(cooperative_id, "simpanan_wajib_amount")),
        dict(code="SS", name="Simpanan Sukarela (Tabungan)", kind="sukarela", balance_class="liability",
             interest_method="daily_balance", interest_rate=Decimal("3")),
        dict(code="SB12", name="Simpanan Berjangka 12 bulan", kind="berjangka", balance_class="liability",
             interest_method="lowest_monthly_balance", interest_rate=Decimal("6"), term_months=12,
             maturity_action="sukarela", allows_early_withdrawal=True, early_withdrawal_penalty=Decimal("1")),
    ]
    out = [create_product(cooperative_id, actor=actor, is_default=True, **spec) for spec in specs]
    return out


def create_product(cooperative_id: int, *, code: str, name: str, kind: str, balance_class: str,
                   amount: int | None = None, min_balance: int = 0, interest_method: str = "none",
                   interest_rate: Decimal = Decimal(0), term_months: int | None = None,
                   maturity_action: str = "sukarela", allows_early_withdrawal: bool = False,
                   early_withdrawal_penalty: Decimal = Decimal(0), is_default: bool = False,
                   actor=None) -> SavingsProduct:
    """Create a savings product. The control account follows from the kind and balance class."""
    errors = {}
    if kind not in KINDS:
        errors["kind"] = ["jenis simpanan tidak dikenal"]
    if (kind, balance_class) not in CONTROL_CODES:
        errors["balance_class"] = ["sukarela dan berjangka selalu kewajiban" if kind in KINDS
                                   else "kelas neraca tidak dikenal"]
    if kind in ("pokok", "wajib") and not (isinstance(amount, int) and amount > 0):
        errors["amount"] = ["jumlah simpanan pokok/wajib harus lebih dari nol"]
    if kind == "berjangka" and not term_months:
        errors["term_months"] = ["jangka waktu wajib diisi untuk simpanan berjangka"]
    if errors:
        raise ValidationError("Produk simpanan tidak valid.", fields=errors)
    product = SavingsProduct(
        cooperative_id=cooperative_id, code=code, name=name, kind=kind, amount=amount,
        balance_class=balance_class, control_code=CONTROL_CODES[(kind, balance_class)],
        min_balance=min_balance, interest_method=interest_method, interest_rate=Decimal(interest_rate),
        term_months=term_months, maturity_action=maturity_action,
        allows_early_withdrawal=allows_early_withdrawal,
        early_withdrawal_penalty=Decimal(early_withdrawal_penalty), is_default=is_default)
    db.session.add(product)
    db.session.flush()
    audit.record(actor, "savings.product.create", "savings_product", product.id,
                 {"code": code, "kind": kind}, cooperative_id=cooperative_id)
    return product


PRODUCT_EDITABLE = ("name", "amount", "min_balance", "interest_method", "interest_rate", "term_months",
                    "maturity_action", "allows_early_withdrawal", "early_withdrawal_penalty", "is_active")


def update_product(cooperative_id: int, product_id: int, *, actor, **changes) -> SavingsProduct:
    """Change a product's terms. Open accounts follow the new minimum balance (their ledger floor);
    berjangka accounts keep the rate fixed at their opening. The wajib amount is date-versioned in the
    setting ``simpanan_wajib_amount`` (so past months keep theirs) and is not changed here.

    :raises ValidationError: unknown field, bad value, the wajib amount, or a berjangka product's term cleared.
    """

    product = get_product(cooperative_id, product_id)
    errors = {}
    for key in changes:
        if key not in PRODUCT_EDITABLE:
            errors[key] = ["tidak dapat diubah"]
    if "amount" in changes and changes["amount"] != product.amount:
        has_accounts = db.session.scalar(sa.select(SavingsAccount.id).where(
            SavingsAccount.product_id == product.id).limit(1)) is not None
        if product.kind == "wajib":
            errors["amount"] = ["ubah lewat Pengaturan 'Simpanan wajib per bulan' dengan tanggal berlaku"]
        elif product.kind == "pokok" and has_accounts:
            errors["amount"] = ["simpanan pokok sama untuk semua anggota: tidak diubah setelah ada anggota"]
        elif product.kind not in ("pokok", "wajib") and changes["amount"] is not None:
            errors["amount"] = ["hanya untuk pokok dan wajib"]
    if changes.get("interest_method", product.interest_method) not in INTEREST_METHODS:
        errors["interest_method"] = ["metode tidak dikenal"]
    if changes.get("min_balance", 0) is None or changes.get("min_balance", 0) < 0:
        errors["min_balance"] = ["tidak boleh negatif"]
    if Decimal(changes.get("interest_rate", 0) or 0) < 0:
        errors["interest_rate"] = ["tidak boleh negatif"]
    if product.kind == "berjangka" and "term_months" in changes and not changes["term_months"]:
        errors["term_months"] = ["jangka waktu wajib diisi untuk simpanan berjangka"]
    if errors:
        raise ValidationError("Perubahan produk tidak valid.", fields=errors)
    before = {k: str(getattr(product, k)) for k in changes}
    for key, value in changes.items():
        setattr(product, key, value)
    if "min_balance" in changes:
        ledger_ids = sa.select(SavingsAccount.ledger_account_id).where(
            SavingsAccount.product_id == product.id, SavingsAccount.status != "closed").scalar_subquery()
        db.session.execute(sa.update(Account).where(Account.id.in_(ledger_ids))
                           .values(min_balance=changes["min_balance"]).execution_options(synchronize_session=False))
    db.session.flush()
    audit.record(actor, "savings.product.update", "savings_product", product.id,
                 {"before": before, "after": {k: str(v) for k, v in changes.items()}}, cooperative_id=cooperative_id)
    return product


def products(cooperative_id: int) -> list[SavingsProduct]:
    return list(db.session.scalars(sa.select(SavingsProduct).where(
        SavingsProduct.cooperative_id == cooperative_id).order_by(SavingsProduct.id)))


def default_product(cooperative_id: int, kind: str) -> SavingsProduct:
    product = db.session.scalar(sa.select(SavingsProduct).where(
        SavingsProduct.cooperative_id == cooperative_id, SavingsProduct.kind == kind,
        SavingsProduct.is_active.is_(True)).order_by(SavingsProduct.is_default.desc(), SavingsProduct.id)
        .limit(1))
    if product is None:
        seed_defaults(cooperative_id)
        return default_product(cooperative_id, kind)
    return product


def default_products(cooperative_id: int) -> dict[str, SavingsProduct]:
    """The default product of each kind (one query; seeds the defaults if the cooperative has none)."""
    rows = list(db.session.scalars(sa.select(SavingsProduct).where(
        SavingsProduct.cooperative_id == cooperative_id, SavingsProduct.is_active.is_(True))
        .order_by(SavingsProduct.is_default.desc(), SavingsProduct.id)))
    if not rows:
        rows = seed_defaults(cooperative_id)
    out: dict[str, SavingsProduct] = {}
    for p in rows:
        out.setdefault(p.kind, p)
    return out


def get_product(cooperative_id: int, product_id: int) -> SavingsProduct:
    p = db.session.get(SavingsProduct, product_id) if 0 < product_id <= MAX_ID else None
    if p is None or p.cooperative_id != cooperative_id:
        raise NotFound("Produk simpanan tidak ditemukan.")
    return p
