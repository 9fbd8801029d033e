"""The processing-system interface (G1, H1): a dossier goes to the system its route names,
that system reports back through the same calls as the built-in back office, and no other
system may report on it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dichvucong.backoffice.models import Case
from dichvucong.dossiers import processing
from dichvucong.dossiers.constants import ActivityKind, DossierStatus

pytestmark = pytest.mark.django_db


class RemoteOneStop:
    """Stands for a province's own one-stop system (the exchange will put one behind this)."""

    key = "province-test"

    def __init__(self) -> None:
        self.received: list[str] = []

    def hand_over(self, dossier) -> None:  # noqa: ANN001
        self.received.append(dossier.code)


@pytest.fixture
def remote():
    system = RemoteOneStop()
    processing.register(system)

    def route(dossier):  # noqa: ANN001, ANN202
        return system.key if dossier.procedure.code == "1.001193" else None

    processing.add_route(route)
    yield system
    processing.remove_route(route)


def test_a_routed_dossier_goes_to_its_system_and_not_to_the_built_in_back_office(office, submit, remote):
    dossier = submit()
    dossier.refresh_from_db()
    assert dossier.processing_system == remote.key and remote.received == [dossier.code]
    assert not Case.objects.filter(dossier=dossier).exists()


def test_the_system_reports_status_handler_and_deadline_through_the_interface(
    office, submit, remote, django_capture_on_commit_callbacks
):
    dossier = submit()
    dossier.refresh_from_db()
    handler = processing.Handler(name="Nguyễn Văn Tỉnh", unit="Sở Tư pháp — Phòng Hộ tịch")
    with django_capture_on_commit_callbacks(execute=True):
        processing.report_status(dossier, DossierStatus.RECEIVED, system_key=remote.key, handler=handler)
        processing.report_deadline(dossier, timezone.now() + timezone.timedelta(days=9), system_key=remote.key,
                                   reason="Gia hạn theo quy định", kind=ActivityKind.DEADLINE_CHANGED)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RECEIVED and dossier.handler_name == "Nguyễn Văn Tỉnh"
    received = dossier.events.get(to_status=DossierStatus.RECEIVED)
    assert received.actor_kind == "official" and received.actor is None
    assert dossier.events.filter(kind=ActivityKind.DEADLINE_CHANGED, public=True).exists()


def test_no_other_system_may_report_on_a_dossier(office, submit, remote):
    dossier = submit()
    dossier.refresh_from_db()
    with pytest.raises(PermissionError):
        processing.report_status(dossier, DossierStatus.RECEIVED, system_key="one-stop")
    with pytest.raises(PermissionError):
        processing.report_handler(dossier, processing.Handler(name="x"), system_key="another")
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED


def test_a_dossier_no_system_took_is_handed_over_again_later(office, submit):
    def route(dossier):  # noqa: ANN001, ANN202
        return "nowhere"

    processing.add_route(route)
    try:
        dossier = submit()
    finally:
        processing.remove_route(route)
    dossier.refresh_from_db()
    # The submission stands; the failed hand-over is logged, the dossier waits for the retry.
    assert dossier.status == DossierStatus.SUBMITTED and dossier.handed_over_at is None
    assert not Case.objects.filter(dossier=dossier).exists()
    assert processing.hand_over_pending() == 0  # too recent: its own hand-over may still be running
    # The route was wrong and is gone; the dossier keeps the system first chosen for it, so the
    # operator fixes the system (here: registers it) and the retry delivers.
    remote = RemoteOneStop()
    remote.key = "nowhere"
    processing.register(remote)
    assert processing.hand_over_pending(older_than=timezone.timedelta(0)) == 1
    dossier.refresh_from_db()
    assert remote.received == [dossier.code] and dossier.handed_over_at is not None
    assert processing.hand_over_pending(older_than=timezone.timedelta(0)) == 0
