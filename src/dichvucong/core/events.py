"""A small, explicit domain-event dispatch.

Apps publish what happened (``emit("catalog.procedure_amended", code=...)``);
other apps subscribe in their ``AppConfig.ready``. Handlers run after the
surrounding transaction commits, so no listener sees a change that was rolled back.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

Handler = Callable[..., None]
_handlers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(event: str, handler: Handler) -> None:
    if handler not in _handlers[event]:
        _handlers[event].append(handler)


def unsubscribe(event: str, handler: Handler) -> None:
    if handler in _handlers[event]:
        _handlers[event].remove(handler)


def emit(event: str, **payload: Any) -> None:
    def dispatch() -> None:
        for handler in list(_handlers.get(event, ())):
            try:
                handler(**payload)
            except Exception:
                # One failing listener must not stop the others; it is logged for operators.
                logger.exception("event handler failed", extra={"event": event, "handler": handler.__qualname__})

    transaction.on_commit(dispatch)
