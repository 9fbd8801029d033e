"""The personal data store (D1): documents a person keeps for reuse, with provenance."""

from __future__ import annotations

from django.conf import settings
from django.db import models
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
    valid_until = models.DateField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("giấy tờ trong kho dữ liệu")
        verbose_name_plural = _("giấy tờ trong kho dữ liệu")

    def __str__(self) -> str:
        return self.title

    @property
    def may_be_deleted(self) -> bool:
        """Results issued by an agency are kept, as the law requires; uploads are the owner's."""
        return not self.is_issued_result
