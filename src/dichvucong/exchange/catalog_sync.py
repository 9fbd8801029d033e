"""A member's catalog joins the national catalog (A3, H1).

A ``catalog_sync`` message is the member's whole list of the procedures it carries out and
offers online. Each entry names a procedure and the agency of the member that carries it
out:

- a procedure of the national catalog is listed for the member as it is (the national
  text stays authoritative: a member never rewrites it);
- a procedure the national catalog does not have (a province's own) is added to it, marked
  incomplete, so that citizens find it and can file for it;
- a listing missing from a later catalog is withdrawn (a procedure the member brought in is
  abolished in the catalog, and comes back if published again); an older catalog arriving
  after a newer one changes nothing, even when the newer one listed nothing.

Dossiers of a listed procedure, at an agency the member answers for, then go to the
member's one-stop system (``remote.member_for``).
"""

from __future__ import annotations

from django.db import transaction

from dichvucong.catalog.constants import AgencyLevel, ProcedureStatus
from dichvucong.catalog.models import Agency, Procedure
from dichvucong.catalog.services import (
    abolish_procedure,
    record_local_procedure,
    reinstate_procedure,
)
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
    return record_local_procedure(code=entry["code"], owner=member.agency, change_note=f"Công bố bởi {member.code}",
                                  values={
        "name": entry["name"], "levels": [level], "targets": ["citizen"],
        "service_level": "partial" if entry.get("online", True) else "offline", "assurance_level": 2,
        "implementing_agency": agency.name, "source_url": entry.get("url", ""),
    })


def apply_catalog_sync(message: InboxMessage) -> str:
    """The member's listings as its message says; the outcome, for the trace."""
    with transaction.atomic():
        # One catalog of a member at a time, judged against the last one applied.
        member = Member.objects.select_for_update(of=("self",)).select_related("agency").get(pk=message.sender_id)
        if member.catalog_published_at is not None and member.catalog_published_at > message.sent_at:
            return "late"
        listed, added, skipped = [], 0, 0
        agencies = {a.code: a for a in Agency.objects.filter(
            code__in={entry["agency_code"] for entry in message.payload["procedures"]})}
        for entry in message.payload["procedures"]:
            agency = agencies.get(entry["agency_code"])
            if not answers_for(member, agency) or len(entry["code"]) > Procedure._meta.get_field("code").max_length:
                skipped += 1
                continue
            procedure, new = _procedure_for(entry, member, agency)
            added += new
            MemberProcedure.objects.update_or_create(member=member, procedure=procedure, defaults={
                "agency": agency, "online": entry.get("online", True), "url": entry.get("url", ""),
                "published_at": message.sent_at, "message_id": message.message_id,
                **({"added_to_catalog": True} if new else {}),
            })
            listed.append(procedure.pk)
        withdrawn = MemberProcedure.objects.filter(member=member).exclude(procedure__in=listed)
        for listing in withdrawn.filter(added_to_catalog=True).select_related("procedure"):
            abolish_procedure(procedure=listing.procedure)  # nobody else carries out a province's own procedure
        count, _ = withdrawn.delete()
        Member.objects.filter(pk=member.pk).update(catalog_published_at=message.sent_at)
    return f"applied: {len(listed)} listed, {added} new in the catalog, {count} withdrawn, {skipped} refused"


def _procedure_for(entry: dict, member: Member, agency: Agency) -> tuple[Procedure, bool]:
    """The catalog's procedure for the entry, and whether the member brings it in: new, or
    its own that it withdrew once and publishes again."""
    procedure = Procedure.objects.filter(code=entry["code"]).first()
    if procedure is None:
        return _new_procedure(entry, member, agency), True
    if procedure.status == ProcedureStatus.ABOLISHED and procedure.owner_id == member.agency_id:
        reinstate_procedure(procedure=procedure)
        return procedure, True
    return procedure, False
