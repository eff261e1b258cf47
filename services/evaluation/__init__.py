"""Evaluation service.

Indicators, the joint annual performance account, evaluations, flags and strongholds (§4.1–§4.3).
"""
