"""A member's catalog joins the national catalog (A3, H1).

A ``catalog_sync`` message is the member's whole list of the procedures it carries out and
offers online. Each entry names a procedure and the agency of the member that carries it
out:

- a procedure of the national catalog is listed for the member as it is (the national
  text stays authoritative: a member never rewrites it);
- a procedure the national catalog does not have (a province's own) is added to it, marked
  incomplete, so that citizens find it and can file for it;
- a listing missing from a later catalog is withdrawn; an older catalog arriving after a
  newer one changes nothing.

Dossiers of a listed procedure, at an agency the member answers for, then go to the
member's one-stop system (``remote.member_for``).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from dichvucong.catalog.constants import AgencyLevel
from dichvucong.catalog.models import Agency, Procedure
from dichvucong.catalog.services import record_version
from dichvucong.exchange.constants import MemberKind
from dichvucong.exchange.models import InboxMessage, Member, MemberProcedure


def answers_for(member: Member, agency: Agency | None) -> bool:
    """Does ``member`` handle the dossiers of ``agency``: its own agency, or for a province
    any agency of the province?"""
    if agency is None or member.agency is None:
        return False
    if agency.pk == member.agency_id:
        return True
    return member.kind == MemberKind.PROVINCE and member.agency.province_code is not None and \
        agency.province_code == member.agency.province_code


def _new_procedure(entry: dict, member: Member, agency: Agency) -> Procedure:
    level = {AgencyLevel.PROVINCE: "province", AgencyLevel.COMMUNE: "commune"}.get(agency.level, "other")
    procedure, _outcome = record_version(code=entry["code"], field=None, change_note=f"Công bố bởi {member.code}",
                                         values={
        "name": entry["name"], "levels": [level], "targets": ["citizen"],
        "service_level": "partial" if entry.get("online", True) else "offline", "assurance_level": 2,
        "implementing_agency": agency.name, "source_url": entry.get("url", ""),
    })
    Procedure.objects.filter(pk=procedure.pk).update(owner=member.agency, is_complete=False)
    return procedure


def apply_catalog_sync(message: InboxMessage) -> str:
    """The member's listings as its message says; the outcome, for the trace."""
    member = message.sender
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=member.pk).first()  # one catalog of a member at a time
        latest = MemberProcedure.objects.filter(member=member).aggregate(at=Max("published_at"))["at"]
        if latest is not None and latest > message.sent_at:
            return "late"
        listed, added, skipped = [], 0, 0
        agencies = {a.code: a for a in Agency.objects.filter(
            code__in={entry["agency_code"] for entry in message.payload["procedures"]})}
        for entry in message.payload["procedures"]:
            agency = agencies.get(entry["agency_code"])
            if not answers_for(member, agency) or len(entry["code"]) > Procedure._meta.get_field("code").max_length:
                skipped += 1
                continue
            procedure = Procedure.objects.filter(code=entry["code"]).first()
            if procedure is None:
                procedure = _new_procedure(entry, member, agency)
                added += 1
            MemberProcedure.objects.update_or_create(member=member, procedure=procedure, defaults={
                "agency": agency, "online": entry.get("online", True), "url": entry.get("url", ""),
                "published_at": message.sent_at, "message_id": message.message_id,
            })
            listed.append(procedure.pk)
        withdrawn, _ = MemberProcedure.objects.filter(member=member).exclude(procedure__in=listed).delete()
    return f"applied: {len(listed)} listed, {added} new in the catalog, {withdrawn} withdrawn, {skipped} refused"
