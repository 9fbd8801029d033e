"""Rendering the e-form and the start page for one person (C1): median time and HTML size.

    .venv/bin/python benchmarks/eform_render.py [--database-url URL] [--rounds 20]

In this process, with Django's test client: a verified citizen signed in at level 2
starts a draft of birth registration (1.001193) and of temporary residence (1.004194)
in a Hà Nội commune, then each page is fetched ``--rounds`` times (after one warm-up
fetch): the start page of birth registration, both e-forms (empty, then birth
registration again with Hà Nội saved as the place of birth, so that its 126 communes are
listed), and the commune options of one province (the endpoint the province select asks
through htmx). It prints the median and p95 in ms, the size of the HTML and how many
``<option>`` it holds; then what a submission spends building and validating the form
(``build_form`` + ``is_valid``). Nothing is kept: everything runs in a transaction that
is rolled back.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import _django

PAGES_FOR = ("1.001193", "1.004194")


def _time(client, url: str, rounds: int) -> tuple[list[float], bytes]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _round in range(rounds):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples, response.content


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    _django.setup(args.database_url)
    sys.path.insert(0, str(_django.ROOT))

    from django.db import transaction
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from tests.accounts.factories import verified_citizen
    from tests.conftest import sign_in_at_level
    from tests.dossiers.test_eforms import birth_data

    from dichvucong.catalog.models import Procedure
    from dichvucong.dossiers import services
    from dichvucong.dossiers.eforms import build_form, field_name, form_schema, prefill

    setup_test_environment()  # the test client's host, no CSRF checks
    with transaction.atomic():
        user = verified_citizen(phone="+84912000999")
        client = Client()
        sign_in_at_level(client, user, 2)

        def report(name: str, url: str) -> None:
            samples, html = _time(client, url, args.rounds)
            print(
                f"{name:22} median {statistics.median(samples):6.1f} ms  "
                f"p95 {_django.percentile(samples, 0.95):6.1f} ms  "
                f"{len(html) / 1024:6.1f} KiB  {html.count(b'<option'):5d} options"
            )

        report("start 1.001193", f"/ho-so/bat-dau/{PAGES_FOR[0]}/")
        drafts = {}
        for code in PAGES_FOR:
            drafts[code] = services.start_dossier(
                applicant=user,
                procedure=Procedure.objects.get(code=code),
                province="1",
                commune="4",
            )  # Phường Ba Đình, Hà Nội
            report(f"form {code}", f"/ho-so/{drafts[code].pk}/")
        for (
            code,
            dossier,
        ) in drafts.items():  # the same drafts, Hà Nội saved as the address's province
            place = {
                field_name(spec.key): value
                for _section, spec in form_schema(code).fields()
                for kind, value in (("province", "1"), ("commune", "4"))
                if spec.type == kind
            }
            services.save_draft(dossier, applicant=user, data=place)
            report(f"form {code}, Hà Nội", f"/ho-so/{dossier.pk}/")
        report("communes of Hà Nội", reverse("dossiers:communes") + "?province=1")
        schema, known = form_schema(PAGES_FOR[0]), prefill(form_schema(PAGES_FOR[0]), user)
        samples = []
        for _round in range(args.rounds):
            started = time.perf_counter()
            form = build_form(schema, language="vi", prefilled=known, data=birth_data())
            assert form.is_valid(), form.errors
            samples.append((time.perf_counter() - started) * 1000)
        print(
            f"{'validate ' + PAGES_FOR[0]:22} median {statistics.median(samples):6.1f} ms  "
            f"p95 {_django.percentile(samples, 0.95):6.1f} ms  (build_form + is_valid of a complete form)"
        )
        transaction.set_rollback(True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
