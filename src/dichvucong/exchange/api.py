"""POST /api/v1/lien-thong/thong-diep: members send the portal signed messages (H1, H2).

The message authenticates itself (its JWS by a registered key), so the endpoint needs no
session; nginx may also demand the member's TLS client certificate (docs/exchange.md).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dichvucong.core.throttling import ExchangeRateThrottle
from dichvucong.exchange import services
from dichvucong.exchange.constants import MAX_MESSAGE_BYTES, REFUSAL_HTTP_STATUS, Refusal
from dichvucong.exchange.envelope import MessageRefused


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
            message, new = services.receive(token)
        except MessageRefused as refused:
            return Response({"error": {"code": refused.code, "message": str(Refusal(refused.code).label)}},
                            status=REFUSAL_HTTP_STATUS[refused.code])
        return Response({"message_id": str(message.message_id), "status": "accepted" if new else "duplicate"},
                        status=status.HTTP_202_ACCEPTED)
