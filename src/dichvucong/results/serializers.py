"""API shapes of result verification (input validation and the report)."""

from rest_framework import serializers

from .constants import VerificationCode


class VerifyResultInput(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True, help_text="The result PDF to verify (multipart/form-data), at most 20 MB."
    )


class VerificationReportSerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text="True only when code is `valid`.")
    code = serializers.ChoiceField(choices=VerificationCode.choices)
    message = serializers.CharField(help_text="The code explained, in the request's language.")
    signer_name = serializers.CharField(help_text="Common name of the signing certificate.")
    signer_serial = serializers.CharField(help_text="Serial number of the signing certificate, hexadecimal.")
    signed_at = serializers.DateTimeField(allow_null=True, help_text="Signing time the signer reported.")
    reference = serializers.CharField(help_text="The result's number, when the portal issued it.")
    title = serializers.CharField()
    agency_name = serializers.CharField()
    issued_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoked_reason = serializers.CharField()


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()
