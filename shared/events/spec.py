"""What an event type is: its name, payload model and summary (``declare``), without the list
of types — that is ``catalog.CATALOG``, built from ``contracts``.

An event type's name is its NATS subject (``<service>.<entity>.<verb>``) and its CloudEvents
``type``. Payloads carry ids and facts only, never personal data. They evolve by adding
optional fields; a breaking change is a new type.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pydantic import BaseModel

SERVICES = ("registry", "funding", "referrals", "evaluation", "gateway")


@dataclass(frozen=True)
class EventSpec:
    type: str
    payload: builtins.type[BaseModel]
    summary: str
    #: Addressed events go to one organisation (``recipient``); others are public.
    addressed: bool = False

    @property
    def producer(self) -> str:
        return self.type.split(".", 1)[0]


def declare(
    type_: str, summary: str, *, addressed: bool = False
) -> Callable[[type[BaseModel]], type[BaseModel]]:
    """Class decorator: mark ``cls`` as the payload of event type ``type_``. Nothing is
    registered here; ``catalog_of`` collects the marked classes of a module."""
    parts = type_.split(".")
    if len(parts) != 3 or parts[0] not in SERVICES:
        raise ValueError(f"event type must be <service>.<entity>.<verb>: {type_}")

    def mark(cls: type[BaseModel]) -> type[BaseModel]:
        cls.__event_spec__ = EventSpec(type_, cls, summary, addressed)  # type: ignore[attr-defined]
        return cls

    return mark


def spec_of(cls: type) -> EventSpec | None:
    """The event type ``cls`` was declared as the payload of, if any (not inherited)."""
    spec = cls.__dict__.get("__event_spec__")
    return spec if isinstance(spec, EventSpec) else None


def catalog_of(payloads: Iterable[object]) -> dict[str, EventSpec]:
    """Every declared payload among ``payloads`` by event type; a type declared twice is an
    error."""
    catalog: dict[str, EventSpec] = {}
    for obj in payloads:
        spec = spec_of(obj) if isinstance(obj, type) else None
        if spec is None:
            continue
        if spec.type in catalog:
            raise ValueError(f"event type declared twice: {spec.type}")
        catalog[spec.type] = spec
    return catalog


def stream_name(service: str) -> str:
    """One JetStream stream per producing service: ``REGISTRY`` holds ``registry.>``."""
    return service.upper()
