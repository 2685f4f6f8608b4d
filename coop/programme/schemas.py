"""marshmallow schemas of the programme API (API.md "Programme monitoring"). Totals only: no field can
carry a person's NIK, name or member number."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from coop.programme.indicators import GROUP_LEVELS

_COUNTS = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class IndicatorArgsSchema(Schema):
    region = fields.String(load_default=None, validate=validate.Length(max=20))
    from_ = fields.Date(data_key="from", load_default=None)
    to = fields.Date(load_default=None)
    #: Also give the indicators per region of this level (``groups``): village, district (kecamatan),
    #: regency (kabupaten/kota) or province.
    group_by = fields.String(load_default=None, validate=validate.OneOf(tuple(GROUP_LEVELS)))


class PmiSchema(Schema):
    calon = fields.Integer(required=True)
    aktif = fields.Integer(required=True)
    purna = fields.Integer(required=True)
    keluarga = fields.Integer(required=True)
    by_country = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_sex = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    #: Percent of migration records that are procedural, 2 decimals, as a string.
    procedural_share = fields.String(required=True)


class DeskSchema(Schema):
    cases_by_stage = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    departed = fields.Integer(required=True)
    returned = fields.Integer(required=True)


class TrainingSchema(Schema):
    enrolled = fields.Integer(required=True)
    completed = fields.Integer(required=True)
    businesses_started = fields.Integer(required=True)


class ParentingSchema(Schema):
    children = fields.Integer(required=True)
    sessions = fields.Integer(required=True)


class CooperativeTotalsSchema(Schema):
    members = fields.Integer(required=True)
    savings = fields.Integer(required=True)
    loans_outstanding = fields.Integer(required=True)
    #: Percent of loans outstanding more than 90 days past due, 2 decimals, as a string.
    npl_ratio = fields.String(required=True)
    assets = fields.Integer(required=True)


class RemittanceTotalsSchema(Schema):
    count = fields.Integer(required=True)
    #: Rupiah credited to members' accounts.
    amount = fields.Integer(required=True)
    #: Remittances by the sender's country (ISO code).
    by_country = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    #: Percent of the measured remittances still saved 30 days after receipt, 2 decimals, as a string.
    saved_share = fields.String(required=True)


class _Totals(Schema):
    villages = fields.Integer(required=True)
    cooperatives = fields.Integer(required=True)
    pmi = fields.Nested(PmiSchema, required=True)
    desk = fields.Nested(DeskSchema, required=True)
    training = fields.Nested(TrainingSchema, required=True)
    parenting = fields.Nested(ParentingSchema, required=True)
    cooperative = fields.Nested(CooperativeTotalsSchema, required=True)
    remittances = fields.Nested(RemittanceTotalsSchema, required=True)


class VillageIndicatorsSchema(_Totals):
    village_code = fields.String(required=True)
    village_name = fields.String(required=True)


class GroupIndicatorsSchema(_Totals):
    #: The region's code: 10 digits a village, 6 a district, 4 a regency, 2 a province.
    code = fields.String(required=True)
    name = fields.String(required=True)


class IndicatorsSchema(_Totals):
    region = fields.String(required=True)
    region_name = fields.String(required=True)
    from_ = fields.Date(data_key="from", attribute="from", allow_none=True, required=True)
    to = fields.Date(allow_none=True, required=True)
    by_village = fields.List(fields.Nested(VillageIndicatorsSchema), required=True)
    #: The ``group_by`` asked for (absent when none was).
    group_by = fields.String(validate=validate.OneOf(tuple(GROUP_LEVELS)))
    #: With ``group_by``: one entry per region of that level with a cooperative, in code order; ratios are
    #: the group's summed numerator over its summed denominator (never an average of the villages' ratios).
    groups = fields.List(fields.Nested(GroupIndicatorsSchema))


class SnapshotInSchema(Schema):
    region = fields.String(load_default=None, validate=validate.Length(max=20))
    period = fields.String(required=True, validate=validate.Length(max=20))


class SnapshotSchema(Schema):
    id = fields.Integer(required=True)
    region = fields.String(required=True)
    period = fields.String(required=True)
    taken_at = fields.DateTime(required=True)
    #: The username of who took it.
    taken_by = fields.String(required=True)
    #: The indicators as computed when the snapshot was taken (never recomputed).
    indicators = fields.Dict(required=True)


class SnapshotListItemSchema(Schema):
    id = fields.Integer(required=True)
    region = fields.String(required=True)
    period = fields.String(required=True)
    taken_at = fields.DateTime(required=True)


class SnapshotListSchema(Schema):
    items = fields.List(fields.Nested(SnapshotListItemSchema), required=True)
    next_cursor = fields.String(allow_none=True)
