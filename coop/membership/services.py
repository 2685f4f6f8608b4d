"""Member lifecycle: eligibility, registration (with the pokok/wajib/sukarela accounts), member
numbers, lookup and search, resignation with the settlement entry, death, member logins.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from coop import audit, datebounds, settings
from coop.auth.models import Cooperative
from coop.db import db, is_sqlite
from coop.errors import Conflict, NotFound, RuleViolation, ValidationError
from coop.formatting import rupiah
from coop.ledger import chart
from coop.ledger.models import Account, JournalEntry
from coop.ledger.queries import entry_id_for_key
from coop.ledger.services import Line, account_by_code, get_entry, lock_head, post_entry
from coop.loans.services import lock_member_loans, plan_member_payoff
from coop.membership.models import MEMBER_STATUSES, MEMBER_TYPES, Member, MemberSearchKey
from coop.registry.models import Resident
from coop.registry.services import get_resident
from coop.savings import accrual
from coop.savings import services as savings
from coop.savings.models import KINDS, SavingsAccount
from coop.savings.rules import is_adult
from coop.settings import member_number_format_problem


def get_member(cooperative_id: int, member_id: int) -> Member:
    """:raises NotFound: unknown id or another cooperative's member."""
    m = db.session.get(Member, member_id) if 0 < member_id <= savings.MAX_ID else None
    if m is None or m.cooperative_id != cooperative_id:
        raise NotFound("Anggota tidak ditemukan.")
    return m


def status_counts(cooperative_id: int) -> dict[str, int]:
    """``{status: number of members}`` in the cooperative (the status tabs of the members page)."""
    return dict(db.session.execute(sa.select(Member.status, sa.func.count()).where(
        Member.cooperative_id == cooperative_id).group_by(Member.status)).all())


def member_for_user(user) -> Member | None:
    """The member record linked to a login (role ``member``), or None."""
    if user is None or getattr(user, "id", None) is None:
        return None
    return db.session.scalar(sa.select(Member).where(Member.user_id == user.id,
                                                     Member.cooperative_id == user.cooperative_id))


def member_by_number(cooperative_id: int, number: str) -> Member:
    m = db.session.scalar(sa.select(Member).where(Member.cooperative_id == cooperative_id,
                                                  Member.member_number == number.strip().upper()))
    if m is None:
        raise NotFound(f"Nomor anggota {number} tidak ditemukan.")
    return m


def format_member_number(fmt: str, seq: int) -> str:
    """The member number for ``seq``; a stored format the settings form would refuse today (no
    ``{seq}``, ``{seq.x}``, quotes or line breaks) falls back to ``KDM-000123``."""

    if member_number_format_problem(fmt):
        return f"KDM-{seq:06d}"
    return fmt.format(seq=seq)


def eligibility_problems(cooperative_id: int, resident, on: date) -> list[str]:
    """Why ``resident`` may not join on ``on`` (empty list: eligible). Reasons in plain Indonesian."""

    coop = db.session.get(Cooperative, cooperative_id)
    problems = []
    if resident.status != "hidup":
        problems.append(f"Penduduk berstatus '{resident.status}', bukan 'hidup'.")
    if resident.birth_date is None or not is_adult(resident.birth_date, on):
        problems.append("Belum dewasa: umur minimal 17 tahun pada tanggal bergabung.")
    if resident.village_code != coop.village_code:
        problems.append("Bukan penduduk desa koperasi ini (kode desa berbeda); koperasi hanya melayani "
                        "warga desanya.")
    existing = db.session.scalar(sa.select(Member).where(Member.cooperative_id == cooperative_id,
                                                         Member.resident_id == resident.id))
    if existing is not None:
        problems.append(f"Sudah tercatat sebagai anggota {existing.member_number} ({existing.status_label}).")
    return problems


def _next_seq(cooperative_id: int) -> int:
    # Serialise number allocation per cooperative: lock the cooperative row (PostgreSQL); SQLite's
    # BEGIN IMMEDIATE already holds the write lock.
    if not is_sqlite():
        db.session.execute(sa.select(Cooperative.id).where(Cooperative.id == cooperative_id).with_for_update())
    last = db.session.scalar(sa.select(sa.func.max(Member.member_seq)).where(
        Member.cooperative_id == cooperative_id))
    return (last or 0) + 1


