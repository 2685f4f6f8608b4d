"""marshmallow schemas of the community-parenting API (API.md, Community parenting). No NIK anywhere."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from coop.parenting import rules

_ID = {"strict": True, "validate": validate.Range(min=1, max=2**31 - 1)}
_SCORE = {"strict": True, "allow_none": True, "load_default": None, "validate": validate.Range(min=0, max=100)}


class ParentingConsentInSchema(Schema):
    # Each is optional here: a missing part is the service's ``422 consent_required``, not a field error.
    given_by_resident_id = fields.Integer(load_default=None, allow_none=True, **_ID)
    given_on = fields.Date(load_default=None, allow_none=True)
    method = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(rules.CONSENT_METHODS))
    relationship = fields.String(load_default=None, allow_none=True,
                                 validate=validate.OneOf(rules.CONSENT_RELATIONSHIPS))


class ChildInSchema(Schema):
    resident_id = fields.Integer(required=True, **_ID)
    caregiver_resident_id = fields.Integer(required=True, **_ID)
    consent = fields.Nested(ParentingConsentInSchema, load_default=None, allow_none=True)
    parent_resident_ids = fields.List(fields.Integer(**_ID), load_default=list, validate=validate.Length(max=4))
    group_id = fields.Integer(load_default=None, allow_none=True, **_ID)
    school_status = fields.String(load_default="enrolled", validate=validate.OneOf(rules.SCHOOL_STATUSES))
    school_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class ParentingParentSchema(Schema):
    resident_id = fields.Integer(required=True)
    full_name = fields.String(required=True)
    relationship = fields.String(allow_none=True)
    pmi_status = fields.String(required=True)


class ParentingCaregiverSchema(Schema):
    resident_id = fields.Integer(required=True)
    full_name = fields.String(required=True)
    phone = fields.String(allow_none=True)


class ParentingConsentSchema(Schema):
    given_by_resident_id = fields.Integer(required=True)
    given_by_name = fields.String(required=True)
    relationship = fields.String(required=True)
    given_on = fields.Date(required=True)
    method = fields.String(required=True)


class ChildAttendanceSchema(Schema):
    session_id = fields.Integer(required=True)
    held_on = fields.Date(required=True)
    kind = fields.String(required=True)
    topic = fields.String(required=True)
    pre_score = fields.Integer(allow_none=True)
    post_score = fields.Integer(allow_none=True)


class ParentingContactSchema(Schema):
    id = fields.Integer(required=True)
    contacted_on = fields.Date(required=True)
    method = fields.String(required=True)
    parent_resident_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)


class ChildRowSchema(Schema):
    id = fields.Integer(required=True)
    resident_id = fields.Integer(required=True)
    full_name = fields.String(required=True)
    sex = fields.String(required=True)
    birth_date = fields.Date(required=True)
    group_id = fields.Integer(allow_none=True)
    group_name = fields.String(allow_none=True)
    school_status = fields.String(required=True)
    caregiver_resident_id = fields.Integer(required=True)
    caregiver_name = fields.String(required=True)
    risk_signs = fields.List(fields.String(), required=True)


class ChildSchema(ChildRowSchema):
    household_id = fields.Integer(required=True)
    school_name = fields.String(allow_none=True)
    caregiver = fields.Nested(ParentingCaregiverSchema, required=True)
    migrant_parents = fields.List(fields.Nested(ParentingParentSchema), required=True)
    consent = fields.Nested(ParentingConsentSchema, required=True)
    attendance = fields.List(fields.Nested(ChildAttendanceSchema), required=True)
    contacts = fields.List(fields.Nested(ParentingContactSchema), required=True)


class ChildListSchema(Schema):
    items = fields.List(fields.Nested(ChildRowSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class ParentingAtRiskSchema(Schema):
    as_of = fields.Date(required=True)
    items = fields.List(fields.Nested(ChildRowSchema), required=True)


class ParentingGroupInSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    facilitator = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class ParentingGroupSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    facilitator = fields.String(allow_none=True)


class ParentingGroupListSchema(Schema):
    items = fields.List(fields.Nested(ParentingGroupSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class ParentingSessionInSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(rules.SESSION_KINDS))
    held_on = fields.Date(required=True)
    topic = fields.String(required=True, validate=validate.Length(min=1, max=300))
    facilitator = fields.String(required=True, validate=validate.Length(min=1, max=200))
    group_id = fields.Integer(load_default=None, allow_none=True, **_ID)


class ParentingAttendeeSchema(Schema):
    resident_id = fields.Integer(required=True)
    child_id = fields.Integer(allow_none=True)
    role = fields.String(required=True)
    pre_score = fields.Integer(allow_none=True)
    post_score = fields.Integer(allow_none=True)


class ParentingSessionSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    held_on = fields.Date(required=True)
    topic = fields.String(required=True)
    facilitator = fields.String(required=True)
    group_id = fields.Integer(allow_none=True)
    attendance = fields.List(fields.Nested(ParentingAttendeeSchema))


class ParentingSessionListSchema(Schema):
    items = fields.List(fields.Nested(ParentingSessionSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class ParentingScoreInSchema(Schema):
    pre = fields.Integer(**_SCORE)
    post = fields.Integer(**_SCORE)


class ParentingAttendanceInSchema(Schema):
    children = fields.List(fields.Integer(**_ID), required=True, validate=validate.Length(max=500))
    caregivers = fields.List(fields.Integer(**_ID), load_default=list, validate=validate.Length(max=500))
    scores = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^[1-9][0-9]{0,9}$")),
                         values=fields.Nested(ParentingScoreInSchema), load_default=dict)


class ParentingAttendanceSchema(Schema):
    session_id = fields.Integer(required=True)
    children = fields.Integer(required=True)
    caregivers = fields.Integer(required=True)
    scores = fields.Integer(required=True)


class ParentingContactInSchema(Schema):
    contacted_on = fields.Date(required=True)
    method = fields.String(required=True, validate=validate.OneOf(rules.CONTACT_METHODS))
    parent_resident_id = fields.Integer(load_default=None, allow_none=True, **_ID)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ParentingWithdrawInSchema(Schema):
    withdrawn_on = fields.Date(required=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ParentingQuarterArgsSchema(Schema):
    quarter = fields.String(required=True, validate=validate.Regexp(r"^\d{4}Q[1-4]$"))


class ParentingQuarterlySchema(Schema):
    quarter = fields.String(required=True)
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    children = fields.Integer(required=True)
    children_attending = fields.Integer(required=True)
    caregivers = fields.Integer(required=True)
    sessions = fields.Integer(required=True)
    sessions_by_kind = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    attendance = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    scored = fields.Integer(required=True)
    average_score_gain = fields.String(allow_none=True, required=True)
    risk_signs = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    risk_as_of = fields.Date(required=True)
    children_at_risk = fields.Integer(required=True)


class ParentingWithdrawnSchema(Schema):
    id = fields.Integer(required=True)
    consent_withdrawn_on = fields.Date(required=True)
