"""Navigation by role. Entries whose endpoint does not exist (yet) are skipped."""
from __future__ import annotations

from flask import current_app

from coop.auth.roles import ADMIN, AUDITOR, BOOKS, CASH, MANAGER, MEMBER, OFFICER, STAFF, TREASURER

#: (endpoint, label, roles, icon)
NAV = [
    ("main.dashboard", "Beranda", STAFF + (MEMBER,)),
    ("cashdesk.index", "Kasir", CASH),
    ("members.index", "Anggota", (ADMIN, TREASURER, MANAGER, OFFICER, AUDITOR)),
    ("loans.index", "Pinjaman", (ADMIN, TREASURER, MANAGER, AUDITOR)),
    ("registry.index", "Data Desa", (ADMIN, OFFICER, TREASURER, MANAGER)),
    ("training.index", "Pelatihan", STAFF + (MEMBER,)),
    ("ledger.index", "Buku Besar", BOOKS),
    ("reports.index", "Laporan", BOOKS),
    ("admin.audit_log", "Log Audit", (ADMIN, AUDITOR)),
    ("admin.users", "Pengguna", (ADMIN,)),
    ("admin.settings_page", "Pengaturan", (ADMIN,)),
    ("members.me", "Simpanan Saya", (MEMBER,)),
]


def nav_for(user) -> list[tuple[str, str]]:
    if not getattr(user, "is_authenticated", False):
        return []
    views = current_app.view_functions
    return [(ep, label) for ep, label, roles in NAV if user.role in roles and ep in views]
