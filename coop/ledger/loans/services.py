"""Loan services: products, application -> approval -> disbursement, repayment (with backdating by
reversal and replay), early payoff, netting at resignation, write-off, recovery, reschedule.

Each loan is a ledger SUB-ACCOUNT under 1201 Piutang Pinjaman: its balance IS the outstanding principal.
Interest, fees and penalties are income when paid (cash basis), credited in the repayment entry itself.
Services flush and never commit; money moves only through :func:`coop.ledger.services.post_entry`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from coop import audit
from coop import settings as coop_settings
from coop.db import db
from coop.errors import Conflict, Forbidden, NotFound, ValidationError
from coop.ledger import chart, schedule
from coop.ledger.loans import rules
from coop.ledger.loans.models import (
    Loan,
    LoanAllocation,
    LoanInstalment,
    LoanProduct,
    LoanRecovery,
    LoanRepayment,
)
from coop.ledger.models import Account, JournalEntry
from coop.ledger.services import Line, account_by_code, open_subaccount, post_entry

APPROVER_ROLES = ("manager", "admin")

PRODUCT_FIELDS = ("name", "method", "rate_percent_per_month", "min_term_months", "max_term_months",
                  "min_principal", "max_principal", "frequency", "grace_periods", "rounding_multiple",
                  "rounding_mode", "fee_percent", "fee_fixed", "fee_deducted", "penalty_kind", "penalty_percent",
                  "penalty_fixed", "penalty_grace_days", "allocation_order", "allocation_strategy",
                  "kl_after_days", "d_after_days", "m_after_days", "provision_lancar", "provision_kl",
                  "provision_d", "provision_m")
#: settings copied onto a loan (everything that decides its amounts)
TERM_FIELDS = tuple(f for f in PRODUCT_FIELDS if f not in ("name", "min_term_months", "max_term_months",
                                                            "min_principal", "max_principal"))


# --------------------------------------------------------------------------------------------
# Products
# --------------------------------------------------------------------------------------------

def _check_product(values: dict) -> None:
    errors: dict[str, list[str]] = {}
    if values.get("method") not in schedule.METHODS:
        errors["method"] = ["harus flat, efektif atau anuitas"]
    if values.get("frequency", "monthly") not in schedule.FREQUENCIES:
        errors["frequency"] = ["harus monthly atau weekly"]
    if values.get("rounding_mode", "half_up") not in schedule.ROUNDING_MODES:
        errors["rounding_mode"] = ["harus half_up atau up"]
    if values.get("penalty_kind", "percent_overdue") not in rules.PENALTY_KINDS:
        errors["penalty_kind"] = ["tidak dikenal"]
    if values.get("allocation_strategy", "instalment") not in ("instalment", "component"):
        errors["allocation_strategy"] = ["harus instalment atau component"]
    try:
        rules.parse_order(values.get("allocation_order", rules.DEFAULT_ORDER))
    except ValueError as exc:
        errors["allocation_order"] = [str(exc)]
    lo, hi = values.get("min_term_months", 1), values.get("max_term_months", 36)
    if lo < 1 or hi < lo:
        errors["max_term_months"] = ["jangka minimal 1 dan maksimal tidak lebih kecil dari minimal"]
    if values.get("min_principal", 1) > values.get("max_principal", 10**15):
        errors["max_principal"] = ["plafon maksimal lebih kecil dari minimal"]
    if values.get("rounding_multiple", 100) < 1:
        errors["rounding_multiple"] = ["minimal 1"]
    kl, d, m = (values.get(k, v) for k, v in (("kl_after_days", 90), ("d_after_days", 180), ("m_after_days", 810)))
    if not 0 <= kl < d < m:
        errors["m_after_days"] = ["ambang kolektibilitas harus naik: KL < D < M"]
    if errors:
        raise ValidationError("Pengaturan produk pinjaman tidak valid.", fields=errors)


def create_product(cooperative_id: int, *, actor, **values) -> LoanProduct:
    """Create a loan product. Thresholds default by frequency (monthly 90/180/810, weekly 30/60/690)."""
    unknown = set(values) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValidationError("Pengaturan tidak dikenal.", fields={k: ["tidak dikenal"] for k in sorted(unknown)})
    freq = values.get("frequency", "monthly")
    defaults = rules.DEFAULT_THRESHOLDS.get(freq, rules.DEFAULT_THRESHOLDS["monthly"])
    for key, default in zip(("kl_after_days", "d_after_days", "m_after_days"), defaults, strict=True):
        values.setdefault(key, default)
    _check_product(values)
    if db.session.scalar(sa.select(LoanProduct.id).where(LoanProduct.cooperative_id == cooperative_id,
                                                         LoanProduct.name == values["name"])):
        raise ValidationError("Nama produk sudah dipakai.", fields={"name": ["sudah dipakai"]})
    product = LoanProduct(cooperative_id=cooperative_id, **values)
    db.session.add(product)
    db.session.flush()
    audit.record(actor, "loans.product.create", "loan_product", product.id, {"name": product.name},
                 cooperative_id=cooperative_id)
    return product


def update_product(cooperative_id: int, product_id: int, *, actor, **values) -> LoanProduct:
    """Change a product's settings. Existing loans keep the terms copied at their application."""
    product = get_product(cooperative_id, product_id)
    merged = {f: getattr(product, f) for f in PRODUCT_FIELDS} | values
    _check_product(merged)
    before = {k: str(getattr(product, k)) for k in values}
    for k, v in values.items():
        setattr(product, k, v)
    db.session.flush()
    audit.record(actor, "loans.product.update", "loan_product", product.id,
                 {"before": before, "after": {k: str(v) for k, v in values.items()}}, cooperative_id=cooperative_id)
    return product


