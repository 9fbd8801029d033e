"""OpenID Connect Back-Channel Logout 1.0: a session ended here ends at every client it reached.

The logout token is a JWT signed with the provider's active key, posted to each
client's ``backchannel_logout_uri`` from a Celery task with retries, so a slow or
unreachable client never holds up the person's sign-out.
"""

from __future__ import annotations

import json
import logging
import time
import uuid

import httpx
from celery import shared_task
from django.db import transaction
from django.utils import timezone
from jwcrypto import jwt
from oauth2_provider.models import get_refresh_token_model
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.utils import jwk_from_pem

from dichvucong.accounts import audit
from dichvucong.accounts.models import User
from dichvucong.sso.models import Client, SsoAuthorization

logger = logging.getLogger(__name__)
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


def issuer() -> str:
    return oauth2_settings.OIDC_ISS_ENDPOINT


def make_logout_token(*, client_id: str, sub: str, sid: str) -> str:
    key = jwk_from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY)
    now = int(time.time())
    claims = {
        "iss": issuer(), "aud": client_id, "iat": now, "exp": now + 120, "jti": str(uuid.uuid4()),
        "sid": sid, "events": {BACKCHANNEL_EVENT: {}},
    }
    if sub:
        claims["sub"] = sub
    token = jwt.JWT(header={"alg": "RS256", "typ": "logout+jwt", "kid": key.thumbprint()}, claims=json.dumps(claims))
    token.make_signed_token(key)
    return token.serialize()


def notify_relying_parties(*, sid: str, user_id: int | None, reason: str, **_: object) -> None:
    """Handler of ``accounts.session_ended``: mark the session's authorizations and tell their clients."""
    if not sid:
        return
    authorizations = SsoAuthorization.objects.filter(sid=sid, logged_out_at__isnull=True)
    client_ids = set(authorizations.values_list("client_id", flat=True))
    families = [f for f in authorizations.values_list("token_family", flat=True) if f]
    with transaction.atomic():
        # The tokens issued in this session die with it (offline access is not offered);
        # another session's tokens for the same client are left alone.
        for family in families:
            get_refresh_token_model().revoke_family(family)
        authorizations.update(logged_out_at=timezone.now())
    subject = User.objects.filter(pk=user_id).values_list("subject", flat=True).first()
    for client in Client.objects.filter(pk__in=client_ids).exclude(backchannel_logout_uri=""):
        send_logout_token.delay(client.pk, str(subject) if subject else "", sid)


@shared_task(bind=True, max_retries=5, retry_backoff=True, retry_jitter=True)
def send_logout_token(self, client_pk: int, sub: str, sid: str) -> int:  # noqa: ANN001
    client = Client.objects.get(pk=client_pk)
    token = make_logout_token(client_id=client.client_id, sub=sub, sid=sid)
    try:
        response = httpx.post(
            client.backchannel_logout_uri, data={"logout_token": token}, timeout=5,
            headers={"Cache-Control": "no-store"},
        )
    except httpx.HTTPError as exc:
        if self.request.is_eager:
            logger.warning("back-channel logout to client %s failed: %s", client.client_id, type(exc).__name__)
            audit.record("backchannel_logout", outcome="failure", client=client.client_id)
            return 0
        raise self.retry(exc=exc) from exc
    outcome = "success" if response.status_code == 200 else "failure"
    audit.record("backchannel_logout", outcome=outcome, client=client.client_id, status=response.status_code)
    return response.status_code
