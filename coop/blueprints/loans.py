"""HTML pages of loans: list, application, loan page with its actions (approve, disburse, repay, payoff,
write-off, recovery, reschedule), printable agreement and receipts, products, reports."""
from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from coop import settings as coop_settings
from coop.auth.roles import ADMIN, AUDITOR, MANAGER, TREASURER
from coop.blueprints.common import (
    Confirmation,
    carried_fields,
    confirming,
    coop_id,
    editing,
    page_number,
    roles_required,
    submit,
)
from coop.blueprints.common import business_today as _today
from coop.blueprints.receipt_frame import receipt_frame
from coop.errors import CoopError, NotFound
from coop.formatting import rupiah, tanggal
from coop.i18n import N_
from coop.ledger import stamp_duty as meterai
from coop.ledger.queries import entry_id_for_key
from coop.loans import forms, queries, rules
from coop.loans import reports as loan_reports
from coop.loans import services as loans
from coop.loans.models import Loan, LoanRepayment
from coop.loans.queries import AWAITING_SECOND, status_counts, status_of
from coop.loans.schedule import add_months

bp = Blueprint("loans", __name__, url_prefix="/loans")

READ = (ADMIN, TREASURER, MANAGER, AUDITOR)
APPLY = (ADMIN, TREASURER, MANAGER)
CASH = (ADMIN, TREASURER)
APPROVE = (ADMIN, MANAGER)
STATUS_LABELS = {"applied": N_("Diajukan"), AWAITING_SECOND: N_("Menunggu persetujuan kedua"),
                 "approved": N_("Disetujui"), "rejected": N_("Ditolak"),
                 "active": N_("Berjalan"), "closed": N_("Lunas"), "written_off": N_("Dihapusbukukan")}



def _members(active_only: bool = True) -> list[SelectChoice]:
    return [SelectChoice(mid, label) for mid, label in queries.member_choices(coop_id(), active_only=active_only)]


def _member_info(member_id: int | None):
    return queries.member(coop_id(), member_id)


@bp.app_template_filter("loan_status")
def _loan_status(status) -> str:
    """``loan|loan_status`` (the shown status, see :func:`status_of`) or ``"active"|loan_status``."""
    if isinstance(status, Loan):
        status = status_of(status)
    return gettext(STATUS_LABELS[status]) if status in STATUS_LABELS else status


@bp.app_template_filter("loan_method")
def loan_method(method: str) -> str:
    """``loan.method|loan_method``: "efektif" -> "Efektif (menurun)" / "Effective (declining)"."""
    return gettext(rules.METHOD_LABELS[method]) if method in rules.METHOD_LABELS else method


@bp.app_template_filter("loan_product")
def loan_product(name: str) -> str:
    """``product.name|loan_product``: a built-in product's name in the page's language; any other name (the
    cooperative's own, or a built-in one it renamed) as the cooperative wrote it."""
    return gettext(name) if name in rules.BUILT_IN_PRODUCT_NAMES else name


@bp.app_template_filter("kolektibilitas")
def _kolektibilitas(klass: int) -> str:
    return gettext(rules.CLASSES[klass]) if klass in rules.CLASSES else str(klass)


@bp.route("/")
@roles_required(*READ)
def index():
    status = request.args.get("status") or None
    text = (request.args.get("q") or "").strip()
    listing = queries.loan_list(coop_id(), status=status, text=text, page=page_number())
    return render_template("loans/index.html", page=listing.page, status=status, counts=listing.counts,
                           labels=STATUS_LABELS, q=text, member=_member_info, held=listing.held)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*APPLY)
def new():
    form = forms.ApplicationForm()
    form.member_id.choices = _members()
    form.guarantor_member_id.choices = [SelectChoice(0, gettext("- tanpa penjamin -"))] + _members()
    form.product_id.choices = [SelectChoice(p.id, loan_product(p.name)) for p in loans.products(coop_id(), active_only=True)]
    form.business_id.choices = [SelectChoice(0, gettext("- tidak terkait -"))] + _businesses()
    if request.method == "GET":
        form.applied_on.data = _today()
        if request.args.get("member_id", type=int):
            form.member_id.data = request.args.get("member_id", type=int)
    if form.validate_on_submit():
        done = submit(loans.apply, coop_id(), actor=current_user, member_id=form.member_id.data,
                      product_id=form.product_id.data, principal=form.principal.data,
                      term_months=form.term_months.data, purpose=form.purpose.data,
                      applied_on=form.applied_on.data, business_id=form.business_id.data or None,
                      business_description=form.business_description.data or None,
                      guarantor_member_id=form.guarantor_member_id.data or None,
                      collateral_description=form.collateral_description.data or None,
                      collateral_value=form.collateral_value.data or None, form=form)
        if done:
            flash(gettext("Pengajuan %(number)s tersimpan. Menunggu persetujuan manajer.", number=done.value.number),
                  "success")
            return redirect(url_for("loans.show", loan_id=done.value.id))
    return render_template("loans/new.html", form=form)


