"""One set of docs: every service's OpenAPI in one place, and the catalog of events.

- :func:`fetch_openapi` reads ``/<service>/openapi.json`` of the five services through the
  upstream (concurrently; a service that does not answer is named, the others still shown).
- :func:`merge_openapi` makes one OpenAPI 3.1 document of them: every path (they never collide:
  each service's live under ``/<service>/…``), each operation tagged with its service, and the
  component schemas renamed ``<service>.<Name>`` (two services may both have an
  ``OrganisationOut``) with every ``$ref`` rewritten to match.
- :func:`reference` shapes a document for the server-rendered reference page (no Swagger UI:
  its scripts come from a CDN by default, and the page must load nothing from elsewhere).
- :func:`event_catalog` shapes the catalog (``shared.events.catalog``) for the events page:
  each type's producer, summary, visibility and payload fields from its JSON schema.
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from services.gateway.service.upstream import UpstreamError, open_upstream
from shared.events.catalog import CATALOG
from shared.events.spec import SERVICES

METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


async def fetch_openapi(app: FastAPI) -> dict[str, dict[str, Any] | str]:
    """Service → its OpenAPI document, or the reason it could not be read."""

    async def one(service: str) -> dict[str, Any] | str:
        try:
            async with open_upstream(app) as up:
                doc = await up.get_json(f"/{service}/openapi.json")
        except UpstreamError as exc:
            return exc.reason
        if not isinstance(doc, dict) or "paths" not in doc:
            return "not an OpenAPI document"
        return doc

    docs = await asyncio.gather(*(one(s) for s in SERVICES))
    return dict(zip(SERVICES, docs, strict=True))


def _rewrite_refs(node: Any, service: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                prefix = "#/components/schemas/"
                if value.startswith(prefix):
                    value = f"{prefix}{service}.{value[len(prefix) :]}"
            out[key] = _rewrite_refs(value, service)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, service) for v in node]
    return node


def merge_openapi(docs: dict[str, dict[str, Any] | str]) -> dict[str, Any]:
    """One OpenAPI document of every service that answered (see the module docstring)."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    security_schemes: dict[str, Any] = {}
    tags = []
    missing = []
    for service, doc in docs.items():
        if not isinstance(doc, dict):
            missing.append(service)
            continue
        info = doc.get("info", {})
        tags.append(
            {
                "name": service,
                "description": f"{info.get('title', service)}: "
                f"{(info.get('description') or '').strip()}".strip(": "),
                "externalDocs": {"url": f"/{service}/docs", "description": "Interactive docs"},
            }
        )
        doc = _rewrite_refs(copy.deepcopy(doc), service)
        for path, item in doc.get("paths", {}).items():
            merged_item = paths.setdefault(path, {})
            for method, op in item.items():
                if method in METHODS and isinstance(op, dict):
                    op["tags"] = [service]
                    if "operationId" in op:
                        op["operationId"] = f"{service}.{op['operationId']}"
                merged_item[method] = op
        for name, schema in doc.get("components", {}).get("schemas", {}).items():
            schemas[f"{service}.{name}"] = schema
        security_schemes.update(doc.get("components", {}).get("securitySchemes", {}))
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Klyngeforum — every service's API",
            "version": "1.0.0",
            "description": "The registry, funding, referrals, evaluation and gateway APIs in one "
            "document; each operation is tagged with its service, and component schemas are "
            "named `<service>.<Name>`. Tokens: OAuth2 client credentials at "
            "`POST /registry/v1/oauth/token`.",
        },
        "tags": tags,
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items()))},
    }
    if security_schemes:
        merged["components"]["securitySchemes"] = security_schemes
    if missing:
        merged["info"]["x-missing-services"] = missing
    return merged


# --- the reference page ---------------------------------------------------------------------


