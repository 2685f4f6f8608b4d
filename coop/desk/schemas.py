"""marshmallow schemas of the migration service desk API (API.md, "Migration service desk")."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from coop.desk import rules
from coop.registry import rules as registry_rules

_ID = {"strict": True, "validate": validate.Range(min=1, max=2**31 - 1)}


def _text(max_len: int, required: bool = False, **kw):
    if required:
        return fields.String(required=True, validate=validate.Length(min=1, max=max_len), **kw)
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=max_len), **kw)


class CaseInSchema(Schema):
    resident_id = fields.Integer(required=True, **_ID)
    destination_country = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z]{2}$"))
    job_title = _text(200, required=True)
    job_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(registry_rules.JOB_TYPES))
    scheme = _text(10)
    agency_name = _text(200)
    agency_licence_number = _text(100)
    job_order_ref = _text(100)
    contract_months = fields.Integer(load_default=None, allow_none=True, strict=True,
                                     validate=validate.Range(min=1, max=240))
    contract_start_on = fields.Date(load_default=None, allow_none=True)
    placement_decision_number = _text(100)
    placement_decision_on = fields.Date(load_default=None, allow_none=True)
    opened_on = fields.Date(load_default=None, allow_none=True)


class CaseListQuerySchema(Schema):
    stage = fields.String(load_default=None, validate=validate.OneOf(rules.STAGES))
    limit = fields.Integer(load_default=50)
    cursor = fields.String(load_default=None)


class ChecklistRowSchema(Schema):
    code = fields.String(required=True)
    status = fields.String(required=True)
    number = fields.String(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    visa_kind = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class ChecklistSchema(Schema):
    checklist = fields.List(fields.Nested(ChecklistRowSchema), required=True)
    red_flags = fields.List(fields.String(), required=True)


class AgencyCheckSchema(Schema):
    id = fields.Integer(required=True)
    licence_number = fields.String(required=True)
    source = fields.String(required=True)
    checked_on = fields.Date(required=True)
    result = fields.String(required=True)
    note = fields.String(allow_none=True)
    officer = fields.String(allow_none=True)


class AgencyCheckCreatedSchema(AgencyCheckSchema):
    """A recorded check, with the case's red flags after it (an invalid licence adds ``agency_invalid``)."""

    red_flags = fields.List(fields.String(), required=True)


class StageChangeSchema(Schema):
    stage = fields.String(required=True)
    on = fields.Date(required=True)
    reason = fields.String(allow_none=True)
    by = fields.String(allow_none=True)


class CaseResidentSchema(Schema):
    id = fields.Integer(required=True)
    full_name = fields.String(required=True)
    nik = fields.String(allow_none=True)
    age = fields.Integer(required=True)


class CaseSchema(Schema):
    id = fields.Integer(required=True)
    resident_id = fields.Integer(required=True)
    resident = fields.Nested(CaseResidentSchema)
    destination_country = fields.String(required=True)
    job_title = fields.String(required=True)
    job_type = fields.String(allow_none=True)
    scheme = fields.String(allow_none=True)
    agency_name = fields.String(allow_none=True)
    agency_licence_number = fields.String(allow_none=True)
    job_order_ref = fields.String(allow_none=True)
    contract_months = fields.Integer(allow_none=True)
    contract_start_on = fields.Date(allow_none=True)
    placement_decision_number = fields.String(allow_none=True)
    placement_decision_on = fields.Date(allow_none=True)
    opened_on = fields.Date(required=True)
    stage = fields.String(required=True)
    stage_on = fields.Date(required=True)
    stopped_reason = fields.String(allow_none=True)
    migration_record_id = fields.Integer(allow_none=True)
    checklist = fields.List(fields.Nested(ChecklistRowSchema), required=True)
    red_flags = fields.List(fields.String(), required=True)
    agency_checks = fields.List(fields.Nested(AgencyCheckSchema))
    stage_history = fields.List(fields.Nested(StageChangeSchema))


class CaseListSchema(Schema):
    items = fields.List(fields.Nested(CaseSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class DocumentInSchema(Schema):
    code = fields.String(required=True, validate=validate.OneOf(rules.DOCUMENT_CODES))
    status = fields.String(required=True, validate=validate.OneOf(rules.DOCUMENT_STATUSES))
    number = _text(100)
    expires_on = fields.Date(load_default=None, allow_none=True)
    note = _text(300)
    visa_kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(rules.VISA_KINDS))


class AgencyCheckInSchema(Schema):
    licence_number = _text(100, required=True)
    source = _text(200, required=True)
    checked_on = fields.Date(required=True)
    result = fields.String(required=True, validate=validate.OneOf(rules.AGENCY_RESULTS))
    note = _text(300)


class StageInSchema(Schema):
    stage = fields.String(required=True, validate=validate.OneOf(rules.STAGES))
    on = fields.Date(required=True)
    reason = _text(300)


class MonthQuerySchema(Schema):
    month = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"))


class SummarySchema(Schema):
    month = fields.String(required=True)
    cases_by_stage = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    opened = fields.Integer(required=True)
    departed = fields.Integer(required=True)
    returned = fields.Integer(required=True)
    stopped = fields.Integer(required=True)
    consultations = fields.Integer(required=True)
    red_flags = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class ConsultationInSchema(Schema):
    resident_id = fields.Integer(load_default=None, allow_none=True, **_ID)
    visitor_name = _text(200)
    held_on = fields.Date(required=True)
    topic = fields.String(required=True, validate=validate.OneOf(rules.CONSULTATION_TOPICS))
    country = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^[A-Za-z]{2}$"))
    note = _text(2000)


class ConsultationSchema(Schema):
    id = fields.Integer(required=True)
    resident_id = fields.Integer(allow_none=True)
    name = fields.String(required=True)
    held_on = fields.Date(required=True)
    topic = fields.String(required=True)
    country = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class ConsultationListSchema(Schema):
    items = fields.List(fields.Nested(ConsultationSchema), required=True)
    count = fields.Integer(required=True)
