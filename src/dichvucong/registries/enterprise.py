"""The national business registry (Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp): an
enterprise, its status and its legal representative, whose PIN lets the portal check that
the person acting for a company is entitled to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from .base import (
    Registry,
    RegistryUnavailable,
    call_registry,
    choice_field,
    date_field,
    field,
    now,
    validate_enterprise_code,
)


class EnterpriseStatus(StrEnum):
    ACTIVE = "active"  # đang hoạt động
    SUSPENDED = "suspended"  # tạm ngừng kinh doanh
    DISSOLVED = "dissolved"  # đã giải thể


@dataclass(frozen=True)
class EnterpriseRecord:
    enterprise_code: str
    name: str
    legal_representative_pin: str
    legal_representative_name: str
    address: str
    status: EnterpriseStatus
    registered_on: date
    checked_at: datetime
    reference: str
    source: str = Registry.ENTERPRISE.value

    def is_represented_by(self, pin: str) -> bool:
        """Whether the person with this PIN is the registered legal representative."""
        return pin == self.legal_representative_pin


def get_enterprise(code: str) -> EnterpriseRecord | None:
    """The enterprise with this 10-digit enterprise code, or None if the registry has none.

    Raises ``ValueError`` for a malformed code (before any call), ``RegistryUnavailable``
    or ``RegistryRejected`` when the registry cannot or will not answer.
    """
    registry = Registry.ENTERPRISE
    code = validate_enterprise_code(code)
    body = call_registry(
        registry, "GET", f"enterprise/v1/enterprises/{code}", not_found_is_answer=True
    )
    if body is None:
        return None
    data = field(registry, body, "enterprise", dict)
    representative = field(registry, data, "legal_representative", dict)
    record = EnterpriseRecord(
        enterprise_code=field(registry, data, "enterprise_code"),
        name=field(registry, data, "name"),
        legal_representative_pin=field(registry, representative, "pin"),
        legal_representative_name=field(registry, representative, "full_name"),
        address=field(registry, data, "address"),
        status=choice_field(registry, data, "status", EnterpriseStatus),
        registered_on=date_field(registry, data, "registered_on"),
        checked_at=now(),
        reference=str(field(registry, body, "transaction_id")),
    )
    if record.enterprise_code != code:
        raise RegistryUnavailable(registry, "answer does not concern the requested enterprise")
    return record
