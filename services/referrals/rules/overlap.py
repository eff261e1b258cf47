"""Who should hear about an activity (§5: "orientere hinanden om større aktiviteter").

The paper asks growth houses, local business service and cluster organisations to tell each
other about larger activities that are relevant to the other's target group. The exchange
reads an organisation's interests from what it publishes:

- its fields and target groups are the union over its **active** services, and
- a cluster organisation's registered fields (from the registry) count too, even before it
  has published a service.

An organisation hears about an activity when one of the activity's fields or target groups is
among its interests. The hosts (the organisation and its co-hosts) are never told about their
own activity. Pure functions: dataclasses in, lists out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Offer:
    """What one published service (or a cluster's registration) says about its organisation."""

    organisation_id: str
    fields: Sequence[str] = ()
    target_groups: Sequence[str] = ()


@dataclass(frozen=True)
class Interests:
    """An organisation's fields and target groups: the union over its offers."""

    organisation_id: str
    fields: frozenset[str] = field(default_factory=frozenset)
    target_groups: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Topic:
    """What an activity is about."""

    fields: Sequence[str] = ()
    target_groups: Sequence[str] = ()


@dataclass(frozen=True)
class Overlap:
    """One organisation to tell, and what overlapped: ``field:<code>`` / ``target:<group>``
    in the order the activity lists them, fields first."""

    organisation_id: str
    overlap: tuple[str, ...]


def interests(offers: Iterable[Offer]) -> dict[str, Interests]:
    """Each organisation's interests: the union of the fields and target groups of its offers."""
    fields: dict[str, set[str]] = {}
    targets: dict[str, set[str]] = {}
    for offer in offers:
        fields.setdefault(offer.organisation_id, set()).update(offer.fields)
        targets.setdefault(offer.organisation_id, set()).update(offer.target_groups)
    return {org: Interests(org, frozenset(fields[org]), frozenset(targets[org])) for org in fields}


def overlap_with(topic: Topic, org: Interests) -> tuple[str, ...]:
    """What of ``topic`` the organisation cares about (empty: nothing)."""
    found = [f"field:{f}" for f in dict.fromkeys(topic.fields) if f in org.fields]
    found += [f"target:{t}" for t in dict.fromkeys(topic.target_groups) if t in org.target_groups]
    return tuple(found)


def who_to_tell(
    topic: Topic, organisations: Iterable[Interests], hosts: Iterable[str]
) -> list[Overlap]:
    """Every organisation but the hosts whose interests overlap ``topic``, by id."""
    skip = set(hosts)
    told = [
        Overlap(org.organisation_id, found)
        for org in organisations
        if org.organisation_id not in skip and (found := overlap_with(topic, org))
    ]
    return sorted(told, key=lambda o: o.organisation_id)