def get_product(cooperative_id: int, product_id: int) -> LoanProduct:
    p = db.session.get(LoanProduct, product_id)
    if p is None or p.cooperative_id != cooperative_id:
        raise NotFound("Produk pinjaman tidak ditemukan.")
    return p


def products(cooperative_id: int, active_only: bool = False) -> list[LoanProduct]:
    q = sa.select(LoanProduct).where(LoanProduct.cooperative_id == cooperative_id)
    if active_only:
        q = q.where(LoanProduct.is_active.is_(True))
    return list(db.session.scalars(q.order_by(LoanProduct.name)))


def terms_of(product: LoanProduct) -> dict:
    """JSON-safe copy of a product's terms (decimals as strings)."""
    out = {}
    for f in TERM_FIELDS:
        v = getattr(product, f)
        out[f] = str(v) if isinstance(v, Decimal) else v
    return out


def schedule_terms(terms: dict, term_months: int) -> schedule.Terms:
    return schedule.Terms(method=terms["method"], rate_percent_per_month=Decimal(terms["rate_percent_per_month"]),
                          term_months=term_months, frequency=terms["frequency"],
                          grace_periods=int(terms["grace_periods"]), rounding_multiple=int(terms["rounding_multiple"]),
                          rounding_mode=terms["rounding_mode"])


def thresholds(terms: dict) -> tuple[int, int, int]:
    return int(terms["kl_after_days"]), int(terms["d_after_days"]), int(terms["m_after_days"])


def provision_rates(terms: dict) -> tuple[Decimal, ...]:
    return tuple(Decimal(terms[k]) for k in ("provision_lancar", "provision_kl", "provision_d", "provision_m"))


def _check_term(product: LoanProduct, principal: int, term_months: int) -> None:
    errors = {}
    if not product.min_term_months <= term_months <= product.max_term_months:
        errors["term_months"] = [f"jangka {product.min_term_months}-{product.max_term_months} bulan"]
    if not product.min_principal <= principal <= product.max_principal:
        errors["principal"] = [f"plafon Rp {product.min_principal:,} - Rp {product.max_principal:,}".replace(",", ".")]
    if errors:
        raise ValidationError("Pinjaman di luar batas produk.", fields=errors)


def preview(cooperative_id: int, product_id: int, principal: int, term_months: int,
            first_due_date: date) -> list[schedule.Instalment]:
    """The schedule a loan would get; the same code books it at disbursement."""
    product = get_product(cooperative_id, product_id)
    _check_term(product, principal, term_months)
    return _build(terms_of(product), principal, term_months, first_due_date)


def _build(terms: dict, principal: int, term_months: int, first_due_date: date) -> list[schedule.Instalment]:
    try:
        return schedule.build_schedule(principal, schedule_terms(terms, term_months), first_due_date)
    except schedule.ScheduleError as exc:
        raise ValidationError(str(exc), fields={"principal": [str(exc)]}) from None
    except (ValueError, OverflowError):  # a due date beyond the calendar (year 9999)
        raise ValidationError("Tanggal jatuh tempo di luar kalender.",
                              fields={"first_due_date": ["terlalu jauh"]}) from None


def fee_for(terms: dict, principal: int) -> int:
    return rules.percent_of(principal, Decimal(terms["fee_percent"])) + int(terms["fee_fixed"])


# --------------------------------------------------------------------------------------------
# Lookups
# --------------------------------------------------------------------------------------------

def get_loan(cooperative_id: int, loan_id: int, *, for_update: bool = False) -> Loan:
    q = sa.select(Loan).where(Loan.id == loan_id)
    if for_update:
        q = q.with_for_update()
    loan = db.session.scalar(q)
    if loan is None or loan.cooperative_id != cooperative_id:
        raise NotFound("Pinjaman tidak ditemukan.")
    return loan


def _member(cooperative_id: int, member_id: int):
    from coop.membership.models import Member

    m = db.session.get(Member, member_id)
    if m is None or m.cooperative_id != cooperative_id:
        raise NotFound("Anggota tidak ditemukan.")
    return m


def instalments(loan: Loan) -> list[LoanInstalment]:
    return list(db.session.scalars(sa.select(LoanInstalment).where(
        LoanInstalment.loan_id == loan.id, LoanInstalment.version == loan.schedule_version)
        .order_by(LoanInstalment.number)))


def outstanding_principal(loan: Loan) -> int:
    if loan.ledger_account_id is None:
        return 0
    return db.session.get(Account, loan.ledger_account_id).natural_balance()


def oldest_unpaid_due_on(insts: list[LoanInstalment]) -> date | None:
    for i in insts:
        if i.owed("principal") + i.owed("interest") + i.owed("fee") > 0:
            return i.due_on
    return None


def arrears(insts: list[LoanInstalment], as_of: date) -> int:
    """Everything owed on instalments due before ``as_of`` (penalties included)."""
    return sum(i.remaining for i in insts if i.due_on < as_of)


def days_past_due(loan: Loan, as_of: date, insts: list[LoanInstalment] | None = None) -> int:
    if loan.status != "active":
        return 0
    return rules.days_past_due(oldest_unpaid_due_on(insts if insts is not None else instalments(loan)), as_of)


def _provisional_number() -> str:
    """A unique placeholder until the row has its id (``PJ-<id>``): no counter to race on."""
    import uuid

    return "tmp-" + uuid.uuid4().hex[:20]


# --------------------------------------------------------------------------------------------
# Application, approval, disbursement
# --------------------------------------------------------------------------------------------

