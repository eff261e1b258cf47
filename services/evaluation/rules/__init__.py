"""Pure rules of the evaluation service: no I/O, no framework, no database (§4.1–§4.3).

Standard library only; every function takes plain values and returns frozen dataclasses or
named tuples, so the service layer, the API, the consumers and the benchmarks share one truth.

- ``indicators``  the indicator catalogue (reported and derived) and the validation of a
                  reported year (§4.1: one joint annual performance account).
- ``account``     the annual account: values, percentiles within the league, change from last
                  year, composites per function, league summaries (§4.1). See its "Formula".
- ``flags``       §4.3: poor performance over a longer period (bottom quartile of the league in
                  consecutive published accounts) or no longer relevant → flag.
- ``strongholds`` §4.2 smart specialisation: location quotients, European Cluster Observatory
                  stars and cross-regional cooperation suggestions.
- ``evaluations`` §4.1 mid-term and final evaluations scheduled from a grant's dates.
- ``labels``      ESCA cluster-management labels (bronze, silver, gold): expiring and expired.

Import from the modules (``from services.evaluation.rules.account import compute_account``).
"""
