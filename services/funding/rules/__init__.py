"""Pure rules of funding coordination (§1–§4.3): no I/O, no framework, no database.

- ``authority``     §1, §3 who may write what (funders, owners, named and concerned parties).
- ``violations``    ``RuleViolation``: a rule refused the action (the service layer turns it
                    into problem+json).
- ``calls``         §3 scope of a call and the dialogue before it, §4.1 published criteria,
                    the call's states and dates (not open before ``opens_on``).
- ``periods``       a programme's or a grant's period.
- ``grants``        §3, §4.1 when grants are recorded against a call, its budget, a base
                    grant's call or exemption; 360Giving identifiers.
- ``coordination``  §1, §3, §4.3 the checks on funders and periods, and ``evaluate`` (all).
- ``coordination_grants``  §1 coverage, §3/§4.1 competition, §4.3 recommendations, §2 tasks.
- ``coordination_model``   the views the checks read, the rule names, the findings.
- ``activities``    activities as one vocabulary (stems, ``data/activity_synonyms.json``).
- ``timeline``      which money, when: grants over calendar years (``shared.money``).

Import from the modules (``from services.funding.rules.calls import transition``).
"""
