"""marshmallow schemas of the training API (API.md, Training)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from coop.training.models import ADMISSIONS
from coop.web.fields import Money

_ID = {"strict": True, "validate": validate.Range(min=1, max=2**31 - 1)}


class ProgramInSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    topic = fields.String(required=True, validate=validate.Length(min=1, max=200))
    organiser = fields.String(required=True, validate=validate.Length(min=1, max=200))
    funder = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))


class ProgramSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    topic = fields.String(required=True)
    organiser = fields.String(required=True)
    funder = fields.String(allow_none=True)
    description = fields.String(allow_none=True)


class ProgramListSchema(Schema):
    items = fields.List(fields.Nested(ProgramSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class CohortInSchema(Schema):
    program_id = fields.Integer(required=True, **_ID)
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10000))
    venue = fields.String(required=True, validate=validate.Length(min=1, max=200))
    sessions = fields.List(fields.Date(), required=True, validate=validate.Length(min=1, max=366))
    trainers = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    allowance_amount = Money(allow_zero=True, load_default=0)
    admission = fields.String(load_default="pmi", validate=validate.OneOf(ADMISSIONS))


class EnrolmentSchema(Schema):
    id = fields.Integer(required=True)
    cohort_id = fields.Integer(required=True)
    resident_id = fields.Integer(required=True)
    status = fields.String(required=True)
    seq = fields.Integer(required=True)
    applied_on = fields.Date(required=True)
    channel = fields.String(required=True)
    reason = fields.String(allow_none=True)
    completed_on = fields.Date(allow_none=True)
    certificate_id = fields.Integer(allow_none=True)
    certificate_number = fields.String(allow_none=True)


class CohortSchema(Schema):
    id = fields.Integer(required=True)
    program_id = fields.Integer(required=True)
    name = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    venue = fields.String(required=True)
    capacity = fields.Integer(required=True)
    enrolled_count = fields.Integer(required=True)
    places_left = fields.Integer(required=True)
    trainers = fields.String(allow_none=True)
    allowance_amount = Money(allow_zero=True, required=True)
    admission = fields.String(required=True)
    is_open = fields.Boolean(required=True)
    sessions = fields.List(fields.Date(), required=True)
    enrolments = fields.List(fields.Nested(EnrolmentSchema), required=True)


class CohortSummarySchema(CohortSchema):
    class Meta:
        exclude = ("enrolments",)


class CohortListSchema(Schema):
    items = fields.List(fields.Nested(CohortSummarySchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class EnrolInSchema(Schema):
    resident_id = fields.Integer(required=True, **_ID)


class AttendanceInSchema(Schema):
    session_date = fields.Date(required=True)
    present = fields.List(fields.Integer(**_ID), required=True, validate=validate.Length(max=10000))


class AttendanceSchema(Schema):
    session_date = fields.Date(required=True)
    present = fields.Integer(required=True)
    absent = fields.Integer(required=True)


class CompletionSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    completed_on = fields.Date(required=True)
    certificate_id = fields.Integer(required=True)
    certificate_number = fields.String(required=True)
    verification_url = fields.String(required=True)


class CertificateSchema(Schema):
    """An issued certificate; once revoked, who/when/why. ``revoked_at`` is a UTC timestamp."""

    id = fields.Integer(required=True)
    enrolment_id = fields.Integer(required=True)
    resident_id = fields.Integer(required=True)
    number = fields.String(required=True)
    issued_on = fields.Date(required=True)
    is_revoked = fields.Boolean(required=True)
    revoked_at = fields.DateTime(allow_none=True, required=True)
    revoked_by_id = fields.Integer(allow_none=True, required=True)
    revocation_reason = fields.String(allow_none=True, required=True)
    verification_url = fields.String(required=True)


class RevokeInSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=300))


class RejectInSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=300))


class AllowanceInSchema(Schema):
    paid_on = fields.Date(load_default=None)


class AllowanceSchema(Schema):
    id = fields.Integer(required=True)
    enrolment_id = fields.Integer(required=True)
    amount = Money(required=True)
    paid_on = fields.Date(required=True)
    entry_id = fields.Integer(required=True)
    voucher_number = fields.String(required=True)


class BusinessInSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.Length(min=1, max=120))
    sector = fields.String(load_default="lainnya", validate=validate.Length(max=40))
    nib = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    pirt = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=30))
    halal = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    monthly_revenue = Money(allow_zero=True, load_default=0)
    workers = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=0, max=100000))
    business_group = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    started_on = fields.Date(load_default=None, allow_none=True)


class BusinessSchema(Schema):
    id = fields.Integer(required=True)
    resident_id = fields.Integer(required=True)
    enrolment_id = fields.Integer(allow_none=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    sector = fields.String(required=True)
    nib = fields.String(allow_none=True)
    pirt = fields.String(allow_none=True)
    halal = fields.String(allow_none=True)
    monthly_revenue = Money(allow_zero=True, required=True)
    workers = fields.Integer(required=True)
    business_group = fields.String(allow_none=True)
    started_on = fields.Date(allow_none=True)


class FollowUpOutcomeInSchema(Schema):
    done_on = fields.Date(load_default=None)
    business_started = fields.Boolean(required=True)
    business = fields.Nested(BusinessInSchema, load_default=None, allow_none=True)
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))


class FollowUpSchema(Schema):
    id = fields.Integer(required=True)
    enrolment_id = fields.Integer(required=True)
    months = fields.Integer(required=True)
    due_on = fields.Date(required=True)
    status = fields.String(required=True)
    done_on = fields.Date(allow_none=True)
    business_started = fields.Boolean(allow_none=True, attribute="is_business_started")
    business_id = fields.Integer(allow_none=True)


class FollowUpListSchema(Schema):
    items = fields.List(fields.Nested(FollowUpSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class FunnelSchema(Schema):
    trained = fields.Integer(required=True)
    businesses_started = fields.Integer(required=True)
    loans_taken = fields.Integer(required=True)
    repaying_on_time = fields.Integer(required=True)
