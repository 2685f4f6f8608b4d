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


class ReceiptLineSchema(Schema):
    description = fields.String(required=True)
    amount = fields.Integer(required=True, metadata={"description": "rupiah"})


class ReceiptSchema(Schema):
    """A kuitansi as data (``GET /api/v1/receipts/{voucher_number}``): the same figures on every reprint."""

    voucher_number = fields.String(required=True)
    date = fields.Date(required=True, metadata={"description": "the entry's value date"})
    kind = fields.String(required=True, metadata={
        "description": "what the money was for: the entry's source, e.g. `loans.repayment`, `loans.payoff`, "
                       "`loans.disburse`, `savings.deposit`, `savings.withdrawal`, `savings.wajib`"})
    member_number = fields.String(required=True, allow_none=True)
    amount = fields.Integer(required=True, metadata={"description": "rupiah"})
    amount_in_words = fields.String(required=True, metadata={"description": "terbilang, Bahasa Indonesia"})
    stamp_duty_required = fields.Boolean(required=True)
    lines = fields.List(fields.Nested(ReceiptLineSchema), required=True)
    loan_number = fields.String(metadata={"description": "loan receipts only"})
    principal = fields.Integer(metadata={"description": "loan repayments: pokok"})
    interest = fields.Integer(metadata={"description": "loan repayments: jasa"})
    fee = fields.Integer(metadata={"description": "loan repayments: provisi/administrasi"})
    penalty = fields.Integer(metadata={"description": "loan repayments: denda"})
    overpayment = fields.Integer(metadata={"description": "loan repayments: excess credited to sukarela savings"})
    outstanding_principal_after = fields.Integer(metadata={
        "description": "loan repayments: principal outstanding right after this payment"})
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
