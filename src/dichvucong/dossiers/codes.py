"""Dossier codes in the national format: ``<agency code>-<yymmdd>-<sequence>``.

The agency part is the receiving agency's code in the national catalogue of agency codes
(e.g. ``000.00.15.H29``), the date is the day of receipt, and the sequence counts that
agency's dossiers of that day from 0001 (more digits after 9999). Codes are unique and
never reused; a row lock on the day's counter keeps concurrent submissions apart.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from dichvucong.dossiers.models import DossierSequence


def next_dossier_code(agency_code: str, day: date) -> str:
    with transaction.atomic():
        DossierSequence.objects.get_or_create(agency_code=agency_code, day=day)
        sequence = DossierSequence.objects.select_for_update().get(agency_code=agency_code, day=day)
        sequence.last += 1
        sequence.save(update_fields=["last"])
    return f"{agency_code}-{day:%y%m%d}-{sequence.last:04d}"
