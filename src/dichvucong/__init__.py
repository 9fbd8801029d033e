"""dichvucong: the public service portal (Cổng Dịch vụ công)."""

from .celery import app as celery_app

__all__ = ("celery_app",)
