"""The officials' pages (G1, G3): worklists, a dossier and its actions, workflows, performance.

Thin: every rule is in ``services``/``selectors``/``permissions``. A case out of the
official's reach is a 404, never a hint that it exists.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dichvucong.accounts.constants import AccountType
from dichvucong.accounts.decorators import require_level
from dichvucong.accounts.models import OrganisationalUnit, User
from dichvucong.backoffice import permissions, selectors, services
from dichvucong.backoffice.constants import StepKind, Worklist
from dichvucong.backoffice.forms import RefusalForm, WorkflowStepFormSet
from dichvucong.backoffice.workflows import InvalidWorkflow
from dichvucong.catalog.models import Agency, Procedure
from dichvucong.dossiers.constants import DossierStatus
from dichvucong.dossiers.models import Attachment
from dichvucong.dossiers.selectors import answers_for

ERRORS = {
    "stale": gettext_lazy("Hồ sơ đã được xử lý tiếp bởi người khác từ khi bạn mở trang. Vui lòng xem lại."),
    "not_permitted": gettext_lazy("Bạn không có quyền thực hiện thao tác này ở bước hiện tại."),
}


def official_required(view):  # noqa: ANN001
    @wraps(view)
    @require_level(lambda request, **kwargs: settings.BACKOFFICE_MIN_LEVEL)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.account_type != AccountType.OFFICIAL:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@official_required
def worklist(request: HttpRequest) -> HttpResponse:
    name = request.GET.get("ds", Worklist.RECEIVE)
    if name not in Worklist.values:
        name = Worklist.RECEIVE
    text = request.GET.get("q", "")[:100]
    status = request.GET.get("status", "")
    status = status if status in DossierStatus.values else ""
    procedure = request.GET.get("thu-tuc", "").strip()[:32]
    hours = settings.BACKOFFICE_DUE_SOON_HOURS
    if text or status or procedure:
        cases = selectors.search(request.user, text, status=status, procedure=procedure)
    else:
        cases = selectors.worklist(request.user, name, due_soon_hours=hours)
    page = Paginator(cases, 25).get_page(request.GET.get("trang"))
    return render(request, "backoffice/worklist.html", {
        "page": page, "current": name, "lists": Worklist.choices, "text": text, "status": status,
        "procedure": procedure,
        "statuses": [(value, label) for value, label in DossierStatus.choices if value != DossierStatus.DRAFT],
        "counts": selectors.counts(request.user, due_soon_hours=hours), "now": timezone.now(),
        "due_soon_limit": timezone.now() + timedelta(hours=hours),
        "leads": bool(selectors.agencies_led(request.user)),
        "administers": bool(selectors.agencies_administered(request.user)),
    })


def _case_or_404(request: HttpRequest, pk: int):  # noqa: ANN202
    case = selectors.case_for(request.user, pk)
    if case is None:
        raise Http404
    return case


@official_required
def case_page(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    dossier = case.dossier
    acts = permissions.can_act(request.user, case)
    leads = permissions.leads(request.user, case)
    next_kind = case.steps[case.step_index + 1]["kind"] if case.step_index + 1 < len(case.steps) else ""
    return render(request, "backoffice/case.html", {
        "case": case, "dossier": dossier, "answers": answers_for(dossier, "en" if get_language() == "en" else "vi"),
        "events": dossier.events.select_related("actor"), "attachments": dossier.attachments.all(),
        "can_act": acts, "leads": leads, "kind": case.step_kind, "next_kind": next_kind, "K": StepKind,
        "refusal_form": RefusalForm(), "assignable": selectors.assignable_officials(case) if leads else [],
        "units": OrganisationalUnit.objects.filter(agency=case.agency).order_by("name"),
        "step_names": [step.get("name") or StepKind(step["kind"]).label for step in case.steps],
    })


def _object(model, pk: str):  # noqa: ANN001, ANN202 - a posted id that must name an existing row
    if not pk:
        return None
    if not pk.isdigit():
        raise services.ActionRefused("bad_value")
    found = model.objects.filter(pk=int(pk)).first()
    if found is None:
        raise services.ActionRefused("bad_value")
    return found


@require_POST
@official_required
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = _case_or_404(request, pk)
    post = request.POST
    raw_step = post.get("step_index", "")
    note = post.get("note", "")[:2000]
    try:
        if not raw_step.isdigit():  # every form names its step: a replayed or bare post acts on nothing
            raise services.ActionRefused("stale")
        step_index = int(raw_step)
        if action == "tiep-nhan":
            services.accept(case, request.user, step_index=step_index, note=note)
        elif action == "tu-choi":
            form = RefusalForm(post)
            if not form.is_valid():
                raise services.ActionRefused("reason_required")
            services.refuse(case, request.user, step_index=step_index, **form.cleaned_data)
        elif action == "yeu-cau-bo-sung":
            services.request_supplement(case, request.user, text=note, step_index=step_index)
        elif action == "nhan-xu-ly":
            services.take(case, request.user, step_index=step_index)
        elif action == "phan-cong":
            services.assign(case, request.user, assignee=_object(User, post.get("assignee", "")) or request.user,
                            step_index=step_index)
        elif action == "chuyen-tiep":
            services.forward(case, request.user, step_index=step_index, note=note,
                             consult_agency=_agency_by_code(post.get("consult_agency", "")),
                             consult_unit=_object(OrganisationalUnit, post.get("consult_unit", "")))
        elif action == "tra-lai":
            services.send_back(case, request.user, reason=note, step_index=step_index)
        elif action == "chuyen-xu-ly":
            services.transfer(case, request.user, reason=note, step_index=step_index,
                              agency=_agency_by_code(post.get("agency", "")),
                              unit=_object(OrganisationalUnit, post.get("unit", "")))
        elif action == "ky-so":
            services.sign(case, request.user, step_index=step_index)
        elif action == "hen-lai":
            services.reschedule(case, request.user, step_index=step_index, reason=note,
                                day=_posted_date(post.get("due_date", "")))
        elif action == "da-tra":
            services.mark_returned(case, request.user, step_index=step_index, note=note)
        else:
            raise Http404
    except services.ActionRefused as refused:
        messages.error(request, ERRORS.get(refused.code, _("Không thực hiện được: %(code)s.") % {"code": refused.code}))
        return redirect("backoffice:case", pk=pk)
    messages.success(request, _("Đã thực hiện."))
    # Once acted on, the case may have left the official's reach (transferred): back to the list then.
    if selectors.case_for(request.user, pk) is None:
        return redirect("backoffice:worklist")
    return redirect("backoffice:case", pk=pk)


def _posted_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise services.ActionRefused("bad_date") from None


def _agency_by_code(code: str) -> Agency | None:
    code = code.strip()
    if not code:
        return None
    agency = Agency.objects.filter(code=code[:32]).first()
    if agency is None:
        raise services.ActionRefused("unknown_agency")
    return agency


@official_required
def download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    case = _case_or_404(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_id, dossier_id=case.dossier_id)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@official_required
def performance(request: HttpRequest) -> HttpResponse:
    agencies = selectors.agencies_led(request.user)
    if not agencies:
        raise Http404
    chosen = next((a for a in agencies if str(a.pk) == request.GET.get("co-quan")), agencies[0])
    days = request.GET.get("ngay", "30")
    days = int(days) if days.isdigit() and 1 <= int(days) <= 3650 else 30
    report = selectors.performance(chosen.pk, since=timezone.now() - timedelta(days=days))
    return render(request, "backoffice/performance.html", {
        "agencies": agencies, "agency": chosen, "days": days, "report": report,
    })


@official_required
def workflows(request: HttpRequest) -> HttpResponse:
    agencies = selectors.agencies_administered(request.user)
    if not agencies:
        raise Http404
    chosen = next((a for a in agencies if str(a.pk) == request.GET.get("co-quan")), agencies[0])
    return render(request, "backoffice/workflows.html", {
        "agencies": agencies, "agency": chosen,
        "workflows": selectors.workflows_of(chosen),
    })


@official_required
def workflow_edit(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = get_object_or_404(Agency, pk=agency_id)
    if not permissions.administers_workflows(request.user, agency.pk):
        raise Http404
    code = request.GET.get("thu-tuc", "") or request.POST.get("procedure", "")
    procedure = Procedure.objects.filter(code=code[:32]).first() if code else None
    version, steps, unit_id = services.workflow_in_force(agency, procedure)
    error = ""
    if request.method == "POST":
        formset = WorkflowStepFormSet(request.POST)
        if formset.is_valid():
            rows = [form.cleaned_data for form in formset.forms
                    if form.cleaned_data and not form.cleaned_data.get("DELETE")]
            unit = OrganisationalUnit.objects.filter(pk=request.POST.get("unit") or 0, agency=agency).first()
            try:
                services.publish_workflow(agency, admin=request.user, procedure=procedure, unit=unit,
                                          steps=[{k: row[k] for k in ("name", "kind", "role", "share")}
                                                 for row in rows], note=request.POST.get("note", ""))
            except InvalidWorkflow as invalid:
                error = str(invalid)
            except services.ActionRefused as refused:
                error = refused.code
            else:
                messages.success(request, _("Đã ban hành phiên bản mới của quy trình. Hồ sơ đang xử lý giữ quy trình cũ."))
                return redirect(f"{request.path}?thu-tuc={procedure.code}" if procedure else request.path)
    else:
        formset = WorkflowStepFormSet(initial=[step.as_dict() for step in steps])
    return render(request, "backoffice/workflow_edit.html", {
        "agency": agency, "procedure": procedure, "formset": formset, "version": version, "error": error,
        "units": OrganisationalUnit.objects.filter(agency=agency).order_by("name"), "unit_id": unit_id,
    })