def apply(cooperative_id: int, *, actor, member_id: int, product_id: int, principal: int, term_months: int,
          purpose: str, applied_on: date, business_id: int | None = None,
          business_description: str | None = None, guarantor_member_id: int | None = None,
          collateral_description: str | None = None, collateral_value: int | None = None) -> Loan:
    """Record a loan application (status ``applied``); the product's terms are copied onto it.

    Only current members may borrow (closed-loop cooperative); a guarantor must be another member.
    """
    member = _member(cooperative_id, member_id)
    if member.status not in ("active",):
        raise ValidationError("Hanya anggota aktif yang boleh meminjam.", code="not_member",
                              fields={"member_id": ["anggota belum aktif atau sudah keluar"]})
    if applied_on < member.joined_on:
        raise ValidationError("Tanggal pengajuan sebelum tanggal menjadi anggota.",
                              fields={"applied_on": ["sebelum tanggal bergabung"]})
    product = get_product(cooperative_id, product_id)
    if not product.is_active:
        raise ValidationError("Produk pinjaman tidak aktif.", fields={"product_id": ["tidak aktif"]})
    _check_term(product, principal, term_months)
    if not (purpose or "").strip():
        raise ValidationError("Tujuan pinjaman wajib diisi.", fields={"purpose": ["wajib diisi"]})
    if guarantor_member_id is not None:
        if guarantor_member_id == member_id:
            raise ValidationError("Penjamin harus anggota lain.", fields={"guarantor_member_id": ["anggota lain"]})
        _member(cooperative_id, guarantor_member_id)
    if business_id is not None:
        _check_business(cooperative_id, business_id)
    terms = terms_of(product)
    _build(terms, principal, term_months, applied_on)  # refuse terms that cannot make a schedule now
    loan = Loan(cooperative_id=cooperative_id, number=_provisional_number(), member_id=member_id,
                product_id=product.id, business_id=business_id, guarantor_member_id=guarantor_member_id,
                purpose=purpose.strip(), business_description=business_description,
                collateral_description=collateral_description, collateral_value=collateral_value,
                principal=principal, term_months=term_months, terms=terms, method=product.method,
                rate_percent_per_month=product.rate_percent_per_month, frequency=product.frequency,
                status="applied", applied_on=applied_on, created_by_id=getattr(actor, "id", None),
                collectibility=1, days_past_due=0)
    db.session.add(loan)
    db.session.flush()
    loan.number = f"PJ-{loan.id:06d}"
    db.session.flush()
    audit.record(actor, "loans.apply", "loan", loan.id, {"number": loan.number, "principal": principal,
                                                        "member_id": member_id}, cooperative_id=cooperative_id)
    return loan


def _check_business(cooperative_id: int, business_id: int) -> None:
    from coop.training.models import Business

    b = db.session.get(Business, business_id)
    if b is None or b.cooperative_id != cooperative_id:
        raise ValidationError("Usaha tidak ditemukan.", fields={"business_id": ["tidak ditemukan"]})


def decide(cooperative_id: int, loan_id: int, *, actor, decision: str, note: str | None, on: date) -> Loan:
    """Approve or reject an application (maker-checker).

    The maker of the application may not decide it (403). Above the setting ``loan_two_approvers_above``
    an approval needs two different approvers: the first leaves it ``applied``, the second approves it.
    """
    loan = get_loan(cooperative_id, loan_id, for_update=True)
    if getattr(actor, "role", None) not in APPROVER_ROLES:
        raise Forbidden("Hanya manajer yang boleh memutuskan pinjaman.")
    if loan.created_by_id is not None and actor.id == loan.created_by_id:
        raise Forbidden("Pembuat pengajuan tidak boleh menyetujui pengajuannya sendiri.", code="maker_checker")
    if loan.status != "applied":
        raise Conflict("Pengajuan ini sudah diputuskan.", code="already_decided")
    if decision not in ("approve", "reject"):
        raise ValidationError("Keputusan harus approve atau reject.", fields={"decision": ["approve/reject"]})
    if decision == "reject":
        if not (note or "").strip():
            raise ValidationError("Alasan penolakan wajib diisi.", fields={"note": ["wajib diisi"]})
        loan.status, loan.decided_on, loan.decision_note = "rejected", on, note.strip()
        loan.next_action_date = None
    else:
        limit = coop_settings.get(cooperative_id, "loan_two_approvers_above", on)
        if loan.approved_by_id is None:
            loan.approved_by_id = actor.id
            if loan.principal <= limit:
                loan.status = "approved"
        elif loan.approved_by_id == actor.id:
            raise Forbidden("Pinjaman di atas batas perlu persetujuan manajer kedua.", code="second_approver")
        else:
            loan.second_approved_by_id = actor.id
            loan.status = "approved"
        loan.decided_on, loan.decision_note = on, (note or None)
    db.session.flush()
    audit.record(actor, f"loans.{decision}", "loan", loan.id, {"status": loan.status, "note": note},
                 cooperative_id=cooperative_id)
    return loan


