"""Funding coordination service.

Programmes, calls with dialogue, grants, agreements and coordination checks (§3, §4).
"""
