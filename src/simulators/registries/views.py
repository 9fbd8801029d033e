"""Simulators of the national population, tax, social-insurance and enterprise registries.

They speak the JSON contract in docs/registries.md, the one the portal's adapters
(``dichvucong.registries``) speak to the real systems, and answer from the seeded synthetic
population in ``population_data``. Nothing is stored in the database: the only state is the
fault switchboard, kept in the cache so that a test (or a tester) can make a registry slow,
failing or contrary from outside the server's thread.
"""

from __future__ import annotations

import functools
import hmac
import json
import re
import time
import unicodedata
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import population_data

REGISTRIES = ("population", "tax", "social-insurance", "enterprise")
FAULT_MODES = ("none", "timeout", "error", "mismatch")
FAULT_KEY = "sim:registries:fault:{}"
FAULT_REMAINING_KEY = "sim:registries:fault-remaining:{}"
# A forgotten fault should not haunt a developer's server for days.
FAULT_TTL_SECONDS = 24 * 3600

Handler = Callable[..., JsonResponse]


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


class InvalidRequest(Exception):
    """The caller sent something the contract does not allow; answered with 400."""


# --- faults ----------------------------------------------------------------------------
def _active_fault(registry: str) -> str:
    """The fault mode that applies to this call, consuming one unit of a counted fault.

    A fault set for one registry wins over one set for "all".
    """
    for scope in (registry, "all"):
        mode = cache.get(FAULT_KEY.format(scope))
        if not mode or mode == "none":
            continue
        remaining_key = FAULT_REMAINING_KEY.format(scope)
        if cache.get(remaining_key) is None:
            return mode
        try:
            left = cache.decr(remaining_key)
        except ValueError:  # expired between get and decr
            left = -1
        if left >= 0:
            return mode
        cache.delete_many([FAULT_KEY.format(scope), remaining_key])
    return "none"


def _current_faults() -> dict[str, dict[str, Any]]:
    faults = {}
    for scope in (*REGISTRIES, "all"):
        mode = cache.get(FAULT_KEY.format(scope))
        if mode and mode != "none":
            faults[scope] = {
                "mode": mode,
                "remaining": cache.get(FAULT_REMAINING_KEY.format(scope)),
            }
    return faults


@csrf_exempt
@require_http_methods(["GET", "POST"])
def faults(request: HttpRequest) -> JsonResponse:
    """Switchboard: POST sets a fault for one registry or all, GET shows what is set."""
    if request.method == "POST":
        try:
            body = _json_body(request)
            scope = body.get("registry")
            mode = body.get("mode")
            count = body.get("count")
            if scope not in (*REGISTRIES, "all"):
                raise InvalidRequest(f"registry must be one of {', '.join((*REGISTRIES, 'all'))}")
            if mode not in FAULT_MODES:
                raise InvalidRequest(f"mode must be one of {', '.join(FAULT_MODES)}")
            if count is not None and (type(count) is not int or count < 1):
                raise InvalidRequest("count must be a positive integer")
        except InvalidRequest as exc:
            return _error(400, "invalid_request", str(exc))
        cache.delete(FAULT_REMAINING_KEY.format(scope))
        if mode == "none":
            cache.delete(FAULT_KEY.format(scope))
        else:
            cache.set(FAULT_KEY.format(scope), mode, FAULT_TTL_SECONDS)
            if count is not None:
                cache.set(FAULT_REMAINING_KEY.format(scope), count, FAULT_TTL_SECONDS)
    return JsonResponse({"faults": _current_faults()})


# --- request plumbing ------------------------------------------------------------------
def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest("body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise InvalidRequest("body must be a JSON object")
    return body


def _authorized(request: HttpRequest) -> bool:
    # The simulator stands in for another organisation's system: it may be given its own
    # idea of the token (SIM_REGISTRIES_API_TOKEN), which is how tests make the portal's wrong.
    expected = getattr(settings, "SIM_REGISTRIES_API_TOKEN", None) or getattr(
        settings, "REGISTRIES_API_TOKEN", "sim-registries-token"
    )
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.encode(), expected.encode())


