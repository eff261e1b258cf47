"""Funding use cases: load, apply rules, write, add outbox events; never commit.

Import from the modules (``from services.funding.service.grants import award_grant``):

- ``common``                 the caller as funder, organisation and cluster lookups, rule errors.
- ``programmes``             a funder's programmes.
- ``calls``                  calls and the §3 dialogue before them.
- ``grants``                 grants and the 360Giving export.
- ``agreements``             coordinated-financing agreements with every party's consent (§3).
- ``clusters``               the cluster read model as the API shows it.
- ``coordination_findings``  the findings of the coordination checks: kept current, read;
                             the daily sweep.
- ``recommendations``        evaluation recommendations on grants and the funder's answer.
- ``timeline``               grants by calendar year for a cluster or a funder.
"""
