"""Digital-signature certificates: sign-in by signed challenge (LoA 4) and remote signing.

A plain package without models: :mod:`.verification` checks a signed challenge, the chain to
the trusted CAs and revocation; :mod:`.remote_signing` talks to a SIM-PKI / remote-signing
provider. See docs/pki.md.
"""