def _eligible_resident(cooperative_id: int, resident_id: int, joined_on: date, member_type: str):
    """The checks of a registration (the joining date, the member type, the resident's eligibility), for
    :func:`register_member` and its confirmation page's :func:`registration_preview`."""

    datebounds.check_day(cooperative_id, joined_on, "joined_on")
    if member_type not in MEMBER_TYPES:
        raise ValidationError("Jenis anggota tidak dikenal.", fields={"member_type": ["biasa atau luar_biasa"]})
    resident = get_resident(cooperative_id, resident_id)
    problems = eligibility_problems(cooperative_id, resident, joined_on)
    if problems:
        raise RuleViolation("Tidak memenuhi syarat keanggotaan: " + " ".join(problems),
                            code="not_eligible", fields={"resident_id": problems})
    return resident


def register_member(cooperative_id: int, resident_id: int, joined_on: date, *, actor,
                    member_type: str = "biasa") -> Member:
    """Register a resident as a member (status ``applied``) and open pokok, wajib and sukarela accounts.

    The member becomes ``active`` when the simpanan pokok is paid in full (see ``savings.deposit``).

    :raises NotFound: unknown resident. :raises RuleViolation: not eligible (reasons in ``fields``).
    """
    resident = _eligible_resident(cooperative_id, resident_id, joined_on, member_type)
    seq = _next_seq(cooperative_id)
    fmt = settings.get_text(cooperative_id, "member_number_format", joined_on)
    member = Member(cooperative_id=cooperative_id, resident_id=resident.id, member_seq=seq,
                    member_number=format_member_number(fmt, seq), status="applied", member_type=member_type,
                    joined_on=joined_on)
    db.session.add(member)
    db.session.flush()
    defaults = savings.default_products(cooperative_id)
    for kind in ("pokok", "wajib", "sukarela"):
        if kind not in defaults:
            raise RuleViolation(f"Koperasi belum punya produk simpanan {kind}.", code="no_product")
        savings.open_account(cooperative_id, member, defaults[kind], joined_on, actor=actor)
    audit.record(actor, "member.register", "member", member.id,
                 {"number": member.member_number, "resident_id": resident.id}, cooperative_id=cooperative_id)
    return member


def registration_preview(cooperative_id: int, resident_id: int, joined_on: date, *, member_type: str = "biasa") -> dict:
    """The figures of the registration's confirmation page when the simpanan pokok is paid at once (reads
    only), with the refusals of :func:`register_member` (date, member type, eligibility): the pokok owed by
    a member joining on ``joined_on`` (:func:`coop.savings.services.pokok_due_on`) and the pokok balance
    0 -> that amount. Worked example: the setting Rp 150.000 from 1 June 2026, joining 1 June: 150.000."""
    resident = _eligible_resident(cooperative_id, resident_id, joined_on, member_type)
    defaults = savings.default_products(cooperative_id)
    if "pokok" not in defaults:
        raise RuleViolation("Koperasi belum punya produk simpanan pokok.", code="no_product")
    amount = savings.pokok_due_on(cooperative_id, joined_on, defaults["pokok"].amount)
    return {"resident": resident, "pokok": amount, "balance_before": 0, "balance_after": amount}


def register_paying_pokok(cooperative_id: int, resident_id: int, joined_on: date, *, actor, member_type: str = "biasa",
                          idempotency_key: str | None = None):
    """:func:`register_member`, then the simpanan pokok paid in cash the same day (the member becomes
    active): (member, the pokok deposit's entry). Sent again under the same ``idempotency_key`` (a
    confirmation pressed twice): the member registered then and that entry, nothing written."""
    prior = entry_id_for_key(cooperative_id, idempotency_key)
    if prior is not None:
        entry = get_entry(cooperative_id, prior)
        acc = savings.get_account(cooperative_id, int((entry.source_ref or "").rpartition(":")[2]))
        return get_member(cooperative_id, acc.member_id), entry
    member = register_member(cooperative_id, resident_id, joined_on, actor=actor, member_type=member_type)
    acc = savings.account_for(cooperative_id, member.id, "pokok")
    entry = savings.deposit(cooperative_id, acc.id, savings.pokok_due(acc), actor=actor, value_date=joined_on,
                            idempotency_key=idempotency_key).entry
    return member, entry


def set_member_type(cooperative_id: int, member_id: int, member_type: str, *, actor) -> Member:
    member = get_member(cooperative_id, member_id)
    if member_type not in MEMBER_TYPES:
        raise ValidationError("Jenis anggota tidak dikenal.", fields={"member_type": ["biasa atau luar_biasa"]})
    before, member.member_type = member.member_type, member_type
    db.session.flush()
    audit.record(actor, "member.type", "member", member.id, {"before": before, "after": member_type},
                 cooperative_id=cooperative_id)
    return member


