"""Members' one-stop systems as processing systems (G1, H1).

A dossier of a procedure a member published (``catalog_sync``), at an agency the member
answers for (its own agency, or for a province member any agency of that province), goes to
the member by the exchange: ``RemoteOneStop.hand_over``
puts a ``dossier_handover`` in the outbox. What the member reports back (``status_update``)
moves the dossier through ``dossiers.processing``, in the member's order: each update carries
a sequence, and one older than the last applied is recorded but changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections import deque
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from dichvucong.dossiers import processing
from dichvucong.dossiers.constants import ActivityKind, Actor, DossierStatus
from dichvucong.dossiers.history import record_activity
from dichvucong.dossiers.models import Dossier
from dichvucong.dossiers.state_machine import TRANSITIONS, TransitionRefused
from dichvucong.exchange import outbox, trace
from dichvucong.exchange.catalog_sync import answers_for, apply_catalog_sync
from dichvucong.exchange.constants import MemberStatus, MessageType
from dichvucong.exchange.models import (
    InboxMessage,
    Member,
    MemberProcedure,
    MemberSystem,
    RemoteState,
)

logger = logging.getLogger(__name__)
SYSTEM_KEY = "exchange"


def member_for(dossier: Dossier) -> Member | None:
    """The active member that published the dossier's procedure (``catalog_sync``), answers
    for the dossier's agency and has a system receiving dossiers: the member of that very
    agency first, else the province's."""
    listings = MemberProcedure.objects.filter(procedure_id=dossier.procedure_id, member__status=MemberStatus.ACTIVE) \
        .select_related("member__agency").prefetch_related("member__systems").order_by("member__code")
    candidates = [listing.member for listing in listings
                  if answers_for(listing.member, dossier.agency) and _receiving_system(listing.member) is not None]
    return min(candidates, key=lambda member: member.agency_id != dossier.agency_id, default=None)


def _receiving_system(member: Member) -> MemberSystem | None:
    return next((system for system in member.systems.all() if system.may("receive", MessageType.DOSSIER_HANDOVER)),
                None)


def route(dossier: Dossier) -> str | None:
    return SYSTEM_KEY if member_for(dossier) is not None else None


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _attachment(attachment) -> dict:  # noqa: ANN001 - dossiers.Attachment
    with attachment.file.open("rb") as handle:
        content = handle.read()
    return {"name": attachment.original_name[:200], "content_type": attachment.content_type,
            "sha256": attachment.sha256, "component": attachment.component_name[:500],
            "content": base64.b64encode(content).decode()}


def handover_payload(dossier: Dossier) -> dict:
    applicant = dossier.applicant
    attachments = [_attachment(attachment) for attachment in dossier.attachments.all()]
    applicant_data = {"full_name": applicant.full_name or applicant.get_username()}
    if applicant.pin:
        applicant_data["pin"] = applicant.pin
    if applicant.phone:
        applicant_data["phone"] = applicant.phone
    if applicant.email:
        applicant_data["email"] = applicant.email
    if dossier.business_id:
        applicant_data["business_tax_code"] = dossier.business.enterprise_code
    payload = {
        "dossier_code": dossier.code, "procedure_code": dossier.procedure.code, "agency_code": dossier.agency.code,
        "submitted_at": _iso(dossier.submitted_at), "delivery_method": dossier.delivery_method,
        "applicant": applicant_data, "data": dossier.data, "attachments": attachments,
    }
    if dossier.due_at:
        payload["due_at"] = _iso(dossier.due_at)
    return payload


class RemoteOneStop:
    key = SYSTEM_KEY

    def hand_over(self, dossier: Dossier) -> None:
        """The dossier to its member's one-stop system, once (a retried hand-over sends nothing new)."""
        member = member_for(dossier)
        system = _receiving_system(member) if member else None
        if system is None:
            raise LookupError(f"no member system receives dossiers of {dossier.agency.code}")
        if _already_sent(dossier):
            return
        with transaction.atomic():
            outbox.send(system, MessageType.DOSSIER_HANDOVER, handover_payload(dossier), correlation_id=dossier.code)
            RemoteState.objects.get_or_create(dossier=dossier, defaults={"member": member})


def _already_sent(dossier: Dossier) -> bool:
    from dichvucong.exchange.models import OutboxMessage

    return OutboxMessage.objects.filter(message_type=MessageType.DOSSIER_HANDOVER, correlation_id=dossier.code).exists()


