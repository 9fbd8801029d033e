"""What a dossier costs (E1): the fees of the channel it is filed through, from the catalog."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from dichvucong.dossiers.models import Dossier


@dataclass(frozen=True)
class FeeLine:
    label: str
    amount: int  # whole đồng


@dataclass(frozen=True)
class Fees:
    lines: tuple[FeeLine, ...]
    rule: str = ""  # the agency's published text about the fee, shown beside the amounts

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


# Fee lines that do not come from the catalog (the postal delivery fee, F2). Other apps
# register a provider in their ``AppConfig.ready`` rather than this module importing them:
# each provider gets the dossier and answers its lines (none when it does not apply). A
# provider must not raise for a fault of its own outside system; it answers a fallback.
FeeProvider = Callable[[Dossier], Iterable[FeeLine]]
extra_fee_providers: list[FeeProvider] = []


def register_fee_provider(provider: FeeProvider) -> None:
    if provider not in extra_fee_providers:
        extra_fee_providers.append(provider)


def online_channel(dossier: Dossier) -> dict | None:
    """The online channel of the procedure version the dossier is filed under (else the first)."""
    channels = dossier.procedure_version.channels or []
    return next((c for c in channels if c.get("channel") == "online"), channels[0] if channels else None)


def fees_due(dossier: Dossier) -> Fees:
    """The fees the catalog lists for filing online; free lines ("Miễn phí") are dropped.

    The catalog's amounts are what the publishing agency declared; where its text says the
    fee depends on the case, the parsed amount is the one published and the agency's text
    is shown beside it (docs/payments.md). Lines of the registered ``extra_fee_providers``
    (the postal delivery fee) follow the catalog's, paid in the same payment.
    """
    channel = online_channel(dossier) or {}
    lines = []
    for fee in channel.get("fees") or []:
        amount = fee.get("amount")
        if isinstance(amount, int | float) and amount > 0:
            lines.append(FeeLine(label=_line_label(str(fee.get("label") or "")), amount=int(amount)))
    for provider in extra_fee_providers:
        lines.extend(line for line in provider(dossier) if line.amount > 0)
    return Fees(lines=tuple(lines), rule=str(channel.get("fee_text") or "").strip())


_AMOUNT_ONLY = re.compile(r"[\d.,\s]+(việt nam đồng|đồng|vnđ|vnd|đ)?", re.IGNORECASE)


def _line_label(label: str) -> str:
    """The catalog often labels a fee with its amount alone ("7,000 Việt Nam Đồng")."""
    return _("Phí, lệ phí") if not label or _AMOUNT_ONLY.fullmatch(label.strip()) else label
