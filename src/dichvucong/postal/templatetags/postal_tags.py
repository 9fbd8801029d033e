from django import template

from dichvucong.dossiers.models import Dossier
from dichvucong.postal import selectors, services

register = template.Library()


@register.simple_tag
def shipments_for(dossier: Dossier) -> list:
    """``{% shipments_for dossier as shipments %}`` in the dossier page's postal partial."""
    return list(selectors.shipments_for(dossier)) if dossier is not None and dossier.pk else []


@register.simple_tag(takes_context=True)
def pickup_allowed(context: template.Context, dossier: Dossier) -> bool:
    request = context.get("request")
    return bool(request) and services.pickup_allowed(dossier, request.user)
