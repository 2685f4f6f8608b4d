"""HTML pages of loans: list, application, loan page with its actions (approve, disburse, repay, payoff,
write-off, recovery, reschedule), printable agreement and receipts, products, reports."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from coop.auth.models import User
from coop.auth.roles import ADMIN, AUDITOR, MANAGER, TREASURER
from coop.blueprints.common import business_today as _today
from coop.blueprints.common import coop_id, paginate, roles_required
from coop.blueprints.loan_exposure import applicant_exposure
from coop.db import atomic, db
from coop.errors import CoopError
from coop.formatting import rupiah
from coop.i18n import N_
from coop.ledger import stamp_duty as meterai
from coop.loans import forms, rules
from coop.loans import reports as loan_reports
from coop.loans import services as loans
from coop.loans.due import amount_due
from coop.loans.models import Loan, LoanProduct, LoanRepayment

bp = Blueprint("loans", __name__, url_prefix="/loans")

READ = (ADMIN, TREASURER, MANAGER, AUDITOR)
APPLY = (ADMIN, TREASURER, MANAGER)
CASH = (ADMIN, TREASURER)
APPROVE = (ADMIN, MANAGER)
#: An application above ``loan_two_approvers_above`` approved once: still ``applied`` in the database,
#: shown (and filtered) as its own status so a second manager finds it.
AWAITING_SECOND = "awaiting_second"
STATUS_LABELS = {"applied": N_("Diajukan"), AWAITING_SECOND: N_("Menunggu persetujuan kedua"),
                 "approved": N_("Disetujui"), "rejected": N_("Ditolak"),
                 "active": N_("Berjalan"), "closed": N_("Lunas"), "written_off": N_("Dihapusbukukan")}



def _members(active_only: bool = True):
    from coop.membership.models import Member
    from coop.registry.models import Resident

    q = sa.select(Member.id, Member.member_number, Resident.full_name).join(Resident, Resident.id == Member.resident_id)\
        .where(Member.cooperative_id == coop_id())
    if active_only:
        q = q.where(Member.status == "active")
    return [SelectChoice(mid, f"{num} - {name}") for mid, num, name in db.session.execute(q.order_by(Member.member_seq).limit(2000))]


def _member_info(member_id: int):
    from coop.membership.models import Member

    m = db.session.get(Member, member_id)
    return m


def _prefetch(loans_on_page) -> list:
    """Load the page's members (with residents) and ledger accounts in two queries, so the rows'
    ``member(...)`` and ``outstanding_principal`` are identity-map hits instead of two queries per row.
    The caller holds the returned objects (the session's identity map is weak)."""
    from coop.ledger.models import Account
    from coop.membership.models import Member

    member_ids = {loan.member_id for loan in loans_on_page}
    account_ids = {loan.ledger_account_id for loan in loans_on_page if loan.ledger_account_id is not None}
    loaded: list = []
    if member_ids:
        loaded += db.session.scalars(sa.select(Member).where(Member.id.in_(member_ids))).unique().all()
    if account_ids:
        loaded += db.session.scalars(sa.select(Account).where(Account.id.in_(account_ids))).all()
    return loaded


def _flash_error(exc: CoopError) -> None:
    msg = exc.message
    if exc.fields and exc.status == 422:  # a conflict's message is whole ("Kas tidak mencukupi: ...")
        msg += " " + "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items())
    flash(msg, "danger")


def status_of(loan: Loan) -> str:
    """The status a person sees: ``awaiting_second`` for an application with its first approval."""
    return AWAITING_SECOND if loan.status == "applied" and loan.approved_by_id is not None else loan.status


def _where_status(status: str):
    if status == AWAITING_SECOND:
        return sa.and_(Loan.status == "applied", Loan.approved_by_id.is_not(None))
    if status == "applied":
        return sa.and_(Loan.status == "applied", Loan.approved_by_id.is_(None))
    return Loan.status == status


def status_counts(cooperative_id: int) -> dict[str, int]:
    """Loans per shown status (an application awaiting its second approval counted apart)."""
    awaiting = sa.and_(Loan.status == "applied", Loan.approved_by_id.is_not(None))
    shown = sa.case((awaiting, AWAITING_SECOND), else_=Loan.status)
    return {k: n for k, n in db.session.execute(sa.select(shown, sa.func.count()).where(
        Loan.cooperative_id == cooperative_id).group_by(shown)).all()}


@bp.app_template_filter("loan_status")
def _loan_status(status) -> str:
    """``loan|loan_status`` (the shown status, see :func:`status_of`) or ``"active"|loan_status``."""
    if isinstance(status, Loan):
        status = status_of(status)
    return gettext(STATUS_LABELS[status]) if status in STATUS_LABELS else status


@bp.app_template_filter("kolektibilitas")
def _kolektibilitas(klass: int) -> str:
    return gettext(rules.CLASSES[klass]) if klass in rules.CLASSES else str(klass)


@bp.route("/")
@roles_required(*READ)
def index():
    from coop.membership.models import Member
    from coop.registry.models import Resident

    status = request.args.get("status") or None
    q = sa.select(Loan).where(Loan.cooperative_id == coop_id())
    if status in STATUS_LABELS:
        q = q.where(_where_status(status))
    text = (request.args.get("q") or "").strip()
    if text:
        q = q.join(Member, Member.id == Loan.member_id).join(Resident, Resident.id == Member.resident_id).where(
            sa.or_(Loan.number.ilike(f"%{text}%"), Resident.full_name.ilike(f"%{text}%"),
                   Member.member_number.ilike(f"%{text}%")))
    page = paginate(q.order_by(Loan.id.desc()))
    loaded = _prefetch(page.items)  # noqa: F841 - held so the identity map keeps them while rendering
    counts = status_counts(coop_id())
    return render_template("loans/index.html", page=page, status=status, counts=counts, labels=STATUS_LABELS,
                           q=text, member=_member_info)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*APPLY)
