"""Filing for a business (B1): who may, what is stored and prefilled, and what a revoked delegate keeps."""

import pytest
from django.utils import timezone

from dichvucong.catalog.models import Procedure
from dichvucong.dossiers import services, state_machine
from dichvucong.dossiers.attachments import AttachmentRefused, attach_file
from dichvucong.dossiers.constants import Actor, DossierStatus
from dichvucong.dossiers.eforms import form_schema, prefill_for
from dichvucong.dossiers.models import Dossier
from dichvucong.dossiers.services import FilingRefused, ensure_may_file, start_dossier
from tests.accounts.factories import BusinessFactory, DelegationFactory, verified_citizen
from tests.accounts.helpers import csrf_client, post_form
from tests.conftest import sign_in_at_level
from tests.dossiers.test_apply_online import hanoi_commune
from tests.dossiers.test_supplement import ask_for_more, pdf, upload

pytestmark = pytest.mark.django_db
EMPLOYER_RETURN = "1.008309"  # for citizens, businesses and organisations; has the payer's fields
BIRTH = "1.001193"  # for citizens and foreigners only


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MALWARE_SCANNER = "eicar"


def place() -> dict:
    return {"province": "1", "commune": hanoi_commune()}


def signed_in(user):
    client = csrf_client()
    sign_in_at_level(client, user, 2)
    return client


def start_page(client, code: str = EMPLOYER_RETURN):
    return client.get(f"/ho-so/bat-dau/{code}/")


def start(client, filer: str, code: str = EMPLOYER_RETURN):
    return post_form(client, f"/ho-so/bat-dau/{code}/", {**place(), "filer": filer})


def expire(delegation) -> None:
    delegation.valid_from = timezone.now() - timezone.timedelta(days=10)
    delegation.valid_until = timezone.now() - timezone.timedelta(days=1)
    delegation.save(update_fields=["valid_from", "valid_until"])


def revoke(delegation) -> None:
    delegation.revoked_at = timezone.now()
    delegation.save(update_fields=["revoked_at"])


@pytest.fixture
def person():
    return verified_citizen()


def test_the_start_page_offers_only_the_businesses_the_person_may_file_for(person):
    represented = BusinessFactory(representative=person, name="Công ty Đại Diện")
    delegated = DelegationFactory(delegate=person, business__name="Công ty Ủy Quyền").business
    revoked = DelegationFactory(delegate=person, business__name="Công ty Đã Thu Hồi")
    revoke(revoked)
    expired = DelegationFactory(delegate=person, business__name="Công ty Hết Hạn")
    expire(expired)
    DelegationFactory(delegate=person, business__name="Công ty Chỉ Thanh Toán", permissions=["pay_fees"])
    BusinessFactory(name="Công ty Người Khác")

    page = start_page(signed_in(person)).content.decode()
    assert "Nộp cho" in page and "Bản thân" in page
    assert represented.name in page and represented.enterprise_code in page and delegated.name in page
    for absent in ("Công ty Đã Thu Hồi", "Công ty Hết Hạn", "Công ty Chỉ Thanh Toán", "Công ty Người Khác"):
        assert absent not in page


def test_a_procedure_not_for_organisations_offers_no_choice_and_refuses_one(person):
    business = BusinessFactory(representative=person)
    client = signed_in(person)
    assert "Nộp cho" not in start_page(client, BIRTH).content.decode()
    response = start(client, str(business.pk), BIRTH)
    assert response.status_code == 400 and not Dossier.objects.exists()
    with pytest.raises(FilingRefused) as refused:
        start_dossier(applicant=person, procedure=Procedure.objects.get(code=BIRTH), business=business, **place())
    assert refused.value.code == "procedure_not_for_businesses"


def test_filing_for_a_business_stores_it_lists_it_and_prefills_its_registration(person):
    business = BusinessFactory(representative=person, name="Công ty TNHH Sen Vàng", enterprise_code="0101234567",
                               address="Số 5 Lý Thái Tổ, Phường Hoàn Kiếm, Thành phố Hà Nội")
    client = signed_in(person)
    response = start(client, str(business.pk))
    dossier = Dossier.objects.get(applicant=person)
    assert response["Location"] == f"/ho-so/{dossier.pk}/" and dossier.business == business

    known = prefill_for(form_schema(EMPLOYER_RETURN), dossier)
    assert known["payer.tax_code"].value == "0101234567" and known["payer.tax_code"].verified
    assert known["payer.name"].value == "Công ty TNHH Sen Vàng"
    assert known["payer.address"].value == business.address
    assert known["payer.name"].source_label == "Đăng ký doanh nghiệp"
    assert known["applicant.pin"].value == person.pin  # the person's own fields still come from them
    page = client.get(f"/ho-so/{dossier.pk}/").content.decode()
    assert 'value="0101234567"' in page and "Đăng ký doanh nghiệp" in page

    start(client, "self")
    listing = client.get("/ho-so/").content.decode()
    assert "Công ty TNHH Sen Vàng (0101234567)" in listing and "Bản thân" in listing


