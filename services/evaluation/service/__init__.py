"""Evaluation use cases: load, apply rules, write, add outbox events; never commit."""
