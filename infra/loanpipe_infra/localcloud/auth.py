"""JWT verification as the HTTP API's Cognito JWT authorizer does it, and local staff tokens.

The authorizer checks the signature against the issuer's JWKS, ``iss``, ``exp``/``nbf``, and that
``aud`` (ID tokens) or ``client_id`` (access tokens) is one of the configured audiences. Tokens come
from the Cognito user pool of the template, served by moto: ``loanpipe token`` signs a user in with
ADMIN_USER_PASSWORD_AUTH and prints the access token.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.request
from typing import Any

import jwt
from jwt import PyJWKSet

from loanpipe_infra.localcloud.specs import JwtAuthorizer

ROLES = ("field_officer", "reviewer", "admin")


class Unauthorized(Exception):
    pass


class JwksCache:
    """JWKS per issuer; on the local cloud the Cognito issuer URL is served by the moto server."""

    def __init__(self, local_endpoint: str):
        self._endpoint = local_endpoint.rstrip("/")
        self._sets: dict[str, tuple[float, PyJWKSet]] = {}
        self._lock = threading.Lock()

    def jwks_url(self, issuer: str) -> str:
        pool_id = issuer.rstrip("/").rsplit("/", 1)[1]
        return f"{self._endpoint}/{pool_id}/.well-known/jwks.json"

    def key_set(self, issuer: str) -> PyJWKSet:
        with self._lock:
            cached = self._sets.get(issuer)
            if cached and time.monotonic() - cached[0] < 300:
                return cached[1]
        with urllib.request.urlopen(self.jwks_url(issuer), timeout=5) as response:  # noqa: S310 - local endpoint
            key_set = PyJWKSet.from_dict(json.load(response))
        with self._lock:
            self._sets[issuer] = (time.monotonic(), key_set)
        return key_set


def verify(token: str, authorizer: JwtAuthorizer, jwks: JwksCache) -> dict[str, Any]:
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    if not token:
        raise Unauthorized("no token")
    try:
        header = jwt.get_unverified_header(token)
        key_set = jwks.key_set(authorizer.issuer)
        key = next((k for k in key_set.keys if k.key_id == header.get("kid")), None)
        if key is None:
            raise Unauthorized("unknown signing key")
        claims = jwt.decode(
            token,
            key=key.key,
            algorithms=["RS256"],
            issuer=authorizer.issuer,
            options={"verify_aud": False, "require": ["exp", "iss", "iat"]},
            leeway=0,
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized(str(exc)) from exc
    audience = claims.get("aud") if claims.get("token_use") == "id" else claims.get("client_id")
    audiences = audience if isinstance(audience, list) else [audience]
    if not set(audiences) & set(authorizer.audience):
        raise Unauthorized("token audience is not allowed")
    return claims


def claims_for_event(claims: dict[str, Any]) -> dict[str, str]:
    """HTTP APIs hand claims to the function as strings; arrays look like ``[a b]``."""
    out = {}
    for key, value in claims.items():
        if isinstance(value, list):
            out[key] = "[" + " ".join(str(v) for v in value) + "]"
        else:
            out[key] = str(value)
    return out


def create_staff_user(cognito: Any, user_pool_id: str, user: str, role: str, password: str | None = None,
                      phone: str | None = None) -> str:
    """Create (once) a staff user in the role's group with a permanent password (given, or made up); returns it."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    password = password or "Local-" + secrets.token_urlsafe(12) + "9aA"
    attributes = [{"Name": "phone_number", "Value": "+86" + phone}] if phone else []
    try:
        cognito.admin_create_user(UserPoolId=user_pool_id, Username=user, MessageAction="SUPPRESS",
                                  UserAttributes=attributes)
    except cognito.exceptions.UsernameExistsException:
        pass
    cognito.admin_set_user_password(UserPoolId=user_pool_id, Username=user, Password=password, Permanent=True)
    cognito.admin_add_user_to_group(UserPoolId=user_pool_id, Username=user, GroupName=role)
    return password


def issue_token(cognito: Any, user_pool_id: str, client_id: str, user: str, role: str,
                phone: str | None = None) -> str:
    """Create (once) a staff user in the role's group and sign them in; returns the access token."""
    password = create_staff_user(cognito, user_pool_id, user, role, phone=phone)
    result = cognito.admin_initiate_auth(
        UserPoolId=user_pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": password},
    )
    return result["AuthenticationResult"]["AccessToken"]