def test_a_dossier_filed_for_oneself_gets_no_business_values(person):
    BusinessFactory(representative=person)
    start(signed_in(person), "self")
    dossier = Dossier.objects.get(applicant=person)
    assert dossier.business is None
    assert "payer.tax_code" not in prefill_for(form_schema(EMPLOYER_RETURN), dossier)


@pytest.mark.parametrize("forged", ["other", "abc", "-1", "0", "99999999999999999999999999", "1 OR 1=1"])
def test_a_forged_business_is_a_clear_400_and_no_dossier(person, forged):
    someone_elses = BusinessFactory()
    BusinessFactory(representative=person)
    response = start(signed_in(person), str(someone_elses.pk) if forged == "other" else forged)
    assert response.status_code == 400
    assert "Bạn không được nộp hồ sơ thay cho doanh nghiệp, tổ chức này." in response.content.decode()
    assert not Dossier.objects.exists()


def test_start_dossier_checks_can_act_for_itself(person):
    procedure = Procedure.objects.get(code=EMPLOYER_RETURN)
    with pytest.raises(FilingRefused) as refused:
        start_dossier(applicant=person, procedure=procedure, business=BusinessFactory(), **place())
    assert refused.value.code == "not_allowed_for_business" and not Dossier.objects.exists()


@pytest.mark.parametrize("end", [revoke, expire])
def test_a_delegation_ended_before_starting_refuses_the_business(person, end):
    delegation = DelegationFactory(delegate=person)
    client = signed_in(person)
    assert delegation.business.name in start_page(client).content.decode()
    end(delegation)
    response = start(client, str(delegation.business.pk))
    assert response.status_code == 400 and not Dossier.objects.exists()


@pytest.mark.parametrize("end", [revoke, expire])
def test_ensure_may_file_checks_the_delegation_again_at_submission(person, end):
    delegation = DelegationFactory(delegate=person)
    procedure = Procedure.objects.get(code=EMPLOYER_RETURN)
    dossier = start_dossier(applicant=person, procedure=procedure, business=delegation.business, **place())
    assert ensure_may_file(dossier, person) is None
    end(delegation)
    with pytest.raises(FilingRefused) as refused:
        ensure_may_file(dossier, person)
    assert refused.value.code == "not_allowed_for_business"
    assert isinstance(refused.value, state_machine.TransitionRefused)  # handled wherever refusals are


def test_ensure_may_file_for_the_representative_a_stranger_and_a_personal_dossier(person):
    business = BusinessFactory(representative=person)
    procedure = Procedure.objects.get(code=EMPLOYER_RETURN)
    for_business = start_dossier(applicant=person, procedure=procedure, business=business, **place())
    personal = start_dossier(applicant=person, procedure=procedure, **place())
    ensure_may_file(for_business, person)
    ensure_may_file(personal, person)
    with pytest.raises(FilingRefused) as refused:
        ensure_may_file(personal, verified_citizen())
    assert refused.value.code == "not_permitted"
    business.representative = verified_citizen()  # the registry now names someone else
    business.save(update_fields=["representative"])
    for_business.refresh_from_db()
    with pytest.raises(FilingRefused):
        ensure_may_file(for_business, person)


def test_a_revoked_delegate_still_sees_the_dossier_but_no_longer_acts_on_it(person):
    delegation = DelegationFactory(delegate=person)
    procedure = Procedure.objects.get(code=EMPLOYER_RETURN)
    dossier = start_dossier(applicant=person, procedure=procedure, business=delegation.business, **place())
    state_machine.transition(dossier, DossierStatus.SUBMITTED, actor_kind=Actor.APPLICANT, actor=person)
    state_machine.transition(dossier, DossierStatus.RECEIVED, actor_kind=Actor.OFFICIAL)
    ask_for_more(dossier)
    client = signed_in(person)
    page = client.get(f"/ho-so/{dossier.pk}/").content.decode()
    assert "Gửi bổ sung" in page and "Rút hồ sơ" in page

    revoke(delegation)
    page = client.get(f"/ho-so/{dossier.pk}/").content.decode()
    assert "không còn được ủy quyền" in page and delegation.business.name in page
    assert "Gửi bổ sung" not in page and "Rút hồ sơ" not in page and 'name="file"' not in page
    assert delegation.business.name in client.get("/ho-so/").content.decode()  # still the filer's
    with pytest.raises(AttachmentRefused):
        attach_file(dossier, applicant=person, component_index=0, upload=upload("a.pdf", pdf()))
    with pytest.raises(FilingRefused):
        services.supply_supplement(dossier, applicant=person, note="Bổ sung")
    with pytest.raises(FilingRefused):
        services.withdraw_dossier(dossier, applicant=person)
    post_form(client, f"/ho-so/{dossier.pk}/bo-sung/", {"note": "Bổ sung"}, token_from="/ho-so/")  # no form left
    post_form(client, f"/ho-so/{dossier.pk}/rut/", {"reason": ""}, token_from="/ho-so/")
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.AWAITING_SUPPLEMENT
