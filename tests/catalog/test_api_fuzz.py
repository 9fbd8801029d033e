"""Schemathesis generates requests from the OpenAPI schema: none may end in a server error (K3)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from dichvucong.wsgi import application

# The exchange takes a compact JWS (application/jose): sent as it is generated, like text.
schemathesis.serializer.alias("application/jose", "text/plain")
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection(in_thread_wsgi):
    """See ``in_thread_wsgi`` in tests/conftest.py."""


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error(case):
    case.call_and_validate(checks=[not_a_server_error])
