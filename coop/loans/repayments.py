"""Repayments: allocation, overpayment, backdating by reversal and replay, early payoff, and the
netting of a member's loans at resignation. Money moves only through ``post_entry``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from coop import audit, datebounds
from coop.db import db
from coop.errors import Conflict, NotFound, ValidationError
from coop.formatting import rupiah
from coop.jobs import last_run
from coop.ledger import chart
from coop.ledger.models import JournalEntry
from coop.ledger.services import Line, post_entry
from coop.loans import rules
from coop.loans.jobs import process_loan
from coop.loans.lookups import (
    check_not_before_history,
    get_loan,
    instalments,
    outstanding_principal,
)
from coop.loans.models import (
    Loan,
    LoanAllocation,
    LoanClassChange,
    LoanInstalment,
    LoanPenalty,
    LoanRepayment,
)
from coop.savings.services import account_for


def _dues(insts: list[LoanInstalment]) -> list[rules.Due]:
    return [rules.Due(i.number, i.due_on, penalty=i.owed("penalty"), fee=i.owed("fee"),
                      interest=i.owed("interest"), principal=i.owed("principal")) for i in insts if i.remaining > 0]


#: The income account of each component, by code: a line names it and the ledger reads its id in the statement
#: that locks the accounts (no lookup of its own: up to three statements a repayment, issue 17).
_INCOME = {"interest": chart.PENDAPATAN_JASA, "fee": chart.PENDAPATAN_PROVISI, "penalty": chart.PENDAPATAN_DENDA}


def _credit_lines(loan: Loan, parts: dict[str, int]) -> list[Line]:
    lines = []
    if parts.get("principal"):
        assert loan.ledger_account_id is not None, "only a disbursed loan is repaid"
        lines.append(Line.cr(loan.ledger_account_id, parts["principal"], "pokok"))
    for comp, memo in (("interest", "jasa"), ("fee", "provisi"), ("penalty", "denda")):
        if parts.get(comp):
            lines.append(Line.cr(_INCOME[comp], parts[comp], memo))
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
    source_acc: int | str = (account_for(cooperative_id, loan.member_id, "sukarela").ledger_account_id
                             if channel == "savings" else chart.KAS)  # Kas by code (the ledger reads its id)
    lines = [Line.dr(source_acc, amount, "angsuran")] + _credit_lines(loan, parts)
    if over:
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
    original = db.session.get_one(JournalEntry, rep.entry_id)  # a foreign key
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
    days = [d for d in (loan.last_processed_on, last_run("loans.daily", loan.cooperative_id)) if d is not None]
    return max(days) if days else None


def _forget_assessments_after(loan: Loan, day: date) -> None:
    """Undo what the daily job assessed after ``day`` (penalties, class changes): a payment dated ``day``
    changes them. Only unpaid penalties can be affected (every later repayment was just reversed)."""

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
    date order. Closed periods refuse it, and so does a loan settled by netting when its member resigned
    (409 ``loan_settled_at_resignation``: the settlement was paid out; the cash goes back to her).
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
    if loan.close_reason == "netting":
        # a payment dated before the netting would change a settlement already paid out to a former member
        # (the replay would refund into savings she no longer has): the cash goes back to her instead
        when = f" pada {loan.closed_on:%d-%m-%Y}" if loan.closed_on else ""
        raise Conflict(f"Pinjaman ini sudah dilunasi dari simpanan anggota saat ia keluar{when}; pembayaran tidak "
                       "dapat dicatat. Kembalikan uangnya kepada anggota.", code="loan_settled_at_resignation")
    datebounds.check_day(cooperative_id, paid_on, "paid_on", earlier=[(loan.disbursed_on, "tanggal pencairan")])
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
        assert processed is not None, "rerun_days implies it"
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
    instalments due up to that day (``total``); ``interest_waived`` is the interest of later instalments
    that the payoff forgives. Penalties the daily job charged AFTER ``as_of`` (it already ran past that
    day) are not owed by a payoff on ``as_of`` and are left out, as :func:`pay_off` drops them. Reads only.
    409 unless the loan is active; 422 for a day before the disbursement, the last reschedule or a
    repayment already booked (the days :func:`pay_off` refuses)."""
    loan = get_loan(cooperative_id, loan_id)
    if loan.status != "active":
        raise Conflict("Pinjaman ini tidak sedang berjalan.", code="loan_not_active")
    check_not_before_history(loan, as_of, "as_of")
    insts = instalments(loan)
    return _settlement_quote(loan, insts, as_of) | {"interest_waived": _future_interest(insts, as_of)}


