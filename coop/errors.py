"""Domain errors. Services raise these; blueprints turn them into form messages or JSON envelopes.

Each error has an HTTP ``status`` and a snake_case ``code`` (see API.md), a human ``message`` and
optional per-field messages.
"""
from __future__ import annotations


class CoopError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: str = "", *, code: str | None = None, fields: dict | None = None):
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = message or (self.__class__.__doc__ or self.code).strip()
        if code:
            self.code = code
        self.fields = fields or {}

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}


class ValidationError(CoopError):
    """Data tidak valid."""

    status = 422
    code = "validation_error"


class NotFound(CoopError):
    """Data tidak ditemukan."""

    status = 404
    code = "not_found"


class Forbidden(CoopError):
    """Anda tidak berwenang melakukan tindakan ini."""

    status = 403
    code = "forbidden"


class Unauthorized(CoopError):
    """Perlu masuk (login) terlebih dahulu."""

    status = 401
    code = "unauthorized"


class Conflict(CoopError):
    """Tindakan bertentangan dengan keadaan data saat ini."""

    status = 409
    code = "conflict"


class RuleViolation(Conflict):
    """Aturan koperasi tidak mengizinkan tindakan ini."""

    code = "rule_violation"


class InsufficientFunds(Conflict):
    """Saldo tidak mencukupi."""

    code = "insufficient_funds"


class PeriodClosed(Conflict):
    """Periode akuntansi sudah ditutup."""

    code = "period_closed"


class IdempotencyConflict(Conflict):
    """Idempotency-Key sudah dipakai untuk permintaan yang berbeda."""

    code = "idempotency_conflict"


class PayloadTooLarge(CoopError):
    """Berkas terlalu besar."""

    status = 413
    code = "payload_too_large"


class TooManyRequests(CoopError):
    """Terlalu banyak percobaan. Coba lagi nanti."""

    status = 429
    code = "too_many_requests"


class FutureDate(ValidationError):
    """Tanggal melewati tanggal hari ini."""

    code = "future_date"


class DateBeforeEarlier(ValidationError):
    """Tanggal sebelum tanggal kejadian yang mendahuluinya."""

    code = "date_before_earlier_event"