def link_user(cooperative_id: int, member_id: int, user, *, actor) -> Member:
    """Link a login (role ``member``) to the member so they see their own accounts."""
    member = get_member(cooperative_id, member_id)
    if user.cooperative_id != cooperative_id or user.role != "member":
        raise ValidationError("Pengguna harus berperan anggota di koperasi ini.", fields={"user_id": ["tidak valid"]})
    member.user_id = user.id
    db.session.flush()
    audit.record(actor, "member.link_user", "member", member.id, {"user_id": user.id},
                 cooperative_id=cooperative_id)
    return member


#: a member number as printed on the card (``KDM-000123``), whole or its start
_MEMBER_NUMBER = re.compile(r"^([A-Za-z]{1,10}-)(\d+)$")


def _digits_after(digits: str) -> str | None:
    """The first digit string of the same length after every string starting with ``digits`` ("0129" ->
    "0130"); None after "999" (no upper bound). Digit strings sort the same under every collation."""
    nxt = str(int(digits) + 1).zfill(len(digits))
    return nxt if len(nxt) == len(digits) else None


def _starts_with(column, prefix: str, digits: str):
    """``column`` starts with ``prefix`` (which ends with ``digits``), as a range the column's index can
    answer (LIKE 'x%' cannot use it on PostgreSQL's default collation nor SQLite's case-insensitive LIKE)."""
    upper = _digits_after(digits)
    lower_bound = column >= prefix
    if upper is None:
        return sa.and_(lower_bound, column.startswith(prefix))
    return sa.and_(lower_bound, column < prefix[:len(prefix) - len(digits)] + upper)


#: how many of a fragment's pieces a search intersects (the rarest ones), how many it weighs at most, and the
#: count at which a piece is "common" (its holders are counted up to there, never further)
_PIECES_USED, _PIECES_WEIGHED, _COMMON = 2, 12, 200


