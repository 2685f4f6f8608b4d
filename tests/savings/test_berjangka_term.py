"""A berjangka product whose term was cleared (update_product allows it) is refused with a 422, not a crash."""
from __future__ import annotations

from datetime import date

import pytest

from coop.db import atomic, db
from coop.errors import ValidationError
from coop.savings import interest, products
from coop.savings import services as savings


def test_berjangka_without_a_term_is_refused_by_preview_and_opening(coop, make_member, fund):
    """With term_months cleared on the product, the preview and the opening both raise ValidationError
    naming ``product_id``, and nothing is opened."""
    m = make_member(coop)
    fund(m, "sukarela", 1_000, date(2025, 1, 2))
    product = savings.default_product(coop.id, "berjangka")
    atomic(products.update_product, coop.id, product.id, actor=None, term_months=None)
    before = len(savings.accounts_of(coop.id, m.id))
    with pytest.raises(ValidationError) as preview:
        interest.berjangka_preview(coop.id, m.id, product.id, 500_000, opened_on=date(2025, 1, 10))
    with pytest.raises(ValidationError) as opening:
        atomic(interest.open_berjangka, coop.id, m.id, product.id, 500_000, actor=None,
               opened_on=date(2025, 1, 10))
    assert "product_id" in preview.value.fields and "product_id" in opening.value.fields
    db.session.expire_all()
    assert len(savings.accounts_of(coop.id, m.id)) == before
