"""The state of every connected system (H3, L1): last contact, backlog, failures, delivery
time, alerts. Read by the administrators' page, the public page and the metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from dichvucong.exchange.constants import MemberStatus
from dichvucong.exchange.models import Member, OutboxMessage, OutboxStatus, RefusedMessage


@dataclass(frozen=True)
class Connection:
    member: Member
    last_contact_at: datetime | None
    pending: int
    dead: int
    refused_24h: int
    delivered_24h: int
    average_delivery_seconds: float | None
    silent: bool
    backlog_alert: bool

    @property
    def available(self) -> bool:
        return self.member.status == MemberStatus.ACTIVE and not self.silent

    @property
    def alerts(self) -> list[str]:
        return [name for name, raised in (("silent", self.silent), ("backlog", self.backlog_alert),
                                          ("dead_letters", self.dead > 0)) if raised]


def connections(now: datetime | None = None) -> list[Connection]:
    now = now or timezone.now()
    day = now - timedelta(hours=24)
    silent_after = timedelta(minutes=settings.EXCHANGE_SILENT_MINUTES)
    took = ExpressionWrapper(F("delivered_at") - F("created_at"), output_field=DurationField())
    outbox = {
        row["system__member"]: row for row in OutboxMessage.objects.values("system__member").annotate(
            pending=Count("pk", filter=Q(status=OutboxStatus.PENDING)),
            dead=Count("pk", filter=Q(status=OutboxStatus.DEAD)),
            delivered=Count("pk", filter=Q(status=OutboxStatus.DELIVERED, delivered_at__gte=day)),
            average=Avg(took, filter=Q(status=OutboxStatus.DELIVERED, delivered_at__gte=day)),
        )
    }
    refused = dict(RefusedMessage.objects.filter(at__gte=day).values_list("claimed_sender").annotate(n=Count("pk")))
    result = []
    for member in Member.objects.exclude(kind="portal").order_by("kind", "code"):
        row = outbox.get(member.pk, {})
        average = row.get("average")
        result.append(Connection(
            member=member, last_contact_at=member.last_contact_at, pending=row.get("pending", 0),
            dead=row.get("dead", 0), refused_24h=refused.get(member.code, 0), delivered_24h=row.get("delivered", 0),
            average_delivery_seconds=average.total_seconds() if average is not None else None,
            silent=member.status == MemberStatus.ACTIVE and (
                member.last_contact_at is None or now - member.last_contact_at > silent_after),
            backlog_alert=row.get("pending", 0) > settings.EXCHANGE_BACKLOG_ALERT,
        ))
    return result
