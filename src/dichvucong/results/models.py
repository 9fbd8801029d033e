"""Signed electronic results (C4): one per dossier, the PDF an agency signed."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .constants import ResultType


def _result_path(instance: IssuedResult, filename: str) -> str:
    # A random name: the path must not reveal the dossier code or be guessable.
    return f"results/{secrets.token_urlsafe(18)}.pdf"


def new_verification_token() -> str:
    return secrets.token_urlsafe(24)


class IssuedResult(models.Model):
    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="issued_result"
    )
    agency = models.ForeignKey("catalog.Agency", on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("số kết quả"), max_length=100, unique=True)
    result_type = models.CharField(max_length=40, choices=ResultType.choices)
    title = models.CharField(_("tên kết quả"), max_length=300)
    file = models.FileField(upload_to=_result_path)
    sha256 = models.CharField(max_length=64, db_index=True)
    signer_serial = models.CharField(_("số hiệu chứng thư số"), max_length=64)
    signer_subject = models.CharField(_("chủ thể chứng thư số"), max_length=500)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("ngày ký"))
    revoked_at = models.DateTimeField(_("ngày thu hồi"), null=True, blank=True)
    revoked_reason = models.CharField(_("lý do thu hồi"), max_length=500, blank=True)
    verification_token = models.CharField(
        max_length=64, unique=True, default=new_verification_token, editable=False
    )

    class Meta:
        verbose_name = _("kết quả điện tử")
        verbose_name_plural = _("kết quả điện tử")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
