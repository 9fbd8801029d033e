"""HTTP face of the simulated CA: certificates, CRLs, OCSP (RFC 6960) and SIM-PKI remote signing.

Everything here is for tests and demonstrations: ``POST certificates`` hands out private
keys, which no real CA does. State that must survive a request (revocations, the keys held
for SIM-PKI users) lives in ``SIM_CA_DIR`` through :mod:`.authority`; what is short-lived
(faults, remote-signing requests) lives in the cache so a test can reach it from outside
the server's thread.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.backends.django import DjangoTemplates
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import authority

FAULT_MODES = ("none", "ocsp_down", "ocsp_unknown", "crl_down", "revocation_down")
FAULT_KEY = "sim:ca:fault"
FAULT_TTL_SECONDS = 24 * 3600  # a forgotten fault should not haunt a dev server for days
REMOTE_KEY = "sim:ca:remote:{}"
REMOTE_TTL_SECONDS = 120
MAX_SIGN_BYTES = 64 * 1024  # SIM-PKI signs challenges and digests, not whole documents
OCSP_VALIDITY = timedelta(hours=1)
CRL_VALIDITY = timedelta(days=1)

# simulators.ca is not an installed app (it has no models), so its templates get an engine
# of their own rather than relying on APP_DIRS.
_TEMPLATES = DjangoTemplates(
    {
        "NAME": "sim-ca",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {},
    }
)


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _fault() -> str:
    return cache.get(FAULT_KEY) or "none"


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


# --- directory --------------------------------------------------------------------------
@require_GET
def index(request: HttpRequest) -> JsonResponse:
    base = authority.base_url()
    return JsonResponse(
        {
            "name": "CA giả lập — dichvucong (test only)",
            "root": base + "root.pem",
            "issuing_cas": {slug: base + f"{slug}.pem" for slug in authority.ISSUING_CAS},
            "ocsp": base + "ocsp",
            "crls": {slug: base + f"crl/{slug}.crl" for slug in ("root", *authority.ISSUING_CAS)},
            "fault": _fault(),
        }
    )


@require_GET
def ca_certificate(request: HttpRequest, slug: str, encoding: str) -> HttpResponse:
    try:
        ca = authority.authority().ca(slug)
    except KeyError:
        return _error(404, "unknown_ca", "No such CA.")
    if encoding == "cer":
        return HttpResponse(
            ca.certificate.public_bytes(serialization.Encoding.DER),
            content_type="application/pkix-cert",
        )
    return HttpResponse(ca.pem, content_type="application/x-pem-file")


# --- revocation status ---------------------------------------------------------------------
@require_GET
def crl(request: HttpRequest, slug: str) -> HttpResponse:
    """A CRL freshly signed by the CA ``slug`` (RFC 5280 §5), in DER."""
    if _fault() in ("crl_down", "revocation_down"):
        return _error(503, "unavailable", "CRL distribution point is down (simulated fault).")
    try:
        ca = authority.authority().ca(slug)
    except KeyError:
        return _error(404, "unknown_ca", "No such CA.")
    now = _now()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(now)
        .next_update(now + CRL_VALIDITY)
        # CRL numbers must only grow; milliseconds since the epoch do across restarts.
        .add_extension(x509.CRLNumber(time.time_ns() // 1_000_000), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False
        )
    )
    for serial, revoked_at, reason in authority.revoked_by(slug):
        entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(revoked_at)
        # RFC 5280 §5.3.1: the reason code is omitted rather than given as "unspecified".
        if reason != x509.ReasonFlags.unspecified:
            entry = entry.add_extension(x509.CRLReason(reason), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    signed = builder.sign(ca.key, hashes.SHA256())
    return HttpResponse(
        signed.public_bytes(serialization.Encoding.DER), content_type="application/pkix-crl"
    )


def _key_bits(key: ec.EllipticCurvePublicKey) -> bytes:
    """The subjectPublicKey BIT STRING contents, which OCSP's issuerKeyHash is a hash of."""
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def _digest(algorithm: hashes.HashAlgorithm, data: bytes) -> bytes:
    h = hashes.Hash(algorithm)
    h.update(data)
    return h.finalize()


def _ocsp_error(status: ocsp.OCSPResponseStatus) -> HttpResponse:
    response = ocsp.OCSPResponseBuilder.build_unsuccessful(status)
    return HttpResponse(
        response.public_bytes(serialization.Encoding.DER), content_type="application/ocsp-response"
    )


