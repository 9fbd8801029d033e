"""Read-only views of the exchange for administrators; members and keys change through
``services`` (audited), not by editing rows."""

from django.contrib import admin

from dichvucong.exchange.models import InboxMessage, Member, MemberKey, MemberSystem, RefusedMessage


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):  # noqa: ANN001, ANN201
        return False

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False

    def has_delete_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False


@admin.register(Member)
class MemberAdmin(ReadOnly):
    list_display = ("code", "name", "kind", "status", "updated_at")
    list_filter = ("kind", "status")
    search_fields = ("code", "name")


@admin.register(MemberSystem)
class MemberSystemAdmin(ReadOnly):
    list_display = ("member", "name", "endpoint")


@admin.register(MemberKey)
class MemberKeyAdmin(ReadOnly):
    list_display = ("kid", "system", "status", "created_at", "revoked_at")
    list_filter = ("status",)


@admin.register(InboxMessage)
class InboxMessageAdmin(ReadOnly):
    list_display = ("message_id", "sender", "message_type", "correlation_id", "sent_at", "received_at", "applied_at")
    list_filter = ("message_type",)
    search_fields = ("message_id", "correlation_id")
    exclude = ("token", "payload")  # personal data: not shown in lists and forms


@admin.register(RefusedMessage)
class RefusedMessageAdmin(ReadOnly):
    list_display = ("at", "code", "claimed_sender", "kid", "message_type", "message_id")
    list_filter = ("code",)
