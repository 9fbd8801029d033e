"""What every registry adapter shares: errors, input validation, and one way to call out.

The portal trusts an identity attribute only when a national registry vouched for it (B2),
so the adapters are strict in both directions: our inputs are validated before anything
leaves the building (a malformed PIN is our bug, not the registry's), and the registries'
answers are parsed defensively; anything unexpected is ``RegistryUnavailable``, never a
silent "match".

Transport: JSON over HTTPS with a bearer token, the contract in docs/registries.md. The
simulators under /sim/registries/ speak the same contract, so switching to the real
systems is a matter of ``REGISTRIES_BASE_URL`` and ``REGISTRIES_API_TOKEN``.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVar

import httpx
from django.conf import settings
from prometheus_client import Histogram

logger = logging.getLogger(__name__)

E = TypeVar("E", bound=StrEnum)

DEFAULT_BASE_URL = "http://127.0.0.1:8000/sim/registries/"
DEFAULT_TIMEOUT_SECONDS = 5.0


class Registry(StrEnum):
    """The national registries the portal consults; values are their path segment."""

    POPULATION = "population"
    TAX = "tax"
    SOCIAL_INSURANCE = "social-insurance"
    ENTERPRISE = "enterprise"


class Outcome(StrEnum):
    OK = "ok"
    UNAVAILABLE = "unavailable"
    REJECTED = "rejected"


REQUEST_SECONDS = Histogram(
    "dvc_registry_request_seconds",
    "Time spent on one call to a national registry, by registry and outcome.",
    ["registry", "outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


class RegistryError(Exception):
    """A registry could not give a usable answer. ``registry`` names which one."""

    def __init__(self, registry: Registry | str, message: str) -> None:
        super().__init__(f"{registry}: {message}")
        self.registry = str(registry)


class RegistryUnavailable(RegistryError):
    """Timeout, connection failure, 5xx or an answer we cannot read: try again later.

    Callers must treat this as "not verified", never as a pass.
    """


class RegistryRejected(RegistryError):
    """The registry refused our request (4xx): our token or our request is wrong.

    Retrying will not help; this is for the operators, not the citizen.
    """

    def __init__(
        self, registry: Registry | str, message: str, *, status_code: int, error_code: str
    ) -> None:
        super().__init__(registry, message)
        self.status_code = status_code
        self.error_code = error_code


# --- input validation (before any call) -------------------------------------------------
_PIN = re.compile(r"[0-9]{12}")
_TAX_CODE = re.compile(r"[0-9]{10}|[0-9]{12}|[0-9]{10}-[0-9]{3}")
_ENTERPRISE_TAX_CODE = re.compile(r"[0-9]{10}(-[0-9]{3})?")
_ENTERPRISE_CODE = re.compile(r"[0-9]{10}")
MAX_NAME_LENGTH = 100


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string")
    return value.strip()


def validate_pin(pin: str) -> str:
    """The personal identification number (số định danh cá nhân): exactly 12 digits."""
    pin = _text(pin, "PIN")
    if not _PIN.fullmatch(pin):
        raise ValueError("PIN must be 12 digits")
    return pin


def validate_tax_code(tax_code: str) -> str:
    """A tax code: 10 digits, 12 digits (a PIN used as personal tax code) or 10-3 for a branch."""
    tax_code = _text(tax_code, "Tax code")
    if not _TAX_CODE.fullmatch(tax_code):
        raise ValueError("Tax code must be 10 or 12 digits, or 10 digits-3 digits for a branch")
    return tax_code


def validate_enterprise_tax_code(tax_code: str) -> str:
    """An enterprise's tax code: 10 digits, or 10-3 for a dependent unit (branch)."""
    tax_code = _text(tax_code, "Enterprise tax code")
    if not _ENTERPRISE_TAX_CODE.fullmatch(tax_code):
        raise ValueError(
            "Enterprise tax code must be 10 digits, or 10 digits-3 digits for a branch"
        )
    return tax_code


def validate_enterprise_code(code: str) -> str:
    """The enterprise code (mã số doanh nghiệp), which is also its tax code: 10 digits."""
    code = _text(code, "Enterprise code")
    if not _ENTERPRISE_CODE.fullmatch(code):
        raise ValueError("Enterprise code must be 10 digits")
    return code


def validate_full_name(full_name: str) -> str:
    full_name = _text(full_name, "Full name")
    if not full_name or len(full_name) > MAX_NAME_LENGTH:
        raise ValueError(f"Full name must be 1 to {MAX_NAME_LENGTH} characters")
    return full_name


