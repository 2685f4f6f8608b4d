"""HTML pages of outreach: a resident's contact consent (record, withdraw), the officers' outbox (wa.me
links and "tandai terkirim" on the manual channel) and the admin's message templates.
Staff roles as listed; another cooperative's resident or message is 404."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coop import clock
from coop.auth.roles import ADMIN, AUDITOR, MANAGER, OFFICER, TREASURER
from coop.blueprints.common import business_today, coop_id, paginate, roles_required
from coop.db import atomic
from coop.errors import CoopError, Forbidden
from coop.outreach import channels, queries, rules, services
from coop.outreach.forms import ConsentForm, TemplateForm
from coop.outreach.models import Message
from coop.registry.services import get_resident

bp = Blueprint("outreach", __name__, url_prefix="/outreach")

WRITE = (ADMIN, OFFICER, TREASURER)
READ = (ADMIN, OFFICER, TREASURER, MANAGER, AUDITOR)


@bp.app_context_processor
def _labels():
    return {"outreach_rules": rules}


@bp.route("/")
@roles_required(*READ)
def index():
    status = request.args.get("status") or "queued"
    if status not in rules.STATUSES:
        status = "queued"
    page = paginate(queries.messages_query(coop_id(), status=status).order_by(Message.id.desc()))
    names = queries.resident_names(coop_id(), [m.resident_id for m in page.items])
    channel = channels.from_config(current_app.config)
    return render_template("outreach/index.html", page=page, status=status, names=names, channel=channel,
                           quiet=services.quiet_now(coop_id(), clock.now_utc()), writer=current_user.role in WRITE,
                           wa_me=rules.wa_me_link)


@bp.route("/messages/<int:message_id>/sent", methods=["POST"])
@roles_required(*WRITE)
def mark_sent(message_id: int):
    services.get_message(coop_id(), message_id)  # 404 first
    try:
        atomic(services.mark_manual, coop_id(), message_id, actor=current_user, now=clock.now_utc())
    except CoopError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Pesan ditandai terkirim."), "success")
    return redirect(url_for("outreach.index"))


@bp.route("/residents/<int:resident_id>/consents", methods=["GET", "POST"])
@roles_required(*READ)
def consents(resident_id: int):
    r = get_resident(coop_id(), resident_id)
    form = ConsentForm()
    status = 200
    if request.method == "GET":
        form.given_on.data = business_today()
        form.phone.data = r.phone
    elif current_user.role not in WRITE:
        raise Forbidden("Peran Anda tidak boleh melakukan ini.")
    elif form.validate_on_submit():
        try:
            atomic(services.record_consent, coop_id(), r.id, {
                "channel": form.channel.data, "phone": form.phone.data, "given_on": form.given_on.data,
                "purposes": form.purposes.data}, method="form", actor=current_user)
        except CoopError as exc:
            for name, msgs in exc.fields.items():
                f = getattr(form, name, None)
                if f is not None:
                    f.errors = list(f.errors) + [str(m) for m in msgs]
            flash(exc.message, "error")
            status = 422
        else:
            flash(_("Persetujuan kontak dicatat."), "success")
            return redirect(url_for("outreach.consents", resident_id=r.id))
    else:
        status = 422
    return render_template("outreach/consents.html", r=r, form=form, consents=services.consents_of(coop_id(), r.id),
                           messages=queries.recent_messages(coop_id(), r.id),
                           writer=current_user.role in WRITE), status


@bp.route("/residents/<int:resident_id>/consents/<channel>/withdraw", methods=["POST"])
@roles_required(*WRITE)
def withdraw(resident_id: int, channel: str):
    r = get_resident(coop_id(), resident_id)
    try:
        atomic(services.withdraw_consent, coop_id(), r.id, channel, via="officer", actor=current_user)
    except CoopError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Persetujuan dicabut: tidak ada pesan lagi lewat kanal ini."), "success")
    return redirect(url_for("outreach.consents", resident_id=r.id))


@bp.route("/templates", methods=["GET", "POST"])
@roles_required(ADMIN)
def templates():
    error_kind, error, status = None, None, 200
    if request.method == "POST":
        kind = request.form.get("kind", "")
        form = TemplateForm()
        if not form.validate_on_submit():
            error_kind, error, status = kind, _("Teks pesan paling panjang 1000 karakter."), 422
        else:
            try:
                atomic(services.set_template, coop_id(), kind, form.body.data, actor=current_user)
            except CoopError as exc:
                error_kind, error, status = kind, exc.message, 422
            else:
                flash(_("Templat pesan disimpan."), "success")
                return redirect(url_for("outreach.templates"))
    return render_template("outreach/templates.html", rows=services.templates(coop_id()), error_kind=error_kind,
                           error=error), status
