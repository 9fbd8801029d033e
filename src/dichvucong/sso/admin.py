from django.contrib import admin
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from dichvucong.accounts import audit
from dichvucong.sso.models import Client, Consent

# The toolkit registers its own admin pages; the portal shows only what administrators manage.
for model in (get_access_token_model(), get_grant_model(), get_id_token_model(), get_refresh_token_model(), Client):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class SystemAdministratorsOnly:
    """Registering clients is for system administrators (superusers) only (B5)."""

    def has_module_permission(self, request):  # noqa: ANN001
        return request.user.is_active and request.user.is_superuser

    has_view_permission = has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: request.user.is_active and request.user.is_superuser
    )


@admin.register(Client)
class ClientAdmin(SystemAdministratorsOnly, admin.ModelAdmin):
    list_display = ("name", "client_id", "client_type", "max_level", "active", "created")
    list_filter = ("active", "client_type", "max_level")
    search_fields = ("name", "client_id")
    fields = (
        "name", "description", "client_id", "client_secret", "client_type", "authorization_grant_type",
        "redirect_uris", "post_logout_redirect_uris", "backchannel_logout_uri", "allowed_scopes",
        "max_level", "skip_authorization", "algorithm", "active",
    )

    def save_model(self, request, obj, form, change):  # noqa: ANN001
        super().save_model(request, obj, form, change)
        audit.record("client_changed" if change else "client_registered", request=request, user=request.user,
                     client=obj.client_id)


@admin.register(Consent)
class ConsentAdmin(SystemAdministratorsOnly, admin.ModelAdmin):
    list_display = ("client", "scopes", "granted_at")
