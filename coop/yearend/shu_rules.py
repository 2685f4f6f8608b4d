"""Pure SHU arithmetic (Sisa Hasil Usaha, UU 25/1992 Pasal 45): no Flask, no database, Decimal only.

SHU is the year's surplus. The RAT (or the articles) splits it by percentages that must total 100 %
(default cadangan 40, jasa anggota 40, pengurus 5, karyawan 5, pendidikan 5, sosial 5). The members'
part (jasa anggota) splits again into *jasa usaha* (by the interest each member paid on loans) and
*jasa modal* (by each member's savings of the base kinds at year end), default 70/30.

Rounding, stated once:

- each allocation part is ``surplus x percent / 100`` rounded ROUND_HALF_UP; the rupiah that rounding
  leaves over or takes away (the residue, at most a few rupiah) goes to **cadangan**;
- jasa usaha = members' part x percent rounded ROUND_HALF_UP, jasa modal = the rest (so the two sum
  exactly);
- a pool is divided among members by the largest-remainder method: everyone gets the floor of their
  exact share, then the leftover rupiah (fewer than the number of members) go one each to the largest
  fractional remainders (ties: the smaller member key first). The per-member amounts therefore sum
  EXACTLY to the pool, and no member is ever more than one rupiah from the exact share;
- a pool whose base is zero (nobody borrowed, or nobody saved) cannot be divided by it: it moves to
  the other pool; when both bases are zero the members' part stays undivided (``undistributed``).
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from coop.text import N_

#: Allocation parts, in the order of the RAT report, with the settings key of each percentage.
PARTS = ("cadangan", "jasa_anggota", "pengurus", "karyawan", "pendidikan", "sosial")
#: Orders in which accumulated losses are covered (setting ``loss_coverage_order``).
COVERAGE_ORDERS = ("cadangan,surplus", "surplus,cadangan", "surplus")

PART_LABELS = {"cadangan": N_("Cadangan"), "jasa_anggota": N_("Jasa anggota"), "pengurus": N_("Dana pengurus"),
               "karyawan": N_("Dana karyawan"), "pendidikan": N_("Dana pendidikan"), "sosial": N_("Dana sosial")}
#: Where the rounding residue of the allocation goes.
RESIDUE_PART = "cadangan"

HUNDRED = Decimal(100)


class ShuRuleError(ValueError):
    """The inputs break a rule (percentages not totalling 100, a negative amount)."""


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def income_tax(pre_tax_surplus: int, rate_percent: Decimal) -> int:
    """PPh badan of a year: ``pre_tax_surplus x rate / 100`` rounded ROUND_HALF_UP to the rupiah; nothing on
    a loss or a zero surplus (UU 25/1992 Pasal 45(1): SHU is the surplus after this tax)."""
    if rate_percent < 0 or rate_percent > HUNDRED:
        raise ShuRuleError("Tarif PPh badan harus 0 sampai 100 %.")
    if pre_tax_surplus <= 0:
        return 0
    return _round(Decimal(pre_tax_surplus) * rate_percent / HUNDRED)


def cover_losses(losses: int, surplus: int, reserves: int, order: str) -> tuple[int, int]:
    """How much of the accumulated ``losses`` is covered from cadangan and from this year's ``surplus``.

    ``order`` is one of :data:`COVERAGE_ORDERS`: ``"cadangan,surplus"`` takes reserves first (DOMAIN.md),
    ``"surplus,cadangan"`` the surplus first, ``"surplus"`` leaves the reserves alone. The surplus always
    covers what the reserves leave: a surplus is shared only after accumulated losses are covered.

    :returns: ``(from_reserves, from_surplus)``; the rest of the losses (if both run out) stays uncovered.
    """
    if order not in COVERAGE_ORDERS:
        raise ShuRuleError(f"Urutan penutupan rugi tidak dikenal: {order}.")
    losses, surplus, reserves = max(0, losses), max(0, surplus), max(0, reserves)
    from_reserves = from_surplus = 0
    for source in order.split(","):
        left = losses - from_reserves - from_surplus
        if source == "cadangan":
            from_reserves = min(left, reserves)
        else:
            from_surplus = min(left, surplus)
    return from_reserves, from_surplus


def check_percentages(percents: Mapping[str, Decimal], names=PARTS) -> None:
    missing = [n for n in names if n not in percents]
    if missing:
        raise ShuRuleError("Persentase belum diisi: " + ", ".join(missing))
    for n in names:
        p = percents[n]
        if not isinstance(p, Decimal):
            raise ShuRuleError(f"Persentase {n} harus Decimal.")
        if p < 0:
            raise ShuRuleError(f"Persentase {n} tidak boleh negatif.")
    total = sum((percents[n] for n in names), Decimal(0))
    if total != HUNDRED:
        raise ShuRuleError(f"Jumlah persentase pembagian SHU harus 100 %, sekarang {total} %.")


def allocate(surplus: int, percents: Mapping[str, Decimal]) -> tuple[dict[str, int], int]:
    """Split ``surplus`` by ``percents`` (must total 100).

    :returns: ``({part: amount}, residue)``; the amounts sum exactly to ``surplus``; ``residue`` (already
        included in ``cadangan``) is what rounding left over (may be negative).
    """
    if not isinstance(surplus, int) or surplus < 0:
        raise ShuRuleError("SHU yang dibagi harus bilangan bulat tidak negatif.")
    check_percentages(percents)
    amounts = {p: _round(Decimal(surplus) * percents[p] / HUNDRED) for p in PARTS}
    residue = surplus - sum(amounts.values())
    amounts[RESIDUE_PART] += residue
    return amounts, residue


def split_members_part(members_part: int, jasa_usaha_percent: Decimal, jasa_modal_percent: Decimal
                       ) -> tuple[int, int]:
    """(jasa usaha, jasa modal) of the members' part; they sum exactly to it."""
    check_percentages({"jasa_usaha": jasa_usaha_percent, "jasa_modal": jasa_modal_percent},
                      names=("jasa_usaha", "jasa_modal"))
    usaha = _round(Decimal(members_part) * jasa_usaha_percent / HUNDRED)
    return usaha, members_part - usaha


