"""API v1: tokens and the current user."""
from __future__ import annotations

from flask import current_app, request

from coop import clock
from coop.auth import services
from coop.auth.schemas import MeSchema, TokenRequestSchema, TokenSchema
from coop.blueprints.api import api, current_api_user, doc, load
from coop.db import atomic, utcnow
from coop.errors import TooManyRequests, Unauthorized


@api.post("/auth/tokens")
@doc(summary="Create a bearer token", body=TokenRequestSchema, response=TokenSchema, status=201,
     tags=["auth"], errors=(401, 422, 429))
def create_token():
    data = load(TokenRequestSchema)
    cfg = current_app.config

    def _login():
        result = services.authenticate(data["username"], data["password"],
                                       address=request.remote_addr or "unknown", now=utcnow(),
                                       max_failures=cfg["LOGIN_MAX_FAILURES"],
                                       window_seconds=cfg["LOGIN_WINDOW_SECONDS"])
        if result.user is None:
            return result, None
        raw, token = services.issue_token(result.user, now=utcnow(), hours=cfg["API_TOKEN_HOURS"])
        return result, (raw, token.expires_at)

    result, issued = atomic(_login)
    if result.throttled:
        raise TooManyRequests("Terlalu banyak percobaan gagal. Tunggu satu menit.")
    if issued is None:
        raise Unauthorized("Nama pengguna atau kata sandi salah.", code="invalid_credentials")
    return TokenSchema().dump({"token": issued[0], "expires_at": issued[1]}), 201


@api.get("/me")
@doc(summary="The current user, role and cooperative", response=MeSchema, tags=["auth"], errors=(401,))
def me():
    user = current_api_user()
    return MeSchema().dump({"id": user.id, "username": user.username, "full_name": user.full_name,
                            "role": user.role, "cooperative": user.cooperative,
                            "business_date": clock.business_date(user.cooperative)})
