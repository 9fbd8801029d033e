"""Reading the person's identity again from the population registry when a form opens (C1).

Once-only: the form is filled from the national database as it is now, not as it was at
registration (an address changed since shows as it is). At most every ``REFRESH_SECONDS``
per person, so that a page reload does not call the registry. When the registry cannot
answer, the form opens all the same from what the portal already holds, and the fields it
could not fill say why.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.cache import cache

REFRESH_SECONDS = 600
RETRY_AFTER_FAULT_SECONDS = 60


class RegistryNote(StrEnum):
    FRESH = "fresh"  # read from the registry just now (or within REFRESH_SECONDS)
    UNAVAILABLE = "unavailable"  # the registry did not answer
    DIFFERS = "differs"  # the registry no longer matches what the account holds
    NOT_VERIFIED = "not_verified"  # the account's identity was never confirmed: nothing to ask with


def refresh_identity(user) -> RegistryNote:  # noqa: ANN001 - accounts.User
    from dichvucong.accounts.constants import IdentityProofing
    from dichvucong.accounts.services import verify_with_population_registry
    from dichvucong.registries.base import RegistryError

    if user.identity_proofing < IdentityProofing.REGISTRY_VERIFIED or not user.pin:
        return RegistryNote.NOT_VERIFIED
    key = f"dossiers:identity-refreshed:{user.pk}"
    if (known := cache.get(key)) is not None:
        return RegistryNote(known)
    try:
        outcome = verify_with_population_registry(user, with_secondary_codes=False)
        note = RegistryNote.FRESH if outcome.verified else RegistryNote.DIFFERS
    except (RegistryError, KeyError, ValueError):
        note = RegistryNote.UNAVAILABLE
    cache.set(key, note.value, REFRESH_SECONDS if note is RegistryNote.FRESH else RETRY_AFTER_FAULT_SECONDS)
    return note
