from marshmallow import Schema, fields, validate


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class CooperativeSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    village_code = fields.String(required=True)


class MeSchema(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    full_name = fields.String(required=True)
    role = fields.String(required=True)
    #: null for a service-level user (coordinator, service admin).
    cooperative = fields.Nested(CooperativeSchema, required=True, allow_none=True)
    #: A coordinator's region code (2, 4 or 6 digits); null for everyone else.
    region = fields.String(required=True, allow_none=True)
    #: The cooperative's today (coop.clock): the latest date a money-moving or decision date may carry.
    business_date = fields.Date(required=True)


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class UserPatchSchema(Schema):
    active = fields.Boolean(required=True)


class UserSchema(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    full_name = fields.String(required=True)
    role = fields.String(required=True)
    active = fields.Boolean(required=True)
