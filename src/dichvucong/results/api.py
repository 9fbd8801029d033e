"""POST /api/v1/ket-qua/kiem-tra: verify a result PDF by API (C4). Thin: limit, read, verify."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dichvucong.core.ratelimit import allow, client_address

from . import serializers
from .constants import VerificationCode
from .verification import body_too_large, make_report, max_bytes, verify_result_pdf

INPUT_ERRORS = {VerificationCode.NOT_PDF, VerificationCode.TOO_LARGE}


def _error(code: str, message: str) -> Response:
    return Response({"error": {"code": code, "message": message}}, status=status.HTTP_400_BAD_REQUEST)


class VerifyResultApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": serializers.VerifyResultInput},
        responses={
            200: serializers.VerificationReportSerializer,
            400: OpenApiResponse(serializers.ErrorSerializer,
                                 description="`missing_file`, `not_pdf` (also empty or junk), `too_large`"),
            429: OpenApiResponse(serializers.ErrorSerializer, description="`rate_limited`"),
        },
        summary="Verify a signed result PDF",
        description="Checks the PAdES signature (integrity, whole-file coverage, chain to the "
        "portal's trust anchors, OCSP/CRL revocation now) and whether the portal issued this "
        "exact file and the agency has not revoked it. A verification that ran answers 200 with "
        "`ok` and a `code`: valid, unsigned, modified, invalid_signature, untrusted_chain, "
        "certificate_revoked, revocation_unknown, unknown_result, result_revoked.",
        tags=["results"],
    )
    def post(self, request: Request) -> Response:
        if not allow("result_verification_api", client_address(request), settings.RESULT_VERIFICATION_RATE):
            raise Throttled()
        if body_too_large(request):
            return _error(VerificationCode.TOO_LARGE.value, str(VerificationCode.TOO_LARGE.label))
        upload = request.FILES.get("file")
        if upload is None:
            return _error("missing_file", "Send the PDF as the multipart field `file`.")
        report = (make_report(VerificationCode.TOO_LARGE) if upload.size > max_bytes()
                  else verify_result_pdf(upload.read()))
        if report.code in INPUT_ERRORS:
            return _error(report.code, report.message)
        return Response(report.as_dict())