def registry_endpoint(registry: str, method: str) -> Callable[[Handler], Handler]:
    """What every registry call goes through: method, bearer token, faults, then the handler.

    The handler receives ``mismatch=True`` when a mismatch fault is on; handlers that only
    look records up (no claimed data to compare) ignore it.
    """

    def decorate(handler: Handler) -> Handler:
        @csrf_exempt
        @require_http_methods([method])
        @functools.wraps(handler)
        def view(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            if not _authorized(request):
                return _error(401, "unauthorized", "a valid bearer token is required")
            fault = _active_fault(registry)
            if fault == "timeout":
                time.sleep(float(getattr(settings, "REGISTRY_SIM_TIMEOUT_SLEEP", 10)))
            elif fault == "error":
                return _error(503, "unavailable", f"the {registry} registry is unavailable")
            try:
                return handler(request, *args, mismatch=fault == "mismatch", **kwargs)
            except InvalidRequest as exc:
                return _error(400, "invalid_request", str(exc))

        return view

    return decorate


def _digits(body: dict[str, Any], field: str, lengths: tuple[int, ...]) -> str:
    value = body.get(field)
    if (
        not isinstance(value, str)
        or not value.isascii()
        or not value.isdigit()
        or len(value) not in lengths
    ):
        raise InvalidRequest(f"{field} must be a string of {' or '.join(map(str, lengths))} digits")
    return value


def _claimed_identity(body: dict[str, Any]) -> tuple[str, str, date]:
    pin = _digits(body, "pin", (12,))
    full_name = body.get("full_name")
    if not isinstance(full_name, str) or not full_name.strip() or len(full_name) > 200:
        raise InvalidRequest("full_name must be a non-empty string of at most 200 characters")
    raw_date = body.get("date_of_birth")
    try:
        born = (
            date.fromisoformat(raw_date)
            if isinstance(raw_date, str) and len(raw_date) == 10
            else None
        )
    except ValueError:
        born = None
    if born is None:
        raise InvalidRequest("date_of_birth must be a date in the form YYYY-MM-DD")
    return pin, full_name, born


def normalise_name(name: str) -> str:
    """Names compare equal across case, Unicode normal form and spacing, never across
    diacritics: "Lê" and "Le" are different people in Vietnamese."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _mismatched_fields(person: population_data.Person, full_name: str, born: date) -> list[str]:
    fields = []
    if normalise_name(full_name) != normalise_name(person.full_name):
        fields.append("full_name")
    if born != person.date_of_birth:
        fields.append("date_of_birth")
    return fields


def _transaction_id() -> str:
    return uuid.uuid4().hex


# --- index and health ------------------------------------------------------------------
def index(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "registries": list(REGISTRIES),
            "people": len(population_data.people()),
            "enterprises": len(population_data.enterprises()),
            "demo_pins": [p.pin for p in population_data.demo_people(5)],
        }
    )


def _health_view(registry: str) -> Handler:
    @registry_endpoint(registry, "GET")
    def health(request: HttpRequest, *, mismatch: bool) -> JsonResponse:
        return JsonResponse({"status": "ok", "registry": registry})

    return health


population_health = _health_view("population")
tax_health = _health_view("tax")
social_insurance_health = _health_view("social-insurance")
enterprise_health = _health_view("enterprise")


# --- population registry ---------------------------------------------------------------
@registry_endpoint("population", "POST")
def verify_citizen(request: HttpRequest, *, mismatch: bool) -> JsonResponse:
    pin, full_name, born = _claimed_identity(_json_body(request))
    person = population_data.find_person(pin)
    answer: dict[str, Any] = {"transaction_id": _transaction_id()}
    if person is None:
        return JsonResponse({**answer, "result": "not_found", "mismatched": [], "citizen": None})
    mismatched = _mismatched_fields(person, full_name, born)
    if mismatch and not mismatched:
        mismatched = ["full_name"]
    if mismatched:
        return JsonResponse(
            {**answer, "result": "mismatch", "mismatched": mismatched, "citizen": None}
        )
    citizen = {
        "pin": person.pin,
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth.isoformat(),
        "sex": person.sex,
        "permanent_address": person.permanent_address,
        "deceased": person.deceased,
    }
    return JsonResponse({**answer, "result": "match", "mismatched": [], "citizen": citizen})


# --- tax registry ----------------------------------------------------------------------
BRANCH_TAX_CODE = re.compile(r"[0-9]{10}-[0-9]{3}")
ENTERPRISE_TAX_STATUS = {"active": "active", "suspended": "suspended", "dissolved": "closed"}


def _individual_taxpayer(person: population_data.Person) -> dict[str, Any]:
    return {
        "kind": "individual",
        "tax_code": person.personal_tax_code,
        "pin": person.pin,
        "name": person.full_name,
        "status": "closed" if person.deceased else "active",
    }


def _enterprise_taxpayer(enterprise: population_data.Enterprise) -> dict[str, Any]:
    return {
        "kind": "enterprise",
        "tax_code": enterprise.enterprise_code,
        "pin": None,
        "name": enterprise.name,
        "status": ENTERPRISE_TAX_STATUS[enterprise.status],
    }


@functools.cache
def _legacy_tax_codes() -> dict[str, population_data.Person]:
    return {
        p.personal_tax_code: p for p in population_data.people() if p.personal_tax_code != p.pin
    }


@registry_endpoint("tax", "POST")
def lookup_taxpayer(request: HttpRequest, *, mismatch: bool) -> JsonResponse:
    body = _json_body(request)
    if ("pin" in body) == ("tax_code" in body):
        raise InvalidRequest("send exactly one of pin or tax_code")
    taxpayer = None
    if "pin" in body:
        person = population_data.find_person(_digits(body, "pin", (12,)))
        taxpayer = _individual_taxpayer(person) if person else None
    else:
        tax_code = body.get("tax_code")
        if isinstance(tax_code, str) and BRANCH_TAX_CODE.fullmatch(tax_code):
            pass  # a branch (10-3 format): the simulator holds head offices only
        else:
            tax_code = _digits(body, "tax_code", (10, 12))
            if len(tax_code) == 12:  # since 1 July 2025 a PIN is a personal tax code
                person = population_data.find_person(tax_code)
                taxpayer = _individual_taxpayer(person) if person else None
            elif enterprise := population_data.find_enterprise(tax_code):
                taxpayer = _enterprise_taxpayer(enterprise)
            elif person := _legacy_tax_codes().get(tax_code):
                taxpayer = _individual_taxpayer(person)
    return JsonResponse(
        {
            "transaction_id": _transaction_id(),
            "result": "found" if taxpayer else "not_found",
            "taxpayer": taxpayer,
        }
    )


# --- social-insurance registry ---------------------------------------------------------
@registry_endpoint("social-insurance", "POST")
def lookup_insured(request: HttpRequest, *, mismatch: bool) -> JsonResponse:
    pin, full_name, born = _claimed_identity(_json_body(request))
    person = population_data.find_person(pin)
    answer: dict[str, Any] = {"transaction_id": _transaction_id()}
    if person is None or person.social_insurance_code is None:
        return JsonResponse({**answer, "result": "not_found", "mismatched": [], "insured": None})
    mismatched = _mismatched_fields(person, full_name, born)
    if mismatch and not mismatched:
        mismatched = ["full_name"]
    if mismatched:
        # The code is not disclosed to someone who does not know the holder's name and birth date.
        return JsonResponse(
            {**answer, "result": "mismatch", "mismatched": mismatched, "insured": None}
        )
    insured = {"social_insurance_code": person.social_insurance_code, "pin": person.pin}
    return JsonResponse({**answer, "result": "found", "mismatched": [], "insured": insured})


# --- enterprise registry ---------------------------------------------------------------
@registry_endpoint("enterprise", "GET")
def get_enterprise(request: HttpRequest, code: str, *, mismatch: bool) -> JsonResponse:
    _digits({"code": code}, "code", (10,))
    enterprise = population_data.find_enterprise(code)
    if enterprise is None:
        return _error(404, "not_found", "no enterprise with this code")
    return JsonResponse(
        {
            "transaction_id": _transaction_id(),
            "enterprise": {
                "enterprise_code": enterprise.enterprise_code,
                "name": enterprise.name,
                "legal_representative": {
                    "pin": enterprise.legal_representative_pin,
                    "full_name": enterprise.legal_representative_name,
                },
                "address": enterprise.address,
                "status": enterprise.status,
                "registered_on": enterprise.registered_on.isoformat(),
            },
        }
    )
