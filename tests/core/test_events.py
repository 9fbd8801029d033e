"""The domain-event dispatch: listeners see only committed changes, and one failure stops no one."""

import pytest
from django.db import transaction

from dichvucong.core import events

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    seen: list[tuple[str, dict]] = []

    def broken(**payload):
        raise RuntimeError("listener bug")

    def record(**payload):
        seen.append(("test.happened", payload))

    events.subscribe("test.happened", broken)
    events.subscribe("test.happened", record)
    yield seen
    events.unsubscribe("test.happened", broken)
    events.unsubscribe("test.happened", record)


def test_listeners_run_after_commit_and_a_failing_one_stops_no_other(received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        events.emit("test.happened", code="1.001193")
        assert received == []  # not before the commit
    assert received == [("test.happened", {"code": "1.001193"})]


def test_nothing_is_dispatched_when_the_transaction_rolls_back(received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                events.emit("test.happened", code="x")
                raise ValueError("rolled back")
        except ValueError:
            pass
    assert callbacks == [] and received == []
