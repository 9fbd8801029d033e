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
        self.stdout.write(self.style.SUCCESS("Demo accounts (embedded mode only), sign in at /quan-tri/:"))
        for line in lines:
            self.stdout.write(line)
