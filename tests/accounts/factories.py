from __future__ import annotations

import itertools

import factory
from django.utils import timezone

from dichvucong.accounts.constants import (
    AccountType,
    AttributeName,
    AttributeSource,
    IdentityProofing,
)
from dichvucong.accounts.models import IdentityAttribute, User

PASSWORD = "Mot-mat-khau-dai-2026!"
_serial = itertools.count(1)


def fresh_pin(year: int = 1990, male: bool = True) -> str:
    """A valid-format personal identification number no other test uses (province 001)."""
    century_sex = (0 if male else 1) + 2 * ((year // 100) - 19)
    return f"001{century_sex}{year % 100:02d}{next(_serial) + 500000:06d}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    pin = factory.LazyFunction(fresh_pin)
    username = factory.LazyAttribute(lambda o: o.pin)
    full_name = "Nguyễn Văn An"
    email = factory.LazyAttribute(lambda o: f"u{o.pin}@example.vn")
    email_confirmed_at = factory.LazyFunction(timezone.now)
    phone = factory.Sequence(lambda n: f"+8491{n:07d}")
    account_type = AccountType.CITIZEN
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


def verified_citizen(**kwargs) -> User:
    """A citizen whose identity the population registry confirmed (identity evidence level 2)."""
    user = UserFactory(identity_proofing=IdentityProofing.REGISTRY_VERIFIED, **kwargs)
    now = timezone.now()
    for name, value in ((AttributeName.PIN, user.pin), (AttributeName.FULL_NAME, user.full_name),
                        (AttributeName.DATE_OF_BIRTH, "1990-01-01")):
        IdentityAttribute.objects.create(user=user, name=name, value=value, source=AttributeSource.POPULATION,
                                         verified_at=now)
    return user
