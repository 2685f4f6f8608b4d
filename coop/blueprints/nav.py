"""Navigation by role. Entries whose endpoint does not exist (yet) are skipped."""
from __future__ import annotations

from flask import current_app

from coop.auth.roles import (
    ADMIN,
    AUDITOR,
    BOOKS,
    CASH,
    COORDINATOR,
    FACILITATOR,
    MANAGER,
    MEMBER,
    OFFICER,
    PARENTING,
    SERVICE_ADMIN,
    STAFF,
    TREASURER,
)
from coop.i18n import N_
from coop.membership.services import member_for_user

#: (endpoint, label, roles, icon)
NAV = [
    ("main.dashboard", N_("Beranda"), STAFF + (MEMBER, FACILITATOR)),
    ("cashdesk.index", N_("Kasir"), CASH),
    ("members.index", N_("Anggota"), (ADMIN, TREASURER, MANAGER, OFFICER, AUDITOR)),
    ("loans.index", N_("Pinjaman"), (ADMIN, TREASURER, MANAGER, AUDITOR)),
    ("registry.index", N_("Data Desa"), (ADMIN, OFFICER, TREASURER, MANAGER)),
    ("training.index", N_("Pelatihan"), STAFF + (MEMBER,)),
    ("remittances.index", N_("Kiriman Uang"), (ADMIN, TREASURER, MANAGER, OFFICER, AUDITOR)),
    ("desk.index", N_("Layanan Migrasi"), (ADMIN, OFFICER, MANAGER, AUDITOR)),
    ("outreach.index", N_("Pesan"), (ADMIN, OFFICER, TREASURER, MANAGER, AUDITOR)),
    ("parenting.index", N_("Parenting"), PARENTING),
    ("ledger.index", N_("Buku Besar"), BOOKS),
    ("reports.index", N_("Laporan"), BOOKS),
    ("admin.audit_log", N_("Log Audit"), (ADMIN, AUDITOR)),
    ("admin.users", N_("Pengguna"), (ADMIN,)),
    ("admin.settings_page", N_("Pengaturan"), (ADMIN,)),
    ("members.me", N_("Simpanan Saya"), (MEMBER,)),
    ("programme.index", N_("Program"), (COORDINATOR, SERVICE_ADMIN)),
    ("programme.onboard", N_("Desa baru"), (SERVICE_ADMIN,)),
    ("programme.coordinators", N_("Koordinator"), (SERVICE_ADMIN,)),
]


#: Entries of role ``member`` only for a login that stands for a cooperative member (not for a family
#: member: a resident with a login to enrol in training, who has no savings).
MEMBERS_ONLY = ("members.me",)


def is_family_login(user) -> bool:
    """A login of role ``member`` that is not a cooperative member (a resident enrolled in training)."""
    return getattr(user, "role", None) == MEMBER and member_for_user(user) is None


def nav_for(user) -> list[tuple[str, str]]:
    if not getattr(user, "is_authenticated", False):
        return []
    views = current_app.view_functions
    family = is_family_login(user)
    return [(ep, label) for ep, label, roles in NAV if user.role in roles and ep in views
            and not (family and ep in MEMBERS_ONLY)]
