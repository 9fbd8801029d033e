"""The account inbox (the person's own notifications, newest first) and the choice of the
channels that carry them beyond it (F1)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dichvucong.notifications import selectors, services
from dichvucong.notifications.constants import Channel
from dichvucong.notifications.forms import ChannelPreferenceForm


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    notifications = list(selectors.inbox_for(request.user))
    unread = sum(1 for n in notifications if not n.is_read)
    return render(request, "notifications/inbox.html", {
        "notifications": notifications, "unread": unread,
        "settings_link": _("Chọn cách nhận thông báo (thư điện tử, SMS)"),
    })


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(request.user)
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def channel_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    available = services.available_channels(user)
    preference = selectors.channel_preference_of(user)
    form = ChannelPreferenceForm(request.POST or None, available=available, preference=preference)
    if request.method == "POST" and form.is_valid():
        services.set_channel_preference(
            user, email=form.cleaned_data.get("email"), sms=form.cleaned_data.get("sms"),
        )
        messages.success(request, _("Đã lưu cách nhận thông báo."))
        return redirect("notifications:settings")
    missing = []
    if Channel.EMAIL not in available:
        missing.append(_("Thư điện tử chưa được xác nhận nên chưa thể nhận thông báo qua thư điện tử."))
    if Channel.SMS not in available:
        missing.append(_("Số điện thoại chưa được xác nhận nên chưa thể nhận thông báo qua SMS."))
    return render(request, "notifications/settings.html", {
        "form": form,
        "title": _("Cách nhận thông báo"),
        "intro": _("Mọi thông báo luôn có trong mục Thông báo của tài khoản. "
                   "Bạn có thể nhận thêm qua thư điện tử và tin nhắn SMS."),
        "missing": missing,
        "confirm_link": _("Xác nhận thư điện tử, số điện thoại trong Thông tin cá nhân"),
        "submit": _("Lưu"),
        "back": _("Quay lại mục Thông báo"),
    })