def _businesses() -> list[SelectChoice]:
    return [SelectChoice(bid, name) for bid, name in queries.business_choices(coop_id())]


@bp.route("/<int:loan_id>")
@roles_required(*READ)
def show(loan_id: int):
    return _show(loan_id)


def _show(loan_id: int, **kept):
    """The loan page; ``kept`` forms (repay_form, payoff_form, disburse_form) replace the fresh ones: "Ubah"
    on a confirmation page comes back with the values typed."""
    as_of = _today()
    view = queries.loan_view(coop_id(), loan_id, as_of)
    ctx = {"loan": view.loan, "insts": view.insts, "reps": view.reps, "preview": view.preview, "as_of": as_of,
           "due": view.due, "member": view.member, "exposure": view.exposure, "shown_status": view.shown_status,
           "first_approver": view.first_approver, "guarantor": view.guarantor, "outstanding": view.outstanding,
           "arrears": view.arrears, "dpd": view.dpd, "quote": view.quote,
           "decision_form": forms.DecisionForm(), "disburse_form": forms.DisburseForm(
               disbursed_on=as_of, first_due_date=_add_month(as_of)),
           "repay_form": forms.RepayForm(paid_on=as_of, amount=view.due.suggested if view.due else None),
           "payoff_form": forms.PayoffForm(paid_on=as_of),
           "note_form": forms.NoteForm(on=as_of), "reject_form": forms.RejectWriteOffForm(),
           "write_off_requester": view.write_off_requester,
           "recovery_form": forms.RecoveryForm(received_on=as_of),
           "reschedule_form": forms.RescheduleForm(on=as_of, first_due_date=_add_month(as_of),
                                                   term_months=view.loan.term_months),
           "role": current_user.role}
    for name in ("disburse_form", "repay_form", "payoff_form", "recovery_form"):
        if not ctx[name].nonce.data:
            ctx[name].nonce.data = uuid.uuid4().hex
    ctx.update(kept)
    return render_template("loans/show.html", **ctx)


def _add_month(d: date) -> date:
    return add_months(d, 1)


def _act(loan_id: int, form, fn, ok: str, *args, **kwargs):
    loans.get_loan(coop_id(), loan_id)
    if not form.validate_on_submit():
        for f in form:
            for e in f.errors:
                flash(f"{f.label.text}: {e}", "danger")
        return redirect(url_for("loans.show", loan_id=loan_id))
    done = submit(fn, coop_id(), loan_id, *args, actor=current_user, success=ok, **kwargs)
    return done.value if done else redirect(url_for("loans.show", loan_id=loan_id))


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
    done = submit(loans.decide, coop_id(), loan_id, actor=current_user, decision=form.decision.data,
                  note=form.note.data, on=_today(), quiet={"second_approver"})
    if not done:
        if done.error.code == "second_approver":
            flash(gettext("Anda sudah memberi persetujuan pertama. Pengajuan menunggu persetujuan kedua dari "
                          "manajer lain."), "warning")
        return back
    if status_of(done.value) == AWAITING_SECOND:
        flash(gettext("Persetujuan pertama tercatat. Pinjaman di atas batas: menunggu persetujuan kedua dari "
                      "manajer lain."), "success")
    else:
        flash(gettext("Keputusan tersimpan."), "success")
    return back


def _idem(form) -> str:
    """The idempotency key of a confirmed posting: the form's one-time nonce (kept through the confirmation
    page), so "Konfirmasi" pressed twice posts once."""
    return f"web:{current_user.id}:{form.nonce.data}"


def _confirm_page(form, **kw):
    if not form.nonce.data:
        form.nonce.data = uuid.uuid4().hex
    return render_template("confirm.html", c=Confirmation(fields=carried_fields(**{form.nonce.name: form.nonce.data}),
                                                          **kw))


