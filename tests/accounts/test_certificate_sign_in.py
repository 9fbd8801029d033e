"""Level 4: signing a server challenge with a certificate through remote signing (SIM-PKI)."""

import re

import httpx
import pytest
from cryptography import x509

from dichvucong.accounts.models import AuditEvent
from dichvucong.accounts.sessions import SESSION_AUTH_KEY
from simulators.ca import authority
from tests.accounts.factories import UserFactory, verified_citizen
from tests.accounts.helpers import csrf_client, post_form, sign_in
from tests.pki import pki_fixture, sim_ca_dir_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def approve_on_phone(page_html: str, decision: str = "approve") -> None:
    approve_url = re.search(r'href="(http[^"]+/remote-sign/[^"]+)"', page_html).group(1)
    with httpx.Client(timeout=5) as phone:
        page = phone.get(approve_url)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        phone.post(approve_url, data={"csrfmiddlewaretoken": token, "decision": decision})


def start(client, pin: str):
    return post_form(client, "/tai-khoan/dang-nhap/chu-ky-so/", {"pin": pin})


def test_a_verified_citizen_signs_in_at_level_four(pki):
    user = verified_citizen()
    client = csrf_client()
    waiting = start(client, user.pin)
    assert waiting.status_code == 200 and "Xác nhận trên điện thoại" in waiting.content.decode()
    assert client.get("/tai-khoan/dang-nhap/chu-ky-so/ket-qua/").status_code == 202  # still pending
    approve_on_phone(waiting.content.decode())
    done = client.get("/tai-khoan/dang-nhap/chu-ky-so/ket-qua/", HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Redirect"] == "/tai-khoan/ho-so/"
    assert client.session[SESSION_AUTH_KEY]["level"] == 4
    assert client.session[SESSION_AUTH_KEY]["methods"] == ["certificate"]


def test_an_unverified_account_is_not_reached_by_a_certificate(pki):
    user = UserFactory()
    client = csrf_client()
    waiting = start(client, user.pin)
    approve_on_phone(waiting.content.decode())
    response = client.get("/tai-khoan/dang-nhap/chu-ky-so/ket-qua/")
    assert response["Location"] == "/tai-khoan/dang-nhap/"
    assert SESSION_AUTH_KEY not in client.session


def test_a_revoked_certificate_is_refused(pki):
    user = verified_citizen()
    client = csrf_client()
    waiting = start(client, user.pin)
    approve_on_phone(waiting.content.decode())
    from dichvucong.pki.remote_signing import RemoteSigningClient

    pending = client.session["dvc_cert_login"]
    status = RemoteSigningClient().poll(pending["id"])
    # The certificate is revoked between the signature and the portal's check of it.
    authority.revoke(x509.load_pem_x509_certificate(status.certificate_pem.encode()).serial_number, "key_compromise")
    response = client.get("/tai-khoan/dang-nhap/chu-ky-so/ket-qua/")
    assert response["Location"] == "/tai-khoan/dang-nhap/"
    assert SESSION_AUTH_KEY not in client.session
    assert AuditEvent.objects.filter(action="sign_in", method="certificate", outcome="failure",
                                     details__code="revoked").exists()


def test_a_rejected_request_signs_nobody_in(pki):
    user = verified_citizen()
    client = csrf_client()
    waiting = start(client, user.pin)
    approve_on_phone(waiting.content.decode(), "reject")
    assert client.get("/tai-khoan/dang-nhap/chu-ky-so/ket-qua/")["Location"] == "/tai-khoan/dang-nhap/"


def test_a_certificate_steps_up_its_own_account_only(pki):
    owner, other = verified_citizen(), verified_citizen()
    client = csrf_client()
    sign_in(client, other.pin)
    waiting = start(client, owner.pin)
    approve_on_phone(waiting.content.decode())
    client.get("/tai-khoan/dang-nhap/chu-ky-so/ket-qua/")
    assert client.session[SESSION_AUTH_KEY]["level"] == 1
