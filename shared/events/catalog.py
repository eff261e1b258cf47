"""The catalog: every event type of the suite, collected from the payload models declared in
``shared.events.contracts`` — one place to look a type up, and the AsyncAPI document made
from it."""

from __future__ import annotations

from typing import Any

from shared.events import contracts
from shared.events.spec import EventSpec, catalog_of, stream_name

CATALOG: dict[str, EventSpec] = catalog_of(vars(contracts).values())


def spec_for(type_: str) -> EventSpec:
    try:
        return CATALOG[type_]
    except KeyError:
        raise KeyError(f"event type not in the catalog: {type_}") from None


def asyncapi_document(
    service: str | None = None, *, title: str = "Klyngeforum events"
) -> dict[str, Any]:
    """Generate an AsyncAPI 3.0 document from the catalog.

    With ``service`` given, only that service's events are included (what it sends).
    """
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
