"""marshmallow schemas of the outreach API (API.md, "Outreach and remittances")."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from coop.outreach import rules


class ConsentInSchema(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(rules.CHANNELS))
    phone = fields.String(required=True, validate=validate.Length(min=1, max=30))
    given_on = fields.Date(required=True)
    purposes = fields.List(fields.String(validate=validate.OneOf(rules.PURPOSES)), required=True,
                           validate=validate.Length(min=1, max=len(rules.PURPOSES)))


class ConsentSchema(Schema):
    id = fields.Integer(required=True)
    resident_id = fields.Integer(required=True)
    channel = fields.String(required=True)
    phone = fields.String(required=True)
    given_on = fields.Date(required=True)
    purposes = fields.List(fields.String(), required=True)
    method = fields.String(required=True)
    recorded_by = fields.String(allow_none=True)
    recorded_at = fields.DateTime(required=True)


class MessageQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(rules.STATUSES))
    member_id = fields.Integer(load_default=None, strict=False, validate=validate.Range(min=1, max=2**63 - 1))
    limit = fields.Integer(load_default=50)
    cursor = fields.String(load_default=None)


class MessageSchema(Schema):
    id = fields.Integer(required=True)
    member_id = fields.Integer(allow_none=True)
    channel = fields.String(required=True)
    purpose = fields.String(required=True)
    status = fields.String(required=True)
    text = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    sent_at = fields.DateTime(allow_none=True)


class MessageListSchema(Schema):
    items = fields.List(fields.Nested(MessageSchema), required=True)
    next_cursor = fields.String(allow_none=True)
