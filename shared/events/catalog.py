"""The catalog: every event type is declared here once, with its payload model.

An event type's name is its NATS subject (``<service>.<entity>.<verb>``) and its CloudEvents
``type``. Payloads carry ids and facts only, never personal data. They evolve by adding
optional fields; a breaking change is a new type.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Any

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


CATALOG: dict[str, EventSpec] = {}


def declare(type_: str, summary: str, *, addressed: bool = False):
    """Class decorator: register ``cls`` as the payload of event type ``type_``."""
    parts = type_.split(".")
    if len(parts) != 3 or parts[0] not in SERVICES:
        raise ValueError(f"event type must be <service>.<entity>.<verb>: {type_}")

    def wrap(cls: type[BaseModel]) -> type[BaseModel]:
        if type_ in CATALOG:
            raise ValueError(f"event type declared twice: {type_}")
        CATALOG[type_] = EventSpec(type_, cls, summary, addressed)
        return cls

    return wrap


def spec_for(type_: str) -> EventSpec:
    try:
        return CATALOG[type_]
    except KeyError:
        raise KeyError(f"event type not in the catalog: {type_}") from None


def stream_name(service: str) -> str:
    """One JetStream stream per producing service: ``REGISTRY`` holds ``registry.>``."""
    return service.upper()


def asyncapi_document(
    service: str | None = None, *, title: str = "Klyngeforum events"
) -> dict[str, Any]:
    """Generate an AsyncAPI 3.0 document from the catalog.

    With ``service`` given, only that service's events are included (what it sends).
    """
    from shared.events import contracts  # noqa: F401  (fills CATALOG)

    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for spec in sorted(CATALOG.values(), key=lambda s: s.type):
        if service and spec.producer != service:
            continue
        key = spec.type.replace(".", "_")
        schema = spec.payload.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            schemas[name] = sub
        schemas[spec.payload.__name__] = schema
        messages[key] = {
            "name": spec.type,
            "title": spec.type,
            "summary": spec.summary,
            "contentType": "application/cloudevents+json",
            "headers": {
                "type": "object",
                "properties": {"Nats-Msg-Id": {"type": "string", "description": "= event id"}},
            },
            "payload": {"$ref": f"#/components/schemas/{spec.payload.__name__}"},
            "x-addressed": spec.addressed,
            "x-stream": stream_name(spec.producer),
        }
        channels[key] = {
            "address": spec.type,
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
            "description": spec.summary,
        }
        operations[f"publish_{key}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{key}"},
            "summary": spec.summary,
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": title if not service else f"Klyngeforum {service} events",
            "version": "1.0.0",
            "description": (
                "Every message is a CloudEvents 1.0 JSON envelope whose `data` is the payload "
                "below; `type` equals the NATS subject. Addressed events carry the extension "
                "attribute `recipient` (an organisation id)."
            ),
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {"nats": {"host": "localhost:4222", "protocol": "nats"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }
