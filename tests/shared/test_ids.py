"""Ids made by ``shared.queries.new_id`` sort in the order they were made."""

from __future__ import annotations

from shared.queries import new_id


def test_ids_made_in_a_loop_sort_in_the_order_they_were_made() -> None:
    """Thousands within a millisecond keep their order (a call's consulted parties, made in
    the rule's order, list in that order), and none repeats."""
    ids = [new_id("dlg") for _ in range(20_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert {len(i) for i in ids} == {len("dlg-") + 22}
