"""marshmallow schemas of the remittances API (API.md, "Outreach and remittances"; web layer: imported
only by coop/blueprints/api/remittances.py)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from coop.remittances import rules
from coop.web.fields import Money

_ID = {"strict": True, "validate": validate.Range(min=1, max=2**63 - 1)}
DECIMAL = r"^\d{1,12}(\.\d{1,4})?$"


class RemittanceInSchema(Schema):
    savings_account_id = fields.Integer(required=True, **_ID)
    sender_resident_id = fields.Integer(required=True, **_ID)
    country = fields.String(required=True, validate=validate.Length(min=2, max=2),
                            metadata={"example": "HK"})
    channel = fields.String(required=True, validate=validate.OneOf(rules.CHANNELS))
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z]{3}$"), metadata={"example": "HKD"})
    foreign_amount = fields.String(required=True, validate=validate.Regexp(DECIMAL),
                                   metadata={"example": "3000.00", "pattern": DECIMAL})
    amount = Money(required=True)
    fee = Money(allow_zero=True, load_default=0)
    received_on = fields.Date(load_default=None, allow_none=True)
    goal_id = fields.Integer(load_default=None, allow_none=True, **_ID)
    memo = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class RemittanceSchema(Schema):
    id = fields.Integer()
    savings_account_id = fields.Integer()
    member_id = fields.Integer()
    sender_resident_id = fields.Integer()
    country = fields.String()
    channel = fields.String()
    currency = fields.String()
    foreign_amount = fields.String()
    amount = fields.Integer()
    fee = fields.Integer()
    received_on = fields.Date()
    goal_id = fields.Integer(allow_none=True)
    entry_id = fields.Integer()
    voucher_number = fields.String()
    balance = fields.Integer()


class RemittanceSummaryQuerySchema(Schema):
    date_from = fields.Date(data_key="from", load_default=None)
    date_to = fields.Date(data_key="to", load_default=None)


class RemittanceCountAmountSchema(Schema):
    count = fields.Integer()
    amount = fields.Integer()


class RemittanceMeasuredSchema(Schema):
    count = fields.Integer()
    amount = fields.Integer()
    saved = fields.Integer()


class RemittanceSummarySchema(Schema):
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    count = fields.Integer()
    amount = fields.Integer()
    fee = fields.Integer()
    by_country = fields.Dict(keys=fields.String(), values=fields.Nested(RemittanceCountAmountSchema))
    by_channel = fields.Dict(keys=fields.String(), values=fields.Nested(RemittanceCountAmountSchema))
    saved_share = fields.String(allow_none=True, metadata={"description": "fraction 0..1 (4 decimals) of the "
                                "measured remittances still saved 30 days after receipt; null when none measured"})
    measured = fields.Nested(RemittanceMeasuredSchema)


class SavingsGoalInSchema(Schema):
    member_id = fields.Integer(required=True, **_ID)
    purpose = fields.String(required=True, validate=validate.OneOf(rules.PURPOSES))
    target_amount = Money(required=True)
    target_date = fields.Date(required=True)
    savings_account_id = fields.Integer(load_default=None, allow_none=True, **_ID)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class SavingsGoalSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    savings_account_id = fields.Integer()
    purpose = fields.String()
    target_amount = fields.Integer()
    target_date = fields.Date()
    saved = fields.Integer()
    progress_percent = fields.String(metadata={"example": "37.5"})


class KurReferralInSchema(Schema):
    member_id = fields.Integer(required=True, **_ID)
    bank = fields.String(required=True, validate=validate.Length(min=1, max=100))
    amount_requested = Money(required=True)
    referred_on = fields.Date(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class KurReferralStatusSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(rules.KUR_STATUSES[1:]))
    on = fields.Date(load_default=None, allow_none=True)


class KurReferralSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    bank = fields.String()
    amount_requested = fields.Integer()
    status = fields.String()
    referred_on = fields.Date()
    decided_on = fields.Date(allow_none=True)
    disbursed_on = fields.Date(allow_none=True)
    note = fields.String(allow_none=True)