def validate_date_of_birth(value: date) -> date:
    """A ``date`` (not a datetime, which would smuggle a time zone into a birth date), not in the future."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError("Date of birth must be a date")
    if value > date.today():
        raise ValueError("Date of birth must not be in the future")
    return value


# --- the call -------------------------------------------------------------------------
def now() -> datetime:
    """When an answer was received: aware, in UTC, stored with each verified attribute."""
    return datetime.now(UTC)


def call_registry(
    registry: Registry,
    method: str,
    path: str,
    *,
    payload: dict[str, Any] | None = None,
    not_found_is_answer: bool = False,
) -> dict[str, Any] | None:
    """Call one registry endpoint and return its JSON object.

    Returns None only for a 404 when ``not_found_is_answer`` (a lookup by key that found
    nothing). Raises ``RegistryUnavailable`` or ``RegistryRejected`` otherwise. Each call is
    timed into ``dvc_registry_request_seconds``; the log carries registry, status and time,
    never the request or answer bodies, which hold personal data.
    """
    base_url = str(getattr(settings, "REGISTRIES_BASE_URL", DEFAULT_BASE_URL))
    url = base_url.rstrip("/") + "/" + path.lstrip("/")
    token = getattr(settings, "REGISTRIES_API_TOKEN", "sim-registries-token")
    timeout = float(getattr(settings, "REGISTRY_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))
    started = time.monotonic()
    outcome = Outcome.UNAVAILABLE
    try:
        try:
            response = httpx.request(
                method,
                url,
                json=payload,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                timeout=timeout,
                follow_redirects=False,
            )
        except httpx.TimeoutException as exc:
            raise RegistryUnavailable(registry, f"no answer within {timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise RegistryUnavailable(
                registry, f"connection failed ({type(exc).__name__})"
            ) from exc

        if response.status_code == 404 and not_found_is_answer:
            outcome = Outcome.OK
            return None
        if response.status_code >= 500:
            raise RegistryUnavailable(registry, f"server error {response.status_code}")
        if 400 <= response.status_code < 500:
            outcome = Outcome.REJECTED
            error_code = _error_code(response)
            raise RegistryRejected(
                registry,
                f"request rejected with {response.status_code} ({error_code})",
                status_code=response.status_code,
                error_code=error_code,
            )
        if response.status_code != 200:
            raise RegistryUnavailable(registry, f"unexpected status {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise RegistryUnavailable(registry, "answer is not JSON") from exc
        if not isinstance(body, dict):
            raise RegistryUnavailable(registry, "answer is not a JSON object")
        outcome = Outcome.OK
        return body
    finally:
        elapsed = time.monotonic() - started
        REQUEST_SECONDS.labels(registry=str(registry), outcome=str(outcome)).observe(elapsed)
        logger.info(
            "registry call",
            extra={
                "registry": str(registry),
                "outcome": str(outcome),
                "seconds": round(elapsed, 3),
            },
        )


def _error_code(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", {})
        return str(error.get("code", "unknown"))
    except (ValueError, AttributeError):
        return "unknown"


# --- reading answers ------------------------------------------------------------------
def field(registry: Registry, data: object, name: str, kind: type | tuple[type, ...] = str) -> Any:
    """One field of a registry's answer, of the expected type, or ``RegistryUnavailable``."""
    if not isinstance(data, dict) or not isinstance(data.get(name), kind):
        raise RegistryUnavailable(registry, f"answer lacks a valid '{name}'")
    return data[name]


def date_field(registry: Registry, data: object, name: str) -> date:
    try:
        return date.fromisoformat(field(registry, data, name))
    except ValueError as exc:
        raise RegistryUnavailable(registry, f"answer has an invalid date in '{name}'") from exc


def choice_field(registry: Registry, data: object, name: str, enum: type[E]) -> E:
    try:
        return enum(field(registry, data, name))
    except ValueError as exc:
        raise RegistryUnavailable(registry, f"answer has an unknown value in '{name}'") from exc


IDENTITY_FIELDS = frozenset({"full_name", "date_of_birth"})


def mismatched_field_names(registry: Registry, data: object) -> tuple[str, ...]:
    """The claimed fields a registry says differ; only names we sent are acceptable."""
    names = field(registry, data, "mismatched", list)
    if not all(isinstance(name, str) and name in IDENTITY_FIELDS for name in names):
        raise RegistryUnavailable(registry, "answer names unknown mismatched fields")
    return tuple(names)


def ask_about_person(registry: Registry, path: str, *, pin: str, full_name: str, date_of_birth: date) -> dict:
    """POST the three facts that identify a person to ``path``, after checking their form.

    Population and social-insurance lookups both ask about a person this way; the
    checks happen before any call (``ValueError``).
    """
    pin = validate_pin(pin)
    full_name = validate_full_name(full_name)
    date_of_birth = validate_date_of_birth(date_of_birth)
    return call_registry(
        registry, "POST", path,
        payload={"pin": pin, "full_name": full_name, "date_of_birth": date_of_birth.isoformat()},
    )


def person_result(registry: Registry, body: dict, choices: type, mismatch) -> tuple:  # noqa: ANN001
    """The answer's result and mismatched fields; a mismatch that names no field is a bad answer."""
    result = choice_field(registry, body, "result", choices)
    mismatched = mismatched_field_names(registry, body)
    if result is mismatch and not mismatched:
        raise RegistryUnavailable(registry, "mismatch without the fields that differ")
    return result, mismatched
