"""Dossiers (hồ sơ), their history, codes and the working calendar (C3, C5, G2)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dichvucong.dossiers.constants import ActivityKind, Actor, DeliveryMethod, DossierStatus


class CalendarDay(models.Model):
    """A day an administrator declared off, or a weekend day declared a working day."""

    day = models.DateField(unique=True)
    is_working_day = models.BooleanField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["day"]
        verbose_name = _("ngày nghỉ, ngày làm bù")
        verbose_name_plural = _("ngày nghỉ, ngày làm bù")

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {'làm việc' if self.is_working_day else 'nghỉ'}: {self.reason}"


class DossierSequence(models.Model):
    """The last sequence number given to an agency's dossiers on one day (locked to count)."""

    agency_code = models.CharField(max_length=32)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency_code", "day"], name="one_sequence_per_agency_day")]

    def __str__(self) -> str:
        return f"{self.agency_code} {self.day}: {self.last}"


class Dossier(models.Model):
    code = models.CharField(_("mã hồ sơ"), max_length=48, unique=True, null=True, blank=True)
    procedure = models.ForeignKey("catalog.Procedure", on_delete=models.PROTECT, related_name="dossiers")
    procedure_version = models.ForeignKey("catalog.ProcedureVersion", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("catalog.Agency", on_delete=models.PROTECT, related_name="dossiers")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="dossiers")
    business = models.ForeignKey("accounts.Business", null=True, blank=True, on_delete=models.PROTECT)
    status = models.CharField(max_length=24, choices=DossierStatus.choices, default=DossierStatus.DRAFT)
    data = models.JSONField(default=dict, blank=True)
    delivery_method = models.CharField(max_length=16, choices=DeliveryMethod.choices, default=DeliveryMethod.ONLINE)
    submission_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 - NULL on drafts: NULLs never collide in the unique constraint
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    received_on = models.DateField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    draft_reminded_at = models.DateTimeField(null=True, blank=True)
    # Who handles the dossier (G1, F3): the processing system it was handed over to, and the
    # official handling it now as that system reports them (name and unit as published).
    processing_system = models.CharField(max_length=32, blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)  # the system took it (retried until then)
    handler_name = models.CharField(max_length=200, blank=True)
    handler_unit = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            # A retried or double-clicked submission finds the dossier the first one made.
            models.UniqueConstraint(fields=["applicant", "submission_key"], name="one_dossier_per_submission_key"),
        ]
        indexes = [models.Index(fields=["applicant", "-updated_at"]), models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return self.code or f"draft #{self.pk}"


class DossierEvent(models.Model):
    """One entry of a dossier's history: who, when, why.

    A status change (``kind`` STATUS) is written only by the state machine; the other kinds
    (assignment, escalation, apology letter, postal tracking…) by ``services.record_activity``.
    ``public`` entries are shown to the applicant; the others only to officials.
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=20, choices=ActivityKind.choices, default=ActivityKind.STATUS)
    from_status = models.CharField(max_length=24, choices=DossierStatus.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=DossierStatus.choices, blank=True)
    actor_kind = models.CharField(max_length=16, choices=Actor.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["dossier", "at"])]

    def __str__(self) -> str:
        return f"{self.dossier}: {self.from_status} → {self.to_status}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    # Random names in per-dossier folders: nothing guessable, nothing the uploader chose.
    return f"dossiers/{instance.dossier_id}/{filename}"


class Attachment(models.Model):
    """A checked, scanned document for one dossier component (C2).

    Never deleted nor overwritten once the dossier is filed: a file supplied in answer to
    the agency's n-th request for more documents (C5) is a new row with
    ``supplement_round`` n, next to the file it completes or replaces.
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="attachments")
    component_index = models.PositiveSmallIntegerField()
    component_name = models.CharField(max_length=500)
    file = models.FileField(upload_to=_attachment_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    pages = models.PositiveSmallIntegerField(default=1)
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # None: filed with the dossier; n: supplied in answer to the n-th request for more documents.
    supplement_round = models.PositiveSmallIntegerField(_("lần bổ sung"), null=True, blank=True)

    class Meta:
        ordering = ["component_index", "uploaded_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.dossier})"