def new():
    form = forms.ApplicationForm()
    form.member_id.choices = _members()
    form.guarantor_member_id.choices = [SelectChoice(0, gettext("- tanpa penjamin -"))] + _members()
    form.product_id.choices = [SelectChoice(p.id, p.name) for p in loans.products(coop_id(), active_only=True)]
    form.business_id.choices = [SelectChoice(0, gettext("- tidak terkait -"))] + _businesses()
    if request.method == "GET":
        form.applied_on.data = _today()
        if request.args.get("member_id", type=int):
            form.member_id.data = request.args.get("member_id", type=int)
    if form.validate_on_submit():
        try:
            loan = atomic(loans.apply, coop_id(), actor=current_user, member_id=form.member_id.data,
                          product_id=form.product_id.data, principal=form.principal.data,
                          term_months=form.term_months.data, purpose=form.purpose.data,
                          applied_on=form.applied_on.data, business_id=form.business_id.data or None,
                          business_description=form.business_description.data or None,
                          guarantor_member_id=form.guarantor_member_id.data or None,
                          collateral_description=form.collateral_description.data or None,
                          collateral_value=form.collateral_value.data or None)
        except CoopError as exc:
            form.form_errors.append(exc.message)
            for name, msgs in exc.fields.items():
                if hasattr(form, name):
                    getattr(form, name).errors = list(getattr(form, name).errors) + list(msgs)
        else:
            flash(gettext("Pengajuan %(number)s tersimpan. Menunggu persetujuan manajer.", number=loan.number), "success")
            return redirect(url_for("loans.show", loan_id=loan.id))
    return render_template("loans/new.html", form=form)


def _businesses():
    try:
        from coop.training.models import Business
    except ImportError:
        return []
    rows = db.session.scalars(sa.select(Business).where(Business.cooperative_id == coop_id()).limit(1000))
    return [SelectChoice(b.id, getattr(b, "name", f"Usaha {b.id}")) for b in rows]


