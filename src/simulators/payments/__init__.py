"""Simulator of the national payment platform (docs/payment-platform-contract.md)."""
