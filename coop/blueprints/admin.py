"""Administration: users and the audit log."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from coop.audit.models import AuditLog
from coop.auth import services as auth_services
from coop.auth.forms import UserForm
from coop.auth.models import User
from coop.auth.roles import ADMIN, AUDITOR, ROLE_LABELS
from coop.blueprints.common import coop_id, paginate, roles_required
from coop.db import atomic
from coop.errors import Conflict, CoopError
from coop.i18n import N_

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/audit")
@roles_required(ADMIN, AUDITOR)
def audit_log():
    q = sa.select(AuditLog).where(AuditLog.cooperative_id == coop_id())
    action = request.args.get("action", "").strip()
    if action:
        q = q.where(AuditLog.action.like(f"{action}%"))
    page = paginate(q.order_by(AuditLog.id.desc()), per_page=50)
    actors = {u.id: u.username for u in auth_services.db.session.scalars(
        sa.select(User).where(User.cooperative_id == coop_id()))}
    return render_template("admin/audit.html", page=page, actors=actors, action=action)


@bp.route("/users", methods=["GET", "POST"])
@roles_required(ADMIN)
def users():
    form = UserForm()
    if form.validate_on_submit():
        try:
            atomic(auth_services.create_user, cooperative_id=coop_id(), username=form.username.data,
                   full_name=form.full_name.data, role=form.role.data, password=form.password.data,
                   actor=current_user)
        except CoopError as exc:
            for field, msgs in exc.fields.items():
                getattr(form, field, form.username).errors.extend(msgs)
        else:
            flash(gettext("Pengguna dibuat."), "success")
            return redirect(url_for("admin.users"))
    rows = auth_services.db.session.scalars(
        sa.select(User).where(User.cooperative_id == coop_id()).order_by(User.username)).all()
    return render_template("admin/users.html", form=form, users=rows, role_labels=ROLE_LABELS)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required(ADMIN)
def user_active(user_id: int):
    """Deactivate (or reactivate) a user: every session and API token of theirs ends at once."""
    active = request.form.get("active") == "1"
    try:
        atomic(auth_services.set_active, coop_id(), user_id, active, actor=current_user)
    except Conflict as exc:  # NotFound (another cooperative's user) stays a 404
        flash(gettext(exc.message), "danger")
    else:
        flash(gettext("Pengguna diaktifkan.") if active else
              gettext("Pengguna dinonaktifkan; semua sesi dan tokennya berakhir."), "success")
    return redirect(url_for("admin.users"))


SETTING_LABELS = {
    "member_number_format": N_("Format nomor anggota"),
    "simpanan_pokok_amount": N_("Simpanan pokok (Rp)"),
    "simpanan_wajib_amount": N_("Simpanan wajib per bulan (Rp)"),
    "pph_savings_interest_threshold": N_("Batas bebas PPh jasa simpanan per bulan (Rp)"),
    "pph_savings_interest_rate": N_("Tarif PPh final jasa simpanan (%)"),
    "stamp_duty_threshold": N_("Kuitansi wajib meterai di atas (Rp)"),
    "stamp_duty_amount": N_("Bea meterai (Rp)"),
    "dormancy_months": N_("Rekening pasif setelah (bulan tanpa transaksi)"),
    "loan_two_approvers_above": N_("Pinjaman butuh dua penyetuju di atas (Rp)"),
    "training_completion_percent": N_("Kehadiran minimal untuk lulus pelatihan (%)"),
    "shu_cadangan": N_("SHU: cadangan (%)"),
    "shu_jasa_anggota": N_("SHU: jasa anggota (%)"),
    "shu_pengurus": N_("SHU: pengurus (%)"),
    "shu_karyawan": N_("SHU: karyawan (%)"),
    "shu_pendidikan": N_("SHU: dana pendidikan (%)"),
    "shu_sosial": N_("SHU: dana sosial (%)"),
    "shu_jasa_usaha": N_("SHU anggota: jasa usaha (%)"),
    "shu_jasa_modal": N_("SHU anggota: jasa modal (%)"),
    "shu_modal_base_kinds": N_("SHU jasa modal: jenis simpanan dasar"),
    "income_tax_rate": N_("Tarif PPh badan atas SHU sebelum pajak, dibukukan saat tutup buku (%)"),
    "loss_coverage_order": N_("Urutan penutupan rugi tahun lalu: cadangan,surplus atau surplus,cadangan atau surplus"),
    "cash_never_negative": N_("Kas tidak boleh minus: pembayaran tunai melebihi saldo kas ditolak (ya/tidak; "
                              "berlaku begitu disimpan)"),
    "collectibility_scheme": N_("Skema kolektibilitas pinjaman baru: koperasi4 (Lancar, KL, D, M) atau bank5 "
                                "(dengan Dalam Perhatian Khusus)"),
    "bank5_dpk_after_days": N_("Skema bank5: DPK setelah (hari tunggakan)"),
    "bank5_kl_after_days": N_("Skema bank5: Kurang Lancar setelah (hari tunggakan)"),
    "bank5_d_after_days": N_("Skema bank5: Diragukan setelah (hari tunggakan)"),
    "bank5_m_after_days": N_("Skema bank5: Macet setelah (hari tunggakan)"),
    "provision_dpk": N_("PPAP Dalam Perhatian Khusus (%)"),
    "write_off_min_class": N_("Hapus buku pinjaman mulai kolektibilitas (lancar, dalam_perhatian_khusus, "
                              "kurang_lancar, diragukan, macet)"),
    "collateral_min_percent": N_("Agunan minimal (persen dari sisa pokok) agar pinjaman lewat 180 hari tetap Diragukan, "
                                 "bukan Macet (0 = tanpa uji agunan)"),
    "first_period_interest": N_("Jasa periode pertama efektif/anuitas: prorate (per hari) atau none (satu "
                                "periode penuh)"),
    "quiet_hours_start": N_("Jam tenang pesan mulai (jam, waktu setempat)"),
    "quiet_hours_end": N_("Jam tenang pesan berakhir (jam, waktu setempat)"),
    "cooperative_phone": N_("Nomor telepon koperasi (dicetak di pesan)"),
    "rat_date": N_("Tanggal RAT berikutnya (YYYY-MM-DD)"),
    "rat_invitation_days": N_("Undangan RAT dikirim ... hari sebelumnya"),
    "job_runs_keep_days": N_("Riwayat pekerjaan terjadwal disimpan (hari; yang terakhir per pekerjaan selalu disimpan)"),
}


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(ADMIN)
def settings_page():
    """Stored settings, versioned by effective date (the value in force is the latest on or before a date)."""
    from datetime import date as _date

    from coop import settings as coop_settings

    error = None
    if request.method == "POST":
        key = request.form.get("key", "")
        raw = request.form.get("value", "").strip()
        try:
            effective_on = _date.fromisoformat(request.form.get("effective_on", ""))
        except ValueError:
            error = "Tanggal berlaku tidak valid (format YYYY-MM-DD)."
        else:
            try:
                value = coop_settings.parse_value(key, raw)
                atomic(coop_settings.set_value, coop_id(), key, value, effective_on=effective_on,
                       actor=current_user)
            except CoopError as exc:
                error = exc.message
            else:
                flash(gettext("Pengaturan disimpan."), "success")
                return redirect(url_for("admin.settings_page"))
    rows = coop_settings.current_values(coop_id())
    return render_template("admin/settings.html", rows=rows, labels=SETTING_LABELS, error=error), (
        422 if error else 200)
