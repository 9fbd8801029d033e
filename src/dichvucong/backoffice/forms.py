"""Forms of the back office: what an official posts is checked here, at the edge."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dichvucong.accounts.constants import OfficialRole
from dichvucong.backoffice.constants import RefusalReason, StepKind
from dichvucong.backoffice.workflows import MAX_STEPS


class RefusalForm(forms.Form):
    reason_code = forms.ChoiceField(label=_("Căn cứ từ chối"), choices=RefusalReason.choices)
    text = forms.CharField(label=_("Giải thích"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class WorkflowStepForm(forms.Form):
    name = forms.CharField(label=_("Tên bước"), max_length=120)
    kind = forms.ChoiceField(label=_("Loại bước"), choices=StepKind.choices)
    role = forms.ChoiceField(label=_("Vai trò thực hiện"), choices=[
        (role, label) for role, label in OfficialRole.choices
        if role in (OfficialRole.RECEIVER, OfficialRole.PROCESSOR, OfficialRole.APPROVER)
    ])
    share = forms.IntegerField(label=_("Tỷ lệ thời gian (%)"), min_value=0, max_value=100)


WorkflowStepFormSet = forms.formset_factory(WorkflowStepForm, extra=2, max_num=MAX_STEPS, validate_max=True,
                                            can_delete=True)
