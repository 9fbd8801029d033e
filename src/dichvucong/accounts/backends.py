from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from dichvucong.accounts.identifiers import normalise_phone


class IdentifierBackend(ModelBackend):
    """Password sign-in by personal identification number, e-mail, phone or user name.

    An unknown identifier still runs the password hasher once, so that the time of
    the answer does not tell whether the account exists (B6).
    """

    def authenticate(self, request, username=None, password=None, identifier=None, **kwargs):  # noqa: ANN001
        identifier = (identifier or username or "").strip()
        if not identifier or password is None:
            return None
        User = get_user_model()
        query = Q(username__iexact=identifier) | Q(email__iexact=identifier, email_confirmed_at__isnull=False)
        phone = normalise_phone(identifier)
        if phone:
            query |= Q(phone=phone, phone_confirmed_at__isnull=False)
        candidates = list(User.objects.filter(query)[:2])
        if len(candidates) != 1:
            User().set_password(password)
            return None
        user = candidates[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
