"""manage.py load_reference_data: administrative units, life events and FAQ (idempotent)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from dichvucong.catalog import services

DATASET_DIR = Path(__file__).resolve().parents[2] / "dataset"


class Command(BaseCommand):
    help = "Load provinces, communes and their agencies, life events and FAQ entries."

    def handle(self, *args, **options):
        counts = services.import_administrative_units()
        self.stdout.write(
            f"administrative units: {counts['provinces']} provinces, {counts['departments']} departments, "
            f"{counts['communes']} communes"
        )
        loaded = {}
        for name, loader in (("life_events.json", services.load_life_events), ("faq.json", services.load_faq)):
            path = DATASET_DIR / name
            if not path.exists():
                self.stderr.write(f"{path} is missing; skipped")
                continue
            loaded[name] = loader(path)
        self.stdout.write(self.style.SUCCESS(f"loaded: {loaded}"))
