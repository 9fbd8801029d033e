"""The postal delivery fee: quoted by the carrier, paid with the dossier's fees (F2, E1)."""

import pytest

from dichvucong.dossiers.fees import fees_due
from dichvucong.postal import services
from tests.postal.conftest import post_draft

pytestmark = pytest.mark.django_db


def test_a_dossier_sent_by_post_pays_the_quoted_delivery_fee_with_its_fees(carrier, citizen):
    draft = post_draft(citizen[0])

    fees = fees_due(draft)

    assert services.delivery_fee(draft) == 22_000  # a document, within Hà Nội
    assert [line.amount for line in fees.lines] == [7_000, 22_000]
    assert fees.lines[-1].label == "Cước chuyển phát kết quả qua bưu chính"
    assert fees.total == 29_000


def test_a_result_collected_online_or_in_person_adds_no_postal_line(carrier, citizen):
    assert [line.amount for line in fees_due(post_draft(citizen[0], delivery_method="online")).lines] == [7_000]
    assert [line.amount for line in fees_due(post_draft(citizen[0], delivery_method="in_person")).lines] == [7_000]


def test_another_province_costs_more(carrier, citizen):
    draft = post_draft(citizen[0])
    draft.data["applicant__province"] = "79"  # Thành phố Hồ Chí Minh
    assert services.delivery_fee(draft) == 30_000


def test_a_carrier_that_cannot_quote_never_blocks_submission_the_flat_fee_applies(carrier, citizen, settings):
    carrier.fault("server_error")
    draft = post_draft(citizen[0])

    assert services.delivery_fee(draft) is None
    assert fees_due(draft).lines[-1].amount == settings.POSTAL_FLAT_FEE


def test_a_quote_is_remembered_so_the_fee_page_and_the_payment_agree(carrier, citizen):
    draft = post_draft(citizen[0])
    first = fees_due(draft).total
    carrier.fault("server_error")  # the carrier goes down between the page and the click
    assert fees_due(draft).total == first


def test_a_free_procedure_sent_by_post_waits_for_the_delivery_fee(carrier, citizen):
    from dichvucong.catalog.models import Procedure
    from dichvucong.dossiers import services as dossier_services

    birth = Procedure.objects.get(code="1.001193")  # no fee of its own
    draft = dossier_services.create_draft(applicant=citizen[0], procedure=birth, agency=birth.owner)
    online = dossier_services.create_draft(applicant=citizen[0], procedure=birth, agency=birth.owner)

    by_post = dossier_services.submit_dossier(draft, applicant=citizen[0], submission_key="post-1",
                                              delivery_method="post", data={})
    collected = dossier_services.submit_dossier(online, applicant=citizen[0], submission_key="online-1",
                                                delivery_method="online", data={})

    assert by_post.status == "awaiting_payment" and fees_due(by_post).total > 0
    assert collected.status == "submitted"