def _payoff_offer(loan_id: int, paid_on: date, total: int) -> dict:
    return {"text": gettext("Jumlah melebihi pelunasan %(total)s: pinjaman akan lunas dan kelebihannya masuk ke "
                            "simpanan sukarela. Untuk menutup pinjaman, pakai \"Lunasi sekarang\".",
                            total=rupiah(total)),
            "url": url_for("loans.payoff", loan_id=loan_id),
            "label": gettext("Lunasi sekarang (%(amount)s)", amount=rupiah(total)),
            "fields": [("paid_on", paid_on.isoformat()), ("nonce", uuid.uuid4().hex)]}


@bp.post("/<int:loan_id>/disburse")
@roles_required(*CASH)
def disburse(loan_id: int):
    form = forms.DisburseForm()
    loan = loans.get_loan(coop_id(), loan_id)
    if form.validate_on_submit() and editing():
        return _show(loan_id, disburse_form=form)
    if form.validate_on_submit() and not confirming():
        try:
            p = queries.disbursement_preview(coop_id(), loan_id, form.mode.data)
        except CoopError as exc:
            flash(exc.message, "danger")
            return redirect(url_for("loans.show", loan_id=loan_id))
        rows = [(gettext("Anggota"), _member_label(loan.member_id)), (gettext("Pokok pinjaman"), rupiah(p.principal)),
                (gettext("Provisi/administrasi"), rupiah(p.fee)),
                (gettext("Sisa pokok pinjaman setelah pencairan"), rupiah(p.principal))]
        return _confirm_page(form, title=gettext("Pencairan pinjaman %(number)s", number=loan.number), amount=p.net,
                             account=p.account_label, action=url_for("loans.disburse", loan_id=loan_id),
                             balance_label=gettext("Saldo"), balance_before=p.balance_before,
                             balance_after=p.balance_after, rows=rows)
    if form.validate_on_submit() and entry_id_for_key(coop_id(), _idem(form)):
        return redirect(url_for("loans.disbursement_receipt", loan_id=loan_id))
    res = _act(loan_id, form, loans.disburse, N_("Pinjaman dicairkan."), disbursed_on=form.disbursed_on.data,
               first_due_date=form.first_due_date.data, mode=form.mode.data,
               idempotency_key=_idem(form) if form.nonce.data else None)
    if isinstance(res, Loan):
        return redirect(url_for("loans.disbursement_receipt", loan_id=loan_id))
    return res


def _member_label(member_id: int) -> str:
    m = _member_info(member_id)
    return f"{m.full_name} ({m.member_number})" if m else ""


@bp.post("/<int:loan_id>/repay")
@roles_required(*CASH)
def repay(loan_id: int):
    """Two steps (issue 15, item 1): the confirmation page shows the split, the principal after and, for an
    amount above the payoff, nothing to confirm but "Lunasi sekarang"; "Konfirmasi" posts once."""
    form = forms.RepayForm()
    loan = loans.get_loan(coop_id(), loan_id)
    if not form.validate_on_submit() or not form.amount.data:
        flash(gettext("Isi jumlah dan tanggal bayar."), "danger")
        return redirect(url_for("loans.show", loan_id=loan_id))
    if editing():
        return _show(loan_id, repay_form=form)
    if not confirming():
        try:
            p = loans.repayment_preview(coop_id(), loan_id, form.amount.data, form.paid_on.data)
        except CoopError as exc:
            flash(exc.message, "danger")
            return redirect(url_for("loans.show", loan_id=loan_id))
        over = p["payoff_total"] is not None and form.amount.data > p["payoff_total"]
        rows = [(gettext("Anggota"), _member_label(loan.member_id)), (gettext("Tanggal bayar"), tanggal(form.paid_on.data)),
                (gettext("Pokok"), rupiah(p["principal"])), (gettext("Jasa"), rupiah(p["interest"]))]
        rows += [(label, rupiah(p[k])) for k, label in (("fee", gettext("Provisi/administrasi")),
                                                          ("penalty", gettext("Denda")),
                                                          ("overpayment", gettext("Kelebihan (ke simpanan sukarela)")))
                 if p[k]]
        warnings = [_payoff_offer(loan_id, form.paid_on.data, p["payoff_total"])] if over else []
        return _confirm_page(form, title=gettext("Angsuran pinjaman %(number)s", number=loan.number),
                             amount=form.amount.data, account=gettext("Pinjaman %(number)s", number=loan.number),
                             action=url_for("loans.repay", loan_id=loan_id), balance_label=gettext("Sisa pokok"),
                             balance_before=p["outstanding_before"], balance_after=p["outstanding_after"], rows=rows,
                             warnings=warnings, can_confirm=not over)
    try:
        quote = loans.payoff_quote(coop_id(), loan_id, form.paid_on.data)
    except CoopError:
        quote = None  # the repayment itself says what is wrong (not active, a day before its history)
    if quote and form.amount.data > quote["total"] and not entry_id_for_key(coop_id(), _idem(form)):
        # a typo of an extra zero would close the loan, charge future interest and move the rest to
        # sukarela: nothing is posted; the page offers "Lunasi sekarang" for the exact payoff
        flash(gettext("Jumlah %(amount)s melebihi pelunasan %(total)s: tidak dicatat. Periksa jumlahnya, atau "
                      "pakai \"Lunasi sekarang\" untuk menutup pinjaman.", amount=rupiah(form.amount.data),
                      total=rupiah(quote["total"])), "warning")
        return redirect(url_for("loans.show", loan_id=loan_id, _anchor="repay"))
    res = _act(loan_id, form, loans.repay, N_("Angsuran tercatat."), form.amount.data, paid_on=form.paid_on.data,
               channel=form.channel.data, idempotency_key=_idem(form) if form.nonce.data else None)
    if isinstance(res, LoanRepayment):
        return redirect(url_for("loans.receipt", loan_repayment_id=res.id))
    return res


