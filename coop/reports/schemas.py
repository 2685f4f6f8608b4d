"""marshmallow schemas of the reports area (imported only by blueprints)."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validates_schema


class PeriodQuerySchema(Schema):
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (both optional, inclusive)."""

    class Meta:
        unknown = EXCLUDE

    start = fields.Date(data_key="from", load_default=None, metadata={"description": "first value date"})
    end = fields.Date(data_key="to", load_default=None, metadata={"description": "last value date"})

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError("tanggal 'from' harus sebelum atau sama dengan 'to'", field_name="from")


class AsOfQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    as_of = fields.Date(load_default=None)
