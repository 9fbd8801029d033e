"""Officials' permissions, always scoped to an agency (B1, G3).

An official acts in an agency only through an active ``OfficialPosition`` there with the
role the action needs. Nothing is implied across agencies: a processor of one province's
department is nobody in the next department. The back office (issue 5) asks these
functions before every action and filters every list by ``agencies_where``.
"""

from __future__ import annotations

from django.db.models import QuerySet

from dichvucong.accounts.constants import AccountType, OfficialRole
from dichvucong.accounts.models import OfficialPosition, User


def active_positions(user: User) -> QuerySet[OfficialPosition]:
    if not user.is_authenticated or not user.is_active or user.account_type != AccountType.OFFICIAL:
        return OfficialPosition.objects.none()
    return OfficialPosition.objects.filter(user=user, active=True)


def agencies_where(user: User, role: OfficialRole | str) -> QuerySet:
    """Primary keys of the agencies where ``user`` holds ``role``."""
    return active_positions(user).filter(role=role).values_list("agency_id", flat=True)


def has_role(user: User, role: OfficialRole | str, *, agency_id: int, unit_id: int | None = None) -> bool:
    """Does ``user`` hold ``role`` in this agency (and, when given, this unit or agency-wide)?"""
    positions = active_positions(user).filter(role=role, agency_id=agency_id)
    if unit_id is not None:
        positions = positions.filter(unit_id__in=[unit_id]) | positions.filter(unit__isnull=True)
    return positions.exists()


def administers(user: User, agency_id: int) -> bool:
    return has_role(user, OfficialRole.AGENCY_ADMIN, agency_id=agency_id)