@bp.route("/<int:loan_id>")
@roles_required(*READ)
def show(loan_id: int):
    loan = loans.get_loan(coop_id(), loan_id)
    as_of = _today()
    insts = loans.instalments(loan) if loan.ledger_account_id else []
    reps = list(db.session.scalars(sa.select(LoanRepayment).where(LoanRepayment.loan_id == loan.id)
                                   .order_by(LoanRepayment.paid_on, LoanRepayment.id)))
    preview = exposure = None
    member = _member_info(loan.member_id)
    if loan.status == "applied":
        exposure = applicant_exposure(coop_id(), loan, member, as_of)
    if loan.status in ("applied", "approved"):
        first = loan.first_due_date or _add_month(as_of)
        preview = loans._build(loan.terms, loan.principal, loan.term_months, first)
    due = amount_due(insts, as_of) if loan.status == "active" else None
    ctx = {"loan": loan, "insts": insts, "reps": reps, "preview": preview, "as_of": as_of, "due": due,
           "member": member, "exposure": exposure, "shown_status": status_of(loan),
           "first_approver": db.session.get(User, loan.approved_by_id) if loan.approved_by_id else None,
           "guarantor": _member_info(loan.guarantor_member_id) if loan.guarantor_member_id else None,
           "outstanding": loans.outstanding_principal(loan), "arrears": loans.arrears(insts, as_of),
           "dpd": loans.days_past_due(loan, as_of, insts),
           "quote": loans._quote(loan, insts, as_of) if loan.status == "active" else None,
           "decision_form": forms.DecisionForm(), "disburse_form": forms.DisburseForm(
               disbursed_on=as_of, first_due_date=_add_month(as_of)),
           "repay_form": forms.RepayForm(paid_on=as_of, amount=due.suggested if due else None), "payoff_form": forms.PayoffForm(paid_on=as_of),
           "note_form": forms.NoteForm(on=as_of), "reject_form": forms.RejectWriteOffForm(),
           "write_off_requester": (db.session.get(User, loan.write_off_requested_by_id)
                                   if loan.write_off_requested_by_id else None),
           "recovery_form": forms.RecoveryForm(received_on=as_of),
           "reschedule_form": forms.RescheduleForm(on=as_of, first_due_date=_add_month(as_of),
                                                   term_months=loan.term_months),
           "role": current_user.role}
    return render_template("loans/show.html", **ctx)


def _add_month(d: date) -> date:
    from coop.loans.schedule import add_months

    return add_months(d, 1)


def _act(loan_id: int, form, fn, ok: str, *args, **kwargs):
    loans.get_loan(coop_id(), loan_id)
    if not form.validate_on_submit():
        for f in form:
            for e in f.errors:
                flash(f"{f.label.text}: {e}", "danger")
        return redirect(url_for("loans.show", loan_id=loan_id))
    try:
        result = atomic(fn, coop_id(), loan_id, *args, actor=current_user, **kwargs)
    except CoopError as exc:
        if exc.status == 403:
            abort(403)
        _flash_error(exc)
        return redirect(url_for("loans.show", loan_id=loan_id))
    flash(gettext(ok), "success")
    return result


def _act_then_show(loan_id: int, form, fn, ok: str, **kwargs):
    """:func:`_act` for actions that return the loan: back to the loan page either way."""
    res = _act(loan_id, form, fn, ok, **kwargs)
    return res if not isinstance(res, Loan) else redirect(url_for("loans.show", loan_id=loan_id))


