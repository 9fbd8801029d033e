"""Public verification of signed results (C4): upload a PDF, or open the QR code's record."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dichvucong.core.ratelimit import allow, client_address

from . import selectors
from .constants import VerificationCode
from .forms import ResultFileForm
from .verification import (
    VerificationReport,
    body_too_large,
    make_report,
    max_bytes,
    verify_result_pdf,
)

RATE_BUCKET = "result_verification"
# Failures of the upload itself (not of the document's signature): the request was bad.
INPUT_ERRORS = {VerificationCode.NOT_PDF, VerificationCode.TOO_LARGE}


def _too_many(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    context = {**context, "too_many": _("Bạn đã kiểm tra quá nhiều lần. Vui lòng đợi một lúc rồi thử lại.")}
    return render(request, template, context, status=429)


def _verify_upload(request: HttpRequest, form: ResultFileForm) -> VerificationReport | None:
    if not form.is_valid():
        return None
    upload = form.cleaned_data["file"]
    if upload.size > max_bytes():
        return make_report(VerificationCode.TOO_LARGE)
    return verify_result_pdf(upload.read())


def _status(report: VerificationReport | None) -> int:
    if report is None or report.code in INPUT_ERRORS:
        return 400
    return 200


@never_cache  # the report and the form's CSRF token are for this visitor only
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Upload a result PDF; the page says whether it is valid and why not."""
    template = "results/verify.html"
    if request.method != "POST":
        return render(request, template, {"form": ResultFileForm()})
    if not allow(RATE_BUCKET, client_address(request), settings.RESULT_VERIFICATION_RATE):
        return _too_many(request, template, {"form": ResultFileForm()})
    if body_too_large(request):
        report = make_report(VerificationCode.TOO_LARGE)
        return render(request, template, {"form": ResultFileForm(), "report": report}, status=400)
    form = ResultFileForm(request.POST, request.FILES)
    report = _verify_upload(request, form)
    return render(request, template, {"form": form if report is None else ResultFileForm(),
                                      "report": report}, status=_status(report))


@never_cache
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest, token: str) -> HttpResponse:
    """The QR code's target: what the agency issued, whether it stands, and a form to
    compare a file with it. Nothing personal beyond what the document's holder shows."""
    result = selectors.result_by_token(token)
    if result is None:
        raise Http404
    template = "results/record.html"
    context = {"result": result, "masked_code": selectors.masked_dossier_code(result.dossier.code),
               "masked_reference": selectors.masked_reference(result.reference),
               "form": ResultFileForm()}
    if request.method != "POST":
        return render(request, template, context)
    if not allow(RATE_BUCKET, client_address(request), settings.RESULT_VERIFICATION_RATE):
        return _too_many(request, template, context)
    if body_too_large(request):
        return render(request, template, {**context, "report": make_report(VerificationCode.TOO_LARGE)},
                      status=400)
    form = ResultFileForm(request.POST, request.FILES)
    report = _verify_upload(request, form)
    if report is not None and report.code in (
        VerificationCode.VALID, VerificationCode.RESULT_REVOKED, VerificationCode.UNKNOWN_RESULT
    ) and report.verification_token != result.verification_token:
        # Signed and genuine perhaps, but not the document this page is about.
        report = make_report(VerificationCode.MISMATCH, signer_name=report.signer_name,
                         signer_serial=report.signer_serial, signed_at=report.signed_at)
    if report is None:
        context["form"] = form
    return render(request, template, {**context, "report": report}, status=_status(report))
