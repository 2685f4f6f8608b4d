"""Request hooks: request id for the audit log, security headers."""
from __future__ import annotations

import uuid

from flask import Flask, g, request

from coop.audit import request_id_var


def register(app: Flask) -> None:
    @app.before_request
    def _request_id():
        rid = request.headers.get("X-Request-Id") or uuid.uuid4().hex
        g.request_id = rid[:64]
        g._rid_token = request_id_var.set(g.request_id)

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
        resp.headers.setdefault("X-Request-Id", getattr(g, "request_id", ""))
        if request.path.startswith("/api/"):
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp
