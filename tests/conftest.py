"""Test set-up: the real catalog is loaded once per session into the test database.

Tests then run inside transactions on top of it, so each sees the whole catalog
(4,000+ procedures, 34 provinces, 3,321 communes) and leaves it as it found it.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # noqa: PT004 - extends pytest-django's fixture
    with django_db_blocker.unblock():
        call_command("import_catalog", str(settings.CATALOG_DATASET), "--no-progress", verbosity=0)
        call_command("load_reference_data", verbosity=0)


@pytest.fixture(autouse=True)
def _fresh_cache_and_index(settings):
    """Every test starts with an empty cache and an index that follows catalog changes at once."""
    settings.SEARCH_INDEX_CHECK_SECONDS = 0
    cache.clear()
    yield
    cache.clear()
