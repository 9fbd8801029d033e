"""Simulated certification authority (test only): issuance, CRL, OCSP and SIM-PKI remote signing.

Python API in :mod:`simulators.ca.authority`; HTTP contract in docs/pki.md.
"""