def disburse(cooperative_id: int, loan_id: int, *, actor, disbursed_on: date, first_due_date: date,
             mode: str = "cash", idempotency_key: str | None = None) -> Loan:
    """Pay out an approved loan: open its sub-account, book the schedule (same code as the preview) and
    post one entry: Dr loan principal / Cr cash or the member's sukarela savings (net of a deducted fee)
    / Cr 4102 the fee.
    """
    loan = get_loan(cooperative_id, loan_id, for_update=True)
    if loan.status != "approved":
        raise Conflict("Hanya pinjaman yang disetujui yang dapat dicairkan.", code="not_approved")
    if mode not in ("cash", "savings"):
        raise ValidationError("Cara pencairan harus cash atau savings.", fields={"mode": ["cash/savings"]})
    if first_due_date <= disbursed_on:
        raise ValidationError("Jatuh tempo pertama harus setelah tanggal pencairan.",
                              fields={"first_due_date": ["harus setelah tanggal pencairan"]})
    if disbursed_on < loan.applied_on:
        raise ValidationError("Tanggal pencairan sebelum tanggal pengajuan.", fields={"disbursed_on": ["terlalu awal"]})
    plan = _build(loan.terms, loan.principal, loan.term_months, first_due_date)
    fee = fee_for(loan.terms, loan.principal)
    deducted = bool(loan.terms["fee_deducted"])
    if fee >= loan.principal:
        raise ValidationError("Biaya provisi tidak boleh melebihi pokok.", fields={"principal": ["terlalu kecil"]})
    acc = open_subaccount(cooperative_id, chart.PIUTANG_PINJAMAN, f"{chart.PIUTANG_PINJAMAN}.{loan.number}",
                          f"Pinjaman {loan.number}", min_balance=0)
    if mode == "savings":
        from coop.ledger.savings.services import account_for

        payee = account_for(cooperative_id, loan.member_id, "sukarela").ledger_account_id
    else:
        payee = _acc_id(cooperative_id, chart.KAS)
    net = loan.principal - fee if deducted else loan.principal
    lines = [Line.dr(acc.id, loan.principal, "pokok pinjaman"), Line.cr(payee, net, "pencairan")]
    if deducted and fee:
        lines.append(Line.cr(_acc_id(cooperative_id, chart.PENDAPATAN_PROVISI), fee, "provisi"))
    entry = post_entry(cooperative_id, lines, actor=actor, memo=f"Pencairan pinjaman {loan.number}",
                       value_date=disbursed_on, idempotency_key=idempotency_key, source="loans.disburse",
                       source_ref=loan.number)
    for inst in plan:
        db.session.add(LoanInstalment(
            cooperative_id=cooperative_id, loan_id=loan.id, version=1, number=inst.number, due_on=inst.due_date,
            principal_due=inst.principal, interest_due=inst.interest,
            fee_due=fee if (not deducted and inst.number == 1) else 0))
    loan.status, loan.disbursed_on, loan.first_due_date = "active", disbursed_on, first_due_date
    loan.disbursed_by_id, loan.disbursement_mode, loan.fee_amount = getattr(actor, "id", None), mode, fee
    loan.ledger_account_id, loan.disbursement_entry_id = acc.id, entry.id
    loan.next_action_date = first_due_date
    db.session.flush()
    audit.record(actor, "loans.disburse", "loan", loan.id, {"amount": loan.principal, "fee": fee, "mode": mode,
                                                           "entry": entry.voucher_number},
                 cooperative_id=cooperative_id)
    return loan


# --------------------------------------------------------------------------------------------
# Repayment
# --------------------------------------------------------------------------------------------

def _dues(insts: list[LoanInstalment]) -> list[rules.Due]:
    return [rules.Due(i.number, i.due_on, penalty=i.owed("penalty"), fee=i.owed("fee"),
                      interest=i.owed("interest"), principal=i.owed("principal")) for i in insts if i.remaining > 0]


def _acc_id(cooperative_id: int, code: str) -> int:
    """Id of a chart account, cached for the life of the session (chart accounts are never deleted)."""
    cache = db.session.info.setdefault("loans_account_ids", {})
    key = (cooperative_id, code)
    if key not in cache:
        cache[key] = account_by_code(cooperative_id, code).id
    return cache[key]


def _income_ids(cooperative_id: int) -> dict[str, int]:
    return {"interest": _acc_id(cooperative_id, chart.PENDAPATAN_JASA),
            "fee": _acc_id(cooperative_id, chart.PENDAPATAN_PROVISI),
            "penalty": _acc_id(cooperative_id, chart.PENDAPATAN_DENDA)}


def _credit_lines(cooperative_id: int, loan: Loan, parts: dict[str, int]) -> list[Line]:
    ids = _income_ids(cooperative_id)
    lines = []
    if parts.get("principal"):
        lines.append(Line.cr(loan.ledger_account_id, parts["principal"], "pokok"))
    for comp, memo in (("interest", "jasa"), ("fee", "provisi"), ("penalty", "denda")):
        if parts.get(comp):
            lines.append(Line.cr(ids[comp], parts[comp], memo))
    return lines


def _record(loan: Loan, insts: list[LoanInstalment], result: rules.AllocationResult, *, entry_id: int,
            paid_on: date, amount: int, actor, kind: str, channel: str, replaces_id: int | None = None,
            overpayment: int = 0) -> LoanRepayment:
    by_number = {i.number: i for i in insts}
    parts = result.by_component()
    rep = LoanRepayment(cooperative_id=loan.cooperative_id, loan_id=loan.id, paid_on=paid_on, amount=amount,
                        kind=kind, channel=channel, principal=parts["principal"], interest=parts["interest"],
                        fee=parts["fee"], penalty=parts["penalty"], overpayment=overpayment, entry_id=entry_id,
                        replaces_id=replaces_id, created_by_id=getattr(actor, "id", None))
    db.session.add(rep)
    db.session.flush()
    rows = []
    for a in result.allocations:
        inst = by_number[a.number]
        setattr(inst, f"{a.component}_paid", getattr(inst, f"{a.component}_paid") + a.amount)
        if inst.remaining == 0 and inst.paid_on is None:
            inst.paid_on = paid_on
        rows.append({"cooperative_id": loan.cooperative_id, "repayment_id": rep.id, "instalment_id": inst.id,
                     "entry_id": entry_id, "component": a.component, "amount": a.amount})
    if rows:
        db.session.execute(sa.insert(LoanAllocation), rows)
    rep.outstanding_after = outstanding_principal(loan)
    _after_payment(loan, insts, paid_on, rep.outstanding_after)
    return rep


