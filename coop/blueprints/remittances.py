"""HTML pages of remittances (kiriman uang): record one at the cash desk (treasurer), the list (newest
first), the summary with charts; savings goals and KUR referrals of a member (shown on the member page)."""
from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from coop.auth.roles import ADMIN, AUDITOR, CASH, MANAGER, OFFICER, TREASURER
from coop.blueprints.common import business_today as today
from coop.blueprints.common import coop_id, paginate, roles_required, submit
from coop.db import atomic
from coop.errors import CoopError
from coop.membership import services as members
from coop.registry.services import resident_by_nik
from coop.remittances import queries, rules, services
from coop.remittances.forms import GoalForm, KurForm, KurStatusForm, RemittanceForm
from coop.savings import services as savings
from coop.text import N_

bp = Blueprint("remittances", __name__, url_prefix="/remittances")

READ = (ADMIN, TREASURER, MANAGER, OFFICER, AUDITOR)
PLAN = (ADMIN, TREASURER, MANAGER, OFFICER)


@bp.app_context_processor
def _labels():
    """The area's labels for its templates and the member page's section (also shown by other blueprints)."""
    return {"remittance_rules": rules}


@bp.route("/")
@roles_required(*READ)
def index():
    page = paginate(queries.remittances_stmt(coop_id()))
    return render_template("remittances/index.html", page=page)


_FORM_NAMES = {"savings_account_id": "account_id", "sender_resident_id": "sender_nik"}


def _apply_error(form, exc: CoopError, fallback: str = "amount") -> None:
    """Put a service error under the fields it names (the API's names map onto the form's), else under the
    ``fallback`` field, so the page's error summary links to it (the remittance form's own flow: it keeps
    its nonce and cash-desk context; goals and KUR use common.submit)."""
    placed = False
    for key, messages in (exc.fields or {}).items():
        field = getattr(form, _FORM_NAMES.get(key, key), None)
        if field is not None:
            field.errors = list(field.errors) + list(messages)
            placed = True
    if not placed:
        field = getattr(form, fallback)
        field.errors = list(field.errors) + [exc.message]


@bp.route("/members/<int:member_id>/new", methods=["GET", "POST"])
@roles_required(*CASH)
def new(member_id: int):
    member = members.get_member(coop_id(), member_id)
    form = RemittanceForm()
    accounts = [a for a in savings.accounts_of(coop_id(), member.id, include_closed=False) if a.kind == "sukarela"]
    form.account_id.choices = [SelectChoice(a.id, a.account_number) for a in accounts]
    goals = services.goals_progress(coop_id(), member.id)
    form.goal_id.choices = [SelectChoice(0, "-")] + [
        SelectChoice(g.id, f"{gettext(rules.PURPOSE_LABELS[g.purpose])} ({g.target_date.isoformat()})")
        for g, _saved, _pct in goals]
    if request.method == "GET":
        form.received_on.data = today()
        form.nonce.data = uuid.uuid4().hex
    status = 200
    if form.validate_on_submit():
        sender = resident_by_nik(coop_id(), form.sender_nik.data)
        if sender is None:
            form.sender_nik.errors = list(form.sender_nik.errors) + [gettext("NIK tidak ada di data desa.")]
            status = 422
        else:
            data = {"savings_account_id": form.account_id.data, "sender_resident_id": sender.id,
                    "country": form.country.data, "channel": form.channel.data, "currency": form.currency.data,
                    "foreign_amount": Decimal(form.foreign_amount.data.replace(",", ".")),
                    "amount": form.amount.data, "fee": form.fee.data or 0, "received_on": form.received_on.data,
                    "goal_id": form.goal_id.data or None, "memo": form.memo.data or None}
            try:
                row = atomic(services.record_remittance, coop_id(), data, actor=current_user,
                             idempotency_key=(f"desk:{current_user.id}:remit:{form.nonce.data}"
                                              if form.nonce.data else None))
            except CoopError as exc:
                _apply_error(form, exc)
                status = exc.status
            else:
                flash(gettext("Kiriman uang tercatat."), "success")
                return redirect(url_for("cashdesk.receipt", entry_id=row.entry_id))
    elif request.method == "POST":
        status = 422
    return render_template("remittances/new.html", member=member, form=form, accounts=accounts), status


