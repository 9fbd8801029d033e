from django import template

from dichvucong.core.text import group_thousands

register = template.Library()


@register.filter
def get_item(mapping, key):  # noqa: ANN001, ANN201 - a template filter
    """``mapping|get_item:key``: a dict lookup with a key held in a variable."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def vnd(amount) -> str:  # noqa: ANN001 - a template filter
    """``7000|vnd`` → "7.000 ₫": thousands grouped with dots, the Vietnamese way."""
    try:
        return f"{group_thousands(amount)} ₫"
    except (TypeError, ValueError):
        return ""


@register.filter
def working_time(hours) -> str:  # noqa: ANN001 - a template filter
    """Working hours as days of 8 hours and hours: "2 ngày 3 giờ làm việc"."""
    from django.utils.translation import gettext, ngettext

    if hours is None:
        return ""
    total = round(float(hours))
    days, rest = divmod(total, 8)
    parts = []
    if days:
        parts.append(ngettext("%(n)d ngày", "%(n)d ngày", days) % {"n": days})
    if rest or not days:
        parts.append(ngettext("%(n)d giờ", "%(n)d giờ", rest) % {"n": rest})
    return gettext("%(time)s làm việc") % {"time": " ".join(parts)}
