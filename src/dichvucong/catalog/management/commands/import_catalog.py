"""manage.py import_catalog <dir|dataset.json.gz> [--write-dataset PATH]

Reads the raw national crawl (a directory laid out like ../shared/data) or a
curated dataset file, and writes the catalog. Idempotent: a second run reports
every procedure unchanged.
"""

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from dichvucong.catalog import importing, services


class Command(BaseCommand):
    help = "Import the procedure catalog from the raw national data or a curated dataset."

    def add_arguments(self, parser):
        parser.add_argument("source", nargs="?", default=str(settings.CATALOG_DATASET))
        parser.add_argument("--write-dataset", metavar="PATH", help="also write the curated dataset here")
        parser.add_argument("--dataset-only", action="store_true", help="write the dataset, not the database")
        parser.add_argument("--no-progress", action="store_true")

    def _progress(self, label: str, options):
        show = sys.stderr.isatty() and not options["no_progress"]
        return lambda items: tqdm(items, desc=label, unit="rec", disable=not show, file=sys.stderr)

    def handle(self, *args, **options):
        source = Path(options["source"])
        if source.is_dir():
            dataset, report = importing.build_dataset(source, self._progress("parse", options))
            self.stdout.write(
                f"parsed {report.procedures} procedures in full, {report.usage_only} known only from "
                f"usage lists; field parse rate {report.parse_rate:.1%}; "
                f"{report.fully_parsed} procedures with every field parsed; "
                f"{report.names_repaired} names repaired from the usage lists"
            )
            for name, statuses in sorted(report.field_status.items()):
                self.stdout.write(f"  {name:12} " + "  ".join(f"{k}={v}" for k, v in sorted(statuses.items())))
            for name, reason in report.bad_records:
                self.stderr.write(f"bad record {name}: {reason}")
            if options["write_dataset"]:
                importing.write_dataset(dataset, Path(options["write_dataset"]))
                self.stdout.write(f"wrote {options['write_dataset']}")
        elif source.is_file():
            dataset = importing.read_dataset(source)
        else:
            raise CommandError(f"{source} is neither a directory nor a dataset file")
        if options["dataset_only"]:
            return
        result = services.import_dataset(dataset, self._progress("import", options))
        for code, reason in result.errors:
            self.stderr.write(f"bad record {code}: {reason}")
        self.stdout.write(
            self.style.SUCCESS(
                f"catalog: {result.created} created, {result.amended} amended, "
                f"{result.unchanged} unchanged, {result.metadata_updated} re-ranked, {len(result.errors)} bad"
            )
        )
