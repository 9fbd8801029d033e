"""Authentication under load (issue 3): sign-ins, token exchanges, userinfo at 20 clients.

    .venv/bin/python benchmarks/auth_load.py

Starts the production-like server (gunicorn, DJANGO_ENV=production, PostgreSQL, Redis;
the helpers of http_load.py) on a benchmark database and runs four phases of
BENCH_SECONDS each with BENCH_CLIENTS (20) clients in a closed loop:

  password   GET the sign-in form (CSRF) and POST identifier + password; the POST is timed
  totp       the same, then POST the authenticator code (pyotp computes it); both POSTs timed
             together, as the person experiences them
  token      POST /oidc/token/ exchanging an authorization code with its PKCE verifier
             (codes prepared in the database beforehand: the browser part is not timed)
  userinfo   GET /oidc/userinfo/ with a bearer access token

It prints requests/s and p50/p95/p99 per phase, the Argon2 parameters, the cost of one
Argon2 hash measured in this process, and PASS/FAIL for "p95 of a password sign-in
under 500 ms at 20 concurrent clients". Rate limits and lockout are lifted for the run
(every request comes from one address); they are tested in tests/accounts.

Environment: BENCH_SECONDS (15), BENCH_CLIENTS (20), BENCH_WORKERS (4),
BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_RESULTS (benchmarks/results/auth_load.jsonl).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import io
import json
import os
import re
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _django  # noqa: E402
import http_load  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "20"))
RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).parent / "results" / "auth_load.jsonl"))
PASSWORD = "Bench-mat-khau-dai-2026!"  # noqa: S105 - benchmark accounts only
PLAIN_USERS = 200
TOTP_USERS = 1500  # a code is accepted once per user and 30-second step: enough users for a phase
CODES = 6000
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret-" + "x" * 40
REDIRECT = "https://bench.example/cb"


def prepare() -> dict:
    """Users (one Argon2 hash shared), TOTP devices, a client, authorization codes, access tokens."""
    os.environ.pop("DJANGO_ENV", None)
    with contextlib.redirect_stdout(io.StringIO()):
        _django.setup()
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from oauth2_provider.models import get_access_token_model, get_grant_model

    from dichvucong.accounts.models import User
    from dichvucong.sso.models import Client, SsoAuthorization
    from dichvucong.sso.validators import code_hash

    started = time.perf_counter()
    hashed = make_password(PASSWORD)
    argon2_ms = (time.perf_counter() - started) * 1000
    User.objects.filter(username__startswith="bench-").delete()
    users = User.objects.bulk_create(
        [User(username=f"bench-{i:05d}", password=hashed, full_name="Bench", identity_proofing=2)
         for i in range(PLAIN_USERS + TOTP_USERS)]
    )
    keys = {}
    devices = []
    for user in users[PLAIN_USERS:]:
        key = secrets.token_hex(20)
        keys[user.username] = base64.b32encode(bytes.fromhex(key)).decode()
        devices.append(TOTPDevice(user=user, name="bench", key=key, confirmed=True))
    TOTPDevice.objects.bulk_create(devices)

    Client.objects.filter(client_id=CLIENT_ID).delete()
    client = Client.objects.create(
        name="Bench", client_id=CLIENT_ID, client_secret=CLIENT_SECRET, client_type=Client.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE, redirect_uris=REDIRECT,
        algorithm=Client.RS256_ALGORITHM, allowed_scopes="openid profile", skip_authorization=True,
    )
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    Grant = get_grant_model()
    codes = [secrets.token_urlsafe(30) for _ in range(CODES)]
    expires = timezone.now() + timedelta(hours=1)
    holder = users[0]
    Grant.objects.bulk_create([
        Grant(application=client, user=holder, code=code, expires=expires, redirect_uri=REDIRECT,
              scope="openid profile", code_challenge=challenge, code_challenge_method="S256", nonce="n")
        for code in codes
    ])
    SsoAuthorization.objects.bulk_create([
        SsoAuthorization(code_hash=code_hash(code), client=client, user=holder, sid=f"bench-{i}", level=1,
                         auth_time=timezone.now()) for i, code in enumerate(codes)
    ])
    AccessToken = get_access_token_model()
    token = AccessToken(user=holder, application=client, expires=expires, scope="openid profile")
    raw = secrets.token_urlsafe(32)
    token.token = raw
    token.save()
    return {"argon2_ms": argon2_ms, "totp_keys": keys, "codes": codes, "verifier": verifier,
            "access_token": raw, "database_url": os.environ["DATABASE_URL"]}


async def run_phase(base: str, phase: str, data: dict) -> dict:
    import aiohttp
    import pyotp

    latencies: list[float] = []
    errors = 0
    plain = [f"bench-{i:05d}" for i in range(PLAIN_USERS)]
    totp_users = iter(list(data["totp_keys"].items()))
    codes = iter(data["codes"])
    stop = time.perf_counter() + SECONDS
    basic = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()

    async def sign_in_once(session, identifier: str, key: str | None) -> float | None:
        # Production cookies are Secure and __Host- prefixed: a client keeps them itself on http.
        jar: dict[str, str] = {}

        def remember(response) -> None:
            jar.update({name: morsel.value for name, morsel in response.cookies.items()})

        def cookie() -> dict[str, str]:
            return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}

        async with session.get(f"{base}/tai-khoan/dang-nhap/") as page:
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', await page.text()).group(1)
            remember(page)
        started = time.perf_counter()
        async with session.post(f"{base}/tai-khoan/dang-nhap/", allow_redirects=False, headers=cookie(), data={
                "identifier": identifier, "password": PASSWORD, "csrfmiddlewaretoken": token}) as response:
            await response.read()
            remember(response)
            location = response.headers.get("Location", "")
        if key is None:
            return (time.perf_counter() - started) if location.endswith("/ho-so/") else None
        if not location.endswith("/buoc-hai/"):
            return None
        async with session.post(f"{base}/tai-khoan/dang-nhap/buoc-hai/", allow_redirects=False, headers=cookie(),
                                data={"code": pyotp.TOTP(key).now(), "csrfmiddlewaretoken": token}) as response:
            await response.read()
            ok = response.status == 302 and response.headers.get("Location", "").endswith("/ho-so/")
        return (time.perf_counter() - started) if ok else None

    async def client(number: int) -> None:
        nonlocal errors
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30),
                                         cookie_jar=aiohttp.DummyCookieJar()) as session:
            index = number
            while time.perf_counter() < stop:
                elapsed = None
                try:
                    if phase == "password":
                        elapsed = await sign_in_once(session, plain[index % PLAIN_USERS], None)
                        index += CLIENTS
                    elif phase == "totp":
                        identifier, key = next(totp_users)
                        elapsed = await sign_in_once(session, identifier, key)
                    elif phase == "token":
                        started = time.perf_counter()
                        async with session.post(f"{base}/oidc/token/", headers={"Authorization": basic}, data={
                                "grant_type": "authorization_code", "code": next(codes), "redirect_uri": REDIRECT,
                                "code_verifier": data["verifier"]}) as response:
                            body = await response.json()
                            elapsed = time.perf_counter() - started if "id_token" in body else None
                    else:
                        started = time.perf_counter()
                        async with session.get(f"{base}/oidc/userinfo/", headers={
                                "Authorization": f"Bearer {data['access_token']}"}) as response:
                            await response.read()
                            elapsed = time.perf_counter() - started if response.status == 200 else None
                except StopIteration:
                    break  # the prepared users or codes are used up
                except (aiohttp.ClientError, TimeoutError):
                    elapsed = None
                if time.perf_counter() > stop:
                    break
                if elapsed is None:
                    errors += 1
                else:
                    latencies.append(elapsed * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(CLIENTS)))
    duration = time.perf_counter() - began
    pct = _django.percentile
    return {"phase": phase, "ok": len(latencies), "errors": errors, "per_second": round(len(latencies) / duration, 1),
            "p50": round(pct(latencies, 0.50), 1), "p95": round(pct(latencies, 0.95), 1),
            "p99": round(pct(latencies, 0.99), 1)}


def main() -> int:
    data = prepare()
    from django.conf import settings

    env = http_load._server_env(data["database_url"], tempfile.mkdtemp(prefix="dvc-static-"))
    env |= {
        "RATE_SIGN_IN": "1000000/1", "RATE_OTP_VERIFY": "1000000/1", "AXES_FAILURE_LIMIT": "1000000",
    }
    port = http_load._free_port()
    base = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile("w+", prefix="gunicorn-auth-", suffix=".log", delete=False)  # noqa: SIM115
    server = http_load.start_server(env, port, log)
    results = []
    try:
        http_load.wait_until_up(server, base)
        asyncio.run(run_phase(base, "password", data))  # warm-up, not reported
        for phase in ("password", "totp", "token", "userinfo"):
            results.append(asyncio.run(run_phase(base, phase, data)))
    finally:
        http_load.stop_server(server)
    params = {"memory_kib": settings.ARGON2_MEMORY_COST_KIB, "time_cost": settings.ARGON2_TIME_COST,
              "parallelism": settings.ARGON2_PARALLELISM, "one_hash_ms": round(data["argon2_ms"], 1)}
    print(f"Argon2id: m={params['memory_kib']} KiB, t={params['time_cost']}, p={params['parallelism']}; "
          f"one hash {params['one_hash_ms']} ms in this process")
    print(f"{CLIENTS} clients, {SECONDS:.0f} s a phase, gunicorn {http_load.WORKERS} {http_load.WORKER_CLASS} workers")
    print(f"{'phase':10} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'ok':>6} {'errors':>6}")
    for row in results:
        print(f"{row['phase']:10} {row['per_second']:8} {row['p50']:8} {row['p95']:8} {row['p99']:8} "
              f"{row['ok']:6} {row['errors']:6}")
    password_p95 = results[0]["p95"]
    verdict = "PASS" if password_p95 < 500 and results[0]["errors"] == 0 else "FAIL"
    print(f"{verdict}: password sign-in p95 {password_p95} ms (target < 500 ms at {CLIENTS} clients)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as handle:
        handle.write(json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%S"), "clients": CLIENTS,
                                 "argon2": params, "phases": results, "verdict": verdict}) + "\n")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
