"""Founding a cooperative: the tenant row, its chart of accounts and hash-chain head, and the default
savings products of DOMAIN.md, in one unit of work (the CLI's `cooperatives create`, the demo and tests)."""
from __future__ import annotations

from datetime import date

from coop.auth.models import Cooperative, User
from coop.auth.services import create_cooperative
from coop.ledger.services import create_chart
from coop.savings.products import seed_defaults


def found_cooperative(*, name: str, village_code: str, legal_number: str | None = None,
                      address: str | None = None, actor: User | None = None,
                      founded_on: date | None = None) -> Cooperative:
    """A new cooperative ready for business: the tenant row, its chart of accounts and hash-chain head,
    and the default savings products of DOMAIN.md (pokok, wajib, sukarela, berjangka)."""
    coop = create_cooperative(name=name, village_code=village_code, legal_number=legal_number,
                              address=address, actor=actor, founded_on=founded_on)
    create_chart(coop.id)
    seed_defaults(coop.id, actor=actor)
    return coop
