"""Pure rules of the remittances area (no database): vocabularies, the cash-in account of a channel,
the share of a remittance still saved after 30 days, how a savings balance fills goals, progress.

Every figure is whole rupiah (int); shares and percentages are ``Decimal``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_DOWN, Decimal

from coop.ledger import chart
from coop.text import N_

#: How the money reached the cooperative.
CHANNELS = ("bank", "pos", "ewallet", "agent", "cash")
CHANNEL_LABELS = {"bank": N_("Transfer bank"), "pos": N_("Wesel pos"), "ewallet": N_("Dompet elektronik"),
                  "agent": N_("Agen pengiriman uang"), "cash": N_("Tunai")}
#: The account that receives the money: transfers land in the cooperative's bank account (1102 Bank);
#: money collected at a post office or an agent, or handed over in cash, comes in at the desk (1101 Kas).
CASH_IN_CODE = {"bank": chart.BANK, "ewallet": chart.BANK, "pos": chart.KAS, "agent": chart.KAS, "cash": chart.KAS}

PURPOSES = ("business_capital", "school", "housing", "other")
PURPOSE_LABELS = {"business_capital": N_("Modal usaha sepulang bekerja"), "school": N_("Biaya sekolah"),
                  "housing": N_("Rumah"), "other": N_("Lainnya")}

KUR_STATUSES = ("referred", "approved", "rejected", "disbursed")
KUR_STATUS_LABELS = {"referred": N_("Dirujuk"), "approved": N_("Disetujui"), "rejected": N_("Ditolak"),
                     "disbursed": N_("Dicairkan")}
#: Allowed moves of a KUR referral: the bank approves or rejects; an approved one is disbursed.
KUR_NEXT = {"referred": ("approved", "rejected"), "approved": ("disbursed", "rejected"), "rejected": (),
            "disbursed": ()}
#: KUR Penempatan ceiling (DOMAIN.md: up to Rp 100 juta).
KUR_MAX = 100_000_000

#: Days after receipt at which a remittance counts as saved or spent (API.md: "30 days after receipt").
SAVED_AFTER_DAYS = 30

#: ISO 3166-1 alpha-2 (officially assigned codes).
COUNTRY_CODES = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO
JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR
MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO
RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV
TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
""".split())

_CURRENCY = re.compile(r"[A-Z]{3}")
#: foreign amounts: up to 12 digits before the point and 4 after (the column is NUMERIC(18, 4))
FOREIGN_MAX = Decimal("999999999999.9999")


def country_problem(code) -> str | None:
    if not isinstance(code, str) or code.strip().upper() not in COUNTRY_CODES:
        return "kode negara ISO 3166 dua huruf yang dikenal (mis. HK, TW, MY)"
    return None


def currency_problem(code) -> str | None:
    if not isinstance(code, str) or not _CURRENCY.fullmatch(code.strip().upper()):
        return "kode mata uang ISO 4217 tiga huruf (mis. HKD, TWD, MYR)"
    return None


def foreign_amount_problem(value) -> str | None:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0 or value > FOREIGN_MAX:
        return "jumlah mata uang asing harus desimal lebih dari nol"
    if value.as_tuple().exponent < -4:
        return "paling banyak 4 angka di belakang koma"
    return None


def retained(amount: int, balance_before: int, balance_after: int) -> int:
    """The part of a remittance of ``amount`` still in the account ``SAVED_AFTER_DAYS`` days later:
    the growth of the account's balance from the evening before the receipt (``balance_before``) to the
    evening of the 30th day after it (``balance_after``), at least 0 and at most the remittance."""
    return max(0, min(amount, balance_after - balance_before))


def share(part: int, whole: int) -> Decimal | None:
    """``part / whole`` to 4 decimals, rounded down (``None`` when nothing is measured)."""
    if whole <= 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_DOWN)


def fill_goals(balance: int, goals: Iterable[tuple[int, date, int]]) -> dict[int, int]:
    """How an account's balance fills the goals saved on it: ``goals`` are ``(id, target_date,
    target_amount)``; the earliest target date is filled first (then the lower id), each up to its target;
    what is left goes to the next. A negative balance fills nothing. :returns: {goal id: saved}."""
    left = max(0, balance)
    out = {}
    for goal_id, _target_date, target in sorted(goals, key=lambda g: (g[1], g[0])):
        out[goal_id] = min(left, target)
        left -= out[goal_id]
    return out


def progress_percent(saved: int, target: int) -> Decimal:
    """Saved as a percentage of the target, rounded down to one decimal, at most 100."""
    if target <= 0:
        return Decimal(100)
    pct = (Decimal(saved) * 100 / Decimal(target)).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
    return min(pct, Decimal(100))
