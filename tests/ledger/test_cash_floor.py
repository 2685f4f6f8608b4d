"""Cash may not go negative: Kas (1101) has a floor of zero (setting ``cash_never_negative``, on by default).

Worked example used below, checked by hand: a member joins on 2 Jan 2025 paying simpanan pokok Rp 100.000
(Kas 100.000), deposits Rp 500.000 sukarela (Kas 600.000), and the treasurer takes Rp 450.000 of the box to
the bank (Dr 1102 Bank / Cr 1101 Kas: Kas 150.000). The member asks for Rp 200.000 of her Rp 500.000:
her savings cover it, the box does not, so it is refused naming Kas and both amounts, and nothing is
written; Rp 150.000 (the whole box, down to exactly zero) is paid.
"""
from __future__ import annotations

import json
import re
import threading
from datetime import date

import pytest
import sqlalchemy as sa

from coop import settings
from coop.audit.models import AuditLog
from coop.db import atomic, db
from coop.errors import InsufficientFunds, ValidationError
from coop.ledger import cash_floor, chart, rules
from coop.ledger.models import Account, JournalEntry
from coop.ledger.rules import Line
from coop.ledger.services import account_by_code, add_account, post_entry
from coop.savings import services as savings
from tests.fixtures_ledger import fill_cash_box

MESSAGE = "Kas tidak mencukupi: saldo Kas (1101) Rp 150.000, diminta Rp 200.000."


def _kas(coop) -> int:
    return account_by_code(coop.id, chart.KAS).natural_balance()


def _written(coop) -> tuple[int, int]:
    """(journal entries, audit rows) of the cooperative: a refused payout must change neither."""
    return (db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)
                              .where(JournalEntry.cooperative_id == coop.id)),
            db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)
                              .where(AuditLog.cooperative_id == coop.id)))


@pytest.fixture
def box_150k(coop, make_member, fund, books):
    """The worked example: a member with Rp 500.000 sukarela, Rp 150.000 in the cash box."""
    m = make_member(coop)
    fund(m, "sukarela", 500_000, value_date=date(2026, 11, 2))
    books(coop).transfer(chart.BANK, chart.KAS, 450_000, value_date=date(2026, 11, 3), memo="Setor kas ke bank")
    assert _kas(coop) == 150_000
    return m, savings.account_for(coop.id, m.id, "sukarela")


def _desk_form(page: str, prefix: str) -> dict:
    fields = dict(re.findall(rf'name="({re.escape(prefix)}-[a-z_]+)"[^>]*value="([^"]*)"', page))
    fields.update({k: v for v, k in re.findall(rf'value="([^"]*)"[^>]*name="({re.escape(prefix)}-[a-z_]+)"', page)})
    return fields


def test_a_new_cooperative_has_the_floor_on_kas_only(coop):
    """Kas gets min_balance 0 at founding (the default of the setting is on); Bank has no floor."""
    assert settings.get(coop.id, cash_floor.SETTING) is True
    assert account_by_code(coop.id, chart.KAS).min_balance == 0
    assert account_by_code(coop.id, chart.BANK).min_balance is None


def test_the_message_names_the_cash_account_and_both_amounts():
    """Cash reads as cash (with what to do); other floors keep naming the account and what is available."""
    msg, field = rules.floor_message("1101", "Kas", 150_000, 0, 200_000)
    assert msg.startswith(MESSAGE) and "catat dulu uang yang masuk ke kas" in msg and field == "kas tidak mencukupi"
    msg, _ = rules.floor_message("1101.T1", "Kas Teller 1", -5_000, 0, 1_000)
    assert msg.startswith("Kas tidak mencukupi: saldo Kas Teller 1 (1101.T1) Rp -5.000, diminta Rp 1.000.")
    msg, field = rules.floor_message("2101.7", "Simpanan Sukarela KDM-000007", 60_000, 10_000, 100_000)
    assert (msg, field) == ("Saldo Simpanan Sukarela KDM-000007 tidak mencukupi: tersedia Rp 50.000, "
                            "diminta Rp 100.000.", "saldo tidak mencukupi")
    assert rules.is_cash_code("1101") and rules.is_cash_code("1101.01")
    assert not rules.is_cash_code("1102") and not rules.is_cash_code("11010")