@bp.route("/summary")
@roles_required(*READ)
def summary():
    def parse(name, default):
        try:
            return date.fromisoformat(request.args[name]) if request.args.get(name) else default
        except ValueError:
            return default
    end = parse("to", today())
    start = parse("from", date(end.year, 1, 1))
    if start > end:
        start, end = end, start
    data = queries.summary(coop_id(), start, end, today())
    pct = None if data["saved_share"] is None else (data["saved_share"] * 100).quantize(Decimal("0.1"))
    return render_template("remittances/summary.html", s=data, start=start, end=end, saved_percent=pct,
                           by_country=[(c, v["amount"]) for c, v in data["by_country"].items()],
                           by_channel=[(gettext(rules.CHANNEL_LABELS[c]), v["amount"])
                                       for c, v in data["by_channel"].items()])


@bp.route("/members/<int:member_id>/goals/new", methods=["GET", "POST"])
@roles_required(*PLAN)
def goal_new(member_id: int):
    member = members.get_member(coop_id(), member_id)
    form = GoalForm()
    status = 200
    if form.validate_on_submit():
        done = submit(services.create_goal, coop_id(), {
            "member_id": member.id, "purpose": form.purpose.data, "target_amount": form.target_amount.data,
            "target_date": form.target_date.data, "note": form.note.data or None},
            actor=current_user, as_of=today(), success=N_("Tujuan tabungan tersimpan."), form=form)
        if done:
            return redirect(url_for("members.detail", member_id=member.id))
        status = done.error.status
    elif request.method == "POST":
        status = 422
    return render_template("remittances/goal_form.html", member=member, form=form), status


@bp.route("/members/<int:member_id>/kur", methods=["GET", "POST"])
@roles_required(*PLAN)
def kur_new(member_id: int):
    member = members.get_member(coop_id(), member_id)
    form = KurForm()
    if request.method == "GET":
        form.referred_on.data = today()
    status = 200
    if form.validate_on_submit():
        done = submit(services.refer_to_kur, coop_id(), {
            "member_id": member.id, "bank": form.bank.data, "amount_requested": form.amount_requested.data,
            "referred_on": form.referred_on.data}, actor=current_user, success=N_("Rujukan KUR tersimpan."),
            form=form)
        if done:
            return redirect(url_for("members.detail", member_id=member.id))
        status = done.error.status
    elif request.method == "POST":
        status = 422
    return render_template("remittances/kur_form.html", member=member, form=form), status


@bp.route("/kur/<int:kur_referral_id>/status", methods=["POST"])
@roles_required(*PLAN)
def kur_status(kur_referral_id: int):
    row = services.get_referral(coop_id(), kur_referral_id)
    form = KurStatusForm()
    if form.validate_on_submit():
        try:
            atomic(services.update_referral, coop_id(), row.id, form.status.data, form.on.data, actor=current_user)
            flash(gettext("Status rujukan KUR diperbarui."), "success")
        except CoopError as exc:
            flash(exc.message, "error")
    else:
        flash(gettext("Status dan tanggal wajib diisi."), "error")
    return redirect(url_for("members.detail", member_id=row.member_id))


def member_section(cooperative_id: int, member_id: int) -> dict:
    """What the member page shows of this area: goals with progress, KUR referrals, recent remittances."""
    return {"goals": services.goals_progress(cooperative_id, member_id),
            "kur": services.referrals_of(cooperative_id, member_id),
            "remittances": queries.recent(cooperative_id, member_id),
            "kur_status_form": KurStatusForm(formdata=None, on=today())}
