"""Registry use cases: load, apply rules, write, add outbox events; never commit.

Import each use case from the module that defines it (``service.cluster_profiles``,
``service.members``, ``service.organisations`` …).
"""
