from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dichvucong.sso.keys import rotate_key_file


class Command(BaseCommand):
    help = "Retire the file-based OpenID signing key (kept for verification) and create a new one."

    def handle(self, *args, **options):
        import os

        if os.environ.get("OIDC_RSA_PRIVATE_KEY"):
            raise CommandError("keys come from the environment here: rotate them in the secret store")
        retired = rotate_key_file(settings.OIDC_KEY_FILE)
        self.stdout.write(f"retired key kept at {retired}; restart the web processes to sign with the new key")
