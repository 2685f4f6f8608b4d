"""API v1: tokens and the current user."""
from __future__ import annotations

from flask import current_app, g

from coop import clock
from coop.auth import services
from coop.auth.roles import ADMIN
from coop.auth.schemas import (
    MeSchema,
    PasswordChangeSchema,
    TokenRequestSchema,
    TokenSchema,
    UserPatchSchema,
    UserSchema,
)
from coop.blueprints.api import api, current_api_user, doc, load, roles
from coop.blueprints.common import client_address
from coop.db import atomic, utcnow
from coop.errors import TooManyRequests, Unauthorized


@api.post("/auth/tokens")
@doc(summary="Create a bearer token", body=TokenRequestSchema, response=TokenSchema, status=201,
     tags=["auth"], errors=(401, 422, 429))
def create_token():
    data = load(TokenRequestSchema)
    cfg = current_app.config

    def _issue(user):
        raw, token = services.issue_token(user, now=utcnow(), hours=cfg["API_TOKEN_HOURS"])
        return raw, token.expires_at

    # throttle, then check the password with no write transaction open, then record and issue
    result = services.authenticate(data["username"], data["password"], address=client_address(),
                                   now=utcnow(), max_failures=cfg["LOGIN_MAX_FAILURES"],
                                   address_max_failures=cfg["LOGIN_ADDRESS_MAX_FAILURES"],
                                   window_seconds=cfg["LOGIN_WINDOW_SECONDS"], then=_issue)
    issued = result.extra
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
                            "role": user.role, "cooperative": user.cooperative, "region": user.region,
                            "business_date": clock.business_date(user.cooperative)})


@api.delete("/auth/tokens/current")
@doc(summary="Revoke the calling token (log out)", status=204, tags=["auth"], errors=(401,))
def revoke_current_token():
    atomic(services.revoke_token, g.api_token.id, actor=current_api_user())
    return "", 204


@api.post("/me/password")
@doc(summary="Change one's own password: this token survives, every other token and session ends",
     body=PasswordChangeSchema, status=204, tags=["auth"], errors=(401, 422))
def change_password():
    data = load(PasswordChangeSchema)
    user = current_api_user()
    new_hash = services.prepare_password_change(user, current_password=data["current_password"],
                                                new_password=data["new_password"])
    atomic(services.change_password, user.id, password_hash=new_hash, keep_token_id=g.api_token.id)
    return "", 204


def _dump_user(user) -> dict:
    return UserSchema().dump({"id": user.id, "username": user.username, "full_name": user.full_name,
                              "role": user.role, "active": user.is_active})


@api.patch("/users/<int:user_id>")
@roles(ADMIN)
@doc(summary="Activate or deactivate a user (deactivation ends every session and token at once)",
     body=UserPatchSchema, response=UserSchema, tags=["auth"], errors=(401, 403, 404, 409, 422))
def patch_user(user_id: int):
    user = current_api_user()
    services.get_user(user.cooperative_id, user_id)  # another cooperative's user: 404 before any 422
    data = load(UserPatchSchema)
    changed = atomic(services.set_active, user.cooperative_id, user_id, data["active"], actor=user)
    return _dump_user(changed)