def _path(from_status: str, to_status: str) -> list[str]:
    """The shortest run of officials' transitions from one status to another: a member may
    report "processing" for a dossier the portal still has as "submitted". A transition that
    needs a reason (refused, awaiting supplement) is only ever the last one."""
    queue, seen = deque([(from_status, [])]), {from_status}
    while queue:
        status, path = queue.popleft()
        if status == to_status:
            return path
        for (frm, to), rule in TRANSITIONS.items():
            if frm != status or to in seen or Actor.OFFICIAL not in rule.actors:
                continue
            if rule.reason_required and to != to_status:
                continue
            seen.add(to)
            queue.append((to, [*path, to]))
    return []


def apply_status_update(message: InboxMessage) -> str:
    """Move the dossier as the member reports; ``applied``, ``late`` or ``ignored`` (not its dossier)."""
    payload = message.payload
    with transaction.atomic():
        dossier, state = _own_dossier(message)
        if dossier is None:
            return "ignored"
        if payload["sequence"] <= state.last_sequence:
            return "late"
        official = payload.get("official") or {}
        handler = processing.Handler(name=official.get("name", ""), unit=official.get("unit", ""))
        failed = _move(dossier, payload["status"], reason=payload.get("reason", ""), handler=handler)
        if failed:
            return failed
        if payload.get("due_at"):
            due = datetime.fromisoformat(payload["due_at"])
            if due != dossier.due_at:
                processing.report_deadline(dossier, due, system_key=SYSTEM_KEY, reason=payload.get("reason", "")
                                           or "Cơ quan giải quyết hẹn lại ngày trả kết quả",
                                           kind=ActivityKind.DEADLINE_CHANGED)
        state.last_sequence = payload["sequence"]
        state.save(update_fields=["last_sequence"])
    return "applied"


def _own_dossier(message: InboxMessage) -> tuple[Dossier | None, RemoteState | None]:
    """The dossier the message is about and its state, locked, if the sender handles it."""
    dossier = Dossier.objects.select_for_update(of=("self",)).select_related("agency", "applicant").filter(
        code=message.payload["dossier_code"], processing_system=SYSTEM_KEY).first()
    state = RemoteState.objects.select_for_update().filter(dossier=dossier).first() if dossier else None
    if state is None or state.member_id != message.sender_id:
        return None, None
    return dossier, state


def _move(dossier: Dossier, to_status: str, *, reason: str = "", handler: processing.Handler | None = None) -> str:
    """Take the dossier to ``to_status``: "" when done, else why not (the transaction then rolls back)."""
    path = _path(dossier.status, to_status)
    if not path and dossier.status != to_status:
        transaction.set_rollback(True)
        return "impossible"
    try:
        for status in path:
            processing.report_status(dossier, status, system_key=SYSTEM_KEY, handler=handler,
                                     reason=reason if status == to_status else "")
    except TransitionRefused as refused:  # e.g. a refusal without its reason
        transaction.set_rollback(True)
        return f"refused_{refused.code}"
    return ""


def apply_result_delivery(message: InboxMessage) -> str:
    """The member's signed result: into the applicant's data store, then "result issued"."""
    from dichvucong.datastore.constants import DocumentType, SignatureStatus
    from dichvucong.datastore.services import StoreRefused, record_issued_result
    from dichvucong.results.verification import verify_result_pdf

    payload = message.payload
    with transaction.atomic():
        dossier, _state = _own_dossier(message)
        if dossier is None:
            return "ignored"
        document = payload["document"]
        content = base64.b64decode(document["content"], validate=False)
        if hashlib.sha256(content).hexdigest() != document["sha256"]:
            return "bad_document"
        # The member signs with its own agency certificate: trusted if it chains to our anchors.
        report = verify_result_pdf(content)
        if report.code == "not_pdf":
            return "bad_document"
        signature = (SignatureStatus.VALID if report.code in ("valid", "unknown_result")
                     else SignatureStatus.NONE if report.code == "unsigned" else SignatureStatus.INVALID)
        try:
            record_issued_result(
                dossier.applicant, content=content, filename=document["name"], title=payload["title"],
                document_type=DocumentType.OTHER, issuing_agency=dossier.agency, result_reference=payload["reference"],
                source_dossier=dossier, signature_status=signature,
            )
        except StoreRefused as refused:
            return f"refused_{refused.code}"
        record_activity(dossier, kind=ActivityKind.RESULT, actor_kind=Actor.OFFICIAL, reason=payload["title"],
                        details={"reference": payload["reference"], "signature": signature})
        if dossier.status != DossierStatus.RESULT_ISSUED:
            failed = _move(dossier, DossierStatus.RESULT_ISSUED)
            if failed:
                return failed
    return "applied"


