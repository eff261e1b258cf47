"""The shortlist's helpers (§5 matching, pure): a part of a need, which parts to read in
full, adding a stem's postings, and the sorted vocabulary compounds are expanded over."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import NamedTuple


class Part(NamedTuple):
    """One part of a need: a stem (with its matches) or an asked-for field."""

    bound: float  # the most it can add to any offer's relevance
    weight: float  # text: idf(q) / Σ idf; field: 1
    matches: dict[str, float]  # text: index term → weight; field: {}
    code: str  # text: the stem; field: the field code
    cost: int  # postings to read it in full


def cheapest(
    parts: Sequence[Part], enough: Callable[[list[Part]], bool]
) -> tuple[list[Part], list[Part]] | None:
    """The parts to read (fewest postings) such that ``enough(the others)``; None if none.
    Every subset for up to 8 parts, else the cheapest first."""
    if len(parts) <= 8:
        best: tuple[int, list[Part], list[Part]] | None = None
        for mask in range(1, 1 << len(parts)):
            read = [p for i, p in enumerate(parts) if mask >> i & 1]
            cost = sum(p.cost for p in read)
            if best is not None and cost >= best[0]:
                continue
            others = [p for i, p in enumerate(parts) if not mask >> i & 1]
            if enough(others):
                best = (cost, read, others)
        return (best[1], best[2]) if best else None
    ordered = sorted(parts, key=lambda p: p.cost)
    for n in range(1, len(ordered) + 1):
        if enough(ordered[n:]):
            return ordered[:n], ordered[n:]
    return None


def add_text(text: dict[int, float], part: Part, postings: dict[str, dict[int, float]]) -> None:
    """Add one stem's contribution to every offer that has any of its matches."""
    if len(part.matches) == 1:
        ((term, w),) = part.matches.items()
        scale = part.weight * w
        get = text.get
        for number, weight in postings[term].items():
            text[number] = get(number, 0.0) + scale * weight
        return
    best: dict[int, float] = {}
    for term, w in part.matches.items():
        for number, weight in postings[term].items():
            if w * weight > best.get(number, 0.0):
                best[number] = w * weight
    for number, s in best.items():
        text[number] = text.get(number, 0.0) + part.weight * s


def starting_with(ordered: list[str], prefix: str, at_most: int) -> list[str]:
    found: list[str] = []
    i = bisect_left(ordered, prefix)
    while i < len(ordered) and len(found) < at_most and ordered[i].startswith(prefix):
        if ordered[i] != prefix:
            found.append(ordered[i])
        i += 1
    return found


def discard_sorted(ordered: list[str], value: str) -> None:
    i = bisect_left(ordered, value)
    if i < len(ordered) and ordered[i] == value:
        del ordered[i]
