from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dichvucong.datastore import services
from dichvucong.datastore.models import StoredDocument


@login_required
def documents(request: HttpRequest) -> HttpResponse:
    return render(request, "datastore/list.html", {
        "documents": StoredDocument.objects.filter(owner=request.user).select_related("source_dossier"),
    })


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
