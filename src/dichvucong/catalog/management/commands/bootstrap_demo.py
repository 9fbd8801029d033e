"""manage.py bootstrap_demo: what `make run` needs on a fresh machine (embedded mode only).

Migrates nothing itself (make run migrates first); loads the committed catalog
dataset, administrative units, life events and FAQ, and creates demo accounts.
Every step is idempotent, so `make run` can run it at every start.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from dichvucong.catalog.models import Agency, CatalogEditor, Procedure

DEMO_ACCOUNTS = [
    # (username, password, role, agency code)
    ("quantri", "quantri-demo-2026", "system administrator (Django admin)", None),
    ("bientap.tuphap", "bientap-demo-2026", "catalog editor of Bộ Tư pháp", "000.00.00.G15"),
]
CATALOG_EDITORS_GROUP = "Biên tập danh mục"


def ensure_catalog_editor_group() -> Group:
    group, _ = Group.objects.get_or_create(name=CATALOG_EDITORS_GROUP)
    perms = Permission.objects.filter(
        content_type__app_label="catalog",
        codename__in=["view_procedure", "change_procedure", "view_procedureversion", "view_faqentry",
                      "add_faqentry", "change_faqentry", "view_lifeevent"],
    )
    group.permissions.set(perms)
    return group


DEMO_CITIZEN_PASSWORD = "congdan-demo-2026"  # noqa: S105 - demo account, embedded mode only


def ensure_demo_identity() -> list[str]:
    """A demo citizen (unverified: "verify" goes through the population adapter), an official
    with a role, and the demo ministry portal registered as an OpenID client."""
    from django.utils import timezone

    from dichvucong.accounts.constants import (
        AccountType,
        AttributeName,
        AttributeSource,
        OfficialRole,
    )
    from dichvucong.accounts.models import IdentityAttribute, OfficialPosition, User
    from dichvucong.sso.models import Client
    from simulators.registries.population_data import demo_people

    person = demo_people(1)[0]
    citizen, created = User.objects.get_or_create(
        username=person.pin,
        defaults={"pin": person.pin, "full_name": person.full_name, "email": f"congdan.{person.pin[-4:]}@example.vn",
                  "email_confirmed_at": timezone.now(), "phone": person.phone, "account_type": AccountType.CITIZEN},
    )
    if created:
        citizen.set_password(DEMO_CITIZEN_PASSWORD)
        citizen.save()
        for name, value in ((AttributeName.PIN, person.pin), (AttributeName.FULL_NAME, person.full_name),
                            (AttributeName.DATE_OF_BIRTH, person.date_of_birth.isoformat())):
            IdentityAttribute.objects.get_or_create(user=citizen, name=name,
                                                    defaults={"value": value, "source": AttributeSource.SELF})
    receiver, created = User.objects.get_or_create(
        username="tiepnhan.hanoi", defaults={"full_name": "Cán bộ tiếp nhận (demo)", "account_type": AccountType.OFFICIAL}
    )
    if created:
        receiver.set_password("tiepnhan-demo-2026")
        receiver.save()
    agency = Agency.objects.filter(level="province").order_by("code").first()
    if agency is not None:
        OfficialPosition.objects.get_or_create(user=receiver, agency=agency, unit=None, role=OfficialRole.RECEIVER)

    base = settings.PUBLIC_BASE_URL
    Client.objects.update_or_create(
        client_id="bo-gia-lap",
        defaults={
            "name": "Cổng dịch vụ Bộ Giả lập (demo)", "client_secret": "bo-gia-lap-secret",
            "client_type": Client.CLIENT_CONFIDENTIAL, "authorization_grant_type": Client.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": f"{base}/sim/ministry/callback/", "post_logout_redirect_uris": f"{base}/sim/ministry/",
            "backchannel_logout_uri": f"{base}/sim/ministry/backchannel-logout/",
            "algorithm": Client.RS256_ALGORITHM, "allowed_scopes": "openid profile identity", "max_level": 4,
        },
    )
    newcomers = [
        f"  register as: {p.pin}  {p.full_name}  born {p.date_of_birth:%d/%m/%Y}" for p in demo_people(8)[5:8]
    ]
    return [
        f"  {person.pin:16} {DEMO_CITIZEN_PASSWORD:20} citizen {person.full_name} (verify at /tai-khoan/ho-so/)",
        *newcomers,
        f"  {'tiepnhan.hanoi':16} {'tiepnhan-demo-2026':20} official, receiver at {agency.code if agency else '-'}",
        f"  demo ministry portal (SSO): {base}/sim/ministry/",
    ]


DEMO_OFFICIAL_PASSWORD = "canbo-demo-2026"  # noqa: S105 - demo accounts, embedded mode only
DEMO_OFFICIALS = [
    # (username, full name, role)
    ("motcua.demo", "Trần Thị Tiếp Nhận", "receiver"),
    ("xuly.demo", "Lê Văn Xử Lý", "processor"),
    ("lanhdao.demo", "Phạm Minh Lãnh Đạo", "approver"),
    ("quantri.demo", "Nguyễn Quản Trị", "agency_admin"),
]


def ensure_demo_officials() -> list[str]:
    """The one-stop staff of a Hà Nội commune's People's Committee (the second commune of the
    list, the one the demo journeys choose), each with a role of the back office."""
    from dichvucong.accounts.constants import AccountType
    from dichvucong.accounts.models import OfficialPosition, User
    from dichvucong.dossiers.eforms import commune_choices

    communes = dict(commune_choices()).get("Thành phố Hà Nội") or []
    if len(communes) < 2:
        return []
    agency = Agency.objects.filter(level="commune", province_code=1, ward_code=int(communes[1][0])).first()
    if agency is None:
        return []
    lines = []
    for username, full_name, role in DEMO_OFFICIALS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"full_name": full_name, "account_type": AccountType.OFFICIAL,
                                         "email": f"{username}@example.vn"},
        )
        if created:
            user.set_password(DEMO_OFFICIAL_PASSWORD)
            user.save()
        OfficialPosition.objects.get_or_create(user=user, agency=agency, unit=None, role=role)
        lines.append(f"  {username:16} {DEMO_OFFICIAL_PASSWORD:20} official, {role} at {agency.name}")
    return lines


class Command(BaseCommand):
    help = "Load the catalog and demo accounts for the embedded mode."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("bootstrap_demo creates demo accounts and never runs in production")
        if Procedure.objects.exists():
            self.stdout.write("catalog already loaded; checking it is up to date")
        call_command("import_catalog", str(settings.CATALOG_DATASET), "--no-progress")
        call_command("load_reference_data")
        group = ensure_catalog_editor_group()
        User = get_user_model()
        lines = []
        for username, password, role, agency_code in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(password)
            user.is_staff = True
            user.is_superuser = agency_code is None
            user.save()
            if agency_code:
                agency = Agency.objects.filter(code=agency_code).first()
                if agency is None:
                    agency = Agency.objects.filter(level="ministry").order_by("name").first()
                CatalogEditor.objects.update_or_create(user=user, defaults={"agency": agency})
                user.groups.add(group)
            lines.append(f"  {username:16} {password:20} {role}")
        lines.extend(ensure_demo_identity())
        lines.extend(ensure_demo_officials())
        self.stdout.write(self.style.SUCCESS("Demo accounts (embedded mode only), sign in at /tai-khoan/dang-nhap/:"))
        for line in lines:
            self.stdout.write(line)