@bp.post("/<int:loan_id>/payoff")
@roles_required(*CASH)
def payoff(loan_id: int):
    form = forms.PayoffForm()
    loan = loans.get_loan(coop_id(), loan_id)
    if form.validate_on_submit() and editing():
        return _show(loan_id, payoff_form=form)
    if form.validate_on_submit() and not confirming():
        try:
            q = loans.payoff_quote(coop_id(), loan_id, form.paid_on.data)
        except CoopError as exc:
            flash(exc.message, "danger")
            return redirect(url_for("loans.show", loan_id=loan_id))
        rows = [(gettext("Anggota"), _member_label(loan.member_id)),
                (gettext("Tanggal pelunasan"), tanggal(form.paid_on.data)),
                (gettext("Pokok"), rupiah(q["principal"])), (gettext("Jasa jatuh tempo"), rupiah(q["interest"]))]
        rows += [(label, rupiah(q[k])) for k, label in (("fee", gettext("Provisi/administrasi")),
                                                          ("penalty", gettext("Denda")),
                                                          ("interest_waived", gettext("Jasa dibebaskan"))) if q[k]]
        return _confirm_page(form, title=gettext("Pelunasan pinjaman %(number)s", number=loan.number),
                             amount=q["total"], account=gettext("Pinjaman %(number)s", number=loan.number),
                             action=url_for("loans.payoff", loan_id=loan_id), balance_label=gettext("Sisa pokok"),
                             balance_before=q["principal"], balance_after=0, rows=rows)
    prior = entry_id_for_key(coop_id(), _idem(form)) if form.validate_on_submit() and form.nonce.data else None
    rep = queries.repayment_for_entry(coop_id(), prior) if prior else None
    if rep is not None:
        return redirect(url_for("loans.receipt", loan_repayment_id=rep.id))
    res = _act(loan_id, form, loans.pay_off, N_("Pinjaman dilunasi."), paid_on=form.paid_on.data,
               idempotency_key=_idem(form) if form.nonce.data else None)
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
    """Two steps (issue 15, item 1): the confirmation page shows the amount, the loan and what has been
    recovered before and after; "Konfirmasi" posts once under the form's nonce."""
    form = forms.RecoveryForm()
    loan = loans.get_loan(coop_id(), loan_id)
    if form.validate_on_submit() and editing():
        return _show(loan_id, recovery_form=form)
    if form.validate_on_submit() and not confirming():
        try:
            p = loans.recovery_preview(coop_id(), loan_id, form.amount.data, form.received_on.data)
        except CoopError as exc:
            flash(exc.message, "danger")
            return redirect(url_for("loans.show", loan_id=loan_id))
        rows = [(gettext("Anggota"), _member_label(loan.member_id)),
                (gettext("Tanggal terima"), tanggal(form.received_on.data)),
                (gettext("Dihapusbukukan"), rupiah(p["written_off"]))]
        return _confirm_page(form, title=gettext("Pemulihan pinjaman %(number)s", number=loan.number),
                             amount=p["amount"], account=gettext("Pinjaman %(number)s", number=loan.number),
                             action=url_for("loans.recovery", loan_id=loan_id),
                             balance_label=gettext("Sudah dipulihkan"), balance_before=p["recovered_before"],
                             balance_after=p["recovered_after"], rows=rows)
    res = _act(loan_id, form, loans.record_recovery, N_("Pemulihan tercatat."), form.amount.data,
               received_on=form.received_on.data, idempotency_key=_idem(form) if form.nonce.data else None)
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
    plan = loans.build_plan(loan.terms, loan.principal, loan.term_months, first)
    return render_template("loans/agreement.html", loan=loan, plan=plan, member=_member_info(loan.member_id),
                           guarantor=_member_info(loan.guarantor_member_id),
                           coop=current_user.cooperative, fee=loans.fee_for(loan.terms, loan.principal),
                           today=_today(),
                           # an agreement is dutiable at any amount (UU 10/2020 Pasal 3(2)(a))
                           stamp=meterai.stamp_duty(loan.cooperative_id, loan.principal,
                                                    loan.disbursed_on or _today(), document=meterai.AGREEMENT))