@bp.post("/<int:loan_id>/decide")
@roles_required(*APPROVE)
def decide(loan_id: int):
    """Setujui or Tolak (two buttons, nothing preselected). The maker-checker refusals are told as they
    are ("menunggu persetujuan kedua"), on the loan page, never as a bare 403."""
    loans.get_loan(coop_id(), loan_id)
    form = forms.DecisionForm()
    back = redirect(url_for("loans.show", loan_id=loan_id))
    if not form.validate_on_submit():
        flash(gettext("Pilih Setujui atau Tolak."), "danger")
        return back
    try:
        loan = atomic(loans.decide, coop_id(), loan_id, actor=current_user, decision=form.decision.data,
                      note=form.note.data, on=_today())
    except CoopError as exc:
        if exc.code == "second_approver":
            flash(gettext("Anda sudah memberi persetujuan pertama. Pengajuan menunggu persetujuan kedua dari "
                          "manajer lain."), "warning")
        else:
            _flash_error(exc)
        return back
    if status_of(loan) == AWAITING_SECOND:
        flash(gettext("Persetujuan pertama tercatat. Pinjaman di atas batas: menunggu persetujuan kedua dari "
                      "manajer lain."), "success")
    else:
        flash(gettext("Keputusan tersimpan."), "success")
    return back


@bp.post("/<int:loan_id>/disburse")
@roles_required(*CASH)
def disburse(loan_id: int):
    form = forms.DisburseForm()
    res = _act(loan_id, form, loans.disburse, N_("Pinjaman dicairkan."), disbursed_on=form.disbursed_on.data,
               first_due_date=form.first_due_date.data, mode=form.mode.data)
    if isinstance(res, Loan):
        return redirect(url_for("loans.disbursement_receipt", loan_id=loan_id))
    return res


@bp.post("/<int:loan_id>/repay")
@roles_required(*CASH)
def repay(loan_id: int):
    form = forms.RepayForm()
    loans.get_loan(coop_id(), loan_id)
    if not form.validate_on_submit() or not form.amount.data:
        flash(gettext("Isi jumlah dan tanggal bayar."), "danger")
        return redirect(url_for("loans.show", loan_id=loan_id))
    try:
        quote = loans.payoff_quote(coop_id(), loan_id, form.paid_on.data)
    except CoopError:
        quote = None  # the repayment itself says what is wrong (not active, a day before its history)
    if quote and form.amount.data > quote["total"]:
        # a typo of an extra zero would close the loan, charge future interest and move the rest to
        # sukarela: nothing is posted; the page offers "Lunasi sekarang" for the exact payoff
        flash(gettext("Jumlah %(amount)s melebihi pelunasan %(total)s: tidak dicatat. Periksa jumlahnya, atau "
                      "pakai \"Lunasi sekarang\" untuk menutup pinjaman.", amount=rupiah(form.amount.data),
                      total=rupiah(quote["total"])), "warning")
        return redirect(url_for("loans.show", loan_id=loan_id, _anchor="repay"))
    res = _act(loan_id, form, loans.repay, N_("Angsuran tercatat."), form.amount.data, paid_on=form.paid_on.data,
               channel=form.channel.data)
    if isinstance(res, LoanRepayment):
        return redirect(url_for("loans.receipt", loan_repayment_id=res.id))
    return res


@bp.post("/<int:loan_id>/payoff")
@roles_required(*CASH)
def payoff(loan_id: int):
    form = forms.PayoffForm()
    res = _act(loan_id, form, loans.pay_off, N_("Pinjaman dilunasi."), paid_on=form.paid_on.data)
    if isinstance(res, LoanRepayment):
        return redirect(url_for("loans.receipt", loan_repayment_id=res.id))
    return res


@bp.post("/<int:loan_id>/write-off/request")
@roles_required(*APPROVE)
def write_off_request(loan_id: int):
    form = forms.NoteForm()
    return _act_then_show(loan_id, form, loans.request_write_off, N_("Pengajuan hapus buku tercatat; perlu persetujuan kedua."),
                          note=form.note.data)


@bp.post("/<int:loan_id>/write-off/approve")
@roles_required(*APPROVE)
def write_off_approve(loan_id: int):
    form = forms.NoteForm()
    return _act_then_show(loan_id, form, loans.approve_write_off, N_("Pinjaman dihapusbukukan."), on=form.on.data or _today())


