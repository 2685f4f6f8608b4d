"""marshmallow schemas of the loans API (API.md, Loans). Money is an integer of rupiah, rates decimal strings."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from coop.web.fields import Money, Rate

ID = {"strict": True, "validate": validate.Range(min=1, max=2**62)}
TERM = validate.Range(min=1, max=360)
DAYS = validate.Range(min=0, max=10_000)


class LoanProductCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    method = fields.String(required=True, validate=validate.OneOf(("flat", "efektif", "anuitas")))
    rate_percent_per_month = Rate(required=True)
    min_term_months = fields.Integer(load_default=1, strict=True, validate=TERM)
    max_term_months = fields.Integer(load_default=36, strict=True, validate=TERM)
    min_principal = Money(load_default=100_000)
    max_principal = Money(load_default=100_000_000)
    frequency = fields.String(load_default="monthly", validate=validate.OneOf(("monthly", "weekly")))
    grace_periods = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=120))
    rounding_multiple = fields.Integer(load_default=100, strict=True, validate=validate.Range(min=1, max=1_000_000))
    rounding_mode = fields.String(load_default="half_up", validate=validate.OneOf(("half_up", "up")))
    fee_percent = Rate(load_default=None)
    fee_fixed = Money(allow_zero=True, load_default=0)
    fee_deducted = fields.Boolean(load_default=True)
    penalty_kind = fields.String(load_default="percent_overdue", validate=validate.OneOf(
        ("none", "fixed", "percent_overdue", "percent_per_day")))
    penalty_percent = Rate(load_default=None)
    penalty_fixed = Money(allow_zero=True, load_default=0)
    penalty_grace_days = fields.Integer(load_default=15, strict=True, validate=DAYS)
    allocation_order = fields.String(load_default="penalty,fee,interest,principal",
                                     validate=validate.Length(max=60))
    allocation_strategy = fields.String(load_default="instalment", validate=validate.OneOf(("instalment", "component")))
    kl_after_days = fields.Integer(strict=True, validate=DAYS)
    d_after_days = fields.Integer(strict=True, validate=DAYS)
    m_after_days = fields.Integer(strict=True, validate=DAYS)
    provision_lancar = Rate()
    provision_kl = Rate()
    provision_d = Rate()
    provision_m = Rate()


class LoanProductSchema(LoanProductCreateSchema):
    id = fields.Integer()
    is_active = fields.Boolean()
    kl_after_days = fields.Integer()
    d_after_days = fields.Integer()
    m_after_days = fields.Integer()


class LoanProductListSchema(Schema):
    items = fields.List(fields.Nested(LoanProductSchema))
    next_cursor = fields.String(allow_none=True)


class PreviewSchema(Schema):
    product_id = fields.Integer(required=True, **ID)
    principal = Money(required=True)
    term_months = fields.Integer(required=True, strict=True, validate=TERM)
    first_due_date = fields.Date(required=True)
    disbursed_on = fields.Date(load_default=None, metadata={
        "description": "with it, the first period is prorated by days (or not) as the cooperative's "
                       "first_period_interest setting says, exactly as the booked schedule will be"})


class InstalmentSchema(Schema):
    number = fields.Integer()
    due_date = fields.Date()
    principal = Money(allow_zero=True)
    interest = Money(allow_zero=True)
    total = Money(allow_zero=True)


class PreviewResultSchema(Schema):
    instalments = fields.List(fields.Nested(InstalmentSchema))
    total_interest = Money(allow_zero=True)
    total_principal = Money(allow_zero=True)
    first_period_days = fields.Integer(allow_none=True, metadata={
        "description": "days from disbursed_on to first_due_date (null without disbursed_on)"})
    standard_period_days = fields.Integer(allow_none=True, metadata={
        "description": "days of one standard period from disbursed_on (a month or 7 days)"})
    first_period_prorated = fields.Boolean(allow_none=True, metadata={
        "description": "whether the first instalment's interest is prorated by days (never for flat)"})


class LoanCreateSchema(Schema):
    member_id = fields.Integer(required=True, **ID)
    product_id = fields.Integer(required=True, **ID)
    principal = Money(required=True)
    term_months = fields.Integer(required=True, strict=True, validate=TERM)
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=300))
    applied_on = fields.Date(required=True)
    business_id = fields.Integer(load_default=None, allow_none=True, **ID)
    business_description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    guarantor_member_id = fields.Integer(load_default=None, allow_none=True, **ID)
    collateral_description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    collateral_value = Money(load_default=None, allow_none=True, allow_zero=True)


class ApprovalSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "reject")))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    decided_on = fields.Date(load_default=None)


class DisbursementSchema(Schema):
    disbursed_on = fields.Date(required=True)
    first_due_date = fields.Date(load_default=None, metadata={
        "description": "default: one period after disbursed_on (31 Jan -> 28/29 Feb)"})
    mode = fields.String(load_default="cash", validate=validate.OneOf(("cash", "savings")))


class RepaymentSchema(Schema):
    amount = Money(required=True)
    paid_on = fields.Date(required=True)
    channel = fields.String(load_default="cash", validate=validate.OneOf(("cash", "savings")))


class AllocationSchema(Schema):
    penalty = Money(allow_zero=True)
    fee = Money(allow_zero=True)
    interest = Money(allow_zero=True)
    principal = Money(allow_zero=True)


class RepaymentResultSchema(Schema):
    id = fields.Integer()
    loan_id = fields.Integer()
    amount = Money()
    paid_on = fields.Date()
    allocation = fields.Nested(AllocationSchema)
    overpayment = Money(allow_zero=True)
    outstanding_principal = Money(allow_zero=True)
    entry_id = fields.Integer()
    voucher_number = fields.String()
    replayed = fields.Integer()


class LoanSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    member_id = fields.Integer()
    product_id = fields.Integer()
    business_id = fields.Integer(allow_none=True)
    status = fields.String()
    principal = Money()
    term_months = fields.Integer()
    method = fields.String()
    rate_percent_per_month = Rate()
    frequency = fields.String()
    purpose = fields.String()
    applied_on = fields.Date()
    disbursed_on = fields.Date(allow_none=True)
    first_due_date = fields.Date(allow_none=True)
    fee_amount = Money(allow_zero=True)
    outstanding_principal = Money(allow_zero=True)
    arrears = Money(allow_zero=True)
    days_past_due = fields.Integer()
    collectibility = fields.String(metadata={"description": "class code: lancar, dalam_perhatian_khusus, "
                                                          "kurang_lancar, diragukan, macet"})
    collectibility_class = fields.Integer(metadata={"description": "1 Lancar, 2 Dalam Perhatian Khusus (only in "
                                                                "the bank5 scheme), 3 Kurang Lancar, 4 Diragukan, "
                                                                "5 Macet"})
    collectibility_label = fields.String(metadata={"description": "the class's name (Bahasa Indonesia)"})
    collectibility_scheme = fields.String(metadata={"description": "koperasi4 or bank5, copied at application"})
    approvals_needed = fields.Integer()
    approved_by_id = fields.Integer(allow_none=True)
    second_approved_by_id = fields.Integer(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    close_reason = fields.String(allow_none=True)
    write_off_requested_by_id = fields.Integer(allow_none=True)
    write_off_approved_by_id = fields.Integer(allow_none=True)
    written_off_amount = Money(allow_zero=True)
    rescheduled_on = fields.Date(allow_none=True)
    schedule_version = fields.Integer()


class ScheduleRowSchema(InstalmentSchema):
    fee = Money(allow_zero=True)
    penalty = Money(allow_zero=True)
    principal_paid = Money(allow_zero=True)
    interest_paid = Money(allow_zero=True)
    fee_paid = Money(allow_zero=True)
    penalty_paid = Money(allow_zero=True)
    interest_waived = Money(allow_zero=True)
    paid_on = fields.Date(allow_none=True)
    status = fields.String()


class ScheduleSchema(Schema):
    loan_id = fields.Integer()
    schedule_version = fields.Integer()
    instalments = fields.List(fields.Nested(ScheduleRowSchema))
    total_interest = Money(allow_zero=True)


class LoanListQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(("applied", "approved", "rejected", "active", "closed",
                                                    "written_off")))
    member_id = fields.Integer(**{"validate": validate.Range(min=1, max=2**62)})
    limit = fields.Integer()
    cursor = fields.String()


class LoanListSchema(Schema):
    items = fields.List(fields.Nested(LoanSchema))
    next_cursor = fields.String(allow_none=True)


class PayoffQuoteQuerySchema(Schema):
    as_of = fields.Date(metadata={"description": "settlement day (default: today in the cooperative)"})


class PayoffQuoteSchema(Schema):
    loan_id = fields.Integer()
    as_of = fields.Date()
    principal = Money(allow_zero=True, metadata={"description": "outstanding principal (all of it)"})
    interest = Money(allow_zero=True, metadata={"description": "unpaid interest of instalments due by as_of"})
    fee = Money(allow_zero=True, metadata={"description": "unpaid fees"})
    penalty = Money(allow_zero=True, metadata={"description": "unpaid penalties charged"})
    total = Money(allow_zero=True, metadata={"description": "what POST /payoff must receive on as_of"})
    interest_waived = Money(allow_zero=True, metadata={"description": "interest of later instalments forgiven"})


class PayoffSchema(Schema):
    amount = Money(required=True, metadata={"description": "must equal the payoff quote total of paid_on"})
    paid_on = fields.Date(required=True)
    channel = fields.String(load_default="cash", validate=validate.OneOf(("cash", "savings")))


class PayoffResultSchema(RepaymentResultSchema):
    loan_status = fields.String()


NOT_BLANK = validate.Regexp(r"\S", error="wajib diisi")


class WriteOffRequestSchema(Schema):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=500), NOT_BLANK])


class WriteOffApprovalSchema(Schema):
    written_off_on = fields.Date(load_default=None, metadata={"description": "default: today"})


class WriteOffRejectionSchema(Schema):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=500), NOT_BLANK],
                           metadata={"description": "why the checker refuses the write-off (audited)"})


class WriteOffWithdrawalSchema(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500),
                         metadata={"description": "optional: why the requester takes it back (audited)"})


class RecoveryCreateSchema(Schema):
    amount = Money(required=True)
    received_on = fields.Date(required=True)


class RecoverySchema(Schema):
    id = fields.Integer()
    loan_id = fields.Integer()
    amount = Money()
    received_on = fields.Date()
    entry_id = fields.Integer()
    voucher_number = fields.String()
    written_off_amount = Money(allow_zero=True)
    recovered_total = Money(allow_zero=True)


class RescheduleSchema(Schema):
    rescheduled_on = fields.Date(required=True)
    term_months = fields.Integer(required=True, strict=True, validate=TERM)
    first_due_date = fields.Date(required=True)
