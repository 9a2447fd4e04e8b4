"""Lifecycle: end-of-sale/support data, contracts, policies and replacement planning (issue #4, #6)."""