@csrf_exempt
@require_POST
def ocsp_responder(request: HttpRequest) -> HttpResponse:
    """RFC 6960 responder for every CA of the hierarchy; responses are signed by the CA itself."""
    if _fault() in ("ocsp_down", "revocation_down"):
        return _error(503, "unavailable", "OCSP responder is down (simulated fault).")
    if request.content_type != "application/ocsp-request":
        return _ocsp_error(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    try:
        req = ocsp.load_der_ocsp_request(request.body)
    except ValueError:
        return _ocsp_error(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    algorithm = req.hash_algorithm
    ca = next(
        (
            candidate
            for candidate in authority.authority().all_cas()
            if hmac.compare_digest(
                _digest(algorithm, _key_bits(candidate.key.public_key())), req.issuer_key_hash
            )
            and hmac.compare_digest(
                _digest(algorithm, candidate.certificate.subject.public_bytes()),
                req.issuer_name_hash,
            )
        ),
        None,
    )
    if ca is None:
        # RFC 6960 §2.3: a responder that is not authoritative for the issuer says so.
        return _ocsp_error(ocsp.OCSPResponseStatus.UNAUTHORIZED)
    status = authority.certificate_status(ca.slug, req.serial_number)
    if _fault() == "ocsp_unknown":
        status = authority.Status("unknown")
    cert_status = {
        "good": ocsp.OCSPCertStatus.GOOD,
        "revoked": ocsp.OCSPCertStatus.REVOKED,
        "unknown": ocsp.OCSPCertStatus.UNKNOWN,
    }[status.state]
    now = _now()
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response_by_hash(
            issuer_name_hash=req.issuer_name_hash,
            issuer_key_hash=req.issuer_key_hash,
            serial_number=req.serial_number,
            algorithm=algorithm,
            cert_status=cert_status,
            this_update=now,
            next_update=now + OCSP_VALIDITY,
            revocation_time=status.revoked_at,
            revocation_reason=status.reason,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, ca.certificate)
    )
    for extension in req.extensions:
        if isinstance(extension.value, x509.OCSPNonce):  # echoed so the client can detect replay
            builder = builder.add_extension(extension.value, critical=False)
    signed = builder.sign(ca.key, hashes.SHA256())
    return HttpResponse(
        signed.public_bytes(serialization.Encoding.DER), content_type="application/ocsp-response"
    )


# --- test certificates ------------------------------------------------------------------------
def _parse_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@csrf_exempt
@require_POST
def issue(request: HttpRequest) -> JsonResponse:
    """Issue a test certificate and return it WITH its private key: test only, never in production."""
    body = _json_body(request)
    if body is None:
        return _error(400, "invalid_json", "Body must be a JSON object.")
    try:
        issued = authority.issue_certificate(
            kind=body.get("kind", ""),
            subject_name=str(body.get("subject_name", "")),
            identifier=str(body.get("identifier", "")),
            not_before=_parse_time(body.get("not_before")),
            not_after=_parse_time(body.get("not_after")),
            organization=body.get("organization") or None,
        )
    except (ValueError, TypeError) as exc:
        return _error(400, "invalid_request", str(exc))
    return JsonResponse(
        {
            "serial": issued.serial,
            "certificate_pem": issued.certificate_pem,
            "private_key_pem": issued.private_key_pem,
            "chain_pems": issued.chain_pems,
            "warning": "Test certificate from a simulator; its private key is disclosed. Never trust it.",
        },
        status=201,
    )


@csrf_exempt
@require_POST
def revoke(request: HttpRequest, serial: str) -> JsonResponse:
    body = _json_body(request) or {}
    try:
        authority.revoke(serial, body.get("reason", "unspecified"))
    except authority.UnknownCertificate:
        return _error(
            404, "unknown_certificate", "No certificate with that serial was issued here."
        )
    except ValueError as exc:
        return _error(400, "invalid_request", str(exc))
    return JsonResponse({"serial": serial.lower(), "status": "revoked"})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def faults(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        body = _json_body(request)
        mode = (body or {}).get("mode")
        if mode not in FAULT_MODES:
            return _error(400, "invalid_request", f"mode must be one of {', '.join(FAULT_MODES)}")
        if mode == "none":
            cache.delete(FAULT_KEY)
        else:
            cache.set(FAULT_KEY, mode, FAULT_TTL_SECONDS)
    return JsonResponse({"mode": _fault()})


# --- SIM-PKI remote signing ---------------------------------------------------------------
def _remote_ttl() -> float:
    return float(getattr(settings, "SIM_CA_REMOTE_SIGN_TTL_SECONDS", REMOTE_TTL_SECONDS))


def _load_remote(request_id: str) -> dict[str, Any] | None:
    state = cache.get(REMOTE_KEY.format(request_id))
    if state and state["status"] == "pending" and time.time() >= state["created"] + _remote_ttl():
        state["status"] = "expired"
    return state


def _save_remote(request_id: str, state: dict[str, Any]) -> None:
    # Kept well past expiry so that a late poll learns "expired" rather than "not found".
    cache.set(REMOTE_KEY.format(request_id), state, int(_remote_ttl()) + 600)


def _display_name(pin: str) -> str:
    """The citizen's name from the population simulator when it knows them: a real provider has it."""
    try:
        from simulators.registries import population_data

        person = population_data.find_person(pin)
    except Exception:  # noqa: BLE001 - the name is cosmetic; any failure falls back
        person = None
    return person.full_name if person else f"Công dân {pin[-4:]}"


@csrf_exempt
@require_POST
def remote_sign_create(request: HttpRequest) -> JsonResponse:
    token = getattr(settings, "SIM_CA_API_TOKEN", "sim-ca-token")
    supplied = request.headers.get("Authorization", "")
    if not hmac.compare_digest(supplied.encode(), f"Bearer {token}".encode()):
        return _error(401, "unauthorized", "Missing or wrong bearer token.")
    body = _json_body(request)
    if body is None:
        return _error(400, "invalid_json", "Body must be a JSON object.")
    pin = str(body.get("pin", ""))
    display_text = str(body.get("display_text", "")).strip()
    try:
        data = base64.b64decode(str(body.get("data_b64", "")), validate=True)
    except (binascii.Error, ValueError):
        return _error(400, "invalid_request", "data_b64 must be base64.")
    if not authority._PIN_RE.match(pin):
        return _error(400, "invalid_request", "pin must be 12 digits.")
    if not data or len(data) > MAX_SIGN_BYTES or not display_text or len(display_text) > 500:
        return _error(
            400,
            "invalid_request",
            "data_b64 (1–64 KiB) and display_text (1–500 chars) are required.",
        )
    request_id = secrets.token_urlsafe(24)
    _save_remote(
        request_id,
        {
            "pin": pin,
            "data_b64": base64.b64encode(data).decode(),
            "display_text": display_text,
            "status": "pending",
            "created": time.time(),
            "signature_b64": None,
            "certificate_pem": None,
            "chain_pems": [],
        },
    )
    approve_path = reverse("sim-ca-remote-approve", args=[request_id])
    return JsonResponse(
        {"request_id": request_id, "approve_url": request.build_absolute_uri(approve_path)},
        status=201,
    )


@require_GET
def remote_sign_status(request: HttpRequest, request_id: str) -> JsonResponse:
    state = _load_remote(request_id)
    if state is None:
        return _error(404, "unknown_request", "No such signing request.")
    return JsonResponse(
        {
            "status": state["status"],
            "signature_b64": state["signature_b64"],
            "certificate_pem": state["certificate_pem"],
            "chain_pems": state["chain_pems"],
        }
    )


@require_http_methods(["GET", "POST"])
def remote_sign_phone(request: HttpRequest, request_id: str) -> HttpResponse:
    """The user's phone: shows what will be signed and asks them to approve or reject it."""
    state = _load_remote(request_id)
    if state is None:
        return HttpResponse(
            _TEMPLATES.get_template("simulators/ca/phone.html").render({"state": None}, request),
            status=404,
        )
    if request.method == "POST" and state["status"] == "pending":
        decision = request.POST.get("decision")
        if decision == "approve":
            key, credential = authority.remote_signing_credential(
                state["pin"], _display_name(state["pin"])
            )
            signature = key.sign(base64.b64decode(state["data_b64"]), ec.ECDSA(hashes.SHA256()))
            state.update(
                status="approved",
                signature_b64=base64.b64encode(signature).decode(),
                certificate_pem=credential.certificate_pem,
                chain_pems=credential.chain_pems,
            )
        elif decision == "reject":
            state["status"] = "rejected"
        _save_remote(request_id, state)
    html = _TEMPLATES.get_template("simulators/ca/phone.html").render({"state": state}, request)
    return HttpResponse(html)
