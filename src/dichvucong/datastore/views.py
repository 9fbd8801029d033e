from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dichvucong.datastore import selectors, services
from dichvucong.datastore.forms import ValidityForm
from dichvucong.datastore.models import StoredDocument

_VALIDITY_REFUSALS = {
    "issued_result": gettext_lazy("Thời hạn của kết quả do cơ quan cấp được cơ quan đó ghi nhận, bạn không sửa được."),
    "revoked": gettext_lazy("Giấy tờ đã bị thu hồi, không sửa được thời hạn."),
}


@login_required
def documents(request: HttpRequest) -> HttpResponse:
    return render(request, "datastore/list.html", {"rows": selectors.documents_with_validity(request.user)})


@login_required
def validity(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner sets or corrects an upload's validity dates (D1, A7)."""
    document = get_object_or_404(StoredDocument, pk=pk, owner=request.user)
    if not document.may_edit_validity:
        refusal = "issued_result" if document.is_issued_result else "revoked"
        messages.error(request, _VALIDITY_REFUSALS[refusal])
        return redirect("datastore:documents")
    form = ValidityForm(request.POST if request.method == "POST" else None, initial={
        "valid_from": document.valid_from, "valid_until": document.valid_until})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_validity(document, owner=request.user, valid_from=form.cleaned_data["valid_from"],
                                  valid_until=form.cleaned_data["valid_until"])
        except services.StoreRefused as refused:
            if refused.code == "ends_before_start":
                form.add_error("valid_until", _("Ngày hết hiệu lực không được trước ngày bắt đầu có hiệu lực."))
            else:  # revoked or made a result meanwhile
                messages.error(request, _VALIDITY_REFUSALS.get(refused.code, _("Không sửa được thời hạn.")))
                return redirect("datastore:documents")
        else:
            messages.success(request, _("Đã lưu thời hạn hiệu lực."))
            return redirect("datastore:documents")
    return render(request, "datastore/validity.html", {
        "form": form, "document": document, "remind_days": settings.DATASTORE_EXPIRY_REMIND_DAYS},
                  status=400 if form.errors else 200)


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    document = get_object_or_404(StoredDocument, pk=pk, owner=request.user)
    response = FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name,
                            content_type=document.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(StoredDocument, pk=pk, owner=request.user)
    try:
        services.delete_document(document, owner=request.user)
        messages.info(request, _("Đã xóa giấy tờ khỏi kho."))
    except services.StoreRefused:
        messages.error(request, _("Kết quả do cơ quan cấp phải được lưu giữ theo quy định, không xóa được."))
    return redirect("datastore:documents")
