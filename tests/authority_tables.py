"""What every service's authorisation table (``tests/<service>/authority_matrix.py``) must
cover, checked the same way for each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from shared.kinds import ORG_KINDS

#: The columns of a table: every organisation kind, a token narrowed away from the write's
#: scope, and no token at all.
KINDS: tuple[str, ...] = (*ORG_KINDS, "narrowed_token", "no_token")


def assert_covers_every_kind(matrix: Iterable[Sequence[object]]) -> None:
    """Every endpoint of the table has a row for every caller kind, and no row twice."""
    rows = list(matrix)
    for endpoint in {r[1] for r in rows}:
        assert {r[2] for r in rows if r[1] == endpoint} == set(KINDS), endpoint
    assert len(rows) == len(set(map(tuple, rows)))
