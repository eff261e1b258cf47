"""Every service's OpenAPI states its errors exactly as they are answered (RFC 9457).

FastAPI documents the success of each operation and whatever ``responses=`` a router names;
the errors every operation can meet come from the framework and ``shared.errors`` and were
undocumented. :func:`with_problems` completes the document the app serves:

- a ``Problem`` schema (RFC 9457 members plus this suite's: ``request_id``, ``rule``,
  ``may_act``, ``errors`` …, open to more);
- every error response an operation names is ``application/problem+json`` with that schema
  (FastAPI's own 422 schema is replaced: the suite answers validation errors as problems);
- each operation declares the errors it can meet by its shape: 422 when it takes parameters or
  a body, 401 and 403 when it takes a token, 404 when its path names a resource, 412 and 428
  when it takes ``If-Match`` (413 and 415, with the route's limit and media, are the request
  guard's: ``shared.guard.document_limits`` runs first);
- and a ``default`` problem response, for the rare error of a domain rule a router did not name
  (409 and friends): a client may always read an error as a problem.
"""

from __future__ import annotations

import copy
from http import HTTPStatus
from typing import Any

from shared.errors import PROBLEM_MEDIA_TYPE

PROBLEM_REF = "#/components/schemas/Problem"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; ``type`` ends with the problem's kind.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "rule": {"type": "string", "description": "The rule of the paper that refused the write"},
        "paragraph": {"type": "string", "description": "Its paragraph (§)"},
        "may_act": {
            "type": "array",
            "items": {"type": "string"},
            "description": "The organisations that may do it",
        },
        "required_scope": {"type": "string"},
        "accepted_scopes": {"type": "array", "items": {"type": "string"}},
        "errors": {
            "type": "array",
            "description": "Validation errors: where (loc), what (msg), which check (type)",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}},
    }


def _expected_errors(path: str, operation: dict[str, Any]) -> dict[str, str]:
    """The errors an operation of this shape can meet, with their descriptions."""
    params = operation.get("parameters", [])
    body = "requestBody" in operation
    out: dict[str, str] = {}
    if params or body:
        out["422"] = "The request is not valid (problem+json, with the errors)"
    if operation.get("security") and {} not in operation["security"]:
        out["401"] = "No token, or not a valid one"
        out["403"] = "The token may not do this (scope or the paper's roles)"
    elif operation.get("security"):
        out["401"] = "A token was sent and is not valid"
    if "{" in path:
        out["404"] = "No such resource (or not one you may see)"
    if any(p.get("in") == "header" and p.get("name", "").lower() == "if-match" for p in params):
        out["412"] = "If-Match does not match the current version"
        out["428"] = "If-Match is required"
    return out


def with_problems(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` with every operation's problem responses (module text)."""
    doc = copy.deepcopy(document)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for path, item in doc.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in _expected_errors(path, operation).items():
                responses.setdefault(code, {"description": description})
            for code, response in responses.items():
                if code == "default" or code[:1] not in "45":
                    continue
                description = response.get("description") or HTTPStatus(int(code)).phrase
                if code == "422" and description == "Validation Error":
                    description = "The request is not valid (problem+json, with the errors)"
                responses[code] = {**response, **_problem(description)}
            responses["default"] = _problem("Any other error, as RFC 9457 problem+json")
    return doc
