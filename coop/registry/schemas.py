"""marshmallow schemas of the registry API (API.md, Registry). Imported only by blueprints.

Input schemas only type-check; the registry rules (NIK structure, NIK vs sex and birth date, KK, region)
run in the service so the form, the API and the import give the same field errors.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from coop.registry import rules
from coop.web.fields import Money

_str = {"validate": validate.Length(max=300)}


class ResidentInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    nik = fields.String(required=True, validate=validate.Length(max=32), metadata={"example": "3504044505900001"})
    kk_number = fields.String(required=True, validate=validate.Length(max=32), metadata={"example": "3504041203150003"})
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    sex = fields.String(required=True, validate=validate.OneOf(rules.SEXES))
    birth_place = fields.String(required=True, validate=validate.Length(min=1, max=100))
    birth_date = fields.Date(required=True)
    village_code = fields.String(required=True, validate=validate.Length(max=16), metadata={"example": "3504042001"})
    address = fields.String(load_default=None, allow_none=True, **_str)
    rt = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=3))
    rw = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=3))
    dusun = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    relationship = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(rules.RELATIONSHIPS))
    education = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(rules.EDUCATION))
    occupation = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    marital_status = fields.String(load_default=None, allow_none=True,
                                   validate=validate.OneOf(rules.MARITAL_STATUSES))
    status = fields.String(load_default="hidup", validate=validate.OneOf(rules.RESIDENT_STATUSES))


class MigrationRecordInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(required=True, validate=validate.OneOf(rules.MIGRATION_STATUSES))
    country = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z]{2}$"),
                            metadata={"description": "ISO 3166-1 alpha-2", "example": "HK"})
    job_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(rules.JOB_TYPES))
    sector = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    scheme = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(rules.SCHEMES))
    procedural = fields.Boolean(load_default=True)
    agency = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    passport_number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    passport_expiry = fields.Date(load_default=None, allow_none=True)
    departure_date = fields.Date(load_default=None, allow_none=True)
    contract_start_date = fields.Date(load_default=None, allow_none=True)
    contract_end_date = fields.Date(load_default=None, allow_none=True)
    return_date = fields.Date(load_default=None, allow_none=True)
    return_reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    documents = fields.List(fields.String(validate=validate.OneOf(rules.DOCUMENTS)), load_default=list)
    monthly_remittance = Money(allow_zero=True, load_default=None, allow_none=True)
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class MigrationRecordSchema(Schema):
    id = fields.Integer()
    resident_id = fields.Integer()
    status = fields.String()
    country = fields.String()
    job_type = fields.String(allow_none=True)
    sector = fields.String(allow_none=True)
    scheme = fields.String(allow_none=True)
    procedural = fields.Boolean()
    agency = fields.String(allow_none=True)
    passport_number = fields.String(allow_none=True)
    passport_expiry = fields.Date(allow_none=True)
    departure_date = fields.Date(allow_none=True)
    contract_start_date = fields.Date(allow_none=True)
    contract_end_date = fields.Date(allow_none=True)
    return_date = fields.Date(allow_none=True)
    return_reason = fields.String(allow_none=True)
    documents = fields.List(fields.String())
    monthly_remittance = Money(allow_zero=True, allow_none=True)
    notes = fields.String(allow_none=True)


class ResidentSchema(Schema):
    """A resident. ``nik`` and ``kk_number`` are masked (``3504********0001``) for roles that do not need them."""

    id = fields.Integer()
    nik = fields.String()
    is_temporary_nik = fields.Boolean()
    kk_number = fields.String()
    household_id = fields.Integer()
    full_name = fields.String()
    sex = fields.String()
    birth_place = fields.String()
    birth_date = fields.Date()
    village_code = fields.String()
    address = fields.String(allow_none=True)
    rt = fields.String(allow_none=True)
    rw = fields.String(allow_none=True)
    dusun = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    relationship = fields.String(allow_none=True)
    education = fields.String(allow_none=True)
    occupation = fields.String(allow_none=True)
    marital_status = fields.String(allow_none=True)
    status = fields.String()
    pmi_status = fields.String()
    nik_masked = fields.Boolean(metadata={"description": "true when nik and kk_number are masked for your role"})
    warnings = fields.List(fields.String(), metadata={"description": "non-blocking notes (temporary NIK, old district code)"})
    migration_records = fields.List(fields.Nested(MigrationRecordSchema))


class ResidentListSchema(Schema):
    #: list items carry no ``migration_records`` or ``warnings``
    items = fields.List(fields.Nested(ResidentSchema))
    next_cursor = fields.String(allow_none=True)


class ResidentQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    q = fields.String(validate=validate.Length(max=100))
    nik = fields.String(validate=validate.Length(max=32))
    kk = fields.String(validate=validate.Length(max=32))
    pmi_status = fields.String(validate=validate.OneOf(rules.PMI_STATUSES))
    country = fields.String(validate=validate.Regexp(r"^[A-Za-z]{2}$"))
    rt = fields.String(validate=validate.Regexp(r"^[0-9]{1,3}$"))
    rw = fields.String(validate=validate.Regexp(r"^[0-9]{1,3}$"))
    sex = fields.String(validate=validate.OneOf(rules.SEXES))
    status = fields.String(validate=validate.OneOf(rules.RESIDENT_STATUSES))
    limit = fields.Integer(validate=validate.Range(min=1, max=500))
    cursor = fields.String()


class ImportQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    dry_run = fields.Boolean(load_default=True, metadata={"description": "validate only (default true)"})


class ImportUploadSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                                "description": "CSV or XLSX with the documented columns"})


class ImportErrorSchema(Schema):
    row = fields.Integer()
    field = fields.String()
    message = fields.String()


class ImportResultSchema(Schema):
    rows = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    dry_run = fields.Boolean()
    committed = fields.Boolean()
    errors = fields.List(fields.Nested(ImportErrorSchema))
    warnings = fields.List(fields.Nested(ImportErrorSchema))
    error_total = fields.Integer(metadata={"description": "all errors; only the first IMPORT_MAX_ERRORS are listed"})
    warning_total = fields.Integer()
    error_counts = fields.Dict(keys=fields.String(), values=fields.Integer(),
                               metadata={"description": "errors counted by code"})
