"""Object-level permissions of the back office (G3).

An official sees a case only through an active position in the agency that owns it or,
while it is consulted there, in the agency asked for its opinion; a position in a unit
reaches only that unit's cases (a position without unit reaches the whole agency). They
act on it only with the role of its current step, and only if it is not assigned to
somebody else. Leaders (the approver role) assign and reassign within their reach.
Every action asks these functions; every list and page is filtered by
``selectors.visible_cases`` (what an official may see).
"""

from __future__ import annotations

from django.db.models import Q

from dichvucong.accounts.constants import OfficialRole
from dichvucong.accounts.models import User
from dichvucong.accounts.permissions import active_positions
from dichvucong.backoffice.models import Case


def _reaches(positions, agency_id: int, unit_id: int | None) -> bool:  # noqa: ANN001 - QuerySet
    positions = positions.filter(agency_id=agency_id)
    if unit_id is not None:
        positions = positions.filter(Q(unit__isnull=True) | Q(unit_id=unit_id))
    return positions.exists()


def holds_step_role(official: User, case: Case) -> bool:
    positions = active_positions(official).filter(role=case.step_role)
    return _reaches(positions, case.acting_agency_id, case.acting_unit_id)


def can_act(official: User, case: Case) -> bool:
    """May ``official`` do the work of the case's current step now?"""
    if not case.is_open or case.paused_at is not None:
        return False
    if case.assignee_id is not None and case.assignee_id != official.pk:
        return False
    return holds_step_role(official, case)


def leads(official: User, case: Case) -> bool:
    """Is ``official`` a leader (approver) over where the case is being acted on?"""
    positions = active_positions(official).filter(role=OfficialRole.APPROVER)
    return _reaches(positions, case.acting_agency_id, case.acting_unit_id)


def leads_home(official: User, case: Case) -> bool:
    """Is ``official`` a leader of the agency (and unit) that owns the case? (Transfers.)"""
    positions = active_positions(official).filter(role=OfficialRole.APPROVER)
    return _reaches(positions, case.agency_id, case.unit_id)


def may_be_assigned(official: User, case: Case) -> bool:
    return official.is_active and holds_step_role(official, case)


def administers_workflows(official: User, agency_id: int) -> bool:
    return active_positions(official).filter(role=OfficialRole.AGENCY_ADMIN, agency_id=agency_id).exists()


def leads_agency(official: User, agency_id: int) -> bool:
    """Leaders and administrators of an agency see its workload and performance."""
    return active_positions(official).filter(
        agency_id=agency_id, role__in=[OfficialRole.APPROVER, OfficialRole.AGENCY_ADMIN]
    ).exists()