def type_text(schema: Any) -> str:
    """A short human type: ``string (date)``, ``array of ClusterOut``, ``integer | null``."""
    if not isinstance(schema, dict):
        return ""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return " | ".join(dict.fromkeys(type_text(s) for s in schema[key] if s)) or "object"
    if "enum" in schema:
        return " | ".join(repr(v) if isinstance(v, str) else str(v) for v in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    t = schema.get("type")
    if isinstance(t, list):
        return " | ".join(str(x) for x in t)
    if t == "array":
        return f"array of {type_text(schema.get('items', {})) or 'any'}"
    if t == "object" and "additionalProperties" in schema:
        extra = schema["additionalProperties"]
        return f"map of {type_text(extra) if isinstance(extra, dict) else 'any'}"
    text = str(t or "object")
    if schema.get("format"):
        text += f" ({schema['format']})"
    return text


def ref_name(schema: Any) -> str | None:
    """The component a schema refers to (directly, or as an array's items / in an anyOf)."""
    if not isinstance(schema, dict):
        return None
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return ref_name(schema.get("items"))
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            found = ref_name(sub)
            if found:
                return found
    return None


@dataclass
class FieldRow:
    name: str
    type: str
    required: bool
    description: str
    link: str | None = None


def fields_of(schema: dict[str, Any]) -> list[FieldRow]:
    """The properties of an object schema as rows (``link``: the component it refers to)."""
    required = set(schema.get("required", []))
    rows = []
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        description = prop.get("description") or prop.get("title") or ""
        if prop.get("title") == name.replace("_", " ").title() and not prop.get("description"):
            description = ""
        rows.append(FieldRow(name, type_text(prop), name in required, description, ref_name(prop)))
    return rows


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    anchor: str
    parameters: list[FieldRow] = field(default_factory=list)
    parameter_places: list[str] = field(default_factory=list)
    body: str | None = None
    body_link: str | None = None
    responses: list[tuple[str, str, str | None]] = field(default_factory=list)
    deprecated: bool = False


@dataclass
class ServiceReference:
    service: str
    title: str
    description: str
    error: str | None = None
    groups: list[tuple[str, list[Operation]]] = field(default_factory=list)
    schemas: list[tuple[str, str, list[FieldRow]]] = field(default_factory=list)
    operations: int = 0


def _anchor(*parts: str) -> str:
    text = "-".join(parts)
    return "".join(c if c.isalnum() else "-" for c in text).strip("-").lower()


def reference(service: str, doc: dict[str, Any] | str) -> ServiceReference:
    """A service's OpenAPI shaped for the reference page: operations grouped by tag, and the
    component schemas with their fields."""
    if not isinstance(doc, dict):
        return ServiceReference(service, service, "", error=doc)
    info = doc.get("info", {})
    ref = ServiceReference(service, info.get("title", service), info.get("description") or "")
    groups: dict[str, list[Operation]] = {}
    for path, item in sorted(doc.get("paths", {}).items()):
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            params = []
            places = []
            for p in op.get("parameters", []):
                if not isinstance(p, dict) or "name" not in p:
                    continue
                schema = p.get("schema", {})
                params.append(
                    FieldRow(
                        p["name"],
                        type_text(schema),
                        bool(p.get("required")),
                        p.get("description") or schema.get("description") or "",
                        ref_name(schema),
                    )
                )
                places.append(p.get("in", ""))
            body = body_link = None
            content = (op.get("requestBody") or {}).get("content") or {}
            if content:
                media, spec = next(iter(content.items()))
                body = f"{media}: {type_text(spec.get('schema', {}))}"
                body_link = ref_name(spec.get("schema", {}))
            responses = []
            for status, resp in (op.get("responses") or {}).items():
                resp = resp if isinstance(resp, dict) else {}
                rcontent = resp.get("content") or {}
                link = None
                if rcontent:
                    link = ref_name(next(iter(rcontent.values())).get("schema", {}))
                responses.append((str(status), resp.get("description", ""), link))
            operation = Operation(
                method=method.upper(),
                path=path,
                summary=op.get("summary") or "",
                description=op.get("description") or "",
                anchor=_anchor(service, method, path),
                parameters=params,
                parameter_places=places,
                body=body,
                body_link=body_link,
                responses=responses,
                deprecated=bool(op.get("deprecated")),
            )
            tag = (op.get("tags") or [service])[0]
            groups.setdefault(tag, []).append(operation)
            ref.operations += 1
    ref.groups = sorted(groups.items())
    for name, schema in sorted((doc.get("components", {}).get("schemas") or {}).items()):
        if isinstance(schema, dict):
            ref.schemas.append((name, schema.get("description") or "", fields_of(schema)))
    return ref


# --- the event catalog ----------------------------------------------------------------------


@dataclass
class EventType:
    type: str
    producer: str
    summary: str
    addressed: bool
    payload: str
    fields: list[FieldRow]
    #: Nested models the fields refer to: (name, fields).
    nested: list[tuple[str, list[FieldRow]]]


def event_catalog() -> list[EventType]:
    """Every event type of the catalog, by producer (in the suite's order) and name."""
    out = []
    order = {s: i for i, s in enumerate(SERVICES)}
    for spec in sorted(CATALOG.values(), key=lambda s: (order.get(s.producer, 99), s.type)):
        schema = spec.payload.model_json_schema()
        nested = [
            (name, fields_of(sub))
            for name, sub in sorted((schema.get("$defs") or {}).items())
            if isinstance(sub, dict) and sub.get("properties")
        ]
        out.append(
            EventType(
                type=spec.type,
                producer=spec.producer,
                summary=spec.summary,
                addressed=spec.addressed,
                payload=spec.payload.__name__,
                fields=fields_of(schema),
                nested=nested,
            )
        )
    return out
