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
from coop.blueprints.api import api, current_api_user, found_first, no_content, roles
from coop.blueprints.common import client_address
from coop.db import atomic, utcnow
from coop.errors import TooManyRequests, Unauthorized


@api.post("/auth/tokens")
@api.doc(summary="Create a bearer token", tags=["auth"], errors=(401, 422, 429))
@api.arguments(TokenRequestSchema)
@api.response(201, TokenSchema)
def create_token(data: dict):
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
    return {"token": issued[0], "expires_at": issued[1]}


@api.get("/me")
@api.doc(summary="The current user, role and cooperative", tags=["auth"], errors=(401,))
@api.response(200, MeSchema)
def me():
    user = current_api_user()
    return {"id": user.id, "username": user.username, "full_name": user.full_name,
                            "role": user.role, "cooperative": user.cooperative, "region": user.region,
                            "business_date": clock.business_date(user.cooperative)}


@api.delete("/auth/tokens/current")
@api.doc(summary="Revoke the calling token (log out)", status=204, tags=["auth"], errors=(401,))
def revoke_current_token():
    atomic(services.revoke_token, g.api_token.id, actor=current_api_user())
    return no_content()


@api.post("/me/password")
@api.doc(summary="Change one's own password: this token survives, every other token and session ends",
         status=204, tags=["auth"], errors=(401, 422))
@api.arguments(PasswordChangeSchema)
def change_password(data: dict):
    user = current_api_user()
    new_hash = services.prepare_password_change(user, current_password=data["current_password"],
                                                new_password=data["new_password"])
    atomic(services.change_password, user.id, password_hash=new_hash, keep_token_id=g.api_token.id)
    return no_content()


def _user_dict(user) -> dict:
    return {"id": user.id, "username": user.username, "full_name": user.full_name, "role": user.role,
            "active": user.is_active}


@api.patch("/users/<int:user_id>")
@roles(ADMIN)
@api.doc(summary="Activate or deactivate a user (deactivation ends every session and token at once)",
         tags=["auth"], errors=(401, 403, 404, 409, 422))
@found_first(lambda user_id: services.get_user(current_api_user().cooperative_id, user_id))  # 404 before 422
@api.arguments(UserPatchSchema)
@api.response(200, UserSchema)
def patch_user(data: dict, user_id: int):
    user = current_api_user()
    changed = atomic(services.set_active, user.cooperative_id, user_id, data["active"], actor=user)
    return _user_dict(changed)
