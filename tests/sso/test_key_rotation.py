import json

import pytest
from jwcrypto import jwk, jwt

from dichvucong.sso.keys import load_signing_keys, rotate_key_file


@pytest.mark.django_db
def test_rotation_keeps_the_retired_key_in_the_jwks(tmp_path, settings, client):
    key_file = tmp_path / "oidc.pem"
    first, _ = load_signing_keys(key_file, create=True)
    retired_path = rotate_key_file(key_file)
    active, inactive = load_signing_keys(key_file, create=False)
    assert active != first and inactive == [first] and retired_path.read_text() == first

    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_RSA_PRIVATE_KEY": active,
                                "OIDC_RSA_PRIVATE_KEYS_INACTIVE": inactive}
    keys = client.get("/oidc/.well-known/jwks.json").json()["keys"]
    assert len(keys) == 2
    # A token signed before the rotation still verifies against the published set.
    old = jwk.JWK.from_pem(first.encode())
    token = jwt.JWT(header={"alg": "RS256", "kid": old.thumbprint()}, claims=json.dumps({"sub": "1"}))
    token.make_signed_token(old)
    published = jwk.JWKSet.from_json(json.dumps({"keys": keys}))
    assert json.loads(jwt.JWT(jwt=token.serialize(), key=published).claims)["sub"] == "1"


def test_rotation_keeps_two_retired_keys_at_most(tmp_path):
    key_file = tmp_path / "oidc.pem"
    load_signing_keys(key_file, create=True)
    for _ in range(4):
        rotate_key_file(key_file)
    _, inactive = load_signing_keys(key_file, create=False)
    assert len(inactive) == 2


def test_production_never_invents_a_key(tmp_path):
    with pytest.raises(RuntimeError):
        load_signing_keys(tmp_path / "missing.pem", create=False)
