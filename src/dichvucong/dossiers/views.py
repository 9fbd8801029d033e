"""The applicant's dossier pages: start (for themselves or a business), fill in (save or
submit), receipt, supplement, my dossiers."""

from __future__ import annotations

import uuid
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dichvucong.accounts.decorators import require_level, step_up_url
from dichvucong.catalog import selectors as catalog
from dichvucong.datastore import services as datastore
from dichvucong.datastore.models import StoredDocument
from dichvucong.datastore.selectors import issued_results_for
from dichvucong.dossiers import services
from dichvucong.dossiers.attachments import AttachmentRefused, attach_file
from dichvucong.dossiers.constants import ActivityKind, Actor, DeliveryMethod, DossierStatus
from dichvucong.dossiers.eforms import (
    build_form,
    commune_prompt,
    communes_of,
    field_name,
    form_schema,
    is_province,
    prefill_for,
    province_choices,
)
from dichvucong.dossiers.identity import RegistryNote, refresh_identity
from dichvucong.dossiers.lookup import lookup_secret
from dichvucong.dossiers.models import Attachment, Dossier
from dichvucong.dossiers.selectors import (
    answers_for,
    businesses_for_filing,
    receiving_level,
    supplement_request,
    supplement_round,
    tracking,
)
from dichvucong.dossiers.state_machine import TransitionRefused, allowed_targets

_NOT_FORM_DATA = {"csrfmiddlewaretoken", "action", "submission_key", "delivery_method", "autosave"}


def _own(request: HttpRequest, pk: int) -> Dossier:
    """The dossier if it is the signed-in person's; 404 otherwise (no hint that it exists)."""
    return get_object_or_404(
        Dossier.objects.select_related("procedure", "procedure_version", "agency"), pk=pk, applicant=request.user
    )


@login_required
def my_dossiers(request: HttpRequest) -> HttpResponse:
    dossiers = Dossier.objects.filter(applicant=request.user).select_related("procedure", "agency", "business")
    return render(request, "dossiers/list.html", {"dossiers": dossiers[:200]})


def _procedure_level(request: HttpRequest, code: str) -> int:
    return catalog.get_procedure(code).assurance_level


@require_http_methods(["GET", "POST"])
@require_level(_procedure_level)
def start(request: HttpRequest, code: str) -> HttpResponse:
    """Choose where to file (commune or province, when the procedure is handled there) and,
    for a procedure open to organisations, for whom (the person or a business they act for);
    then a draft is created for that agency. A business not offered is a 400, never a draft."""
    procedure = catalog.get_procedure(code)
    if procedure.status == "abolished" or procedure.service_level == "offline":
        return redirect("catalog:procedure", code=code)
    error = ""
    province, commune = request.POST.get("province", ""), request.POST.get("commune", "")
    businesses = businesses_for_filing(request.user, procedure)
    filer = request.POST.get("filer", "self")[:32]
    business = next((b for b in businesses if str(b.pk) == filer), None)
    # "refresh": the no-JavaScript way to list the communes of the province just chosen.
    if request.method == "POST" and "refresh" not in request.POST:
        try:
            if filer not in ("", "self") and business is None:
                raise services.FilingRefused("not_allowed_for_business")  # forged, or no longer allowed
            dossier = services.start_dossier(applicant=request.user, procedure=procedure, province=province,
                                             commune=commune, business=business)
            return redirect("dossiers:dossier", pk=dossier.pk)
        except services.PlaceRefused as refused:
            error = (_("Xã, phường không thuộc tỉnh, thành phố đã chọn.") if refused.code == "commune_not_in_province"
                     else _("Hãy chọn nơi nộp hồ sơ."))
        except services.FilingRefused:
            error = _("Bạn không được nộp hồ sơ thay cho doanh nghiệp, tổ chức này.")
    return render(request, "dossiers/start.html", {
        "procedure": procedure, "level": receiving_level(procedure), "error": error, "province": province,
        "commune": commune,
        "provinces": province_choices(), "communes": communes_of(province), "prompt": commune_prompt(province),
        "businesses": businesses, "filer": str(business.pk) if business else "self",
    }, status=400 if error else 200)


@require_GET
@cache_control(private=True, max_age=24 * 3600)
def communes(request: HttpRequest) -> HttpResponse:
    """The ``<option>``s of a commune select for ``?province=<code>``, what a province select
    asks for when it changes (htmx) on the start page and in e-forms. Public data, the same
    for everyone, no login needed; no province gives only the prompt, an unknown code a 400.
    Cached by the browser for a day, not by shared caches: the people who ask are signed in,
    and the session middleware may add a Set-Cookie to any response."""
    province = request.GET.get("province", "")
    if province and not is_province(province):
        return HttpResponseBadRequest(_("Mã tỉnh, thành phố không hợp lệ."), content_type="text/plain; charset=utf-8")
    return HttpResponse(render_to_string("dossiers/_commune_options.html", {
        "prompt": commune_prompt(province), "communes": communes_of(province)}))