def _after_payment(loan: Loan, insts: list[LoanInstalment], paid_on: date, outstanding: int) -> None:
    if outstanding == 0 and all(i.remaining == 0 for i in insts):
        loan.status, loan.closed_on = "closed", paid_on
        loan.close_reason = loan.close_reason or "paid"
        loan.next_action_date = None
    else:
        # let the next daily run re-evaluate arrears and class from the new state
        loan.next_action_date = min(loan.next_action_date or paid_on, paid_on)
    db.session.flush()


def _post_payment(cooperative_id: int, loan: Loan, insts: list[LoanInstalment], amount: int, paid_on: date, *,
                  actor, channel: str, kind: str = "repayment", idempotency_key: str | None = None,
                  replaces_id: int | None = None) -> LoanRepayment:
    result = rules.allocate(amount, _dues(insts), loan.terms["allocation_order"],
                            loan.terms.get("allocation_strategy", "instalment"))
    over = result.unapplied
    parts = result.by_component()
    if channel == "savings":
        from coop.ledger.savings.services import account_for

        source_acc = account_for(cooperative_id, loan.member_id, "sukarela").ledger_account_id
    else:
        source_acc = _acc_id(cooperative_id, chart.KAS)
    lines = [Line.dr(source_acc, amount, "angsuran")] + _credit_lines(cooperative_id, loan, parts)
    if over:
        from coop.ledger.savings.services import account_for

        try:
            sukarela = account_for(cooperative_id, loan.member_id, "sukarela").ledger_account_id
        except NotFound:
            raise ValidationError("Pembayaran melebihi seluruh sisa kewajiban.", code="overpayment",
                                  fields={"amount": ["melebihi sisa kewajiban"]}) from None
        if sukarela == source_acc:
            raise ValidationError("Pembayaran melebihi seluruh sisa kewajiban.", code="overpayment",
                                  fields={"amount": ["melebihi sisa kewajiban"]})
        lines.append(Line.cr(sukarela, over, "kelebihan bayar ke simpanan sukarela"))
    entry = post_entry(cooperative_id, lines, actor=actor, memo=f"Angsuran pinjaman {loan.number}",
                       value_date=paid_on, idempotency_key=idempotency_key, source=f"loans.{kind}",
                       source_ref=loan.number)
    return _record(loan, insts, result, entry_id=entry.id, paid_on=paid_on, amount=amount, actor=actor,
                   kind=kind, channel=channel, replaces_id=replaces_id, overpayment=over)


def _reverse(cooperative_id: int, loan: Loan, rep: LoanRepayment, *, actor) -> None:
    """Undo one repayment by a reversal entry (dated like the original) and un-apply its allocations."""
    original = db.session.get(JournalEntry, rep.entry_id)
    lines = [Line(p.account_id, debit=p.credit, credit=p.debit, memo="pembalikan") for p in original.postings]
    rev = post_entry(cooperative_id, lines, actor=actor, memo=f"Pembalikan angsuran {loan.number} untuk urutan ulang",
                     value_date=rep.paid_on, source="loans.replay", source_ref=loan.number, reverses_id=original.id)
    rep.reversal_entry_id = rev.id
    insts = {i.id: i for i in db.session.scalars(sa.select(LoanInstalment).where(LoanInstalment.loan_id == loan.id))}
    for a in db.session.scalars(sa.select(LoanAllocation).where(LoanAllocation.repayment_id == rep.id)):
        inst = insts[a.instalment_id]
        setattr(inst, f"{a.component}_paid", getattr(inst, f"{a.component}_paid") - a.amount)
        inst.paid_on = None if inst.remaining > 0 else inst.paid_on
    if loan.status == "closed" and loan.close_reason == "paid":
        loan.status, loan.closed_on, loan.close_reason = "active", None, None
    db.session.flush()


def _job_ran_through(loan: Loan) -> date | None:
    """The last day the daily job covered this loan: its own last processing, or the job's last run."""
    from coop.jobs_models import JobRun

    last_run = db.session.scalar(sa.select(sa.func.max(JobRun.as_of)).where(
        JobRun.job_id == "loans.daily", JobRun.cooperative_id == loan.cooperative_id))
    days = [d for d in (loan.last_processed_on, last_run) if d is not None]
    return max(days) if days else None


def _forget_assessments_after(loan: Loan, day: date) -> None:
    """Undo what the daily job assessed after ``day`` (penalties, class changes): a payment dated ``day``
    changes them. Only unpaid penalties can be affected (every later repayment was just reversed)."""
    from coop.ledger.loans.models import LoanClassChange, LoanPenalty

    by_id = {i.id: i for i in db.session.scalars(sa.select(LoanInstalment).where(LoanInstalment.loan_id == loan.id))}
    for pen in db.session.scalars(sa.select(LoanPenalty).where(LoanPenalty.loan_id == loan.id,
                                                               LoanPenalty.charged_on > day)):
        by_id[pen.instalment_id].penalty_due -= pen.amount
        db.session.delete(pen)
    db.session.execute(sa.delete(LoanClassChange).where(LoanClassChange.loan_id == loan.id,
                                                        LoanClassChange.changed_on > day))
    last = db.session.scalar(sa.select(LoanClassChange.to_class).where(LoanClassChange.loan_id == loan.id)
                             .order_by(LoanClassChange.changed_on.desc(), LoanClassChange.id.desc()).limit(1))
    loan.collectibility = last or 1
    loan.last_processed_on = day
    db.session.flush()