def test_cash_desk_withdrawal_larger_than_the_box_is_refused_and_writes_nothing(coop, users, login, box_150k):
    """Cash desk page: 409 with the message under the amount; the member's savings, Kas, the journal and
    the audit log are unchanged; the same form (same nonce) then pays the whole box, Kas ends at zero."""
    m, acc = box_150k
    web = login(users["treasurer"])
    form = _desk_form(web.get(f"/cashdesk/members/{m.id}").get_data(as_text=True), f"withdraw-{acc.id}")
    form[f"withdraw-{acc.id}-amount"] = "200000"
    before = _written(coop)
    resp = web.post(f"/cashdesk/members/{m.id}/transactions", data=form | {"confirm": "1"})
    assert resp.status_code == 409
    assert MESSAGE in resp.get_data(as_text=True)
    db.session.expire_all()
    assert _written(coop) == before
    assert savings.get_account(coop.id, acc.id).balance == 500_000 and _kas(coop) == 150_000
    form[f"withdraw-{acc.id}-amount"] = "150000"
    resp = web.post(f"/cashdesk/members/{m.id}/transactions", data=form | {"confirm": "1"})
    assert resp.status_code == 302 and "/receipts/" in resp.location
    db.session.expire_all()
    assert savings.get_account(coop.id, acc.id).balance == 350_000 and _kas(coop) == 0


def test_api_withdrawal_larger_than_the_box_is_409_and_a_retry_with_the_key_pays_once_cash_came(
        coop, users, api, box_150k):
    """API: 409 insufficient_funds naming Kas; nothing written; the refusal is not stored under the
    Idempotency-Key, so the same request succeeds after Rp 50.000 more came into the box."""
    _m, acc = box_150k
    t = api(users["treasurer"])
    h = {"Idempotency-Key": "hp-kasir-0001"}
    body = {"amount": 200_000, "value_date": "2026-11-27"}
    before = _written(coop)
    r = t.post(f"/savings-accounts/{acc.id}/withdrawals", json=body, headers=h)
    assert r.status_code == 409
    assert r.json["error"]["code"] == "insufficient_funds"
    assert r.json["error"]["message"].startswith(MESSAGE)
    assert r.json["error"]["fields"] == {"amount": ["kas tidak mencukupi"]}
    db.session.expire_all()
    assert _written(coop) == before and _kas(coop) == 150_000
    atomic(fill_cash_box, coop.id, 50_000, date(2026, 11, 27))
    r = t.post(f"/savings-accounts/{acc.id}/withdrawals", json=body, headers=h)
    assert r.status_code == 201 and r.json["balance"] == 300_000
    db.session.expire_all()
    assert _kas(coop) == 0


def test_when_savings_and_box_are_both_short_the_member_balance_is_the_answer(coop, users, api, box_150k):
    """Rp 600.000 asked: her Rp 500.000 is short (and so is the box); the answer names her savings,
    since fetching cash would not help."""
    _m, acc = box_150k
    r = api(users["treasurer"]).post(f"/savings-accounts/{acc.id}/withdrawals", json={"amount": 600_000})
    assert r.status_code == 409
    assert r.json["error"]["message"].startswith("Saldo Simpanan Sukarela")
    assert "tersedia Rp 500.000, diminta Rp 600.000" in r.json["error"]["message"]


@pytest.fixture
def approved_loan(coop, make_member, make_loan, loan_staff):
    """Rp 1.000.000 approved, no fee; the box holds only the member's pokok, Rp 100.000."""
    m = make_member(coop)
    loan = make_loan(coop, m, principal=1_000_000, term_months=10, status="approved")
    assert _kas(coop) == 100_000
    return m, loan, loan_staff(coop)


def test_loan_disbursement_in_cash_larger_than_the_box_is_refused_to_savings_allowed(coop, login, approved_loan):
    """Loan page: a cash disbursement of Rp 1.000.000 from a Rp 100.000 box is refused with the message;
    the loan stays approved, no loan sub-account or entry is left. Paid into her sukarela savings
    instead, no cash moves: it is disbursed and Kas stays Rp 100.000."""
    from coop.loans.models import Loan

    m, loan, staff = approved_loan
    web = login(staff["treasurer"])
    before = _written(coop)
    resp = web.post(f"/loans/{loan.id}/disburse", data={"disbursed_on": "2026-01-06",
                                                         "first_due_date": "2026-02-06", "mode": "cash", "confirm": "1"})
    assert resp.status_code == 302 and "disbursement-receipt" not in resp.location
    db.session.expire_all()
    assert _written(coop) == before
    assert db.session.get(Loan, loan.id).status == "approved"
    page = web.get(resp.location).get_data(as_text=True)
    assert "Kas tidak mencukupi: saldo Kas (1101) Rp 100.000, diminta Rp 1.000.000." in page
    assert "amount:" not in page  # the message is whole: no field list glued on in English
    assert db.session.scalar(sa.select(Account.id).where(Account.cooperative_id == coop.id,
                                                         Account.code.like(f"{chart.PIUTANG_PINJAMAN}.%"))) is None
    resp = web.post(f"/loans/{loan.id}/disburse", data={"disbursed_on": "2026-01-06",
                                                         "first_due_date": "2026-02-06", "mode": "savings", "confirm": "1"})
    assert resp.status_code == 302 and "disbursement-receipt" in resp.location
    db.session.expire_all()
    assert db.session.get(Loan, loan.id).status == "active"
    assert savings.account_for(coop.id, m.id, "sukarela").balance == 1_000_000
    assert _kas(coop) == 100_000


