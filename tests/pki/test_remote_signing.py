"""SIM-PKI remote signing: the provider holds the key; the user approves on their phone."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest

from dichvucong.pki.remote_signing import RemoteSigningClient, RemoteSigningUnavailable
from dichvucong.pki.verification import new_challenge, verify_signed_challenge
from tests.pki import PIN, pki_fixture, sim_ca_dir_fixture  # noqa: F401 - fixtures


def _approve_on_phone(approve_url: str, decision: str) -> httpx.Response:
    """What the user does: open the page, press a button (a real browser form, CSRF included)."""
    with httpx.Client(timeout=5) as phone:
        page = phone.get(approve_url)
        assert page.status_code == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return phone.post(approve_url, data={"csrfmiddlewaretoken": token, "decision": decision})


def test_remote_signature_signs_in(pki):
    client = RemoteSigningClient()
    challenge = new_challenge().encode()
    request = client.start(PIN, challenge, "Đăng nhập Cổng Dịch vụ công")
    assert client.poll(request.request_id).status == "pending"

    page = _approve_on_phone(request.approve_url, "approve")
    assert "Đã ký" in page.text

    status = client.poll(request.request_id)
    assert status.status == "approved"
    identity = verify_signed_challenge(
        challenge=challenge,
        signature=status.signature,
        certificate_pem=status.certificate_pem,
        chain_pems=status.chain_pems,
    )
    assert (identity.kind, identity.identifier) == ("citizen", PIN)

    # The provider keeps the same key for the same person.
    second = client.start(PIN, b"again", "Ký lần hai")
    _approve_on_phone(second.approve_url, "approve")
    assert client.poll(second.request_id).certificate_pem == status.certificate_pem


def test_rejected_request_gives_no_signature(pki, client):
    remote = RemoteSigningClient()
    request = remote.start(PIN, b"challenge", "Đăng nhập")
    page = client.post(urlsplit(request.approve_url).path, {"decision": "reject"})
    assert page.status_code == 200
    status = remote.poll(request.request_id)
    assert status.status == "rejected" and status.signature is None
    # A decision is final.
    client.post(urlsplit(request.approve_url).path, {"decision": "approve"})
    assert remote.poll(request.request_id).status == "rejected"


def test_unanswered_request_expires(pki, settings, client):
    settings.SIM_CA_REMOTE_SIGN_TTL_SECONDS = 0
    remote = RemoteSigningClient()
    request = remote.start(PIN, b"challenge", "Đăng nhập")
    assert remote.poll(request.request_id).status == "expired"
    page = client.post(urlsplit(request.approve_url).path, {"decision": "approve"})
    assert "hết hạn" in page.content.decode()
    assert remote.poll(request.request_id).status == "expired"


def test_wrong_token_is_refused(pki):
    with pytest.raises(RemoteSigningUnavailable):
        RemoteSigningClient(token="wrong").start(PIN, b"challenge", "Đăng nhập")


def test_unreachable_provider_is_unavailable(pki):
    client = RemoteSigningClient(base_url="http://127.0.0.1:9/sim/ca/", timeout=1)
    with pytest.raises(RemoteSigningUnavailable):
        client.start(PIN, b"challenge", "Đăng nhập")


def test_unknown_request_is_unavailable(pki):
    with pytest.raises(RemoteSigningUnavailable):
        RemoteSigningClient().poll("no-such-request")