def repayment_preview(cooperative_id: int, loan_id: int, amount: int, paid_on: date) -> dict[str, int | None]:
    """What a repayment of ``amount`` on ``paid_on`` would be split into (the confirmation page): ``principal``,
    ``interest``, ``fee``, ``penalty``, ``overpayment`` (to sukarela), ``outstanding_before`` and
    ``outstanding_after`` (principal), and ``payoff_total`` (what settles the loan that day; None for a day
    before a booked repayment, which :func:`repay` replays). Reads only; the split is the product's order
    over today's instalments, as :func:`repay` applies it to a payment dated after every booked one.

    Worked example: instalments of 750.000 principal + 90.000 interest; paying 840.000 splits 750.000 /
    90.000 and the principal goes from 9.000.000 to 8.250.000.

    :raises Conflict: the loan is not running. :raises ValidationError: a day :func:`repay` refuses.
    """
    loan = get_loan(cooperative_id, loan_id)
    if loan.status != "active":
        raise Conflict("Pinjaman ini tidak sedang berjalan.", code="loan_not_active")
    datebounds.check_day(cooperative_id, paid_on, "paid_on", earlier=[(loan.disbursed_on, "tanggal pencairan")])
    insts = instalments(loan)
    result = rules.allocate(amount, _dues(insts), loan.terms["allocation_order"],
                            loan.terms.get("allocation_strategy", "instalment"))
    parts = result.by_component()
    before = outstanding_principal(loan)
    try:
        check_not_before_history(loan, paid_on, "paid_on")
    except ValidationError:
        total = None
    else:
        total = _settlement_quote(loan, insts, paid_on)["total"]
    return {"principal": parts["principal"], "interest": parts["interest"], "fee": parts["fee"],
            "penalty": parts["penalty"], "overpayment": result.unapplied, "outstanding_before": before,
            "outstanding_after": before - parts["principal"], "payoff_total": total}


def _settlement_quote(loan: Loan, insts: list[LoanInstalment], day: date) -> dict[str, int]:
    """What settles the loan on ``day`` (read-only; :func:`payoff_quote` and :func:`plan_member_payoff`):
    :func:`quote_on` without the penalties the daily job charged after ``day`` (it already ran past that
    day). :func:`_settle_on` drops exactly those when the settlement is booked, so the booked total
    equals this quote. Only for a day on or after every booked repayment (see ``check_not_before_history``):
    then every penalty charged after it is unpaid."""
    q = quote_on(loan, insts, day)
    later = min(q["penalty"], _penalties_charged_after(insts, day))
    q["penalty"] -= later
    q["total"] -= later
    return q


def _settle_on(loan: Loan, day: date) -> None:
    """Before booking a settlement dated ``day`` (payoff, resignation netting): when the daily job already
    ran past ``day``, drop what it assessed after it (penalties, class changes), as for a backdated
    repayment: the loan was settled that day, so it owes no later penalty."""
    processed = _job_ran_through(loan)
    if processed is not None and processed > day:
        _forget_assessments_after(loan, day)


def _penalties_charged_after(insts: list[LoanInstalment], day: date) -> int:
    """Penalties on these instalments charged after ``day`` (all unpaid: a repayment can only settle
    penalties charged by its own date, and none is dated after ``day`` here)."""

    if not insts:
        return 0
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(LoanPenalty.amount), 0)).where(
        LoanPenalty.instalment_id.in_([i.id for i in insts]), LoanPenalty.charged_on > day)) or 0)


