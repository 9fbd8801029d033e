"""Relying parties of the portal's OpenID provider, their users' consents and sign-ins (B5)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication


class Client(AbstractApplication):
    """A portal (ministry, province) that signs its users in through the national portal."""

    description = models.CharField(_("mô tả"), max_length=300, blank=True)
    allowed_scopes = models.CharField(
        _("phạm vi được phép"), max_length=200, default="openid profile",
        help_text=_("Cách nhau bởi dấu cách: openid profile email phone identity address"),
    )
    max_level = models.PositiveSmallIntegerField(
        _("mức độ bảo đảm tối đa"), default=3, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    backchannel_logout_uri = models.URLField(_("địa chỉ đăng xuất kênh sau"), blank=True)
    active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        verbose_name = _("hệ thống kết nối đăng nhập một lần")
        verbose_name_plural = _("hệ thống kết nối đăng nhập một lần")

    def is_usable(self, request) -> bool:  # noqa: ANN001 - oauthlib request
        """A suspended client is refused everywhere at once: authorize, token, introspection."""
        return self.active

    def allowed_scope_set(self) -> set[str]:
        return set(self.allowed_scopes.split())


class Consent(models.Model):
    """What a person agreed to share with one client; asked again only for more scopes."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_consents")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    scopes = models.CharField(max_length=200)
    granted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "client"], name="one_consent_per_client")]

    def __str__(self) -> str:
        return f"{self.user} → {self.client}: {self.scopes}"

    def covers(self, scopes) -> bool:  # noqa: ANN001
        return set(scopes) <= set(self.scopes.split())


class SsoAuthorization(models.Model):
    """One authorization given to a client in one portal session.

    Carries what the ID token must say (``acr``, ``sid``, ``auth_time``) from the browser
    request that created the code to the token request that redeems it, and tells the
    back-channel logout which clients a session reached.
    """

    code_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="authorizations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sid = models.CharField(max_length=64, db_index=True)
    level = models.PositiveSmallIntegerField()
    auth_time = models.DateTimeField()
    # The refresh-token family born from this authorization's code: refreshed tokens and
    # userinfo find their own authorization (acr, sid) through it, and logout revokes it.
    token_family = models.UUIDField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    logged_out_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.client} sid={self.sid[:6]}…"
