"""HTML pages: public (no login). The certificate verification page the QR code on a training
certificate opens: it shows name, programme, cohort dates and the number, never the NIK; a revoked
certificate says DICABUT and since when."""
from flask import Blueprint, current_app, render_template

from coop.db import db
from coop.reports.receipts import verify_receipt

bp = Blueprint("public", __name__, url_prefix="/p")


@bp.route("/")
def index():
    return render_template("public/index.html")


@bp.route("/sertifikat/<token>")
def certificate(token: str):
    """Verify a certificate by the unguessable token printed in its QR code."""
    from coop.auth.models import Cooperative
    from coop.registry.models import Resident
    from coop.training.services import get_certificate_by_token

    cert = get_certificate_by_token(token) if len(token) <= 40 else None
    if cert is None:
        return render_template("public/certificate.html", cert=None), 404
    from coop.training.certificates import local_time

    e = cert.enrolment
    resident = db.session.get(Resident, e.resident_id)
    cooperative = db.session.get(Cooperative, cert.cooperative_id)
    # When it was revoked, in the cooperative's time zone; never who or why (the reason may be personal).
    return render_template("public/certificate.html", cert=cert, name=resident.full_name, cohort=e.cohort,
                           program=e.cohort.program, cooperative=cooperative,
                           revoked_at=local_time(cert.revoked_at, cooperative.timezone),
                           valid=not cert.is_revoked and e.status == "completed")


@bp.route("/kuitansi/<token>")
def receipt(token: str):
    """Verify a kuitansi by the signed token of its "Cek keaslian" link (printed and sent via WhatsApp): the
    cooperative, number, date and amount as booked; never the member."""
    found = verify_receipt(current_app.secret_key, token) if len(token) <= 200 else None
    return render_template("public/receipt.html", r=found), 200 if found else 404
