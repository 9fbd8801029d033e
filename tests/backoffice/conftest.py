"""A commune's People's Committee with its officials, and dossiers submitted to it."""

from __future__ import annotations

import pytest

from dichvucong.accounts.constants import AccountType, OfficialRole
from dichvucong.accounts.models import OfficialPosition, OrganisationalUnit
from dichvucong.catalog.models import Agency
from tests.accounts.factories import UserFactory, verified_citizen

FREE_PROCEDURE = "1.001193"  # a commune-level procedure without fees


def submitted_dossier(user, capture):  # noqa: ANN001, ANN201 - accounts.User, the on-commit capture
    """A dossier ``user`` has submitted to a Hà Nội commune (handed over once committed)."""
    from dichvucong.catalog.models import Procedure
    from dichvucong.dossiers import services as dossier_services
    from dichvucong.dossiers.eforms import commune_choices
    from dichvucong.dossiers.selectors import receiving_agency

    procedure = Procedure.objects.get(code=FREE_PROCEDURE)
    commune = dict(commune_choices())["Thành phố Hà Nội"][0][0]
    agency = receiving_agency(procedure, province="1", commune=commune)
    with capture(execute=True):
        draft = dossier_services.create_draft(applicant=user, procedure=procedure, agency=agency)
        return dossier_services.submit_dossier(
            draft, applicant=user, submission_key=f"k-{draft.pk}", delivery_method="online", data={}
        )


def make_official(name: str, role: str, agency: Agency, unit: OrganisationalUnit | None = None):  # noqa: ANN201
    user = UserFactory(account_type=AccountType.OFFICIAL, full_name=name, pin=None, username=f"cb.{name}.{agency.pk}")
    OfficialPosition.objects.create(user=user, agency=agency, unit=unit, role=role)
    return user


class Office:
    """The agency a Hà Nội commune dossier goes to, its staff, and a neighbouring agency."""

    def __init__(self, agency: Agency, other: Agency):
        self.agency, self.other = agency, other
        self.receiver = make_official("tiepnhan", OfficialRole.RECEIVER, agency)
        self.processor = make_official("xuly", OfficialRole.PROCESSOR, agency)
        self.processor2 = make_official("xuly2", OfficialRole.PROCESSOR, agency)
        self.approver = make_official("lanhdao", OfficialRole.APPROVER, agency)
        self.admin = make_official("quantri", OfficialRole.AGENCY_ADMIN, agency)
        self.outsider = make_official("ngoai", OfficialRole.PROCESSOR, other)
        self.outsider_receiver = make_official("ngoai-tn", OfficialRole.RECEIVER, other)
        self.outsider_leader = make_official("ngoai-ld", OfficialRole.APPROVER, other)


@pytest.fixture
def office(db, django_capture_on_commit_callbacks) -> Office:  # noqa: ARG001
    citizen = verified_citizen()
    probe = submitted_dossier(citizen, django_capture_on_commit_callbacks)
    agency = probe.agency
    other = Agency.objects.filter(level="commune").exclude(pk=agency.pk).order_by("code").first()
    office = Office(agency, other)
    office.citizen = citizen
    return office


@pytest.fixture
def submit(office, django_capture_on_commit_callbacks):  # noqa: ANN201
    """Submit a fresh dossier of the office's citizen; its case is opened by the hand-over."""

    def _submit():  # noqa: ANN202
        return submitted_dossier(office.citizen, django_capture_on_commit_callbacks)

    return _submit
