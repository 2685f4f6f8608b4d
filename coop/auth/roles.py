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
#: Service-level roles: no cooperative (``users.cooperative_id`` NULL). A coordinator (Disnaker, province,
#: ministry) has a region scope and sees programme totals only; a service admin founds cooperatives and
#: creates coordinators. Neither reads any cooperative's pages or person records.
COORDINATOR = "coordinator"
SERVICE_ADMIN = "service_admin"

#: The roles of a cooperative's users (every one has a cooperative).
ALL_ROLES = (ADMIN, TREASURER, MANAGER, OFFICER, AUDITOR, MEMBER, FACILITATOR)
#: Roles without a cooperative.
SERVICE_ROLES = (COORDINATOR, SERVICE_ADMIN)
#: Every role a user row may have (the users.role check constraint).
KNOWN_ROLES = ALL_ROLES + SERVICE_ROLES
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
    COORDINATOR: N_("Koordinator program"),
    SERVICE_ADMIN: N_("Admin layanan"),
}