@bp.route("/<int:loan_id>/disbursement-receipt")
@roles_required(*READ)
def disbursement_receipt(loan_id: int):
    try:
        loan, entry = queries.disbursement_entry(coop_id(), loan_id)
    except NotFound:
        abort(404)
    net = loan.principal - (loan.fee_amount if loan.terms.get("fee_deducted") else 0)
    return render_template("loans/disbursement_receipt.html", loan=loan, entry=entry, net=net,
                           k=receipt_frame(entry.id, entry.voucher_number),
                           stamp=meterai.stamp_duty(loan.cooperative_id, net, loan.disbursed_on,
                                                    document=meterai.RECEIPT),
                           member=_member_info(loan.member_id), coop=current_user.cooperative)


@bp.route("/repayments/<int:loan_repayment_id>/receipt")
@roles_required(*READ)
def receipt(loan_repayment_id: int):
    r = queries.repayment_receipt(coop_id(), loan_repayment_id)
    return render_template("loans/receipt.html", rep=r.rep, loan=r.loan, entry=r.entry, numbers=r.numbers,
                           k=receipt_frame(r.entry.id, r.entry.voucher_number),
                           stamp=meterai.stamp_duty(r.loan.cooperative_id, r.rep.amount, r.rep.paid_on,
                                                    document=meterai.RECEIPT),
                           member=_member_info(r.loan.member_id), coop=current_user.cooperative,
                           # the principal right after THIS payment: a reprint shows the original's figures
                           outstanding=r.rep.outstanding_after)


@bp.route("/products", methods=["GET", "POST"])
@roles_required(*READ)
def products():
    form = forms.ProductForm()
    if request.method == "POST":
        if current_user.role not in (ADMIN, MANAGER):
            abort(403)
        if form.validate_on_submit():
            values = {f: getattr(form, f).data for f in (
                "name", "method", "frequency", "min_term_months", "max_term_months", "min_principal",
                "max_principal", "grace_periods", "rounding_multiple", "fee_fixed", "fee_deducted",
                "penalty_kind", "penalty_fixed", "penalty_grace_days", "allocation_order")}
            try:
                for f in ("rate_percent_per_month", "fee_percent", "penalty_percent"):
                    values[f] = Decimal((getattr(form, f).data or "0").replace(",", "."))
            except InvalidOperation:
                flash(gettext("Persentase harus angka, mis. 1,5"), "danger")
            else:
                if submit(loans.create_product, coop_id(), actor=current_user, success=N_("Produk tersimpan."),
                          **values):
                    return redirect(url_for("loans.products"))
    items = loans.products(coop_id())
    scheme = coop_settings.get_text(coop_id(), "collectibility_scheme", _today())
    bank5 = ({k: coop_settings.get_int(coop_id(), f"bank5_{k}", _today()) for k in ("dpk_after_days", "kl_after_days",
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
    member = _member_info(member_id)
    if member is None:
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

