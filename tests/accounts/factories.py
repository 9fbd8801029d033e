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
from dichvucong.accounts.models import Business, Delegation, IdentityAttribute, User

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


class BusinessFactory(factory.django.DjangoModelFactory):
    """A business the enterprise registry confirmed, held by its legal representative."""

    class Meta:
        model = Business

    enterprise_code = factory.Sequence(lambda n: f"01{n + 10000000:08d}")
    name = factory.Sequence(lambda n: f"Công ty TNHH Thử Nghiệm {n}")
    address = "Số 1 Tràng Tiền, Phường Hoàn Kiếm, Thành phố Hà Nội"
    representative = factory.SubFactory(UserFactory)
    verified_at = factory.LazyFunction(timezone.now)


class DelegationFactory(factory.django.DjangoModelFactory):
    """A delegation in force for 30 days to submit dossiers for a business."""

    class Meta:
        model = Delegation

    business = factory.SubFactory(BusinessFactory)
    delegate = factory.SubFactory(UserFactory)
    permissions = factory.LazyFunction(lambda: ["submit_dossiers"])
    valid_until = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=30))
    granted_by = factory.LazyAttribute(lambda o: o.business.representative)