@login_required
@require_http_methods(["GET", "POST"])
def dossier_page(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _own(request, pk)
    if dossier.status == DossierStatus.AWAITING_PAYMENT:
        return redirect("payments:pay", pk=dossier.pk)
    if dossier.status != DossierStatus.DRAFT:
        if request.method == "POST" and request.POST.get("submission_key") == dossier.submission_key:
            return redirect("dossiers:receipt", pk=dossier.pk)  # the same submission again: its receipt
        return _detail(request, dossier)
    level = dossier.procedure.assurance_level
    if request.assurance_level < level:
        return redirect(step_up_url(level, request.get_full_path()))
    schema = form_schema(dossier.procedure.code)
    # Opening the form reads the person's identity again from the registry (once-only); a
    # registry that cannot answer never stops the form, whose unfilled fields then say why.
    registry_note = refresh_identity(request.user) if request.method == "GET" and _asks_registry(schema) else None
    known = prefill_for(schema, dossier)
    language = get_language() or "vi"
    if request.method == "POST" and request.POST.get("action") in ("save", "communes"):
        data = {k: v for k, v in request.POST.items() if k not in _NOT_FORM_DATA}
        autosave = request.POST.get("autosave") == "1"  # sent in the background by the page itself
        try:
            services.save_draft(dossier, applicant=request.user, data=data)
        except TransitionRefused:  # submitted meanwhile (a late background save): nothing to keep
            return HttpResponse(status=409) if autosave else redirect("dossiers:dossier", pk=dossier.pk)
        if autosave:
            return HttpResponse(status=204)
        messages.success(request, _("Đã lưu bản nháp. Bạn có thể tiếp tục sau, trên bất kỳ thiết bị nào."))
        if request.POST.get("action") == "communes":  # no JavaScript: back at the commune list of the province
            commune = next((field_name(s.key) for _, s in schema.fields() if s.type == "commune"), "")
            return redirect(reverse("dossiers:dossier", args=[dossier.pk]) + (f"#id_{commune}" if commune else ""))
        return redirect("dossiers:dossier", pk=dossier.pk)
    posted = request.method == "POST"
    form = build_form(schema, language=language, prefilled=known, data=request.POST if posted else None,
                      saved=None if posted else dossier.data)
    if posted:
        delivery = request.POST.get("delivery_method", "")
        if form.is_valid() and delivery in DeliveryMethod.values:
            try:
                submitted = services.submit_dossier(
                    dossier, applicant=request.user, submission_key=request.POST.get("submission_key", "")[:64]
                    or uuid.uuid4().hex, delivery_method=delivery, data=form.cleaned_dossier_data(),
                )
            except services.FilingRefused:
                messages.error(request, _("Bạn không còn được nộp hồ sơ này thay cho doanh nghiệp."))
                return redirect("dossiers:mine")
            except TransitionRefused as refused:
                if refused.code != "revoked_attachment":
                    raise
                messages.error(request, _("Một giấy tờ đính kèm đã bị cơ quan cấp thu hồi. Hãy đính kèm giấy tờ "
                                          "khác thay thế rồi nộp lại."))
                return redirect(f"{reverse('dossiers:dossier', args=[dossier.pk])}#dinh-kem")
            if submitted.status == DossierStatus.AWAITING_PAYMENT:
                return redirect("payments:pay", pk=submitted.pk)
            return redirect("dossiers:receipt", pk=submitted.pk)
        if delivery not in DeliveryMethod.values:
            messages.error(request, _("Hãy chọn cách nhận kết quả."))
    provenance = {field_name(key): value for key, value in known.items()}
    gaps = _REGISTRY_GAPS.get(registry_note)
    registry_gaps = {field_name(spec.key): gaps for _, spec in schema.fields()
                     if gaps and spec.source.startswith("attribute:") and spec.key not in known}
    return render(request, "dossiers/form.html", {
        "dossier": dossier, "schema": schema, "form": form, "provenance": provenance,
        "registry_gaps": registry_gaps,
        "language": "en" if language == "en" else "vi", "submission_key": uuid.uuid4().hex,
        "delivery_methods": DeliveryMethod.choices,
        "delivery": request.POST.get("delivery_method", DeliveryMethod.ONLINE),
        "components": _components_with_files(dossier),
    })


_REGISTRY_GAPS = {
    RegistryNote.UNAVAILABLE: gettext_lazy("Chưa lấy được từ CSDL quốc gia về dân cư: hệ thống chưa trả lời. Bạn có thể tự điền, "
                                "hoặc tải lại trang sau ít phút."),
    RegistryNote.NOT_VERIFIED: gettext_lazy("Chưa điền sẵn được vì danh tính của bạn chưa được xác thực với CSDL quốc gia về dân "
                                 "cư (trang Tài khoản). Bạn có thể tự điền."),
    RegistryNote.DIFFERS: gettext_lazy("Thông tin của bạn trong CSDL quốc gia về dân cư đã thay đổi; hãy xác thực lại ở trang "
                            "Tài khoản. Bạn có thể tự điền."),
}


def _asks_registry(schema) -> bool:  # noqa: ANN001 - eforms.FormSchema
    return any(spec.source.startswith("attribute:") for _, spec in schema.fields())


def _components_with_files(dossier: Dossier) -> list[tuple[int, dict, list[Attachment], list[StoredDocument]]]:
    """Each component with its attached files and, while files are accepted (a draft, a
    supplement), the stored documents that match it."""
    files: dict[int, list[Attachment]] = {}
    for attachment in dossier.attachments.all():
        files.setdefault(attachment.component_index, []).append(attachment)
    components = dossier.procedure_version.components or []
    if dossier.status in (DossierStatus.DRAFT, DossierStatus.AWAITING_SUPPLEMENT):
        offers = datastore.offers_by_component(dossier.applicant, [c.get("name", "") for c in components])
    else:
        offers = [[] for component in components]
    return [(index, component, files.get(index, []), offers[index]) for index, component in enumerate(components)]


def _detail(request: HttpRequest, dossier: Dossier) -> HttpResponse:
    answers = answers_for(dossier, "en" if get_language() == "en" else "vi")
    # A delegate whose delegation ended still sees the dossier they filed, but no longer acts on it.
    may_act = services.may_file(dossier, request.user)
    awaiting = dossier.status == DossierStatus.AWAITING_SUPPLEMENT
    return render(request, "dossiers/detail.html", {
        "dossier": dossier, "tracking": tracking(dossier), "answers": answers,
        "results": issued_results_for(request.user, dossier),
        "can_withdraw": may_act and DossierStatus.WITHDRAWN in allowed_targets(dossier.status, Actor.APPLICANT),
        "components": _components_with_files(dossier), "may_act": may_act,
        "supplement_request": supplement_request(dossier) if awaiting else None,
        "can_supplement": may_act and awaiting,
        "current_round": supplement_round(dossier) if awaiting else None,
    })


@login_required
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _own(request, pk)
    if not dossier.code:
        return redirect("dossiers:dossier", pk=pk)
    image = qrcode.make(dossier.code, image_factory=qrcode.image.svg.SvgPathImage, box_size=6)
    buffer = BytesIO()
    image.save(buffer)
    response = render(request, "dossiers/receipt.html", {
        "dossier": dossier, "qr_svg": buffer.getvalue().decode(), "lookup_secret": lookup_secret(dossier.code),
    })
    response["Cache-Control"] = "private, no-store"  # it shows the lookup secret
    return response


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _own(request, pk)
    try:
        services.withdraw_dossier(dossier, applicant=request.user, reason=request.POST.get("reason", "")[:1000])
        messages.info(request, _("Đã rút hồ sơ."))
    except TransitionRefused:
        messages.error(request, _("Hồ sơ này không thể rút nữa."))
    return redirect("dossiers:dossier", pk=pk)


def _step_up(request: HttpRequest, dossier: Dossier) -> HttpResponse | None:
    """A redirect to step up when the session is below the procedure's level (B4), else None."""
    level = dossier.procedure.assurance_level
    if request.assurance_level < level:
        return redirect(step_up_url(level, reverse("dossiers:dossier", args=[dossier.pk])))
    return None


@login_required
@require_POST
def supplement(request: HttpRequest, pk: int) -> HttpResponse:
    """Send what the agency asked for (C5): the files uploaded since its request and a note."""
    dossier = _own(request, pk)
    if stepping_up := _step_up(request, dossier):
        return stepping_up
    try:
        services.supply_supplement(dossier, applicant=request.user, note=request.POST.get("note", "")[:2000])
        messages.success(request, _("Đã gửi bổ sung. Hồ sơ được chuyển lại cho cơ quan để xử lý tiếp."))
    except services.FilingRefused:
        messages.error(request, _("Bạn không còn được nộp hồ sơ thay cho doanh nghiệp, tổ chức này."))
    except TransitionRefused as refused:
        messages.error(request, {
            "nothing_supplied": _("Hãy tải lên giấy tờ bổ sung hoặc ghi chú trước khi gửi."),
            "revoked_attachment": _("Một giấy tờ đính kèm đã bị cơ quan cấp thu hồi. Hãy đính kèm giấy tờ khác thay "
                                    "thế rồi nộp lại."),
        }.get(refused.code, _("Hồ sơ này không ở trạng thái chờ bổ sung.")))
    return redirect("dossiers:dossier", pk=pk)


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _own(request, pk)
    try:
        services.cancel_draft(dossier, applicant=request.user)
        messages.info(request, _("Đã hủy bản nháp."))
    except TransitionRefused:
        messages.error(request, _("Chỉ bản nháp mới hủy được."))
    return redirect("dossiers:mine")


_REFUSALS = {
    "too_large": gettext_lazy("Tệp quá lớn."),
    "type_not_allowed": gettext_lazy("Chỉ nhận tệp PDF, JPEG hoặc PNG (kiểm tra theo nội dung tệp, không theo tên)."),
    "too_many_pages": gettext_lazy("Tệp PDF có quá nhiều trang."),
    "unreadable": gettext_lazy("Không đọc được tệp PDF này."),
    "malware": gettext_lazy("Tệp có mã độc và đã bị từ chối."),
    "scanner_unavailable": gettext_lazy("Chưa kiểm tra được tệp lúc này. Vui lòng tải lên lại sau ít phút."),
    "unknown_component": gettext_lazy("Thành phần hồ sơ không hợp lệ."),
    "not_permitted": gettext_lazy("Hồ sơ này không nhận thêm tệp."),
}


@login_required
@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _own(request, pk)
    if stepping_up := _step_up(request, dossier):
        return stepping_up
    upload_file = request.FILES.get("file")
    try:
        index = int(request.POST.get("component", ""))
    except ValueError:
        index = -1
    if upload_file is None:
        messages.error(request, _("Hãy chọn tệp để tải lên."))
        return redirect("dossiers:dossier", pk=pk)
    try:
        attachment = attach_file(dossier, applicant=request.user, component_index=index, upload=upload_file)
        if request.POST.get("keep") == "on":  # the person's consent to keep a copy for reuse
            datastore.keep_attachment(attachment)
        messages.success(request, _("Đã tải lên tệp."))
    except AttachmentRefused as refused:
        messages.error(request, _REFUSALS.get(refused.code, _("Tệp không được chấp nhận.")))
    return redirect(f"{reverse('dossiers:dossier', args=[pk])}#dinh-kem")


@login_required
@require_POST
def reuse(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a document from the person's data store instead of uploading it again (D1)."""
    dossier = _own(request, pk)
    if stepping_up := _step_up(request, dossier):
        return stepping_up
    document = get_object_or_404(StoredDocument, pk=request.POST.get("document") or 0, owner=request.user)
    try:
        index = int(request.POST.get("component", ""))
        datastore.reuse_in_dossier(document, dossier, applicant=request.user, component_index=index)
        messages.success(request, _("Đã dùng giấy tờ từ kho dữ liệu."))
    except (ValueError, AttachmentRefused, datastore.StoreRefused):
        messages.error(request, _("Không dùng được giấy tờ này cho hồ sơ."))
    return redirect(f"{reverse('dossiers:dossier', args=[pk])}#dinh-kem")


@login_required
def download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    dossier = _own(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_id, dossier=dossier)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def receipt_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _own(request, pk)
    if not dossier.code:
        return redirect("dossiers:dossier", pk=pk)
    from dichvucong.dossiers.receipts import receipt_pdf as render_receipt

    response = HttpResponse(render_receipt(dossier, "en" if get_language() == "en" else "vi"),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="bien-nhan-{dossier.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def tracking_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    """The live part of the dossier page (status, handler, times, history), polled by htmx."""
    dossier = _own(request, pk)
    response = render(request, "dossiers/_tracking.html", {"tracking": tracking(dossier)})
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def apology_letter(request: HttpRequest, pk: int, event_id: int) -> HttpResponse:
    """The agency's letter of apology for a late dossier, with its new appointed date (G2)."""
    from dichvucong.dossiers.letters import apology_letter_pdf

    dossier = _own(request, pk)
    event = get_object_or_404(dossier.events, pk=event_id, kind=ActivityKind.APOLOGY)
    response = HttpResponse(apology_letter_pdf(dossier, event), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="thu-xin-loi-{dossier.code}-{event.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
