"""Roles (ARCHITECTURE.md section 7) and what each may do."""
from coop.text import N_

ADMIN = "admin"
TREASURER = "treasurer"  # bendahara: cash desk, postings
MANAGER = "manager"  # manajer: approvals
OFFICER = "officer"  # petugas: registry, training
AUDITOR = "auditor"  # read-only, exports
MEMBER = "member"  # own accounts, own enrolments
#: Pendamping parenting: runs community-parenting groups and sees nothing else (not in STAFF).
FACILITATOR = "facilitator"

ALL_ROLES = (ADMIN, TREASURER, MANAGER, OFFICER, AUDITOR, MEMBER, FACILITATOR)
STAFF = (ADMIN, TREASURER, MANAGER, OFFICER, AUDITOR)
#: Roles that may move money at the cash desk.
CASH = (ADMIN, TREASURER)
#: Roles that may read the books.
BOOKS = (ADMIN, TREASURER, MANAGER, AUDITOR)
#: Roles that see unmasked NIK/KK (UU 27/2022: only those who need them).
SEES_NIK = (ADMIN, OFFICER, TREASURER)
#: Roles that read and write community parenting (children's records: every other role gets 404).
PARENTING = (ADMIN, OFFICER, FACILITATOR)

ROLE_LABELS = {
    ADMIN: N_("Admin"),
    TREASURER: N_("Bendahara"),
    MANAGER: N_("Manajer"),
    OFFICER: N_("Petugas"),
    AUDITOR: N_("Auditor"),
    MEMBER: N_("Anggota"),
    FACILITATOR: N_("Pendamping"),
}
