"""The personal data store (D1): documents a person keeps for reuse, with provenance."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dichvucong.datastore.constants import DocumentType, SignatureStatus


def _document_path(instance: StoredDocument, filename: str) -> str:
    return f"datastore/{instance.owner_id}/{filename}"


class StoredDocument(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="documents")
    document_type = models.CharField(max_length=32, choices=DocumentType.choices, default=DocumentType.OTHER)
    title = models.CharField(max_length=300)
    file = models.FileField(upload_to=_document_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    # Provenance: which dossier it came with or from, which agency issued it.
    source_dossier = models.ForeignKey("dossiers.Dossier", null=True, blank=True, on_delete=models.SET_NULL)
    issuing_agency = models.ForeignKey("catalog.Agency", null=True, blank=True, on_delete=models.SET_NULL)
    is_issued_result = models.BooleanField(default=False)
    signature_status = models.CharField(max_length=16, choices=SignatureStatus.choices, default=SignatureStatus.NONE)
    # The issued document's number (số, ký hiệu) in its agency's register: with the agency it
    # names one result across every store that holds a copy. Blank for uploads.
    result_reference = models.CharField(max_length=100, blank=True)
    # Validity: the agency's for an issued result, the owner's own note for an upload.
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    # When the owner was told that valid_until is near (A7); cleared when valid_until changes.
    expiry_reminded_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("giấy tờ trong kho dữ liệu")
        verbose_name_plural = _("giấy tờ trong kho dữ liệu")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="datastore_validity_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(is_issued_result=True) | Q(result_reference=""),
                name="datastore_only_results_have_a_reference",
            ),
            # A store holds one copy of a given result; other stores may hold theirs.
            models.UniqueConstraint(
                fields=["issuing_agency", "result_reference", "owner"], condition=~Q(result_reference=""),
                name="datastore_one_copy_of_a_result_per_store",
            ),
        ]
        indexes = [models.Index(fields=["sha256"], name="datastore_sha256_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def may_be_deleted(self) -> bool:
        """Results issued by an agency are kept, as the law requires; uploads are the owner's."""
        return not self.is_issued_result

    @property
    def may_edit_validity(self) -> bool:
        """An issued result's dates are the agency's; a revoked document is past correcting."""
        return not self.is_issued_result and self.revoked_at is None
