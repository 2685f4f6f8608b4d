"""The type-ahead's name search by index (issue 17, revision 0024): ``member_search_keys`` holds every
three-character piece of each member's lower-cased name and member number, kept by database triggers whatever
writes the names, and the search finds exactly what the old ``LIKE '%x%'`` over every member found."""
from __future__ import annotations

import sqlalchemy as sa

from coop.db import atomic, db
from coop.membership import services
from coop.membership.models import Member, MemberSearchKey
from coop.registry.models import Resident
from coop.registry.services import update_resident


def _pieces(text: str) -> set[str]:
    low = text.lower()
    return {low[i:i + 3] for i in range(len(low) - 2)}


def _keys(member_id: int) -> set[str]:
    return set(db.session.scalars(sa.select(MemberSearchKey.key).where(MemberSearchKey.member_id == member_id)))


def _old_search(cooperative_id: int, q: str) -> list[int]:
    """The search before revision 0024: every current member's name and number read, in name order."""
    ql = q.lower()
    rows = db.session.execute(sa.select(Member.id, Member.member_number, Resident.full_name)
                              .join(Resident, Resident.id == Member.resident_id)
                              .where(Member.cooperative_id == cooperative_id,
                                     Member.status.in_(("applied", "active", "dormant")))).all()
    return [mid for mid, number, name in sorted(rows, key=lambda r: r[2])
            if ql in name.lower() or ql in number.lower()]


def test_a_new_member_gets_the_pieces_of_name_and_number(coop, make_member, make_resident):
    """Registering "Sri Wahyuni" as KDM-000001 writes "sri", "ri ", ..., "uni" and "kdm", ..., "001", once each."""
    m = make_member(coop, resident=make_resident(coop, full_name="Sri Wahyuni"))
    assert m.member_number == "KDM-000001"
    assert _keys(m.id) == _pieces("Sri Wahyuni") | _pieces("KDM-000001")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MemberSearchKey)
                             .where(MemberSearchKey.member_id == m.id)) == len(_keys(m.id))


def test_a_renamed_resident_is_found_by_the_new_name_only(coop, make_member, make_resident):
    """update_resident (the registry's ORM path) and a Core UPDATE (an import's executemany) both move the pieces:
    the old name finds nobody, the new one the member; a change of another column leaves them alone."""
    r = make_resident(coop, full_name="Sri Wahyuni")
    m = make_member(coop, resident=r)
    atomic(update_resident, coop.id, r.id, {"full_name": "Sri Lestari"}, actor=None)
    assert services.search(coop.id, "wahyu") == []
    assert services.search(coop.id, "lestar") == [m]
    assert _keys(m.id) == _pieces("Sri Lestari") | _pieces(m.member_number)

    def _core():
        db.session.execute(sa.update(Resident), [{"id": r.id, "full_name": "Ani Rahayu"}])
        db.session.execute(sa.update(Resident).where(Resident.id == r.id).values(phone="081234567890"))
    atomic(_core)
    assert services.search(coop.id, "lestar") == []
    assert services.search(coop.id, "RAHAY") == [m]
    assert _keys(m.id) == _pieces("Ani Rahayu") | _pieces(m.member_number)


def test_a_renumbered_member_moves_its_pieces(coop, make_member):
    """A Core UPDATE of member_number: the new number's pieces replace the old ones ("xyz" finds it, "kdm" not)."""
    m = make_member(coop)

    def _renumber():
        db.session.execute(sa.update(Member).where(Member.id == m.id).values(member_number="XYZ-000777"))
    atomic(_renumber)
    assert _keys(m.id) == _pieces(m.resident.full_name) | _pieces("XYZ-000777")
    assert services.search(coop.id, "xyz") == [m]
    assert "kdm" not in _keys(m.id) and services.search(coop.id, "kdm") == []


def test_search_finds_what_the_scan_found(coop, make_member, make_resident):
    """Infix fragments, across words, any case, the number's letters, a short fragment (read by the scan), a
    fragment nobody holds: the indexed search returns the old scan's members in the old order."""
    names = ["Sri Wahyuni", "Dewi Wahyuningsih", "Wahyu Prasetyo", "Agus Wahyudi", "Siti Aminah", "Budi Santoso"]
    members = [make_member(coop, resident=make_resident(coop, full_name=n)) for n in names]
    for q in ("ahyu", "WAHYU", "i wah", "yuni", "aminah", "kdm-00000", "dm-", "000003", "wa", "a", "santos",
              "zzz", "ahyuq", "sri wahyuni", "i a"):
        got = [m.id for m in services.search(coop.id, q, limit=50)]
        assert got == _old_search(coop.id, q), q
    assert [m.full_name for m in services.search(coop.id, "ahyu", limit=50)] == [
        "Agus Wahyudi", "Dewi Wahyuningsih", "Sri Wahyuni", "Wahyu Prasetyo"]
    assert len(members) == 6


def test_a_common_piece_is_weighed_not_listed(coop, make_member, make_resident):
    """"sri 12" has the pieces "sri", "ri ", "i 1", " 12": with many members holding "sri" and "ri ", the rarest
    two decide which members are read (the fragment's members, and nobody outside those holding both)."""
    for n in range(1, 8):
        make_member(coop, resident=make_resident(coop, full_name=f"Sri Utami {n}"))
    hit = make_member(coop, resident=make_resident(coop, full_name="Sri 12 Utami"))
    ids = services._fragment_ids(coop.id, "sri 12")
    candidates = set(db.session.scalars(ids))
    assert hit.id in candidates and len(candidates) < 8
    assert services.search(coop.id, "sri 12") == [hit]
    assert services._fragment_ids(coop.id, "sr") is None
    assert services._fragment_ids(coop.id, "qqq") == []
