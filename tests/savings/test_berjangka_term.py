"""A berjangka product without a term: update_product refuses to clear it, and a product stored without one
(data from before that check) is refused by the preview and the opening with a 422, not a crash."""
from __future__ import annotations

from datetime import date

import pytest

from coop.db import atomic, db
from coop.errors import ValidationError
from coop.savings import interest, products
from coop.savings import services as savings


def test_berjangka_without_a_term_is_refused_by_preview_and_opening(coop, make_member, fund):
    """Does update_product refuse to clear a berjangka product's term (422 on ``term_months``, nothing written),
    and with a product stored without a term, do the preview and the opening both raise ValidationError naming
    ``product_id`` and open nothing?"""
    m = make_member(coop)
    fund(m, "sukarela", 1_000, date(2025, 1, 2))
    product = savings.default_product(coop.id, "berjangka")
    with pytest.raises(ValidationError) as cleared:
        atomic(products.update_product, coop.id, product.id, actor=None, term_months=None)
    assert "term_months" in cleared.value.fields
    db.session.expire_all()
    assert savings.default_product(coop.id, "berjangka").term_months  # the refused change wrote nothing

    def clear_term():  # as stored before update_product refused it
        savings.default_product(coop.id, "berjangka").term_months = None
    atomic(clear_term)
    product = savings.default_product(coop.id, "berjangka")
    assert product.term_months is None
    before = len(savings.accounts_of(coop.id, m.id))
    with pytest.raises(ValidationError) as preview:
        interest.berjangka_preview(coop.id, m.id, product.id, 500_000, opened_on=date(2025, 1, 10))
    with pytest.raises(ValidationError) as opening:
        atomic(interest.open_berjangka, coop.id, m.id, product.id, 500_000, actor=None,
               opened_on=date(2025, 1, 10))
    assert "product_id" in preview.value.fields and "product_id" in opening.value.fields
    db.session.expire_all()
    assert len(savings.accounts_of(coop.id, m.id)) == before