def _replay_days(cooperative_id: int, loan: Loan, insts: list[LoanInstalment], start: date, processed: date,
                 pending: list[LoanRepayment], *, actor) -> None:
    """Re-run the daily job for this loan day by day after ``start`` up to ``processed``, re-applying the
    reversed repayments on their own dates (the job of a day runs before that day's payments, as in life)."""
    from datetime import timedelta

    from coop.ledger.loans.jobs import process_loan
    from coop.ledger.loans.models import LoanClassChange, LoanPenalty

    day = start
    end = max([processed] + [r.paid_on for r in pending])
    queue = list(pending)
    while day < end:
        day += timedelta(days=1)
        if day <= processed and loan.status == "active":
            penalties: list = []
            changes: list = []
            process_loan(loan, [i for i in insts if i.paid_on is None], day, penalties, changes)
            if penalties:
                db.session.execute(sa.insert(LoanPenalty), penalties)
            if changes:
                db.session.execute(sa.insert(LoanClassChange), changes)
        while queue and queue[0].paid_on == day:
            rep = queue.pop(0)
            _post_payment(cooperative_id, loan, insts, rep.amount, rep.paid_on, actor=actor, channel=rep.channel,
                          kind=rep.kind, replaces_id=rep.id)
    db.session.flush()


def repay(cooperative_id: int, loan_id: int, amount: int, *, actor, paid_on: date, channel: str = "cash",
          idempotency_key: str | None = None) -> LoanRepayment:
    """Record a repayment, allocated in the product's order, oldest instalment first.

    Partial and advance payments simply allocate further; money left after every instalment is settled
    (overpayment) goes to the member's sukarela savings. A payment dated BEFORE later repayments is
    replayed: the later ones are reversed by reversal entries (never edited) and re-applied after it in
    date order; when the daily job already ran past the payment date, its penalties and class changes
    after that date are re-assessed day by day in between. The end state equals entering the payments in
    date order. Closed periods refuse it.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationError("Jumlah harus bilangan bulat rupiah lebih dari nol.", fields={"amount": ["> 0"]})
    loan = get_loan(cooperative_id, loan_id, for_update=True)
    if idempotency_key:
        prior = db.session.scalar(sa.select(LoanRepayment).join(JournalEntry, JournalEntry.id == LoanRepayment.entry_id)
                                  .where(JournalEntry.cooperative_id == cooperative_id,
                                         JournalEntry.idempotency_key == idempotency_key))
        if prior is not None:
            return prior
    if loan.status not in ("active", "closed"):
        raise Conflict("Pinjaman ini tidak sedang berjalan.", code="loan_not_active")
    if loan.disbursed_on and paid_on < loan.disbursed_on:
        raise ValidationError("Tanggal bayar sebelum pencairan.", fields={"paid_on": ["sebelum pencairan"]})
    later = list(db.session.scalars(sa.select(LoanRepayment).where(
        LoanRepayment.loan_id == loan.id, LoanRepayment.reversal_entry_id.is_(None),
        LoanRepayment.paid_on > paid_on).order_by(LoanRepayment.paid_on.desc(), LoanRepayment.id.desc())))
    if loan.status == "closed" and not later:
        raise Conflict("Pinjaman sudah lunas.", code="loan_closed")
    for rep in later:
        _reverse(cooperative_id, loan, rep, actor=actor)
    processed = _job_ran_through(loan) if loan.status == "active" else None
    rerun_days = processed is not None and processed > paid_on
    if rerun_days:
        _forget_assessments_after(loan, paid_on)
    insts = instalments(loan)
    new = _post_payment(cooperative_id, loan, insts, amount, paid_on, actor=actor, channel=channel,
                        idempotency_key=idempotency_key)
    pending = sorted(later, key=lambda r: (r.paid_on, r.id))
    if rerun_days:
        _replay_days(cooperative_id, loan, insts, paid_on, processed, pending, actor=actor)
    else:
        for rep in pending:
            _post_payment(cooperative_id, loan, insts, rep.amount, rep.paid_on, actor=actor, channel=rep.channel,
                          kind=rep.kind, replaces_id=rep.id)
    audit.record(actor, "loans.repay", "loan", loan.id, {"amount": amount, "paid_on": paid_on,
                                                        "replayed": len(later), "repayment_id": new.id},
                 cooperative_id=cooperative_id)
    return new


# --------------------------------------------------------------------------------------------
# Early payoff and netting at resignation
# --------------------------------------------------------------------------------------------

def payoff_quote(cooperative_id: int, loan_id: int, as_of: date) -> dict[str, int]:
    """What settles the loan on ``as_of``: outstanding principal plus interest, fees and penalties of
    instalments due up to that day; interest of later instalments is waived."""
    loan = get_loan(cooperative_id, loan_id)
    return _quote(loan, instalments(loan), as_of)


def _quote(loan: Loan, insts: list[LoanInstalment], as_of: date) -> dict[str, int]:
    due = [i for i in insts if i.due_on <= as_of]
    q = {"principal": outstanding_principal(loan), "interest": sum(i.owed("interest") for i in due),
         "fee": sum(i.owed("fee") for i in insts), "penalty": sum(i.owed("penalty") for i in insts)}
    q["total"] = sum(q.values())
    return q


def _waive_future_interest(insts: list[LoanInstalment], as_of: date) -> None:
    for i in insts:
        if i.due_on > as_of and i.owed("interest") > 0:
            i.interest_waived += i.owed("interest")


def pay_off(cooperative_id: int, loan_id: int, *, actor, paid_on: date, channel: str = "cash",
            idempotency_key: str | None = None) -> LoanRepayment:
    """Early payoff (pelunasan dipercepat): collect :func:`payoff_quote` and close the loan."""
    loan = get_loan(cooperative_id, loan_id, for_update=True)
    if loan.status != "active":
        raise Conflict("Pinjaman ini tidak sedang berjalan.", code="loan_not_active")
    insts = instalments(loan)
    quote = _quote(loan, insts, paid_on)
    _waive_future_interest(insts, paid_on)
    db.session.flush()
    loan.close_reason = "payoff"
    rep = _post_payment(cooperative_id, loan, insts, quote["total"], paid_on, actor=actor, channel=channel,
                        kind="payoff", idempotency_key=idempotency_key)
    audit.record(actor, "loans.payoff", "loan", loan.id, quote, cooperative_id=cooperative_id)
    return rep


@dataclass
class PayoffPlan:
    """Credit lines that settle every open loan of a member (for the resignation entry).

    ``lines`` are credits (principal to each loan's sub-account, interest/fees/penalties to income);
    post them together with the savings debits, then call ``apply(entry)``.
    """

    cooperative_id: int
    value_date: date
    total: int = 0
    lines: list[Line] = field(default_factory=list)
    parts: list[tuple[int, dict[str, int]]] = field(default_factory=list)

    def apply(self, entry: JournalEntry, actor=None) -> list[LoanRepayment]:
        out = []
        for loan_id, quote in self.parts:
            loan = get_loan(self.cooperative_id, loan_id, for_update=True)
            insts = instalments(loan)
            _waive_future_interest(insts, self.value_date)
            db.session.flush()
            result = rules.allocate(quote["total"], _dues(insts), loan.terms["allocation_order"],
                                    loan.terms.get("allocation_strategy", "instalment"))
            loan.close_reason = "netting"
            out.append(_record(loan, insts, result, entry_id=entry.id, paid_on=self.value_date,
                               amount=quote["total"], actor=actor, kind="netting", channel="savings"))
            audit.record(actor, "loans.netting", "loan", loan.id, quote, cooperative_id=self.cooperative_id)
        return out


def plan_member_payoff(cooperative_id: int, member_id: int, value_date: date) -> PayoffPlan:
    plan = PayoffPlan(cooperative_id, value_date)
    for loan in db.session.scalars(sa.select(Loan).where(
            Loan.cooperative_id == cooperative_id, Loan.member_id == member_id, Loan.status == "active")
            .order_by(Loan.id)):
        quote = _quote(loan, instalments(loan), value_date)
        if quote["total"] == 0:
            continue
        plan.lines += _credit_lines(cooperative_id, loan, quote)
        plan.parts.append((loan.id, quote))
        plan.total += quote["total"]
    return plan


# --------------------------------------------------------------------------------------------
# Write-off, recovery, reschedule
# --------------------------------------------------------------------------------------------

def request_write_off(cooperative_id: int, loan_id: int, *, actor, note: str | None = None) -> Loan:
    loan = get_loan(cooperative_id, loan_id, for_update=True)
    if loan.status != "active":
        raise Conflict("Hanya pinjaman berjalan yang dapat dihapusbukukan.", code="loan_not_active")
    if getattr(actor, "role", None) not in APPROVER_ROLES:
        raise Forbidden("Hanya manajer yang boleh mengajukan hapus buku.")
    loan.write_off_requested_by_id = actor.id
    db.session.flush()
    audit.record(actor, "loans.write_off.request", "loan", loan.id, {"note": note}, cooperative_id=cooperative_id)
    return loan


def approve_write_off(cooperative_id: int, loan_id: int, *, actor, on: date) -> Loan:
    """Second approver writes the loan off against the provision (Dr 1209, the rest Dr 5102 / Cr loan)."""
    loan = get_loan(cooperative_id, loan_id, for_update=True)
    if loan.status != "active" or loan.write_off_requested_by_id is None:
        raise Conflict("Belum ada pengajuan hapus buku.", code="no_write_off_request")
    if getattr(actor, "role", None) not in APPROVER_ROLES:
        raise Forbidden("Hanya manajer yang boleh menyetujui hapus buku.")
    if actor.id == loan.write_off_requested_by_id:
        raise Forbidden("Hapus buku perlu persetujuan orang kedua.", code="maker_checker")
    amount = outstanding_principal(loan)
    provision = account_by_code(cooperative_id, chart.PENYISIHAN)
    from_provision = max(0, min(amount, provision.natural_balance()))
    lines = [Line.cr(loan.ledger_account_id, amount, "hapus buku")]
    if from_provision:
        lines.append(Line.dr(provision.id, from_provision, "dari penyisihan"))
    if amount - from_provision:
        lines.append(Line.dr(account_by_code(cooperative_id, chart.BEBAN_PENYISIHAN).id, amount - from_provision,
                             "kekurangan penyisihan"))
    if amount:
        post_entry(cooperative_id, lines, actor=actor, memo=f"Hapus buku pinjaman {loan.number}", value_date=on,
                   source="loans.write_off", source_ref=loan.number)
    loan.status, loan.closed_on, loan.close_reason = "written_off", on, "written_off"
    loan.write_off_approved_by_id, loan.written_off_amount, loan.next_action_date = actor.id, amount, None
    db.session.flush()
    audit.record(actor, "loans.write_off", "loan", loan.id, {"amount": amount}, cooperative_id=cooperative_id)
    return loan


def record_recovery(cooperative_id: int, loan_id: int, amount: int, *, actor, received_on: date) -> LoanRecovery:
    """Money received on a written-off loan: income (4104), Dr cash."""
    loan = get_loan(cooperative_id, loan_id)
    if loan.status != "written_off":
        raise Conflict("Pemulihan hanya untuk pinjaman yang sudah dihapusbukukan.", code="not_written_off")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationError("Jumlah harus lebih dari nol.", fields={"amount": ["> 0"]})
    entry = post_entry(cooperative_id, [Line.dr(account_by_code(cooperative_id, chart.KAS).id, amount),
                                        Line.cr(account_by_code(cooperative_id, chart.PENDAPATAN_PEMULIHAN).id, amount)],
                       actor=actor, memo=f"Pemulihan pinjaman {loan.number}", value_date=received_on,
                       source="loans.recovery", source_ref=loan.number)
    rec = LoanRecovery(cooperative_id=cooperative_id, loan_id=loan.id, received_on=received_on, amount=amount,
                       entry_id=entry.id, created_by_id=getattr(actor, "id", None))
    db.session.add(rec)
    db.session.flush()
    audit.record(actor, "loans.recovery", "loan", loan.id, {"amount": amount}, cooperative_id=cooperative_id)
    return rec


def reschedule(cooperative_id: int, loan_id: int, *, actor, on: date, term_months: int,
               first_due_date: date) -> Loan:
    """Replace the open schedule by a new one for the outstanding principal (same method and rate).
    Unpaid interest already due is carried into the first new instalment; unpaid penalties are waived."""
    loan = get_loan(cooperative_id, loan_id, for_update=True)
    if loan.status != "active":
        raise Conflict("Hanya pinjaman berjalan yang dapat dijadwal ulang.", code="loan_not_active")
    if getattr(actor, "role", None) not in APPROVER_ROLES:
        raise Forbidden("Hanya manajer yang boleh menjadwal ulang.")
    if first_due_date <= on:
        raise ValidationError("Jatuh tempo pertama harus setelah tanggal jadwal ulang.",
                              fields={"first_due_date": ["harus setelah tanggal"]})
    old = instalments(loan)
    balance = outstanding_principal(loan)
    carried = sum(i.owed("interest") for i in old if i.due_on <= on) + sum(i.owed("fee") for i in old)
    plan = _build(loan.terms, balance, term_months, first_due_date)
    loan.schedule_version += 1
    for inst in plan:
        db.session.add(LoanInstalment(
            cooperative_id=cooperative_id, loan_id=loan.id, version=loan.schedule_version, number=inst.number,
            due_on=inst.due_date, principal_due=inst.principal,
            interest_due=inst.interest + (carried if inst.number == 1 else 0)))
    loan.term_months, loan.rescheduled_on, loan.next_action_date = term_months, on, on
    db.session.flush()
    audit.record(actor, "loans.reschedule", "loan", loan.id, {"balance": balance, "term_months": term_months,
                                                             "carried_interest": carried},
                 cooperative_id=cooperative_id)
    return loan


# --------------------------------------------------------------------------------------------
# Queries other areas use
# --------------------------------------------------------------------------------------------

def interest_paid_by_member(cooperative_id: int, start: date, end: date) -> dict[int, int]:
    """Interest (jasa) each member paid between ``start`` and ``end`` inclusive, net of reversed payments
    (the SHU jasa-usaha base)."""
    rows = db.session.execute(sa.select(Loan.member_id, sa.func.sum(LoanRepayment.interest)).join(
        Loan, Loan.id == LoanRepayment.loan_id).where(
        LoanRepayment.cooperative_id == cooperative_id, LoanRepayment.reversal_entry_id.is_(None),
        LoanRepayment.paid_on >= start, LoanRepayment.paid_on <= end).group_by(Loan.member_id))
    return {m: int(v or 0) for m, v in rows if v}


def portfolio_by_class(cooperative_id: int, as_of: date | None = None) -> dict[int, dict[str, int]]:
    """Active loans by collectibility class: ``{class: {"count", "outstanding"}}`` (classes 1-4).

    With ``as_of`` the class is computed live from the oldest unpaid instalment (see
    :mod:`coop.ledger.loans.reports`); without it, the class the daily job last stored. Balances are current.
    """
    if as_of is not None:
        from coop.ledger.loans.reports import portfolio

        return portfolio(cooperative_id, as_of).by_class
    out = {k: {"count": 0, "outstanding": 0} for k in rules.CLASSES}
    rows = db.session.execute(sa.select(Loan.collectibility, sa.func.count(Loan.id), sa.func.sum(Account.balance))
                              .join(Account, Account.id == Loan.ledger_account_id)
                              .where(Loan.cooperative_id == cooperative_id, Loan.status == "active")
                              .group_by(Loan.collectibility))
    for klass, n, total in rows:
        out[klass] = {"count": int(n), "outstanding": int(total or 0)}
    return out


def loans_for_businesses(cooperative_id: int, business_ids) -> list[Loan]:
    """Loans linked to these training businesses (any status), oldest first."""
    ids = list(business_ids)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Loan).where(Loan.cooperative_id == cooperative_id,
                                                        Loan.business_id.in_(ids)).order_by(Loan.id)))


def loans_of_member(cooperative_id: int, member_id: int) -> list[Loan]:
    return list(db.session.scalars(sa.select(Loan).where(Loan.cooperative_id == cooperative_id,
                                                        Loan.member_id == member_id).order_by(Loan.id)))
