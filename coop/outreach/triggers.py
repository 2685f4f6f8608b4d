"""What the daily job queues: instalment due in 3 days and 1 day overdue, wajib arrears (once a month),
the RAT invitation and the desk's passport reminders, each only for residents whose consent on the
channel in use covers the purpose, and at most once per (resident, kind, due date)."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from coop import settings
from coop.db import db
from coop.desk.services import reminders as desk_reminders
from coop.formatting import rupiah, tanggal
from coop.loans.models import Loan, LoanInstalment
from coop.membership.models import Member
from coop.outreach import queries, rules, services
from coop.registry.models import Resident
from coop.savings.services import arrears_list

DUE_BEFORE_DAYS = 3
OVERDUE_AFTER_DAYS = 1
CURRENT = ("applied", "active", "dormant")


def _rat_date(cooperative_id: int, as_of: date) -> date | None:
    return settings.get_date(cooperative_id, "rat_date", as_of)


def queue_reminders(cooperative_id: int, as_of: date, channel: str) -> dict[str, int]:
    """Queue the day's reminders on ``channel`` ("whatsapp" or "sms"). Returns the count per kind."""
    bodies = {kind: body for kind, (body, _default) in services.templates(cooperative_id).items()}
    phone = settings.get_optional_text(cooperative_id, "cooperative_phone") or ""
    counts = dict.fromkeys(rules.KINDS, 0)
    consents = {p: services.active_consents(cooperative_id, channel, p) for p in rules.PURPOSES}

    def put(kind, resident_id, member_id, due_on, amount=None, name=""):
        consent = consents[rules.KINDS[kind]].get(resident_id)
        if consent is None:
            return
        values = {"nama": name, "jumlah": rupiah(amount) if amount is not None else "", "tanggal": tanggal(due_on),
                  "telepon": phone}
        if services.queue(cooperative_id, consent, kind=kind, due_on=due_on, values=values, member_id=member_id,
                          body=bodies[kind]):
            counts[kind] += 1

    if consents["instalment"]:
        for kind, day in (("instalment_due", as_of + timedelta(days=DUE_BEFORE_DAYS)),
                          ("instalment_overdue", as_of - timedelta(days=OVERDUE_AFTER_DAYS))):
            rows = db.session.execute(
                sa.select(LoanInstalment, Member.id, Member.resident_id, Resident.full_name)
                .join(Loan, sa.and_(Loan.id == LoanInstalment.loan_id, Loan.schedule_version == LoanInstalment.version))
                .join(Member, Member.id == Loan.member_id).join(Resident, Resident.id == Member.resident_id)
                .where(Loan.cooperative_id == cooperative_id, Loan.status == "active", LoanInstalment.due_on == day,
                       Member.resident_id.in_(list(consents["instalment"]))))
            for inst, member_id, resident_id, name in rows:
                if inst.remaining > 0:
                    put(kind, resident_id, member_id, day, inst.remaining, name)
    if consents["savings"]:
        month_end = as_of.replace(day=1) - timedelta(days=1)
        for row in arrears_list(cooperative_id, as_of):
            m = row["member"]
            if m.resident_id in consents["savings"]:
                put("wajib_arrears", m.resident_id, m.id, month_end, row["amount"], m.full_name)
    rat_on = _rat_date(cooperative_id, as_of)
    days = settings.get_int(cooperative_id, "rat_invitation_days", as_of)
    if consents["rat"] and rat_on and rat_on - timedelta(days=days) <= as_of < rat_on:
        for m in db.session.scalars(sa.select(Member).where(
                Member.cooperative_id == cooperative_id, Member.status.in_(("active", "dormant")),
                Member.resident_id.in_(list(consents["rat"])))):
            put("rat_invitation", m.resident_id, m.id, rat_on, None, m.full_name)
    if consents["desk"]:
        members = dict(db.session.execute(sa.select(Member.resident_id, Member.id).where(
            Member.cooperative_id == cooperative_id, Member.status.in_(CURRENT))).all())
        found = [r for r in desk_reminders(cooperative_id, as_of)["passport_expiring"]
                 if r["resident_id"] in consents["desk"]]
        names = queries.resident_names(cooperative_id, [r["resident_id"] for r in found])
        for r in found:
            put("passport_expiry", r["resident_id"], members.get(r["resident_id"]), r["expires_on"], None,
                names.get(r["resident_id"], ""))
    return counts
