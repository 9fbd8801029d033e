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
