"""marshmallow schemas of the members and savings-accounts API (API.md, Membership and savings)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from coop.web.fields import Money, Rate

KINDS = ("pokok", "wajib", "sukarela", "berjangka")


class MemberCreateSchema(Schema):
    resident_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    joined_on = fields.Date(required=True)
    member_type = fields.String(load_default="biasa", validate=validate.OneOf(("biasa", "luar_biasa")))


class SavingsAccountSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    account_number = fields.String()
    product = fields.String()
    product_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(KINDS))
    balance = fields.Integer()
    status = fields.String()
    opened_on = fields.Date()
    maturity_on = fields.Date(allow_none=True)
    rate_percent_per_year = Rate(allow_none=True)


class LoanSummarySchema(Schema):
    id = fields.Integer()
    status = fields.String()
    principal = fields.Integer()
    outstanding_principal = fields.Integer(allow_none=True)


class MemberSchema(Schema):
    id = fields.Integer()
    member_number = fields.String()
    status = fields.String()
    member_type = fields.String()
    resident_id = fields.Integer()
    full_name = fields.String()
    joined_on = fields.Date()
    resigned_on = fields.Date(allow_none=True)
    savings_accounts = fields.List(fields.Nested(SavingsAccountSchema))
    loans = fields.List(fields.Nested(LoanSummarySchema))


class ResignationSchema(Schema):
    effective_on = fields.Date(required=True)


class SettlementLineSchema(Schema):
    account_id = fields.Integer()
    kind = fields.String()
    amount = fields.Integer()


class SettlementSchema(Schema):
    member_id = fields.Integer()
    status = fields.String()
    effective_on = fields.Date()
    savings = fields.List(fields.Nested(SettlementLineSchema))
    savings_total = fields.Integer()
    loans_total = fields.Integer()
    refund = fields.Integer()
    entry_id = fields.Integer(allow_none=True)
    voucher_number = fields.String(allow_none=True)


class MoneyMoveSchema(Schema):
    amount = Money(required=True)
    value_date = fields.Date(load_default=None)
    memo = fields.String(load_default=None, validate=validate.Length(max=200), allow_none=True)


class MoneyMoveResultSchema(Schema):
    transaction_id = fields.Integer()
    entry_id = fields.Integer()
    voucher_number = fields.String()
    amount = fields.Integer()
    balance = fields.Integer()
    account_id = fields.Integer()


class TransactionsQuerySchema(Schema):
    date_from = fields.Date(data_key="from", load_default=None)
    date_to = fields.Date(data_key="to", load_default=None)
    limit = fields.Integer(load_default=None)
    cursor = fields.String(load_default=None)


class TransactionSchema(Schema):
    id = fields.Integer()
    entry_id = fields.Integer()
    voucher_number = fields.String()
    value_date = fields.Date()
    memo = fields.String()
    type = fields.String()
    deposit = fields.Integer()
    withdrawal = fields.Integer()
    amount = fields.Integer()
    balance = fields.Integer()


class TransactionListSchema(Schema):
    account_id = fields.Integer()
    opening_balance = fields.Integer()
    items = fields.List(fields.Nested(TransactionSchema))
    next_cursor = fields.String(allow_none=True)
