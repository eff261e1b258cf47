"""What a cluster's members say about it in numbers (for the annual account, §4.1)."""

from __future__ import annotations

from collections.abc import Iterable

#: Firms with fewer employees than this count as SMEs in the member summary (§4.1 "heraf
#: under 50 ansatte"; the EU's small-enterprise line).
SME_EMPLOYEES = 50

__all__ = ["SME_EMPLOYEES", "member_summary"]


def member_summary(members: Iterable[tuple[str, int | None]]) -> dict[str, object]:
    """From (kind, employees) pairs: ``members_by_kind`` counts and ``sme_firms``, the firms
    with a known employee count below :data:`SME_EMPLOYEES` (firms of unknown size are not
    counted as SMEs; ``firms_size_unknown`` says how many there are)."""
    by_kind: dict[str, int] = {}
    sme = unknown = 0
    for kind, employees in members:
        by_kind[kind] = by_kind.get(kind, 0) + 1
        if kind == "firm":
            if employees is None:
                unknown += 1
            elif employees < SME_EMPLOYEES:
                sme += 1
    return {
        "members_by_kind": dict(sorted(by_kind.items())),
        "sme_firms": sme,
        "firms_size_unknown": unknown,
    }