def distribute(pool: int, weights: Mapping[Hashable, int]) -> dict[Hashable, int]:
    """Divide ``pool`` rupiah in proportion to ``weights`` (largest remainder); sums exactly to ``pool``.

    Members with weight 0 get 0. :raises ShuRuleError: negative pool/weight, or all weights zero while
    the pool is positive.
    """
    if pool < 0 or any(w < 0 for w in weights.values()):
        raise ShuRuleError("Jumlah dan dasar pembagian tidak boleh negatif.")
    total = sum(weights.values())
    if total == 0:
        if pool:
            raise ShuRuleError("Dasar pembagian nol: tidak ada yang bisa menerima bagian.")
        return {k: 0 for k in weights}
    shares: dict[Hashable, int] = {}
    remainders = []
    for key, w in weights.items():
        q, r = divmod(pool * w, total)
        shares[key] = q
        if r:
            remainders.append((-r, _sort_key(key), key))
    left = pool - sum(shares.values())
    remainders.sort()
    for _, _, key in remainders[:left]:
        shares[key] += 1
    return shares


def _sort_key(key):
    return (0, key, "") if isinstance(key, int) else (1, 0, str(key))


@dataclass
class MemberShare:
    base_usaha: int
    base_modal: int
    jasa_usaha: int = 0
    jasa_modal: int = 0

    @property
    def total(self) -> int:
        return self.jasa_usaha + self.jasa_modal


@dataclass
class ShuPlan:
    surplus: int
    parts: dict[str, int]
    residue: int
    jasa_usaha: int
    jasa_modal: int
    members: dict[Hashable, MemberShare] = field(default_factory=dict)
    #: Members' part that no base could take (both bases zero); it stays on SHU Bagian Anggota.
    undistributed: int = 0
    notes: list[str] = field(default_factory=list)
    #: Earlier losses covered before sharing (see :func:`cover_losses`); ``surplus`` is what is left.
    loss_from_reserves: int = 0
    loss_from_surplus: int = 0


def plan(surplus: int, percents: Mapping[str, Decimal], usaha_percent: Decimal, modal_percent: Decimal,
         interest_paid: Mapping[Hashable, int], savings: Mapping[Hashable, int]) -> ShuPlan:
    """The whole SHU plan: allocation parts, jasa usaha/modal pools, and every member's share.

    :param interest_paid: jasa usaha base per member (interest paid on loans during the year).
    :param savings: jasa modal base per member (savings of the base kinds at year end).
    """
    parts, residue = allocate(surplus, percents)
    usaha, modal = split_members_part(parts["jasa_anggota"], usaha_percent, modal_percent)
    notes = []
    usaha_w = {k: v for k, v in interest_paid.items() if v > 0}
    modal_w = {k: v for k, v in savings.items() if v > 0}
    undistributed = 0
    if not usaha_w and usaha:
        notes.append("Tidak ada jasa pinjaman dibayar anggota: jasa usaha ikut dibagi sebagai jasa modal.")
        modal, usaha = modal + usaha, 0
    if not modal_w and modal:
        if usaha_w:
            notes.append("Tidak ada simpanan dasar jasa modal: jasa modal ikut dibagi sebagai jasa usaha.")
            usaha, modal = usaha + modal, 0
        else:
            notes.append("Tidak ada dasar pembagian: bagian anggota belum dapat dibagi.")
            undistributed, modal = modal, 0
    members = {k: MemberShare(base_usaha=max(0, interest_paid.get(k, 0)), base_modal=max(0, savings.get(k, 0)))
               for k in set(usaha_w) | set(modal_w)}
    for k, amount in distribute(usaha, usaha_w).items():
        members[k].jasa_usaha = amount
    for k, amount in distribute(modal, modal_w).items():
        members[k].jasa_modal = amount
    return ShuPlan(surplus=surplus, parts=parts, residue=residue, jasa_usaha=usaha, jasa_modal=modal,
                   members=members, undistributed=undistributed, notes=notes)
