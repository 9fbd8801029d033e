"""The channel settings form: e-mail and SMS, each offered only with a confirmed address (F1)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dichvucong.notifications.constants import Channel
from dichvucong.notifications.models import ChannelPreference


class ChannelPreferenceForm(forms.Form):
    email = forms.BooleanField(label=_("Nhận thông báo qua thư điện tử"), required=False)
    sms = forms.BooleanField(label=_("Nhận thông báo qua tin nhắn SMS"), required=False)

    def __init__(self, *args, available: list[str], preference: ChannelPreference, **kwargs) -> None:
        kwargs.setdefault("initial", {"email": preference.email, "sms": preference.sms})
        super().__init__(*args, **kwargs)
        # A channel without a confirmed address cannot be chosen, so it is not offered.
        for channel in (Channel.EMAIL, Channel.SMS):
            if channel not in available:
                del self.fields[channel.value]
