"""The portal's rules for the OpenID provider: scopes per client, claims, acr, sid (B4, B5)."""

from __future__ import annotations

import hashlib
from datetime import UTC

from oauth2_provider.oauth2_validators import OAuth2Validator

from dichvucong.accounts.constants import LEVEL_ACR, AttributeName
from dichvucong.sso import context
from dichvucong.sso.models import SsoAuthorization


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class PortalOAuth2Validator(OAuth2Validator):
    # Which scope releases which claim; "openid" claims go to every client.
    oidc_claim_scope = {
        "sub": "openid",
        "acr": "openid",
        "sid": "openid",
        "name": "profile",
        "preferred_username": "profile",
        "locale": "profile",
        "email": "email",
        "email_verified": "email",
        "phone_number": "phone",
        "phone_number_verified": "phone",
        "personal_identification_number": "identity",
        "birthdate": "identity",
        "gender": "identity",
        "address": "address",
    }

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):  # noqa: ANN001
        return set(scopes) <= client.allowed_scope_set() and super().validate_scopes(
            client_id, scopes, client, request, *args, **kwargs
        )

    # prompt=none: oauthlib asks these while validating the request, before the session
    # is known to it; the authorize view answers login_required / consent_required itself.
    def validate_silent_login(self, request) -> bool:  # noqa: ANN001
        return True

    def validate_silent_authorization(self, request) -> bool:  # noqa: ANN001
        return True

    def get_default_scopes(self, client_id, request, *args, **kwargs):  # noqa: ANN001
        return ["openid"]

    def _create_authorization_code(self, request, code, expires=None):  # noqa: ANN001
        grant = super()._create_authorization_code(request, code, expires)
        session = context.get()
        if session is None:  # only the authorize view creates codes, always inside the context
            raise RuntimeError("authorization code created outside a browser session")
        SsoAuthorization.objects.create(
            code_hash=code_hash(code["code"]), client=request.client, user=request.user,
            sid=session.sid, level=session.level, auth_time=session.auth_time,
        )
        return grant

    def validate_code(self, client_id, code, client, request, *args, **kwargs):  # noqa: ANN001
        valid = super().validate_code(client_id, code, client, request, *args, **kwargs)
        if valid:
            request.sso_authorization = SsoAuthorization.objects.filter(code_hash=code_hash(code)).first()
        return valid

    def _create_refresh_token(self, request, refresh_token_code, access_token, previous_refresh_token):  # noqa: ANN001
        token = super()._create_refresh_token(request, refresh_token_code, access_token, previous_refresh_token)
        authorization = getattr(request, "sso_authorization", None)
        if previous_refresh_token is None and authorization is not None and authorization.token_family is None:
            authorization.token_family = token.token_family
            authorization.save(update_fields=["token_family"])
        return token

    def _authorization_of(self, request) -> SsoAuthorization | None:  # noqa: ANN001
        """The authorization behind this request: its code, or the family of its refresh
        or access token. Never "the latest of this client": a person signed in on two
        devices has two, with different levels and sids."""
        found = getattr(request, "sso_authorization", None)
        if found is None:
            family = None
            refresh = getattr(request, "refresh_token_instance", None)
            access = getattr(request, "access_token", None)
            if refresh is not None:
                family = refresh.token_family
            elif access is not None and hasattr(access, "pk"):
                source = getattr(access, "refresh_token", None) or access.source_refresh_token
                family = source.token_family if source is not None else None
            if family is not None:
                found = SsoAuthorization.objects.filter(token_family=family).first()
            request.sso_authorization = found
        return found

    def get_additional_claims(self, request):  # noqa: ANN001
        user = request.user
        verified = {a.name: a.value for a in user.attributes.all() if a.is_verified}
        authorization = self._authorization_of(request)
        claims = {
            "sub": str(user.subject),  # replaces the toolkit's primary key
            "name": user.full_name or user.username,
            "preferred_username": user.username,
            "locale": user.preferred_language,
            "email": user.email if user.email_confirmed_at else None,
            "email_verified": bool(user.email_confirmed_at),
            "phone_number": user.phone if user.phone_confirmed_at else None,
            "phone_number_verified": bool(user.phone_confirmed_at),
            "personal_identification_number": verified.get(AttributeName.PIN),
            "birthdate": verified.get(AttributeName.DATE_OF_BIRTH),
            "gender": verified.get(AttributeName.SEX),
            "address": {"formatted": verified[AttributeName.PERMANENT_ADDRESS]}
            if AttributeName.PERMANENT_ADDRESS in verified
            else None,
        }
        if authorization is not None:
            claims["acr"] = LEVEL_ACR.get(authorization.level, "urn:dichvucong:loa:0")
            claims["sid"] = authorization.sid
        return {key: value for key, value in claims.items() if value is not None}

    def get_id_token_dictionary(self, token, token_handler, request):  # noqa: ANN001
        claims, expiration = super().get_id_token_dictionary(token, token_handler, request)
        authorization = self._authorization_of(request)
        if authorization is not None:
            claims["auth_time"] = int(authorization.auth_time.astimezone(UTC).timestamp())
        return claims, expiration
