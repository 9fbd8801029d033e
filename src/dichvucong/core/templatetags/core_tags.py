from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):  # noqa: ANN001, ANN201 - a template filter
    """``mapping|get_item:key``: a dict lookup with a key held in a variable."""
    return mapping.get(key) if hasattr(mapping, "get") else None