def _fragment_ids(cooperative_id: int, fragment: str) -> sa.Select | list | None:
    """A SELECT of the ids of the members whose name or number holds both of the rarest three-character pieces of
    ``fragment`` (lower-cased), from ``member_search_keys`` alone; None when the fragment is shorter than a
    piece, ``[]`` when a piece is held by nobody. A superset of the members containing ``fragment``: the
    caller's own condition then decides.

    Every read is on the table's primary key (cooperative, piece, member): first how many members hold each
    piece, counted only up to :data:`_COMMON` (so a piece that half the cooperative holds, like "ri ", costs
    200 index entries, not 10,000), then the members holding the two rarest. Worked example: "sri 1234" has the
    pieces " 12", "123", "234", "i 1", "ri ", "sri"; at 20,000 members "123" and "234" are held by about a
    hundred each, the rest by hundreds or thousands: the members holding both "123" and "234" are returned."""
    pieces = sorted({fragment[i:i + 3] for i in range(len(fragment) - 2)})
    if not pieces:
        return None
    if len(pieces) > _PIECES_WEIGHED:  # a long fragment: pieces spread over it
        pieces = pieces[::-(-len(pieces) // _PIECES_WEIGHED)]
    key = MemberSearchKey

    def held(piece: str):
        capped = (sa.select(sa.literal(1)).where(key.cooperative_id == cooperative_id, key.key == piece)
                  .limit(_COMMON).subquery())
        return sa.select(sa.func.count()).select_from(capped).scalar_subquery()

    counts = db.session.execute(sa.select(*[held(p) for p in pieces])).one()
    if not all(counts):
        return []  # a piece no member holds: nothing contains the fragment
    rarest = [p for _, p in sorted(zip(counts, pieces, strict=True))[:_PIECES_USED]]
    return (sa.select(key.member_id).where(key.cooperative_id == cooperative_id, key.key.in_(rarest))
            .group_by(key.member_id).having(sa.func.count() == len(rarest)))


def search(cooperative_id: int, q: str, limit: int = 10, include_former: bool = False) -> list[Member]:
    """Type-ahead: by member number, NIK (exact or prefix) or a name fragment (case-insensitive).

    Digits (a member's sequence number or a NIK's start) and a member number (``KDM-0001...``) are answered
    from the indexes (``member_seq``, ``member_number``, ``nik``), whatever the cooperative's size; a name
    fragment of three characters or more from the trigram table ``member_search_keys`` (:func:`_fragment_ids`),
    a shorter one by reading every member's name."""

    q = (q or "").strip()
    if not q:
        return []
    stmt = sa.select(Member).join(Resident, Resident.id == Member.resident_id).where(
        Member.cooperative_id == cooperative_id)
    if not include_former:
        stmt = stmt.where(Member.status.in_(("applied", "active", "dormant")))
    number = _MEMBER_NUMBER.match(q)
    if q.isdigit():
        # the NIK's residents by their index, then their members by (cooperative, resident): SQLite answers
        # an OR of two index searches on one table, not across the join
        conds = [Member.resident_id.in_(sa.select(Resident.id).where(Resident.cooperative_id == cooperative_id,
                                                                      _starts_with(Resident.nik, q, q)))]
        if len(q) <= 9:
            conds.append(Member.member_seq == int(q))
    elif number:
        conds = [_starts_with(Member.member_number, q.upper(), number.group(2))]
    else:
        conds = [Member.member_number.ilike(f"%{q}%"), sa.func.lower(Resident.full_name).contains(q.lower())]
        candidates = _fragment_ids(cooperative_id, q.lower())
        if candidates is not None:
            stmt = stmt.where(Member.id.in_(candidates))
    return list(db.session.scalars(stmt.where(sa.or_(*conds)).order_by(Resident.full_name).limit(limit)))


# --------------------------------------------------------------------------------------------
# Leaving: resignation and death
# --------------------------------------------------------------------------------------------

@dataclass
class Settlement:
    """The resignation settlement: savings refunded, loans netted, cash paid out."""

    member: Member
    effective_on: date
    savings: list = field(default_factory=list)  # [(SavingsAccount, amount)]
    loans_total: int = 0
    refund: int = 0
    entry: object | None = None

    @property
    def savings_total(self) -> int:
        return sum(a for _, a in self.savings)


def _payoff_plan(cooperative_id: int, member_id: int, value_date: date):
    return plan_member_payoff(cooperative_id, member_id, value_date)


def settlement_preview(cooperative_id: int, member_id: int, effective_on: date) -> Settlement:
    """What a resignation on ``effective_on`` would pay out (nothing is written)."""
    member = get_member(cooperative_id, member_id)
    s = Settlement(member, effective_on)
    accounts = savings.accounts_of(cooperative_id, member_id, include_closed=False)
    # the interest the closing will pay (up to the day before, DOMAIN.md), as resign() posts it
    interest = accrual.closing_preview(cooperative_id, accounts, effective_on)
    for acc in accounts:
        balance = acc.balance + interest.get(acc.ledger_account_id, 0)
        if balance > 0:
            s.savings.append((acc, balance))
    plan = _payoff_plan(cooperative_id, member_id, effective_on)
    s.loans_total = int(plan.total) if plan is not None else 0
    s.refund = s.savings_total - s.loans_total
    return s


def resign(cooperative_id: int, member_id: int, effective_on: date, *, actor, status: str = "resigned",
           memo: str | None = None, date_field: str = "effective_on") -> Settlement:
    """End the membership: refund pokok + wajib + sukarela (+ berjangka) net of outstanding loans in ONE
    entry (Dr each savings account; Cr the loan payoff lines; Cr Kas the net refund), close the accounts.

    :raises RuleViolation: not a current member, or savings do not cover the loans (the member must
        repay first; the difference is in the message).
    """
    # the ledger's head before anything is read: a posting to the member's accounts (a deposit, a loan
    # repayment) that commits first is in the refund, one that commits after waits and finds them closed;
    # what this session loaded before (the page's preview) is read again under it. The member's loans
    # before the head: a repayment locks its loan, then the head (taken the other way round, a repayment
    # in flight and this netting deadlocked)
    lock_member_loans(cooperative_id, member_id)
    lock_head(cooperative_id)
    member = get_member(cooperative_id, member_id)
    db.session.refresh(member)
    if not member.is_current:
        raise RuleViolation(f"Anggota sudah berstatus {member.status_label}.", code="not_a_member")
    datebounds.check_day(cooperative_id, effective_on, date_field, earlier=[(member.joined_on, "tanggal bergabung")])
    s = Settlement(member, effective_on)
    accounts = savings.accounts_of(cooperative_id, member_id, include_closed=False, fresh=True)
    latest_opening = max((acc.opened_on for acc in accounts if acc.opened_on), default=None)
    if latest_opening is not None and effective_on < latest_opening:
        # An account cannot be closed before it was opened (and its money was not there yet).
        raise ValidationError("Tanggal keluar tidak valid.", fields={date_field: [
            f"tidak boleh sebelum rekening simpanan terakhir dibuka ({latest_opening.isoformat()})"]})
    for acc in accounts:  # interest up to the day before, paid with the closing (DOMAIN.md)
        acc.closed_on = effective_on
    accrual.pay_closing(cooperative_id, accounts, effective_on, actor=actor)
    for acc in accounts:
        if acc.balance > 0:
            s.savings.append((acc, acc.balance))
    plan = _payoff_plan(cooperative_id, member_id, effective_on)
    s.loans_total = int(plan.total) if plan is not None else 0
    s.refund = s.savings_total - s.loans_total
    if s.refund < 0:

        raise RuleViolation(
            f"Simpanan ({rupiah(s.savings_total)}) tidak cukup menutup pinjaman ({rupiah(s.loans_total)}): "
            f"anggota harus melunasi {rupiah(-s.refund)} dulu.", code="loans_exceed_savings")
    lines = [Line.dr(acc.ledger_account_id, amt, f"pengembalian {acc.kind_label}") for acc, amt in s.savings]
    if plan is not None and s.loans_total:
        lines.extend(plan.lines)
    if s.refund > 0:
        lines.append(Line.cr(chart.KAS, s.refund, "dibayar tunai"))  # by code: the ledger reads its id
    if lines:
        s.entry = post_entry(cooperative_id, lines, actor=actor,
                             memo=memo or f"Pengunduran diri {member.member_number} {member.full_name}",
                             value_date=effective_on, idempotency_key=f"member.resign:{member.id}",
                             source="savings.resignation", source_ref=f"member:{member.id}")
        if plan is not None and s.loans_total:
            plan.apply(s.entry)
        member.settlement_entry_id = s.entry.id
    for acc in accounts:
        acc.status, acc.closed_on, acc.next_action_date = "closed", effective_on, None
    member.status, member.resigned_on = status, effective_on
    db.session.flush()
    audit.record(actor, f"member.{'resign' if status == 'resigned' else 'deceased'}", "member", member.id,
                 {"savings": s.savings_total, "loans": s.loans_total, "refund": s.refund},
                 cooperative_id=cooperative_id)
    return s


def settlement_of(cooperative_id: int, member_id: int) -> Settlement:
    """The recorded settlement of a former member (for the settlement receipt)."""

    member = get_member(cooperative_id, member_id)
    if member.settlement_entry_id is None:
        raise NotFound("Belum ada penyelesaian keluar untuk anggota ini.")
    entry = db.session.get(JournalEntry, member.settlement_entry_id)
    s = Settlement(member, member.resigned_on, entry=entry)
    by_ledger = {a.ledger_account_id: a for a in db.session.scalars(
        sa.select(SavingsAccount).where(SavingsAccount.member_id == member.id))}
    kas = account_by_code(cooperative_id, chart.KAS).id
    for p in entry.postings:
        if p.account_id in by_ledger and p.debit:
            s.savings.append((by_ledger[p.account_id], p.debit))
        elif p.account_id == kas and p.credit:
            s.refund = p.credit
    s.loans_total = s.savings_total - s.refund
    return s


def record_death(cooperative_id: int, member_id: int, died_on: date, *, actor) -> Settlement:
    """A member died: savings settle like a resignation (paid to the heirs), status ``deceased``."""
    return resign(cooperative_id, member_id, died_on, actor=actor, status="deceased", date_field="died_on",
                  memo=f"Anggota meninggal: penyelesaian simpanan untuk ahli waris (anggota {member_id})")


def dashboard_totals(cooperative_id: int) -> dict[str, dict[str, int]]:
    """The dashboard's members-and-savings figures as plain ints (every status and kind present, 0 if none):

    ``{"members_by_status": {"applied": n, "active": n, ...}, "savings_by_kind": {"pokok": rp, ...}}``.
    A kind's figure is the sum of its accounts' balances on their normal side (what the cooperative holds
    for its members, closed accounts included: they are at 0). Two queries; sums come back as ``int``
    (PostgreSQL returns ``SUM`` of a bigint as a Decimal).
    """

    counts = dict(db.session.execute(sa.select(Member.status, sa.func.count()).where(
        Member.cooperative_id == cooperative_id).group_by(Member.status)).all())
    natural = sa.case((Account.normal_side == "D", Account.balance), else_=-Account.balance)
    sums = dict(db.session.execute(
        sa.select(SavingsAccount.kind, sa.func.coalesce(sa.func.sum(natural), 0))
        .join(Account, Account.id == SavingsAccount.ledger_account_id)
        .where(SavingsAccount.cooperative_id == cooperative_id).group_by(SavingsAccount.kind)).all())
    return {"members_by_status": {s: int(counts.get(s, 0)) for s in MEMBER_STATUSES},
            "savings_by_kind": {k: int(sums.get(k, 0)) for k in KINDS}}


__all__ = ["get_member", "register_member", "member_for_user", "resign", "search", "dashboard_totals", "Conflict"]
