"""Adapters to the national registries (B2): population, tax, social insurance, enterprise.

A plain package, not a Django app: it holds no data. Each module offers typed functions
returning frozen records stamped with ``source`` and ``checked_at``, which is what an
account's verified identity attributes record. The wire contract is in docs/registries.md.
"""

from .base import Registry, RegistryError, RegistryRejected, RegistryUnavailable
from .enterprise import EnterpriseRecord, EnterpriseStatus, get_enterprise
from .health import RegistryHealth, check_registries
from .population import CitizenRecord, CitizenVerification, VerificationResult, verify_citizen
from .social_insurance import InsuredLookupResult, SocialInsuranceLookup, lookup_social_insurance
from .tax import (
    TaxpayerKind,
    TaxpayerRecord,
    TaxpayerStatus,
    lookup_enterprise_tax,
    lookup_personal_tax_code,
    lookup_taxpayer,
)

__all__ = [
    "CitizenRecord",
    "CitizenVerification",
    "EnterpriseRecord",
    "EnterpriseStatus",
    "InsuredLookupResult",
    "Registry",
    "RegistryError",
    "RegistryHealth",
    "RegistryRejected",
    "RegistryUnavailable",
    "SocialInsuranceLookup",
    "TaxpayerKind",
    "TaxpayerRecord",
    "TaxpayerStatus",
    "VerificationResult",
    "check_registries",
    "get_enterprise",
    "lookup_enterprise_tax",
    "lookup_personal_tax_code",
    "lookup_social_insurance",
    "lookup_taxpayer",
    "verify_citizen",
]
