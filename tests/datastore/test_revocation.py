"""Results issued by an agency, recorded in stores and revoked everywhere (D1)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from dichvucong.catalog.models import Agency, Procedure
from dichvucong.core import events
from dichvucong.datastore.constants import RESULT_REVOKED, DocumentType, SignatureStatus
from dichvucong.datastore.models import StoredDocument
from dichvucong.datastore.services import (
    Revocation,
    StoreRefused,
    offers_by_component,
    record_issued_result,
    reuse_in_dossier,
    revoke_issued_result,
)
from dichvucong.dossiers.services import create_draft
from tests.accounts.factories import verified_citizen
from tests.datastore.test_validity import distinct_pdf, signed_in

pytestmark = pytest.mark.django_db

REFERENCE = "125/2026/QĐ-UBND"


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MALWARE_SCANNER = "eicar"


@pytest.fixture
def agency() -> Agency:
    return Procedure.objects.get(code="1.001193").owner


@pytest.fixture
def heard():
    """The payloads of datastore.result_revoked as a listener receives them."""
    received: list[dict] = []

    def listener(**payload):
        received.append(payload)

    events.subscribe(RESULT_REVOKED, listener)
    yield received
    events.unsubscribe(RESULT_REVOKED, listener)


def issue(owner, agency, *, reference=REFERENCE, content=None, **fields) -> StoredDocument:
    values = {"title": "Văn bản ủy quyền", "document_type": DocumentType.AUTHORISATION, "issuing_agency": agency,
              "result_reference": reference, "signature_status": SignatureStatus.VALID}
    content = content or distinct_pdf(" ".join(reference.split()))  # each result its own bytes
    return record_issued_result(owner, content=content, filename="ket-qua.pdf",
                                **{**values, **fields})


def uploaded(owner, content: bytes) -> StoredDocument:
    document = StoredDocument(owner=owner, title="Bản tải lên", document_type=DocumentType.AUTHORISATION,
                              original_name="tai-len.pdf", content_type="application/pdf", size=len(content),
                              sha256=hashlib.sha256(content).hexdigest())
    document.file.save("tai-len.pdf", ContentFile(content), save=True)
    return document


# --- recording results ---------------------------------------------------------------------


def test_a_result_is_recorded_once_per_store_with_its_provenance(agency):
    owner, spouse = verified_citizen(), verified_citizen()
    procedure = Procedure.objects.get(code="1.001193")
    dossier = create_draft(applicant=owner, procedure=procedure, agency=agency)
    today = timezone.localdate()
    first = issue(owner, agency, reference=f"  {REFERENCE} ", source_dossier=dossier, valid_from=today,
                  valid_until=today + timedelta(days=365))
    assert first.is_issued_result and first.result_reference == REFERENCE and first.issuing_agency == agency
    assert first.sha256 == hashlib.sha256(first.file.open("rb").read()).hexdigest()
    assert first.source_dossier == dossier and not first.may_be_deleted and not first.may_edit_validity

    assert issue(owner, agency).pk == first.pk  # a retry returns the same copy
    second = issue(spouse, agency)  # issued to both: each store holds its copy
    assert second.pk != first.pk and second.sha256 == first.sha256
    assert StoredDocument.objects.filter(result_reference=REFERENCE).count() == 2


@pytest.mark.parametrize(("fields", "code"), [
    ({"reference": "   "}, "no_reference"),
    ({"reference": "x" * 101}, "no_reference"),
    ({"content": distinct_pdf("another file")}, "reference_conflict"),
    ({"valid_from": timezone.localdate(), "valid_until": timezone.localdate() - timedelta(days=1)},
     "ends_before_start"),
    ({"document_type": "no_such_type"}, "bad_value"),
])
def test_recording_a_result_refuses_bad_input(agency, fields, code):
    issue(verified_citizen(), agency)
    with pytest.raises(StoreRefused) as refused:
        issue(verified_citizen(), agency, **fields)
    assert refused.value.code == code


# --- revoking ------------------------------------------------------------------------------


def test_revocation_hits_every_copy_and_tells_each_owner(agency, heard, mailoutbox,
                                                         django_capture_on_commit_callbacks):
    owner, spouse, friend = verified_citizen(), verified_citizen(), verified_citizen()
    copies = [issue(owner, agency), issue(spouse, agency)]
    # A download of the result that someone kept as an upload: the same bytes, the same document.
    kept_download = uploaded(friend, copies[0].file.open("rb").read())
    other_result = issue(owner, agency, reference="126/2026/QĐ-UBND")
    unrelated = uploaded(owner, distinct_pdf("something else"))

    with django_capture_on_commit_callbacks(execute=True):
        outcome = revoke_issued_result(issuing_agency=agency, result_reference=REFERENCE,
                                       reason="Quyết định bị hủy bỏ")
    assert outcome == Revocation(copies=2, newly_revoked=3)

    for document in (*copies, kept_download):
        document.refresh_from_db()
        assert document.revoked_at is not None and document.revocation_reason == "Quyết định bị hủy bỏ"
    for document in (other_result, unrelated):
        document.refresh_from_db()
        assert document.revoked_at is None

    assert len(heard) == 1
    assert heard[0]["issuing_agency"] == agency.code and heard[0]["result_reference"] == REFERENCE
    assert sorted(heard[0]["document_ids"]) == sorted(d.pk for d in (*copies, kept_download))
    assert sorted(heard[0]["owner_ids"]) == sorted(p.pk for p in (owner, spouse, friend))

    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in (owner, spouse, friend))
    for mail in mailoutbox:
        assert "thu hồi" in mail.subject and "Quyết định bị hủy bỏ" in mail.body and agency.name in mail.body
        assert REFERENCE not in mail.body  # a result's number can be the person's identification number
        assert not any(p.pin in mail.body for p in (owner, spouse, friend))


def test_revoking_twice_changes_nothing_and_tells_nobody_again(agency, heard, mailoutbox,
                                                               django_capture_on_commit_callbacks):
    owner = verified_citizen()
    copy = issue(owner, agency)
    with django_capture_on_commit_callbacks(execute=True):
        revoke_issued_result(issuing_agency=agency, result_reference=REFERENCE, reason="Lần đầu")
    copy.refresh_from_db()
    first_revoked_at = copy.revoked_at

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        outcome = revoke_issued_result(issuing_agency=agency, result_reference=f"{REFERENCE}  ", reason="Lần hai")
    assert outcome == Revocation(copies=1, newly_revoked=0) and callbacks == []
    copy.refresh_from_db()
    assert copy.revoked_at == first_revoked_at and copy.revocation_reason == "Lần đầu"
    assert len(heard) == 1 and len(mailoutbox) == 1


def test_the_event_and_the_mail_wait_for_the_commit(agency, heard, mailoutbox, django_capture_on_commit_callbacks):
    owner = verified_citizen()
    issue(owner, agency)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        revoke_issued_result(issuing_agency=agency, result_reference=REFERENCE, reason="Cấp sai")
    assert heard == [] and mailoutbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(heard) == 1 and len(mailoutbox) == 1


def test_a_revocation_rolled_back_emits_nothing_and_changes_nothing(agency, heard, mailoutbox,
                                                                     django_capture_on_commit_callbacks):
    copy = issue(verified_citizen(), agency)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        revoke_issued_result(issuing_agency=agency, result_reference=REFERENCE, reason="Cấp sai")
        raise RuntimeError("the surrounding command failed")
    copy.refresh_from_db()
    assert copy.revoked_at is None and heard == [] and mailoutbox == []


def test_an_owner_without_a_confirmed_address_is_not_mailed(agency, mailoutbox, django_capture_on_commit_callbacks):
    confirmed, unconfirmed = verified_citizen(), verified_citizen(email_confirmed_at=None)
    issue(confirmed, agency)
    issue(unconfirmed, agency)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = revoke_issued_result(issuing_agency=agency, result_reference=REFERENCE, reason="Cấp sai")
    assert outcome.newly_revoked == 2
    assert [m.to for m in mailoutbox] == [[confirmed.email]]


def test_a_revoked_result_is_not_offered_nor_reusable_nor_recorded_again(agency, django_capture_on_commit_callbacks):
    owner = verified_citizen()
    copy = issue(owner, agency)
    assert offers_by_component(owner, ["Văn bản ủy quyền"])[0] == [copy]
    with django_capture_on_commit_callbacks(execute=True):
        revoke_issued_result(issuing_agency=agency, result_reference=REFERENCE, reason="Giả mạo")
    copy.refresh_from_db()
    assert offers_by_component(owner, ["Văn bản ủy quyền"])[0] == []
    procedure = Procedure.objects.get(code="1.001193")
    draft = create_draft(applicant=owner, procedure=procedure, agency=agency)
    with pytest.raises(StoreRefused) as refused:
        reuse_in_dossier(copy, draft, applicant=owner, component_index=0)
    assert refused.value.code == "revoked" and not draft.attachments.exists()
    with pytest.raises(StoreRefused) as refused:
        issue(verified_citizen(), agency)
    assert refused.value.code == "revoked"

    page = signed_in(owner).get("/kho-du-lieu/").content.decode()
    assert "Đã thu hồi" in page and "Giả mạo" in page


def test_revocation_needs_a_reference_and_a_reason(agency):
    issue(verified_citizen(), agency)
    for reference, reason in (("", "Cấp sai"), (REFERENCE, "  "), (REFERENCE, "x" * 501)):
        with pytest.raises(StoreRefused):
            revoke_issued_result(issuing_agency=agency, result_reference=reference, reason=reason)
    assert not StoredDocument.objects.filter(revoked_at__isnull=False).exists()


def test_a_reference_is_the_agencys_own(agency, django_capture_on_commit_callbacks):
    """The same number issued by two agencies names two different results."""
    other_agency = Agency.objects.exclude(pk=agency.pk).first()
    ours, theirs = issue(verified_citizen(), agency), issue(verified_citizen(), other_agency,
                                                            content=distinct_pdf("their result"))
    with django_capture_on_commit_callbacks(execute=True):
        revoke_issued_result(issuing_agency=other_agency, result_reference=REFERENCE, reason="Cấp sai")
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.revoked_at is None and theirs.revoked_at is not None


# --- the operators' command ----------------------------------------------------------------


def test_operators_revoke_with_the_command(agency, capsys, mailoutbox, django_capture_on_commit_callbacks):
    owner = verified_citizen()
    copy = issue(owner, agency)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("revoke_result", agency.code, REFERENCE, "--reason", "Quyết định bị hủy")
    assert "revoked 1" in capsys.readouterr().out
    copy.refresh_from_db()
    assert copy.revocation_reason == "Quyết định bị hủy" and len(mailoutbox) == 1

    call_command("revoke_result", agency.code, REFERENCE, reason="Lần nữa")
    assert "already revoked" in capsys.readouterr().out and len(mailoutbox) == 1

    with pytest.raises(CommandError, match="no agency"):
        call_command("revoke_result", "KHONG-CO", REFERENCE, reason="x")
    with pytest.raises(CommandError, match="no store holds"):
        call_command("revoke_result", agency.code, "999/2026", reason="x")
    with pytest.raises(CommandError):
        call_command("revoke_result", agency.code, REFERENCE)  # --reason is required
