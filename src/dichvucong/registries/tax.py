"""The tax registry (Cơ sở dữ liệu quốc gia về thuế): a person's or an enterprise's tax code
and whether it is in force.

Since 1 July 2025 a citizen's PIN serves as their personal tax code; people registered
earlier may still carry a 10-digit code until the registry migrates them, so a lookup by PIN
returns whichever code the registry holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .base import (
    Registry,
    RegistryUnavailable,
    call_registry,
    choice_field,
    field,
    now,
    validate_enterprise_tax_code,
    validate_pin,
    validate_tax_code,
)


class TaxpayerKind(StrEnum):
    INDIVIDUAL = "individual"
    ENTERPRISE = "enterprise"


class TaxpayerStatus(StrEnum):
    ACTIVE = "active"  # đang hoạt động
    SUSPENDED = "suspended"  # tạm ngừng kinh doanh
    CLOSED = "closed"  # chấm dứt hiệu lực mã số thuế


@dataclass(frozen=True)
class TaxpayerRecord:
    """A taxpayer as the tax registry holds it."""

    tax_code: str
    kind: TaxpayerKind
    name: str
    status: TaxpayerStatus
    pin: str | None  # individuals only
    checked_at: datetime
    reference: str
    source: str = Registry.TAX.value


def lookup_personal_tax_code(pin: str) -> TaxpayerRecord | None:
    """The personal tax code registered for this PIN, or None if the registry has no one.

    Raises ``ValueError`` for a malformed PIN, ``RegistryUnavailable``/``RegistryRejected``
    when the registry cannot or will not answer.
    """
    pin = validate_pin(pin)
    record = _lookup({"pin": pin})
    if record is not None and (record.kind is not TaxpayerKind.INDIVIDUAL or record.pin != pin):
        raise RegistryUnavailable(Registry.TAX, "answer does not concern the requested person")
    return record


def lookup_taxpayer(tax_code: str) -> TaxpayerRecord | None:
    """Whoever holds this tax code (10 or 12 digits, or 10-3 for a branch), or None."""
    tax_code = validate_tax_code(tax_code)
    return _checked(_lookup({"tax_code": tax_code}), tax_code)


def lookup_enterprise_tax(tax_code: str) -> TaxpayerRecord | None:
    """The enterprise (or branch) holding this tax code and its status, or None.

    None also when the code belongs to an individual: an enterprise was asked for.
    """
    tax_code = validate_enterprise_tax_code(tax_code)
    record = _checked(_lookup({"tax_code": tax_code}), tax_code)
    if record is None or record.kind is not TaxpayerKind.ENTERPRISE:
        return None
    return record


def _checked(record: TaxpayerRecord | None, tax_code: str) -> TaxpayerRecord | None:
    # A 12-digit code is a PIN; the registry may answer with the person's legacy code.
    if record is not None and tax_code not in (record.tax_code, record.pin):
        raise RegistryUnavailable(Registry.TAX, "answer does not concern the requested tax code")
    return record


def _lookup(payload: dict[str, str]) -> TaxpayerRecord | None:
    registry = Registry.TAX
    body = call_registry(registry, "POST", "tax/v1/taxpayers/lookup", payload=payload)
    result = field(registry, body, "result")
    if result == "not_found":
        return None
    if result != "found":
        raise RegistryUnavailable(registry, "answer has an unknown result")
    data = field(registry, body, "taxpayer", dict)
    kind = choice_field(registry, data, "kind", TaxpayerKind)
    pin = data.get("pin")
    if kind is TaxpayerKind.INDIVIDUAL and not isinstance(pin, str):
        raise RegistryUnavailable(registry, "individual taxpayer without a PIN")
    return TaxpayerRecord(
        tax_code=field(registry, data, "tax_code"),
        kind=kind,
        name=field(registry, data, "name"),
        status=choice_field(registry, data, "status", TaxpayerStatus),
        pin=pin if kind is TaxpayerKind.INDIVIDUAL else None,
        checked_at=now(),
        reference=str(field(registry, body, "transaction_id")),
    )
