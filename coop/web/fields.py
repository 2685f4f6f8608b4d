"""marshmallow fields for the API's conventions: money is a JSON integer of whole rupiah, rates are
decimal strings of percent."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from marshmallow import ValidationError, fields

MAX_MONEY = 10**15  # Rp 1 quadrillion: far above any cooperative's books, far below int64


class Money(fields.Field):
    """Whole rupiah. A float, a string, a bool or a negative amount is refused (422)."""

    def __init__(self, *, allow_zero: bool = False, **kwargs):
        self.allow_zero = allow_zero
        kwargs.setdefault("metadata", {}).update({"type": "integer", "format": "int64",
                                                   "minimum": 0 if allow_zero else 1, "maximum": MAX_MONEY})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("Jumlah harus bilangan bulat rupiah (angka tanpa desimal).")
        if value < 0 or (value == 0 and not self.allow_zero):
            raise ValidationError("Jumlah harus lebih dari nol.")
        if value > MAX_MONEY:
            raise ValidationError("Jumlah terlalu besar.")
        return value

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else int(value)


class Rate(fields.Field):
    """Percent as a decimal string, e.g. ``"1.5"``; returned as ``Decimal``."""

    def __init__(self, *, max_value: Decimal = Decimal(100), **kwargs):
        self.max_value = max_value
        kwargs.setdefault("metadata", {}).update({"type": "string", "pattern": r"^\d{1,3}(\.\d{1,6})?$",
                                                   "example": "1.5"})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Suku bunga ditulis sebagai teks desimal, mis. \"1.5\".")
        try:
            rate = Decimal(value)
        except InvalidOperation:
            raise ValidationError("Bukan angka desimal.") from None
        if not rate.is_finite() or rate < 0 or rate > self.max_value:
            raise ValidationError(f"Harus antara 0 dan {self.max_value}.")
        if rate.as_tuple().exponent < -6:
            raise ValidationError("Paling banyak 6 angka di belakang koma.")
        return rate

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format(Decimal(value).normalize(), "f")
