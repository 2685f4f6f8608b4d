"""HTML pages: public (no login). The certificate verification page the QR code on a training
certificate opens: it shows name, programme, cohort dates and the number, never the NIK; a revoked
certificate says DICABUT and since when."""
from flask import Blueprint, current_app, render_template

from coop.reports.receipts import verify_receipt
from coop.training.certificates import local_time
from coop.training.queries import public_certificate

bp = Blueprint("public", __name__, url_prefix="/p")


@bp.route("/")
def index():
    return render_template("public/index.html")


@bp.route("/sertifikat/<token>")
def certificate(token: str):
    """Verify a certificate by the unguessable token printed in its QR code."""

    found = public_certificate(token) if len(token) <= 40 else None
    if found is None:
        return render_template("public/certificate.html", cert=None), 404

    cert, cooperative = found.certificate, found.cooperative
    e = cert.enrolment
    # When it was revoked, in the cooperative's time zone; never who or why (the reason may be personal).
    return render_template("public/certificate.html", cert=cert, name=found.name, cohort=e.cohort,
                           program=e.cohort.program, cooperative=cooperative,
                           revoked_at=local_time(cert.revoked_at, cooperative.timezone),
                           valid=not cert.is_revoked and e.status == "completed")


@bp.route("/kuitansi/<token>")
def receipt(token: str):
    """Verify a kuitansi by the signed token of its "Cek keaslian" link (printed and sent via WhatsApp): the
    cooperative, number, date and amount as booked; never the member."""
    found = verify_receipt(current_app.secret_key, token) if len(token) <= 200 else None
    return render_template("public/receipt.html", r=found), 200 if found else 404
