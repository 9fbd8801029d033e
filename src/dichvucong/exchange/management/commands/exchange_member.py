"""Register a member's system of the exchange, or bring its registration up to date (H2).

    manage.py exchange_member --code H66 --name "Tỉnh Đắk Lắk" --kind province \\
        --agency 000.00.00.H66 --endpoint https://motcua.daklak.gov.vn/lien-thong/thong-diep \\
        --token-endpoint https://motcua.daklak.gov.vn/lien-thong/token --key-file h66.jwk.json

Idempotent: run again with a new ``--key-file`` to add a key (rotation: then revoke the old
one on the member's page). The public key is an EC P-256 JWK; a private key is refused.
Every change is audited (as the system, no user). Administrators do the same from
``/quan-tri/lien-thong/thanh-vien/<code>/``.
"""

from __future__ import annotations

import json
from datetime import datetime, time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from dichvucong.accounts import audit
from dichvucong.catalog.models import Agency
from dichvucong.exchange import services
from dichvucong.exchange.constants import MemberKind, MessageType
from dichvucong.exchange.models import Member, MemberKey, MemberSystem

# What a one-stop system sends the portal, and what the portal sends it.
ONE_STOP_SENDS = [MessageType.CATALOG_SYNC, MessageType.STATUS_UPDATE, MessageType.RESULT_DELIVERY,
                  MessageType.SUPPLEMENT_REQUEST, MessageType.STATISTICS_REPORT, MessageType.HEARTBEAT]
ONE_STOP_RECEIVES = [MessageType.DOSSIER_HANDOVER, MessageType.SUPPLEMENT, MessageType.HEARTBEAT]


class Command(BaseCommand):
    help = "Register (or update) an exchange member's system and add its public key."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--code", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", choices=[k for k in MemberKind.values if k != MemberKind.PORTAL], required=True)
        parser.add_argument("--agency", help="the agency code it answers for (a province: every agency of it)")
        parser.add_argument("--system", default="Hệ thống một cửa điện tử")
        parser.add_argument("--endpoint", default="")
        parser.add_argument("--token-endpoint", default="")
        parser.add_argument("--key-file", type=Path, help="its public key, a JWK (EC P-256) with a kid")
        parser.add_argument("--key-expires", help="YYYY-MM-DD: when the key is to be replaced")
        parser.add_argument("--sends", nargs="*", default=ONE_STOP_SENDS, choices=MessageType.values)
        parser.add_argument("--receives", nargs="*", default=ONE_STOP_RECEIVES, choices=MessageType.values)

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        agency = None
        if options["agency"]:
            agency = Agency.objects.filter(code=options["agency"]).first()
            if agency is None:
                raise CommandError(f"no agency {options['agency']} in the catalog")
        member = Member.objects.filter(code=options["code"]).first()
        if member is None:
            try:
                member = services.register_member(code=options["code"], name=options["name"], kind=options["kind"],
                                                  admin=None, agency=agency)
            except ValueError as error:
                raise CommandError(str(error)) from error
        else:
            Member.objects.filter(pk=member.pk).update(name=options["name"], kind=options["kind"], agency=agency)
        system, _ = MemberSystem.objects.update_or_create(member=member, name=options["system"], defaults={
            "endpoint": options["endpoint"], "token_endpoint": options["token_endpoint"],
            "may_send": list(options["sends"]), "may_receive": list(options["receives"]),
        })
        audit.record("exchange.member_configured", member=member.code, kind=options["kind"],
                     agency=options["agency"] or "", system=system.name, endpoint=system.endpoint,
                     token_endpoint=system.token_endpoint, may_send=system.may_send, may_receive=system.may_receive)
        if options["key_file"]:
            self._add_key(system, options)
        self.stdout.write(f"exchange member {member.code}: {system.name} at {system.endpoint or '(no endpoint)'}, "
                          f"{system.keys.filter(status='active').count()} active key(s)")

    def _add_key(self, system: MemberSystem, options: dict) -> None:
        try:
            public = json.loads(options["key_file"].read_text())
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read {options['key_file']}: {error}") from error
        if MemberKey.objects.filter(kid=public.get("kid", ""), system=system).exists():
            return
        expires = None
        if options["key_expires"]:
            expires = timezone.make_aware(datetime.combine(datetime.fromisoformat(options["key_expires"]), time()))
        try:
            services.add_key(system, public, admin=None, expires_at=expires)
        except ValueError as error:
            raise CommandError(f"key refused: {error}") from error