def _future_interest(insts: list[LoanInstalment], as_of: date) -> int:
    return sum(i.owed("interest") for i in insts if i.due_on > as_of)


def quote_on(loan: Loan, insts: list[LoanInstalment], as_of: date) -> dict[str, int]:
    """What settles ``loan`` on ``as_of`` from its current instalments ``insts``: outstanding principal,
    interest of instalments due by then, every unpaid fee and penalty, and their ``total``. Reads only;
    :func:`payoff_quote` is the checked version for a loan looked up by id."""
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
            amount: int | None = None, idempotency_key: str | None = None) -> LoanRepayment:
    """Early payoff (pelunasan dipercepat): collect :func:`payoff_quote` and close the loan.

    ``amount`` (the API sends it) is what the member hands over: it must equal the quote's total, else 422
    ``payoff_amount_mismatch`` naming the total (the quote changes when the daily job charges a penalty).
    A payoff dated before the disbursement, the last reschedule or a booked repayment is refused (422).
    When the daily job already ran past ``paid_on``, what it assessed after that day (penalties, class
    changes) is dropped first, as for a backdated repayment: the loan was settled that day."""

    loan = get_loan(cooperative_id, loan_id, for_update=True)
    if loan.status != "active":
        raise Conflict("Pinjaman ini tidak sedang berjalan.", code="loan_not_active")
    if channel not in ("cash", "savings"):
        raise ValidationError("Sumber dana harus cash atau savings.", fields={"channel": ["cash/savings"]})
    datebounds.check_day(cooperative_id, paid_on, "paid_on")
    check_not_before_history(loan, paid_on, "paid_on")
    _settle_on(loan, paid_on)
    insts = instalments(loan)
    quote = quote_on(loan, insts, paid_on)
    if amount is not None and amount != quote["total"]:
        raise ValidationError(f"Jumlah pelunasan per {paid_on.isoformat()} adalah {rupiah(quote['total'])}.",
                              code="payoff_amount_mismatch",
                              fields={"amount": [f"harus {quote['total']}"]})
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
    post them together with the savings debits, then call ``apply(entry)``. Each loan is settled as an
    early payoff on ``value_date``: penalties the daily job charged after that day are not owed (left out
    of the quote, dropped by ``apply``, the same code as :func:`pay_off`).
    """

    cooperative_id: int
    value_date: date
    total: int = 0
    lines: list[Line] = field(default_factory=list)
    parts: list[tuple[int, dict[str, int]]] = field(default_factory=list)
    #: the request field the value date came from (resignation: ``effective_on``), named by a 422.
    date_field: str = "effective_on"

    def apply(self, entry: JournalEntry, actor=None) -> list[LoanRepayment]:
        """Record the netting of each loan against ``entry`` (already posted with ``lines``). A value date
        before a loan's disbursement, last reschedule or a booked repayment is 422 on ``date_field`` (as a
        payoff dated so is): the unit of work rolls back, entry included."""
        out = []
        for loan_id, quote in self.parts:
            loan = get_loan(self.cooperative_id, loan_id, for_update=True)
            check_not_before_history(loan, self.value_date, self.date_field)
            _settle_on(loan, self.value_date)
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
    """The lines that settle every running loan of a member on ``value_date`` (resignation netting), each
    at its payoff figure for that day (:func:`_settlement_quote`: later interest waived, penalties charged
    after ``value_date`` left out). Reads only; :meth:`PayoffPlan.apply` books it."""
    plan = PayoffPlan(cooperative_id, value_date)
    for loan in db.session.scalars(sa.select(Loan).where(
            Loan.cooperative_id == cooperative_id, Loan.member_id == member_id, Loan.status == "active")
            .order_by(Loan.id)):
        quote = _settlement_quote(loan, instalments(loan), value_date)
        if quote["total"] == 0:
            continue
        plan.lines += _credit_lines(loan, quote)
        plan.parts.append((loan.id, quote))
        plan.total += quote["total"]
    return plan
