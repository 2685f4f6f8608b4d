"""marshmallow schemas of the ledger API (imported only by coop/blueprints/api/ledger.py)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from coop.web.fields import Money


class AsOfQuerySchema(Schema):
    as_of = fields.Date(load_default=None, metadata={"description": "ISO date; default today"})


class RangeQuerySchema(Schema):
    from_ = fields.Date(data_key="from", load_default=None)
    to = fields.Date(load_default=None)


class TrialBalanceRowSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True)
    debit = Money(allow_zero=True, required=True)
    credit = Money(allow_zero=True, required=True)


class TrialBalanceSchema(Schema):
    as_of = fields.Date(required=True)
    accounts = fields.List(fields.Nested(TrialBalanceRowSchema), required=True)
    total_debit = Money(allow_zero=True, required=True)
    total_credit = Money(allow_zero=True, required=True)


class LedgerVerifyProblemSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    entry_id = fields.Integer(allow_none=True)
    voucher_number = fields.String(allow_none=True)
    object = fields.String(allow_none=True, metadata={
        "description": "the object that disagrees, e.g. `loan:PJ-2026-0001`, `savings_account:...`, "
                       "`cash_count:2026-11-27`, `account:1101`; null for a journal-only problem"})
    expected = fields.Integer(allow_none=True, metadata={"description": "the journal's figure (rupiah)"})
    found = fields.Integer(allow_none=True, metadata={"description": "the sub-ledger's or stored figure (rupiah)"})


class LedgerVerifySchema(Schema):
    ok = fields.Boolean(required=True)
    entries = fields.Integer(required=True)
    postings = fields.Integer(required=True)
    head_hash = fields.String(allow_none=True, required=True)
    first_bad_entry = fields.Dict(allow_none=True)
    problems = fields.List(fields.Nested(LedgerVerifyProblemSchema), required=True)


class LedgerAccountSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(allow_none=True)
    type = fields.String(required=True)
    normal_side = fields.String(required=True)
    parent_id = fields.Integer(allow_none=True)
    is_open = fields.Boolean(required=True)
    balance = fields.Integer(required=True, metadata={"description": "natural-side balance in rupiah"})


class LedgerAccountListSchema(Schema):
    items = fields.List(fields.Nested(LedgerAccountSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class JournalLineInSchema(Schema):
    account_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    debit = Money(allow_zero=True, load_default=0)
    credit = Money(allow_zero=True, load_default=0)
    memo = fields.String(load_default=None, validate=validate.Length(max=200))


class JournalEntryInSchema(Schema):
    value_date = fields.Date(required=True)
    memo = fields.String(required=True, validate=validate.Length(min=1, max=500))
    lines = fields.List(fields.Nested(JournalLineInSchema), required=True, validate=validate.Length(min=2, max=50))


class JournalPostingOutSchema(Schema):
    line_no = fields.Integer(required=True)
    account_code = fields.String(required=True)
    account_name = fields.String(required=True)
    debit = Money(allow_zero=True, required=True)
    credit = Money(allow_zero=True, required=True)
    memo = fields.String(allow_none=True)


class JournalEntryOutSchema(Schema):
    id = fields.Integer(required=True)
    voucher_number = fields.String(required=True)
    value_date = fields.Date(required=True)
    memo = fields.String(required=True)
    source = fields.String(required=True)
    reverses_id = fields.Integer(allow_none=True)
    hash = fields.String(required=True)
    lines = fields.List(fields.Nested(JournalPostingOutSchema), required=True)


class LedgerAccountRefSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True)
    normal_side = fields.String(required=True)


class GeneralLedgerLineSchema(Schema):
    entry_id = fields.Integer(required=True)
    voucher_number = fields.String(required=True)
    value_date = fields.Date(required=True)
    memo = fields.String(allow_none=True)
    account_code = fields.String(required=True)
    debit = Money(allow_zero=True, required=True)
    credit = Money(allow_zero=True, required=True)
    balance = fields.Integer(required=True)


class GeneralLedgerSchema(Schema):
    account = fields.Nested(LedgerAccountRefSchema, required=True)
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    opening = fields.Integer(required=True)
    lines = fields.List(fields.Nested(GeneralLedgerLineSchema), required=True)
    total_debit = Money(allow_zero=True, required=True)
    total_credit = Money(allow_zero=True, required=True)
    closing = fields.Integer(required=True)
    truncated = fields.Boolean(required=True)


class LedgerStatementRowSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    amount = fields.Integer(required=True)
    member = fields.Integer()
    non_member = fields.Integer()


class NeracaSchema(Schema):
    as_of = fields.Date(required=True)
    assets = fields.List(fields.Nested(LedgerStatementRowSchema), required=True)
    liabilities = fields.List(fields.Nested(LedgerStatementRowSchema), required=True)
    equity = fields.List(fields.Nested(LedgerStatementRowSchema), required=True)
    current_surplus = fields.Integer(required=True)
    total_assets = fields.Integer(required=True)
    total_liabilities = fields.Integer(required=True)
    total_equity = fields.Integer(required=True)
    total_liabilities_equity = fields.Integer(required=True)
    balanced = fields.Boolean(required=True)


class PhuSchema(Schema):
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    income = fields.List(fields.Nested(LedgerStatementRowSchema), required=True)
    expenses = fields.List(fields.Nested(LedgerStatementRowSchema), required=True)
    total_income = fields.Integer(required=True)
    total_income_member = fields.Integer(required=True)
    total_income_non_member = fields.Integer(required=True)
    total_expenses = fields.Integer(required=True)
    surplus = fields.Integer(required=True)


class ReversalRequestInSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    value_date = fields.Date(load_default=None, metadata={"description": "date of the reversal (default: the entry's)"})


class ReversalRequestSchema(Schema):
    """A reversal request waiting for a second person (maker-checker)."""

    id = fields.Integer(required=True)
    entry_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "`pending`, `approved` or `rejected`"})
    reason = fields.String(required=True)
    value_date = fields.Date(allow_none=True, required=True)
