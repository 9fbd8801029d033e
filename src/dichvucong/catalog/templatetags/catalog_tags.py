from django import template
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..constants import TimeUnit

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (or removed when empty)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in ("", None):
            params.pop(key, None)
        else:
            params[key] = value
    if "page" not in changes:
        params.pop("page", None)
    return urlencode(sorted(params.items()))


@register.filter
def duration(row: dict) -> str:
    """'7 ngày làm việc' from a parsed channel row."""
    if row.get("time") is None:
        return _("Không quy định")
    value = row["time"]
    number = int(value) if float(value).is_integer() else value
    return f"{number} {TimeUnit(row['time_unit']).label}"


@register.filter
def money(amount: int | None) -> str:
    if amount is None:
        return ""
    return thousands(amount) + " đ"


@register.simple_tag(takes_context=True)
def facet_query(context, name: str, value: str) -> str:
    """The query string that toggles one facet value (selected -> removed, else set)."""
    current = context["request"].GET.get(name, "")
    return query_with(context, **{name: "" if current == value else value})


@register.filter
def thousands(value: int | None) -> str:
    """15539622 -> "15.539.622" in Vietnamese, "15,539,622" in English."""
    if value is None:
        return ""
    text = f"{int(value):,}"
    return text if get_language() == "en" else text.replace(",", ".")


@register.filter
def fees(row: dict) -> str:
    """'Miễn phí' or '50.000 đ; 100.000 đ' from a parsed channel row; '' when none parsed."""
    return "; ".join(_("Miễn phí") if fee["amount"] == 0 else money(fee["amount"]) for fee in row.get("fees", []))
