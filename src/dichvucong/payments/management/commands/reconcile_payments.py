"""Reconcile one day's payments with the platform's file (the beat task does yesterday)."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dichvucong.payments.reconciliation import reconcile


class Command(BaseCommand):
    help = "So sánh tệp đối soát của cổng thanh toán với các khoản thanh toán của một ngày."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="YYYY-MM-DD (mặc định: hôm qua)")

    def handle(self, *args: object, day: str | None = None, **options: object) -> None:
        try:
            target = date.fromisoformat(day) if day else timezone.localdate() - timedelta(days=1)
        except ValueError as error:
            raise CommandError("--day must be YYYY-MM-DD") from error
        run = reconcile(target)
        if run.error:
            raise CommandError(f"{target}: {run.error}")
        self.stdout.write(f"{target}: {run.platform_rows} platform rows, {run.portal_rows} portal payments, "
                          f"{run.differences.count()} differences ({run.recovered} recovered)")