@bp.post("/<int:loan_id>/write-off/reject")
@roles_required(*APPROVE)
def write_off_reject(loan_id: int):
    form = forms.RejectWriteOffForm()
    return _act_then_show(loan_id, form, loans.reject_write_off, N_("Pengajuan hapus buku ditolak."), reason=form.reason.data)


@bp.post("/<int:loan_id>/write-off/withdraw")
@roles_required(*APPROVE)
def write_off_withdraw(loan_id: int):
    form = forms.NoteForm()
    return _act_then_show(loan_id, form, loans.withdraw_write_off, N_("Pengajuan hapus buku ditarik kembali."),
                          note=form.note.data)


@bp.post("/<int:loan_id>/recovery")
@roles_required(*CASH)
def recovery(loan_id: int):
    form = forms.RecoveryForm()
    res = _act(loan_id, form, loans.record_recovery, N_("Pemulihan tercatat."), form.amount.data,
               received_on=form.received_on.data)
    return redirect(url_for("loans.show", loan_id=loan_id)) if not hasattr(res, "status_code") else res


@bp.post("/<int:loan_id>/reschedule")
@roles_required(*APPROVE)
def reschedule(loan_id: int):
    form = forms.RescheduleForm()
    return _act_then_show(loan_id, form, loans.reschedule, N_("Jadwal baru tersimpan."), on=form.on.data,
                          term_months=form.term_months.data, first_due_date=form.first_due_date.data)


@bp.route("/<int:loan_id>/agreement")
@roles_required(*READ)
def agreement(loan_id: int):
    loan = loans.get_loan(coop_id(), loan_id)
    first = loan.first_due_date or _add_month(_today())
    plan = loans._build(loan.terms, loan.principal, loan.term_months, first)
    return render_template("loans/agreement.html", loan=loan, plan=plan, member=_member_info(loan.member_id),
                           guarantor=_member_info(loan.guarantor_member_id) if loan.guarantor_member_id else None,
                           coop=current_user.cooperative, fee=loans.fee_for(loan.terms, loan.principal),
                           today=_today(),
                           # an agreement is dutiable at any amount (UU 10/2020 Pasal 3(2)(a))
                           stamp=meterai.stamp_duty(loan.cooperative_id, loan.principal,
                                                    loan.disbursed_on or _today(), document=meterai.AGREEMENT))


@bp.route("/<int:loan_id>/disbursement-receipt")
@roles_required(*READ)
def disbursement_receipt(loan_id: int):
    from coop.ledger.models import JournalEntry

    loan = loans.get_loan(coop_id(), loan_id)
    if loan.disbursement_entry_id is None:
        abort(404)
    entry = db.session.get(JournalEntry, loan.disbursement_entry_id)
    net = loan.principal - (loan.fee_amount if loan.terms.get("fee_deducted") else 0)
    return render_template("loans/disbursement_receipt.html", loan=loan, entry=entry, net=net,
                           stamp=meterai.stamp_duty(loan.cooperative_id, net, loan.disbursed_on,
                                                    document=meterai.RECEIPT),
                           member=_member_info(loan.member_id), coop=current_user.cooperative)


@bp.route("/repayments/<int:loan_repayment_id>/receipt")
@roles_required(*READ)
def receipt(loan_repayment_id: int):
    from coop.ledger.models import JournalEntry

    rep = db.session.get(LoanRepayment, loan_repayment_id)
    if rep is None or rep.cooperative_id != coop_id():
        abort(404)
    loan = loans.get_loan(coop_id(), rep.loan_id)
    entry = db.session.get(JournalEntry, rep.entry_id)
    numbers = sorted({a.number for a in _allocated_instalments(rep)})
    return render_template("loans/receipt.html", rep=rep, loan=loan, entry=entry, numbers=numbers,
                           stamp=meterai.stamp_duty(loan.cooperative_id, rep.amount, rep.paid_on,
                                                    document=meterai.RECEIPT),
                           member=_member_info(loan.member_id), coop=current_user.cooperative,
                           # the principal right after THIS payment: a reprint shows the original's figures
                           outstanding=rep.outstanding_after)