def apply_supplement_request(message: InboxMessage) -> str:
    with transaction.atomic():
        dossier, _state = _own_dossier(message)
        if dossier is None:
            return "ignored"
        return _move(dossier, DossierStatus.AWAITING_SUPPLEMENT, reason=message.payload["reason"]) or "applied"


def apply_statistics_report(message: InboxMessage) -> str:
    """A member's figures for a period, kept for the statistics (I); the latest report wins."""
    from datetime import date

    from dichvucong.exchange.models import MemberStatistics

    payload = message.payload
    period_from, period_to = date.fromisoformat(payload["period"]["from"]), date.fromisoformat(payload["period"]["to"])
    if period_to < period_from:
        return "bad_period"
    earlier = MemberStatistics.objects.filter(member_id=message.sender_id, period_from=period_from,
                                              period_to=period_to).first()
    if earlier is not None and earlier.reported_at > message.sent_at:
        return "late"
    MemberStatistics.objects.update_or_create(
        member_id=message.sender_id, period_from=period_from, period_to=period_to,
        defaults={"received": payload["received"], "resolved": payload["resolved"], "on_time": payload.get("on_time"),
                  "late": payload.get("late"), "online": payload.get("online"), "message_id": message.message_id,
                  "reported_at": message.sent_at},
    )
    return "applied"


APPLIERS = {
    MessageType.CATALOG_SYNC: apply_catalog_sync,
    MessageType.STATISTICS_REPORT: apply_statistics_report,
    MessageType.STATUS_UPDATE: apply_status_update,
    MessageType.RESULT_DELIVERY: apply_result_delivery,
    MessageType.SUPPLEMENT_REQUEST: apply_supplement_request,
}


def forward_supplement(*, dossier_id: int, from_status: str, actor_kind: str, event_id: int, reason: str = "",
                       **_event) -> None:
    """``dossiers.status_changed`` listener: what the applicant supplied goes to the member
    handling the dossier (files of the latest round, and the note)."""
    if from_status != DossierStatus.AWAITING_SUPPLEMENT or actor_kind != Actor.APPLICANT:
        return
    dossier = Dossier.objects.filter(pk=dossier_id, processing_system=SYSTEM_KEY).select_related("agency").first()
    state = RemoteState.objects.filter(dossier_id=dossier_id).select_related("member").first() if dossier else None
    system = _receiving_system(state.member) if state else None
    if system is None or not system.may("receive", MessageType.SUPPLEMENT):
        return
    latest_round = dossier.attachments.exclude(supplement_round=None).order_by("-supplement_round") \
        .values_list("supplement_round", flat=True).first()
    files = [_attachment(a) for a in dossier.attachments.filter(supplement_round=latest_round)] if latest_round else []
    with transaction.atomic():
        outbox.send(system, MessageType.SUPPLEMENT, {
            "dossier_code": dossier.code, "note": reason[:2000], "at": _iso(timezone.now()), "attachments": files,
        }, correlation_id=dossier.code)


def apply(message_id: str) -> str:
    """Apply one kept message, once; its outcome is in the trace."""
    with transaction.atomic():
        message = InboxMessage.objects.select_for_update().filter(message_id=message_id,
                                                                  applied_at__isnull=True).first()
        if message is None:
            return "done"
        applier = APPLIERS.get(message.message_type)
        outcome = applier(message) if applier else "kept"
        message.applied_at, message.outcome, message.applied_ok = timezone.now(), outcome[:200], succeeded(outcome)
        message.save(update_fields=["applied_at", "outcome", "applied_ok"])
        trace.append("applied", message_id=str(message.message_id), correlation_id=message.correlation_id,
                     party=message.sender.code, message_type=message.message_type, detail=outcome)
    if not message.applied_ok:
        logger.warning("exchange message accepted but not applied: %s", outcome[:60],
                       extra={"member": message.sender.code, "message_id": str(message.message_id)})
    return outcome


def succeeded(outcome: str) -> bool:
    """Did applying do what the member meant? A late update changed nothing by design; a
    refused result, a dossier that is not the member's or an impossible move did not."""
    return outcome.startswith("applied") or outcome in ("late", "kept")


def apply_pending(limit: int = 500) -> int:
    ids = list(InboxMessage.objects.filter(applied_at__isnull=True).order_by("received_at")
               .values_list("message_id", flat=True)[:limit])
    done = 0
    for message_id in ids:
        try:
            apply(str(message_id))
            done += 1
        except Exception:
            logger.exception("exchange message not applied", extra={"message_id": str(message_id)})
    return done

