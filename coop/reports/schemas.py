"""marshmallow schemas of the reports area (imported only by blueprints)."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema


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


class YearQuerySchema(Schema):
    """``?year=YYYY`` (optional: the current year)."""

    class Meta:
        unknown = EXCLUDE

    year = fields.Integer(load_default=None, strict=False, metadata={"description": "calendar year, 2000-2100"},
                          validate=validate.Range(min=2000, max=2100))


class PphMonthSchema(Schema):
    month = fields.String(metadata={"description": "YYYY-MM"})
    slips = fields.Integer(metadata={"description": "bukti potong issued (one per member credited interest)"})
    slips_taxed = fields.Integer(metadata={"description": "slips with PPh above 0"})
    gross = fields.Integer()
    tax = fields.Integer(metadata={"description": "PPh final withheld"})
    net = fields.Integer()
    ledger_tax = fields.Integer(metadata={"description": "PPh the month's interest entries credited to 2401"})


class PphTotalsSchema(Schema):
    year = fields.Integer()
    months = fields.List(fields.Nested(PphMonthSchema))