def _allocated_instalments(rep):
    from coop.loans.models import LoanAllocation, LoanInstalment

    return db.session.scalars(sa.select(LoanInstalment).join(LoanAllocation, LoanAllocation.instalment_id == LoanInstalment.id)
                              .where(LoanAllocation.repayment_id == rep.id))


@bp.route("/products", methods=["GET", "POST"])
@roles_required(*READ)
def products():
    form = forms.ProductForm()
    if request.method == "POST":
        if current_user.role not in (ADMIN, MANAGER):
            abort(403)
        if form.validate_on_submit():
            try:
                values = {f: getattr(form, f).data for f in (
                    "name", "method", "frequency", "min_term_months", "max_term_months", "min_principal",
                    "max_principal", "grace_periods", "rounding_multiple", "fee_fixed", "fee_deducted",
                    "penalty_kind", "penalty_fixed", "penalty_grace_days", "allocation_order")}
                for f in ("rate_percent_per_month", "fee_percent", "penalty_percent"):
                    values[f] = Decimal((getattr(form, f).data or "0").replace(",", "."))
                atomic(loans.create_product, coop_id(), actor=current_user, **values)
            except InvalidOperation:
                flash(gettext("Persentase harus angka, mis. 1,5"), "danger")
            except CoopError as exc:
                _flash_error(exc)
            else:
                flash(gettext("Produk tersimpan."), "success")
                return redirect(url_for("loans.products"))
    items = list(db.session.scalars(sa.select(LoanProduct).where(LoanProduct.cooperative_id == coop_id())
                                    .order_by(LoanProduct.name)))
    from coop import settings as coop_settings

    scheme = coop_settings.get(coop_id(), "collectibility_scheme", _today())
    bank5 = ({k: coop_settings.get(coop_id(), f"bank5_{k}", _today()) for k in ("dpk_after_days", "kl_after_days",
                                                                               "d_after_days", "m_after_days")}
             if scheme == "bank5" else None)
    return render_template("loans/products.html", items=items, form=form, bank5=bank5,
                           can_edit=current_user.role in (ADMIN, MANAGER))


@bp.route("/reports")
@roles_required(*READ)
def reports():
    as_of = _today()
    raw = request.args.get("as_of")
    if raw:
        try:
            as_of = date.fromisoformat(raw)
        except ValueError:
            abort(400)
    return render_template("loans/reports.html", as_of=as_of, p=loan_reports.portfolio(coop_id(), as_of),
                           arrears=loan_reports.arrears_list(coop_id(), as_of),
                           due=loan_reports.due_this_week(coop_id(), as_of), classes=rules.CLASSES)


@bp.route("/statement")
@roles_required(*READ)
def statement():
    member_id = request.args.get("member_id", type=int)
    member = _member_info(member_id) if member_id else None
    if member is None or member.cooperative_id != coop_id():
        abort(404)
    return render_template("loans/statement.html", member=member,
                           rows=loan_reports.member_statement(coop_id(), member.id), as_of=_today())


def dashboard_panel(user):
    if user.role not in (ADMIN, TREASURER, MANAGER, AUDITOR):
        return None
    as_of = _today()
    p = loan_reports.portfolio(user.cooperative_id, as_of)
    counts = status_counts(user.cooperative_id)
    pending = {k: counts.get(k, 0) for k in ("applied", AWAITING_SECOND, "approved")}
    return {"title": "Pinjaman", "template": "loans/_panel.html", "p": p, "pending": pending,
            "labels": STATUS_LABELS,
            "due": len(loan_reports.due_this_week(user.cooperative_id, as_of))}

