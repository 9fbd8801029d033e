"""The built-in one-stop back office (G1–G3): workflows, the case of each dossier it
handles, and the log of its steps."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dichvucong.backoffice.constants import StepKind


class Workflow(models.Model):
    """An agency's internal workflow for one procedure, or its default (``procedure`` empty)."""

    agency = models.ForeignKey("catalog.Agency", on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey("catalog.Procedure", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+")
    unit = models.ForeignKey("accounts.OrganisationalUnit", null=True, blank=True, on_delete=models.SET_NULL,
                             verbose_name=_("đơn vị chủ trì"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "procedure"], name="one_workflow_per_procedure"),
            models.UniqueConstraint(fields=["agency"], condition=Q(procedure__isnull=True),
                                    name="one_default_workflow_per_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.procedure_id or '*'}"


class WorkflowVersion(models.Model):
    """The steps of a workflow from a moment on; never edited, a change is a new version."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    steps = models.JSONField()
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["workflow", "-number"]
        constraints = [models.UniqueConstraint(fields=["workflow", "number"], name="one_number_per_version")]

    def __str__(self) -> str:
        return f"{self.workflow} v{self.number}"


class Case(models.Model):
    """A dossier in the built-in back office: where it is in its workflow and who acts.

    ``steps`` is the workflow as it was when the dossier arrived. The current step's kind
    and role, and where it is acted on (``acting_agency``/``acting_unit``: another agency
    or unit while it is consulted), are kept in columns so that worklists are index scans.
    """

    dossier = models.OneToOneField("dossiers.Dossier", on_delete=models.CASCADE, related_name="case")
    agency = models.ForeignKey("catalog.Agency", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("accounts.OrganisationalUnit", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    workflow_version = models.ForeignKey(WorkflowVersion, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")
    steps = models.JSONField()
    step_index = models.PositiveSmallIntegerField(default=0)
    step_kind = models.CharField(max_length=16, choices=StepKind.choices)
    step_role = models.CharField(max_length=16)
    step_started_at = models.DateTimeField()
    acting_agency = models.ForeignKey("catalog.Agency", on_delete=models.PROTECT, related_name="+")
    acting_unit = models.ForeignKey("accounts.OrganisationalUnit", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    due_at = models.DateTimeField(null=True, blank=True)  # the dossier's appointed date, kept in step
    paused_at = models.DateTimeField(null=True, blank=True)  # awaiting the applicant: the clock stops
    due_soon_at = models.DateTimeField(null=True, blank=True)
    late_since = models.DateTimeField(null=True, blank=True)  # first missed appointed date (never reset)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_on_time = models.BooleanField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["acting_agency", "step_role", "due_at"], condition=Q(closed_at__isnull=True),
                         name="open_cases_by_step"),
            models.Index(fields=["assignee", "due_at"], condition=Q(closed_at__isnull=True),
                         name="open_cases_by_assignee"),
            models.Index(fields=["due_at"], condition=Q(closed_at__isnull=True, paused_at__isnull=True),
                         name="open_cases_running"),
            models.Index(fields=["agency", "closed_at"], name="cases_by_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier} @ {self.step_kind}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def current_step(self) -> dict:
        return self.steps[self.step_index]


class StepLog(models.Model):
    """One step of one case: who did it, from when to when, and how it ended (performance views)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="step_logs")
    step_index = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=StepKind.choices)
    agency = models.ForeignKey("catalog.Agency", on_delete=models.PROTECT, related_name="+")
    official = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=24, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        indexes = [models.Index(fields=["agency", "finished_at"]), models.Index(fields=["official", "finished_at"])]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.step_index} {self.kind}"
