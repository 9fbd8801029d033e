from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from dichvucong.accounts.models import (
    AuditEvent,
    Business,
    Delegation,
    IdentityAttribute,
    OfficialPosition,
    OrganisationalUnit,
    User,
)


class SuperusersOnly:
    """Accounts and their roles are managed by system administrators only (B1)."""

    def has_module_permission(self, request):  # noqa: ANN001
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):  # noqa: ANN001
        return request.user.is_active and request.user.is_superuser

    has_change_permission = has_add_permission = has_delete_permission = has_view_permission


class IdentityAttributeInline(admin.TabularInline):
    model = IdentityAttribute
    extra = 0
    readonly_fields = ("name", "value", "source", "verified_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):  # noqa: ANN001
        return False  # attributes come from their sources, never typed in by an administrator


class OfficialPositionInline(admin.TabularInline):
    model = OfficialPosition
    extra = 0
    autocomplete_fields = ("agency",)


@admin.register(User)
class PortalUserAdmin(SuperusersOnly, UserAdmin):
    list_display = ("username", "full_name", "account_type", "identity_proofing", "is_active", "is_staff")
    list_filter = ("account_type", "identity_proofing", "is_active", "is_staff")
    search_fields = ("username", "full_name", "email")
    inlines = [IdentityAttributeInline, OfficialPositionInline]
    fieldsets = UserAdmin.fieldsets + (
        ("Định danh", {"fields": ("account_type", "full_name", "phone", "pin", "passport_number", "nationality",
                                  "identity_proofing", "email_confirmed_at", "phone_confirmed_at",
                                  "deactivated_at", "deletion_requested_at")}),
    )
    readonly_fields = ("identity_proofing", "email_confirmed_at", "phone_confirmed_at", "deactivated_at",
                       "deletion_requested_at")


@admin.register(OrganisationalUnit)
class OrganisationalUnitAdmin(SuperusersOnly, admin.ModelAdmin):
    list_display = ("name", "agency")
    autocomplete_fields = ("agency",)
    search_fields = ("name",)


@admin.register(Business)
class BusinessAdmin(SuperusersOnly, admin.ModelAdmin):
    list_display = ("name", "enterprise_code", "representative", "verified_at")
    search_fields = ("name", "enterprise_code")
    readonly_fields = ("verified_at",)


@admin.register(Delegation)
class DelegationAdmin(SuperusersOnly, admin.ModelAdmin):
    list_display = ("business", "delegate", "valid_from", "valid_until", "revoked_at")


@admin.register(AuditEvent)
class AuditEventAdmin(SuperusersOnly, admin.ModelAdmin):
    """Read-only: the trail is written by the code, never edited."""

    list_display = ("at", "action", "outcome", "method", "user", "ip_hash")
    list_filter = ("action", "outcome", "method")
    date_hierarchy = "at"

    def has_change_permission(self, request, obj=None):  # noqa: ANN001
        return False

    has_add_permission = has_delete_permission = has_change_permission
