"""The exchange API (H1, H2), mounted at /api/v1/lien-thong/:

- ``POST token``: a member system's bearer token (OAuth 2.0 client credentials with a
  ``private_key_jwt`` assertion signed by its registered key);
- ``POST thong-diep``: a signed message, with that token;
- ``GET jwks.json``: the portal's public key, which members register and verify with.

No session: the call is authenticated by its token and the message by its signature; nginx
may also demand the member's TLS client certificate (docs/exchange.md).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import BaseParser, FormParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dichvucong.core.throttling import ExchangeRateThrottle
from dichvucong.exchange import auth, protocol, services
from dichvucong.exchange.constants import MAX_MESSAGE_BYTES, REFUSAL_HTTP_STATUS, Refusal
from dichvucong.exchange.envelope import MessageRefused
from dichvucong.exchange.keys import portal_public_jwk


class JoseParser(BaseParser):
    """The compact JWS as it came (``application/jose``), read up to the size limit."""

    media_type = "application/jose"

    def parse(self, stream, media_type=None, parser_context=None):  # noqa: ANN001, ANN201
        return stream.read(MAX_MESSAGE_BYTES + 1).decode("ascii", errors="replace")


_Accepted = inline_serializer("ExchangeAccepted", {
    "message_id": serializers.UUIDField(), "status": serializers.ChoiceField(["accepted", "duplicate"]),
})
_Error = inline_serializer("ExchangeError", {
    "error": inline_serializer("ExchangeErrorBody", {
        "code": serializers.ChoiceField(Refusal.values), "message": serializers.CharField(),
    }),
})


class MessagesApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ExchangeRateThrottle]
    parser_classes = [JoseParser]

    @extend_schema(
        request={"application/jose": {"type": "string", "description": "A compact JWS: the signed envelope."}},
        responses={
            202: _Accepted,
            **{code: OpenApiResponse(_Error, description=", ".join(
                f"`{refusal}`" for refusal, http in REFUSAL_HTTP_STATUS.items() if http == code))
               for code in sorted(set(REFUSAL_HTTP_STATUS.values()))},
        },
        examples=[OpenApiExample("accepted", value={"message_id": "6f1c…", "status": "accepted"},
                                 response_only=True, status_codes=["202"])],
        summary="Send the portal a signed (and, for personal data, encrypted) message",
        description="See docs/exchange.md: the envelope, the message types and their JSON schemas, "
        "the order of the checks and the error codes. The same message sent again is answered "
        "202 `duplicate`, never applied twice.",
        tags=["exchange"],
    )
    def post(self, request: Request) -> Response:
        token = request.data if isinstance(request.data, str) else ""
        try:
            message, new = services.receive(token, authorization=request.META.get("HTTP_AUTHORIZATION"))
        except MessageRefused as refused:
            answer = Response({"error": {"code": refused.code, "message": str(Refusal(refused.code).label)}},
                              status=REFUSAL_HTTP_STATUS[refused.code])
            if refused.code == Refusal.INVALID_TOKEN:
                answer["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return answer
        return Response({"message_id": str(message.message_id), "status": "accepted" if new else "duplicate"},
                        status=status.HTTP_202_ACCEPTED)


_Token = inline_serializer("ExchangeToken", {
    "access_token": serializers.CharField(), "token_type": serializers.ChoiceField(["Bearer"]),
    "expires_in": serializers.IntegerField(), "scope": serializers.CharField(),
})
_TokenError = inline_serializer("ExchangeTokenError", {
    "error": serializers.ChoiceField(["invalid_request", "invalid_client", "invalid_scope", "unsupported_grant_type"]),
})
_TokenRequest = inline_serializer("ExchangeTokenRequest", {
    "grant_type": serializers.ChoiceField(["client_credentials"]),
    "client_assertion_type": serializers.ChoiceField([protocol.CLIENT_ASSERTION_TYPE]),
    "client_assertion": serializers.CharField(help_text="A JWT (ES256) signed by a registered key: iss = sub = "
                                              "the member code, aud = this endpoint's URL, exp ≤ 300 s, jti."),
    "client_id": serializers.CharField(required=False),
    "scope": serializers.CharField(required=False, help_text="Message types, space-separated; default all the "
                                   "system may send."),
})


class TokenApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ExchangeRateThrottle]
    parser_classes = [FormParser]

    @extend_schema(
        request={"application/x-www-form-urlencoded": _TokenRequest},
        responses={200: _Token, 400: _TokenError, 401: _TokenError},
        summary="Get a bearer token for the exchange (client credentials, private_key_jwt)",
        description="RFC 6749 §4.4 with an RFC 7523 client assertion. The token lasts 300 s; a "
        "suspended member or a revoked key is refused at the next call, whatever token it holds.",
        tags=["exchange"],
    )
    def post(self, request: Request) -> Response:
        form = {name: str(request.data.get(name, ""))[:8000] for name in
                ("grant_type", "client_assertion_type", "client_assertion", "scope")}
        if request.data.get("client_id"):
            form["client_id"] = str(request.data["client_id"])[:100]
        try:
            body = auth.issue_token(form, audiences=auth.token_audiences(request.build_absolute_uri()))
        except auth.TokenRefused as refused:
            return Response({"error": refused.error}, status=refused.status, headers={"Cache-Control": "no-store"})
        return Response(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


class JwksApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: inline_serializer("ExchangeJwks", {"keys": serializers.ListField(child=serializers.DictField())})},
        summary="The portal's public exchange key (JWKS)",
        description="Members verify the portal's messages and tokens with it, and encrypt personal data for it.",
        tags=["exchange"],
    )
    def get(self, request: Request) -> Response:
        return Response({"keys": [portal_public_jwk()]}, headers={"Cache-Control": "public, max-age=300"})
