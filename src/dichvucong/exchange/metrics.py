"""Prometheus gauges of the connected systems, read from the database at each scrape (L1)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

NAMES = ("dvc_exchange_outbox_pending", "dvc_exchange_dead_letters", "dvc_exchange_seconds_since_contact",
         "dvc_exchange_member_available", "dvc_exchange_key_expiry_days")


class ConnectionsCollector(Collector):
    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Asked at registration (during app loading): names only, no database query.
        for name in NAMES:
            yield GaugeMetricFamily(name, name, labels=["member"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from dichvucong.exchange.selectors import connections

        try:
            states = connections()
        except Exception:  # noqa: BLE001 - no database (yet): no gauges, never a failed scrape
            return
        now = timezone.now()
        pending = GaugeMetricFamily("dvc_exchange_outbox_pending", "Messages waiting to be sent", labels=["member"])
        dead = GaugeMetricFamily("dvc_exchange_dead_letters", "Messages set aside as dead", labels=["member"])
        silence = GaugeMetricFamily("dvc_exchange_seconds_since_contact", "Seconds since the last verified message",
                                    labels=["member"])
        up = GaugeMetricFamily("dvc_exchange_member_available", "1 if active and not silent", labels=["member"])
        expiry = GaugeMetricFamily("dvc_exchange_key_expiry_days",
                                   "Days until the member's first active key expires (negative once past)",
                                   labels=["member"])
        for state in states:
            code = state.member.code
            pending.add_metric([code], state.pending)
            dead.add_metric([code], state.dead)
            if state.last_contact_at is not None:
                silence.add_metric([code], (now - state.last_contact_at).total_seconds())
            up.add_metric([code], 1 if state.available else 0)
            if state.key_expires_at is not None:  # no expiry registered: no series, not a false "0 days"
                expiry.add_metric([code], (state.key_expires_at - now).total_seconds() / 86400)
        yield from (pending, dead, silence, up, expiry)


_registered = False


def register_once() -> None:
    global _registered
    if not _registered:
        from prometheus_client import REGISTRY

        REGISTRY.register(ConnectionsCollector())
        _registered = True
