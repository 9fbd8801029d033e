"""Opening a form reads the person's identity from the population registry again (C1,
once-only); a registry that does not answer never stops the form, whose unfilled fields say
why (issue 4: "registry down during prefill")."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from dichvucong.accounts.constants import AttributeName, AttributeSource, IdentityProofing
from dichvucong.accounts.models import IdentityAttribute
from dichvucong.catalog.models import Procedure
from dichvucong.dossiers import services
from dichvucong.dossiers.selectors import receiving_agency
from simulators.registries.population_data import demo_people
from tests.accounts.factories import UserFactory
from tests.accounts.helpers import csrf_client
from tests.conftest import sign_in_at_level
from tests.registries.conftest import registries  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
TEMPORARY_RESIDENCE = "1.004194"


@pytest.fixture
def person_and_draft():
    """A citizen of the registry whose account holds name, PIN and birth date, not yet the
    address or sex (verified at registration, before those were kept)."""
    person = demo_people(3)[2]
    user = UserFactory(pin=person.pin, full_name=person.full_name, identity_proofing=IdentityProofing.REGISTRY_VERIFIED)
    for name, value in ((AttributeName.PIN, person.pin), (AttributeName.FULL_NAME, person.full_name),
                        (AttributeName.DATE_OF_BIRTH, person.date_of_birth.isoformat())):
        IdentityAttribute.objects.create(user=user, name=name, value=value, source=AttributeSource.POPULATION,
                                         verified_at=timezone.now())
    procedure = Procedure.objects.get(code=TEMPORARY_RESIDENCE)
    from dichvucong.dossiers.eforms import commune_choices

    commune = dict(commune_choices())["Thành phố Hà Nội"][0][0]
    draft = services.create_draft(applicant=user, procedure=procedure,
                                  agency=receiving_agency(procedure, province="1", commune=commune))
    client = csrf_client()
    sign_in_at_level(client, user, 2)
    return person, user, draft, client


def test_opening_the_form_fills_what_the_registry_holds_now(registries, person_and_draft):  # noqa: F811
    person, user, draft, client = person_and_draft
    page = client.get(f"/ho-so/{draft.pk}/").content.decode()
    assert person.permanent_address in page  # read from the registry as the form opened
    address = user.attributes.get(name=AttributeName.PERMANENT_ADDRESS)
    assert address.source == AttributeSource.POPULATION and address.verified_at is not None
    assert "data-registry-gap" not in page


def test_a_registry_that_does_not_answer_never_stops_the_form(registries, person_and_draft):  # noqa: F811
    person, user, draft, client = person_and_draft
    registries("population", "error")
    response = client.get(f"/ho-so/{draft.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert person.pin in page  # what the portal already held is still there
    assert person.permanent_address not in page
    assert page.count("data-registry-gap") == 2  # sex and address: each says why it is empty
    assert "hệ thống chưa trả lời" in page
    assert not user.attributes.filter(name=AttributeName.PERMANENT_ADDRESS).exists()
    # The draft is intact and can still be saved by hand.
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_the_registry_is_asked_at_most_once_in_a_while(registries, person_and_draft):  # noqa: F811
    person, user, draft, client = person_and_draft
    client.get(f"/ho-so/{draft.pk}/")
    registries("population", "error")  # down now, but the last answer is recent
    page = client.get(f"/ho-so/{draft.pk}/").content.decode()
    assert person.permanent_address in page and "data-registry-gap" not in page


def test_an_unverified_account_is_told_why_nothing_was_filled(registries):  # noqa: F811
    user = UserFactory(identity_proofing=IdentityProofing.SELF_ASSERTED)
    IdentityAttribute.objects.create(user=user, name=AttributeName.DATE_OF_BIRTH, value=date(1990, 1, 1).isoformat(),
                                     source=AttributeSource.SELF)
    procedure = Procedure.objects.get(code=TEMPORARY_RESIDENCE)
    from dichvucong.dossiers.eforms import commune_choices

    commune = dict(commune_choices())["Thành phố Hà Nội"][0][0]
    draft = services.create_draft(applicant=user, procedure=procedure,
                                  agency=receiving_agency(procedure, province="1", commune=commune))
    client = csrf_client()
    sign_in_at_level(client, user, 2)
    page = client.get(f"/ho-so/{draft.pk}/").content.decode()
    assert "chưa được xác thực với CSDL quốc gia về dân cư" in page
