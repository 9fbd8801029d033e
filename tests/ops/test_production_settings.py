"""Production refuses to start without its secrets and the outside systems' real addresses."""

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def load_settings(extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OIDC_", "REGISTRIES_", "SMS_", "EID_",
                                                                               "PAYMENT_", "POSTAL_"))}
    env |= {"DJANGO_SETTINGS_MODULE": "dichvucong.settings", "PYTHONPATH": str(SRC), "DJANGO_ENV": "production"}
    env |= extra
    return subprocess.run([sys.executable, "-c", "import dichvucong.settings"], env=env, capture_output=True,
                          text=True, timeout=60)


def complete_env(tmp_path) -> dict[str, str]:
    from dichvucong.sso.keys import load_signing_keys

    key = tmp_path / "oidc.pem"
    load_signing_keys(key, create=True)
    return {
        "SECRET_KEY": "x" * 50, "DATABASE_URL": "postgres://u@db/p", "REDIS_URL": "redis://r:6379/0",
        "ALLOWED_HOSTS": "dichvucong.example.vn", "OIDC_KEY_FILE": str(key),
        "REGISTRIES_BASE_URL": "https://lgsp.example.vn/", "REGISTRIES_API_TOKEN": "t1",
        "SMS_GATEWAY_BASE_URL": "https://sms.example.vn/", "SMS_API_TOKEN": "t2",
        "EID_ISSUER": "https://eid.example.vn", "EID_CLIENT_SECRET": "t3",
        "REMOTE_SIGNING_BASE_URL": "https://ca.example.vn/", "REMOTE_SIGNING_API_TOKEN": "t4",
        "PAYMENT_PLATFORM_BASE_URL": "https://pay.example.vn/", "PAYMENT_MERCHANT_ID": "DVC",
        "PAYMENT_PLATFORM_SECRET": "t5",
        "POSTAL_BASE_URL": "https://post.example.vn/", "POSTAL_ACCOUNT_ID": "DVC", "POSTAL_SECRET": "t6",
    }


def test_a_complete_production_environment_loads(tmp_path):
    result = load_settings(complete_env(tmp_path))
    assert result.returncode == 0, result.stderr


def test_each_missing_secret_or_address_stops_the_process(tmp_path):
    env = complete_env(tmp_path)
    for name in ("SECRET_KEY", "EID_CLIENT_SECRET", "REGISTRIES_BASE_URL", "REMOTE_SIGNING_API_TOKEN",
                 "PAYMENT_PLATFORM_SECRET", "PAYMENT_PLATFORM_BASE_URL", "POSTAL_SECRET", "POSTAL_BASE_URL"):
        result = load_settings({k: v for k, v in env.items() if k != name})
        assert result.returncode != 0 and name in result.stderr, name


def test_production_never_creates_its_own_signing_key(tmp_path):
    env = complete_env(tmp_path) | {"OIDC_KEY_FILE": str(tmp_path / "missing.pem")}
    result = load_settings(env)
    assert result.returncode != 0 and "OpenID signing key" in result.stderr
    assert not (tmp_path / "missing.pem").exists()
