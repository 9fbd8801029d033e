"""Dossiers to notify about and the SMS simulator's inbox, for the notification tests."""

from __future__ import annotations

import httpx

from dichvucong.catalog.models import Procedure
from dichvucong.dossiers import services as dossier_services
from dichvucong.dossiers.constants import DossierStatus
from dichvucong.dossiers.selectors import receiving_agency

FREE_PROCEDURE = "1.001193"
PHONE = "+84912000555"


def sms_inbox(gateway: str, phone: str = PHONE) -> list[dict]:
    return httpx.get(gateway + "v1/messages", params={"to": phone}, timeout=5).json()["messages"]


def hanoi_commune() -> str:
    from dichvucong.dossiers.eforms import commune_choices

    return dict(commune_choices())["Thành phố Hà Nội"][0][0]


def submitted_dossier(user, capture):  # noqa: ANN001, ANN201 - accounts.User, the on-commit capture
    """A dossier ``user`` has submitted (its status-change notification written and sent)."""
    procedure = Procedure.objects.get(code=FREE_PROCEDURE)
    agency = receiving_agency(procedure, province="1", commune=hanoi_commune())
    with capture(execute=True):
        draft = dossier_services.create_draft(applicant=user, procedure=procedure, agency=agency)
        dossier = dossier_services.submit_dossier(
            draft, applicant=user, submission_key=f"k-{draft.pk}", delivery_method="online", data={}
        )
    assert dossier.status == DossierStatus.SUBMITTED
    return dossier