def test_api_loan_disbursement_in_cash_larger_than_the_box_is_409(coop, api, approved_loan):
    """Is an API cash disbursement of Rp 1.000.000 with Rp 100.000 in the cash box (1101) refused with 409
    insufficient_funds and a message naming both amounts, the loan left approved, while the same disbursement
    to savings succeeds and activates the loan?"""
    _m, loan, staff = approved_loan
    t = api(staff["treasurer"])
    body = {"disbursed_on": "2026-01-06", "first_due_date": "2026-02-06", "mode": "cash"}
    r = t.post(f"/loans/{loan.id}/disbursement", json=body, headers={"Idempotency-Key": "cair-1"})
    assert r.status_code == 409 and r.json["error"]["code"] == "insufficient_funds"
    assert r.json["error"]["message"].startswith("Kas tidak mencukupi: saldo Kas (1101) Rp 100.000, diminta Rp 1.000.000.")
    assert t.get(f"/loans/{loan.id}").json["status"] == "approved"
    r = t.post(f"/loans/{loan.id}/disbursement", json=dict(body, mode="savings"), headers={"Idempotency-Key": "cair-2"})
    assert r.status_code == 200 and r.json["status"] == "active"


def test_cash_count_shortage_is_recorded_down_to_an_empty_box(coop, users, login, box_150k):
    """Books say Rp 150.000 on 3 Nov 2026; counted Rp 120.000: Rp 30.000 short booked (Dr 5204 / Cr Kas),
    Kas 120.000. Next day nothing moved and the box is found empty: Rp 120.000 short, Kas exactly 0."""
    web = login(users["treasurer"])
    resp = web.post("/cashdesk/cash-count", data={"counted_on": "2026-11-03", "counted": "120000", "confirm": "1"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert _kas(coop) == 120_000
    assert account_by_code(coop.id, chart.SELISIH_KAS).natural_balance() == 30_000
    resp = web.post("/cashdesk/cash-count", data={"counted_on": "2026-11-04", "counted": "0", "confirm": "1"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert _kas(coop) == 0
    assert account_by_code(coop.id, chart.SELISIH_KAS).natural_balance() == 150_000


def test_opening_balances_raise_cash_but_a_negative_opening_kas_is_refused(coop, users):
    """An opening Kas of Rp 2.500.000 posts on an empty box; an opening Kas of -5 (on the debit side) is
    refused with the cash message and nothing of the import is posted."""
    from coop.ledger.imports import OpeningRow, import_opening_balances

    atomic(import_opening_balances, coop.id, [OpeningRow("1101", 2_500_000), OpeningRow("1102", 1_000_000)],
           actor=users["admin"], value_date=date(2025, 12, 31))
    assert _kas(coop) == 2_500_000
    before = _written(coop)
    with pytest.raises(InsufficientFunds) as exc:
        atomic(import_opening_balances, coop.id, [OpeningRow("1102", 7), OpeningRow("1101", -2_500_001)],
               actor=users["admin"], value_date=date(2025, 12, 31))
    assert exc.value.message.startswith("#2: Kas tidak mencukupi: saldo Kas (1101) Rp 2.500.000, diminta Rp 2.500.001.")
    assert _written(coop) == before and _kas(coop) == 2_500_000


def test_admin_turns_the_floor_off_and_on_for_kas_and_its_sub_accounts(coop, users, login, books):
    """Settings page: "tidak" clears the floor of Kas and of a teller's box under it (a payout from an
    empty box then passes), "ya" puts it back; junk is a 422; each change is audited. A box added under
    Kas while the floor is on gets it; one under Bank does not."""
    teller = atomic(add_account, coop.id, actor=users["admin"], code="1101.01", name="Kas Teller 1", type="asset",
                    parent_id=account_by_code(coop.id, chart.KAS).id)
    under_bank = atomic(add_account, coop.id, actor=users["admin"], code="1102.01", name="Bank BRI",
                        type="asset", parent_id=account_by_code(coop.id, chart.BANK).id)
    assert teller.min_balance == 0 and under_bank.min_balance is None
    web = login(users["admin"])
    bad = web.post("/admin/settings", data={"key": cash_floor.SETTING, "value": "mungkin", "effective_on": "2026-11-27"})
    assert bad.status_code == 422
    with pytest.raises(InsufficientFunds):
        books(coop).transfer(chart.BEBAN_OPERASIONAL, teller.id, 1_000)
    assert web.post("/admin/settings", data={"key": cash_floor.SETTING, "value": "tidak",
                                             "effective_on": "2026-11-27"}).status_code == 302
    db.session.expire_all()
    assert [db.session.get(Account, i).min_balance for i in (account_by_code(coop.id, chart.KAS).id, teller.id)] \
        == [None, None]
    assert re.search(r"cash_never_negative</code></div></td>\s*<td>tidak", web.get("/admin/settings").get_data(as_text=True))
    books(coop).transfer(chart.BEBAN_OPERASIONAL, teller.id, 1_000)  # the box may now go negative
    assert books(coop).balance(teller.id) == -1_000
    assert web.post("/admin/settings", data={"key": cash_floor.SETTING, "value": "ya",
                                             "effective_on": "2026-11-28"}).status_code == 302
    db.session.expire_all()
    assert account_by_code(coop.id, chart.KAS).min_balance == 0 and db.session.get(Account, teller.id).min_balance == 0
    # back on while the teller's box is below zero: receipts pass (they improve it), payouts do not
    books(coop).transfer(teller.id, chart.SALDO_AWAL, 400)
    with pytest.raises(InsufficientFunds):
        books(coop).transfer(chart.BEBAN_OPERASIONAL, teller.id, 1)
    changes = [json.loads(a.summary) for a in db.session.scalars(sa.select(AuditLog).where(
        AuditLog.cooperative_id == coop.id, AuditLog.action == "ledger.cash_floor").order_by(AuditLog.id))]
    assert [(c["min_balance"], sorted(c["accounts"])) for c in changes] == [(None, ["1101", "1101.01"]),
                                                                           (0, ["1101", "1101.01"])]


def test_bool_settings_take_only_yes_or_no(coop):
    """Does the cash-floor setting parse "Tidak" as False and "ya" as True, refuse "", "mungkin" and "2", and
    refuse a stored value of "tidak" through set_value?"""
    assert settings.parse_value(cash_floor.SETTING, "Tidak") is False
    assert settings.parse_value(cash_floor.SETTING, "ya") is True
    for junk in ("", "mungkin", "2"):
        with pytest.raises(ValidationError):
            settings.parse_value(cash_floor.SETTING, junk)
    with pytest.raises(ValidationError):
        atomic(settings.set_value, coop.id, cash_floor.SETTING, "tidak", effective_on=date(2026, 1, 1))


@pytest.mark.slow
def test_concurrent_payouts_never_take_kas_below_zero(committed_app):
    """8 cashiers x 5 payouts of Rp 300 from a box of Rp 3.000 at once: exactly 10 are paid, Kas ends 0."""
    from coop.auth.services import create_cooperative
    from coop.ledger.services import create_chart

    day = date(2026, 11, 27)
    with committed_app.app_context():
        def _setup():
            c = create_cooperative(name="Koperasi Kas Serentak", village_code="3504042001")
            create_chart(c.id)
            fill_cash_box(c.id, 3_000, day)
            return c.id, account_by_code(c.id, chart.KAS).id, account_by_code(c.id, chart.BEBAN_OPERASIONAL).id
        coop_id, kas, beban = atomic(_setup)
        db.session.remove()
    paid, refused, errors = [], [], []
    barrier = threading.Barrier(8)

    def cashier():
        with committed_app.app_context():
            try:
                barrier.wait(timeout=30)
                for _ in range(5):
                    try:
                        atomic(post_entry, coop_id, [Line.dr(beban, 300), Line.cr(kas, 300)], actor=None,
                               memo="bayar", value_date=day)
                        paid.append(1)
                    except InsufficientFunds:
                        refused.append(1)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=cashier) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    assert (len(paid), len(refused)) == (10, 30)
    with committed_app.app_context():
        assert account_by_code(coop_id, chart.KAS).natural_balance() == 0
        db.session.remove()
