"""Levels of assurance 1–4 (B4): which methods and which identity evidence reach which level.

The definitions are in docs/levels-of-assurance.md; this module is their only
implementation. A session's level is the lower of what its authentication methods
prove and what the account's identity evidence allows.
"""

from __future__ import annotations

from collections.abc import Iterable

from dichvucong.accounts.constants import AccountType, AuthMethod, IdentityProofing

SECOND_FACTORS = {AuthMethod.SMS_OTP, AuthMethod.TOTP, AuthMethod.EMAIL_OTP}


def authentication_level(methods: Iterable[str]) -> int:
    used = set(methods)
    level = 0
    if AuthMethod.PASSWORD in used:
        level = 1
        if used & SECOND_FACTORS:
            level = 2
    if AuthMethod.EID_LEVEL_1 in used:
        level = max(level, 2)
    if AuthMethod.PASSKEY in used or AuthMethod.EID_LEVEL_2 in used:
        level = max(level, 3)
    if AuthMethod.CERTIFICATE in used:
        level = 4
    return level


def identity_ceiling(user) -> int:  # noqa: ANN001 - accounts.User
    """The highest level the account's identity evidence supports."""
    if user.account_type == AccountType.OFFICIAL:
        # Identified in person by the agency that employs them (in person: IAL2); level 4
        # would need the certificate issued to them after that, checked like a citizen's.
        return 3
    if user.account_type == AccountType.FOREIGNER:
        # Passport number plus a confirmed e-mail: level 2 at most (B3).
        return 2 if user.passport_number and user.email_confirmed_at else 1
    if user.identity_proofing >= IdentityProofing.REGISTRY_VERIFIED:
        return 4
    return 1


def session_level(user, methods: Iterable[str]) -> int:  # noqa: ANN001
    return min(authentication_level(methods), identity_ceiling(user))


def methods_reaching(user, level: int) -> list[str]:  # noqa: ANN001
    """Methods this user could use now to reach ``level`` by authentication strength.

    The identity ceiling is not applied here: the step-up page shows it separately (how
    to verify the identity), and a stronger method still matters for adding factors.
    """
    options: list[str] = []
    if level <= 2:
        if user.totpdevice_set.filter(confirmed=True).exists():
            options.append(AuthMethod.TOTP)
        if user.phone_confirmed_at:
            options.append(AuthMethod.SMS_OTP)
        if user.account_type == AccountType.FOREIGNER and user.email_confirmed_at:
            options.append(AuthMethod.EMAIL_OTP)
    if level <= 3 and user.passkeys.exists():
        options.append(AuthMethod.PASSKEY)
    if level <= 3 and user.pin:
        options.append(AuthMethod.EID_LEVEL_2)
    if user.pin:
        options.append(AuthMethod.CERTIFICATE)
    return options


def has_second_factor(user) -> bool:  # noqa: ANN001
    return user.passkeys.exists() or user.totpdevice_set.filter(confirmed=True).exists()


FRESH_SIGN_IN_SECONDS = 15 * 60


def may_add_factor(user, auth: dict, now: int) -> bool:  # noqa: ANN001
    """Adding a second factor or a passkey (B3, B6).

    The first factor of an account can be added after a recent sign-in (an account with
    only a password can prove no more); once a factor exists, adding another needs a
    session at level 2, i.e. one of the existing factors, so that a stolen password
    alone cannot plant the attacker's own authenticator.
    """
    if not has_second_factor(user):
        return now - int(auth.get("at", 0)) <= FRESH_SIGN_IN_SECONDS
    return authentication_level(auth.get("methods", [])) >= 2
