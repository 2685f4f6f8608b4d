"""Demo data of the desk: 25 calon PMI cases in the demo village across every stage, walked through the
services stage by stage (documents verified as they would be, a valid agency check, a job order), plus
three red-flag cases: an agency the ministry's list does not know, a tourist visa with no job order, and
an applicant under 18 (or, if the registry has no minor, a case that skipped stages). Consultations are
logged too, some for visitors without a case. Dated relative to ``ctx.today``; deterministic via
``ctx.rng``."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from coop.db import atomic, db
from coop.desk import rules, services
from coop.registry.models import Resident

#: How far each of the 22 clean cases gets (index into STAGES-in-order; then returned, stopped).
CLEAN_TARGETS = (["consultation"] * 2 + ["registered"] * 3 + ["recommended"] * 3 + ["medical"] * 3
                 + ["passport"] * 2 + ["visa"] * 2 + ["orientation"] * 2 + ["departed"] * 2 + ["returned"] * 2
                 + ["stopped"])
#: Documents verified when a case reaches a stage (the orientation and departure rules then hold).
VERIFIED_AT = {"registered": ("ktp", "kk", "ijazah"),
               "recommended": ("bpjs", "marital_status_letter", "family_permission"),
               "medical": ("health_certificate",), "passport": ("passport",),
               "visa": ("work_visa", "competency_certificate"),
               "orientation": ("placement_agreement", "work_agreement")}
JOBS = [("TW", "Operator pabrik", "badan_hukum", "P2P"), ("HK", "Penata laksana rumah tangga", "perseorangan", "P2P"),
        ("MY", "Pekerja perkebunan", "badan_hukum", "P2P"), ("KR", "Operator manufaktur", "badan_hukum", "G2G"),
        ("JP", "Perawat lansia", "badan_hukum", "G2G"), ("SG", "Penata laksana rumah tangga", "perseorangan", "P2P")]
AGENCIES = [("PT Duta Mandiri Sejahtera", "KEP.88/PPTKIS/2021"), ("PT Karya Bakti Utama", "KEP.112/PPTKIS/2022"),
            ("PT Sinar Harapan Migran", "KEP.45/P3MI/2023")]
STEP_DAYS = 9


def _candidates(ctx) -> tuple[list, list]:
    rows = list(db.session.scalars(sa.select(Resident).where(
        Resident.cooperative_id == ctx.cooperative.id, Resident.status == "hidup",
        Resident.pmi_status.in_(("none", "keluarga"))).order_by(Resident.id)))
    adults = [r for r in rows if 20 <= rules.age_on(r.birth_date, ctx.today) <= 40]
    minors = [r for r in rows if 16 <= rules.age_on(r.birth_date, ctx.today) < 18]
    skip = {ctx.data.get("sri_wahyuni_id")}
    adults = [r for r in adults if r.id not in skip]
    ctx.rng.shuffle(adults)
    return adults, minors


def _walk(ctx, actor, resident, target: str, *, flagged: str | None = None) -> None:
    """Open a case and move it to ``target`` (returned/stopped via departed/a middle stage)."""
    country, job, job_type, scheme = ctx.rng.choice(JOBS)
    agency, licence = ctx.rng.choice(AGENCIES)
    path = list(rules.ORDERED_STAGES[1:])
    if target == "returned":
        path.append("returned")
    elif target == "stopped":
        path = path[:ctx.rng.randint(1, 4)] + ["stopped"]
    else:
        path = path[:rules.ORDERED_STAGES.index(target)]
    if flagged == "stage_skipped":
        path = [s for s in path if s != "recommended"]
    days = (len(path) + 1) * STEP_DAYS + ctx.rng.randint(0, 25)
    opened = ctx.today - timedelta(days=days)
    cid = ctx.cooperative.id
    data = {"resident_id": resident.id, "destination_country": country, "job_title": job, "job_type": job_type,
            "scheme": scheme, "agency_name": agency, "agency_licence_number": licence,
            "job_order_ref": None if flagged == "no_job_order" else f"JO-{country}-{ctx.rng.randint(1000, 9999)}",
            "contract_months": 24}
    case = services.open_case(cid, data, opened_on=opened, as_of=ctx.today, actor=actor)
    services.add_agency_check(cid, case.id, licence_number=licence, source="SISKOP2MI", checked_on=opened,
                              result="not_found" if flagged == "agency_invalid" else "valid", as_of=ctx.today,
                              actor=actor)
    on = opened
    for stage in path:
        on = min(on + timedelta(days=STEP_DAYS + ctx.rng.randint(-3, 3)), ctx.today)
        if stage in ("returned", "stopped"):
            services.move_stage(cid, case.id, stage=stage, on=on, as_of=ctx.today, actor=actor,
                                reason="Kontrak selesai" if stage == "returned" else "Mengundurkan diri")
            continue
        for s in rules.ORDERED_STAGES[1:rules.ORDERED_STAGES.index(stage) + 1]:
            for code in VERIFIED_AT.get(s, ()):
                extra = {}
                if code == "passport":
                    extra = {"number": f"C{ctx.rng.randint(1000000, 9999999)}", "expires_on": on + timedelta(days=5 * 365)}
                if code == "work_visa":
                    extra = {"visa_kind": "tourist" if flagged == "no_job_order" else "work"}
                services.set_document(cid, case.id, code=code, status="verified", actor=actor, **extra)
        services.move_stage(cid, case.id, stage=stage, on=on, as_of=ctx.today, actor=actor)
    if flagged == "no_job_order" and "visa" not in path:
        services.set_document(cid, case.id, code="work_visa", status="submitted", visa_kind="tourist", actor=actor)


def load(ctx) -> None:
    actor = ctx.users.get("petugas")
    adults, minors = _candidates(ctx)
    if len(adults) < 25:
        ctx.echo("  demo: desk skipped (too few adult residents)")
        return

    def _cases():
        for target in CLEAN_TARGETS:
            _walk(ctx, actor, adults.pop(), target)
        _walk(ctx, actor, adults.pop(), "medical", flagged="agency_invalid")
        _walk(ctx, actor, adults.pop(), "registered", flagged="no_job_order")
        if minors:
            _walk(ctx, actor, minors[0], "consultation")
        else:
            _walk(ctx, actor, adults.pop(), "passport", flagged="stage_skipped")
        topics = rules.CONSULTATION_TOPICS
        for i in range(12):
            day = ctx.today - timedelta(days=ctx.rng.randint(0, 80))
            who = {"visitor_name": f"Pengunjung {i + 1}"} if i % 3 else {"resident_id": adults.pop().id}
            services.log_consultation(ctx.cooperative.id, held_on=day, topic=topics[i % len(topics)],
                                      as_of=ctx.today, actor=actor, country=JOBS[i % len(JOBS)][0], **who)
    atomic(_cases)
