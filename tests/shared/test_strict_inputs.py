"""Strict JSON types on every input (issue 14, item 4): a JSON integer field takes only a
JSON integer (not ``true``, not ``"100"``, not ``1.0``), a number field only a number, a
boolean only ``true``/``false``. Dates still come from ISO strings.

The first test walks every request body model of the five services (from the apps' routes)
and finds every integer, number and boolean field, however nested; each must be strict
(``shared.validation`` ``Int``, ``Number``, ``Bool``). The second posts lenient values to a
sample of endpoints in each service and gets 422.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel
from pydantic.types import Strict

from services.suite import SERVICES
from tests.conftest import Suite


def _body_models() -> Iterator[tuple[str, type[BaseModel]]]:
    for name, (factory, settings_class) in SERVICES.items():
        app = factory(settings_class())
        for route in iter_route_contexts(app.routes):
            if not isinstance(route.original_route, APIRoute) or route.body_field is None:
                continue
            for param in route.dependant.body_params:
                for model in _models_in(param.field_info.annotation):
                    yield f"{name} {sorted(route.methods)[0]} {route.path}", model


def _models_in(tp: Any) -> Iterator[type[BaseModel]]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        yield tp
        return
    for arg in typing.get_args(tp):
        yield from _models_in(arg)


def _lax_leaves(tp: Any, meta: list[Any], where: str) -> Iterator[str]:
    """The int/float/bool types within ``tp`` that are not strict."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        inner, *extra = typing.get_args(tp)
        yield from _lax_leaves(inner, meta + extra, where)
    elif tp in (int, float, bool):
        if not any(isinstance(m, Strict) and m.strict for m in meta):
            yield f"{where}: {tp.__name__}"
    elif origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            yield from _lax_leaves(arg, meta, where)
    elif origin is not None:  # list[...], dict[...], tuple[...]
        for arg in typing.get_args(tp):
            yield from _lax_leaves(arg, [], where)


def _lax_fields(model: type[BaseModel], seen: set[type[BaseModel]]) -> Iterator[str]:
    if model in seen:
        return
    seen.add(model)
    if model.model_config.get("strict"):
        return
    for name, field in model.model_fields.items():
        where = f"{model.__module__}.{model.__name__}.{name}"
        yield from _lax_leaves(field.annotation, list(field.metadata), where)
        for nested in _models_in(field.annotation):
            yield from _lax_fields(nested, seen)


def test_every_integer_number_and_boolean_in_a_request_body_is_strict() -> None:
    seen: set[type[BaseModel]] = set()
    lax = sorted({f for _route, model in _body_models() for f in _lax_fields(model, seen)})
    assert seen, "no request body models found"
    assert not lax, "use shared.validation Int / Number / Bool for these:\n" + "\n".join(lax)


LENIENT = [
    # (caller, method, path, body, field, lenient values): the body's other fields are fine
    (
        "fivu-rti",
        "POST",
        "/registry/v1/clusters/cl-none/members",
        {"kind": "firm", "name": "Firma A/S", "employees": None},
        "employees",
        [True, "100", 1.0, 1.5],
    ),
    (
        "fivu-rti",
        "PUT",
        "/registry/v1/clusters/cl-none/ministry-seats/seat-none",
        {"taken": None},
        "taken",
        [1, "true", "yes"],
    ),
    (
        "fivu-rti",
        "POST",
        "/funding/v1/calls",
        {
            "programme_id": "prg-x",
            "title": "Opslag",
            "budget_dkk": None,
            "opens_on": "2026-01-01",
            "closes_on": "2026-02-01",
            "decision_on": "2026-03-01",
        },
        "budget_dkk",
        [True, "1000000", 1000000.0],
    ),
    (
        "kommune-0851",
        "POST",
        "/referrals/v1/activities",
        {
            "kind": "workshop",
            "title": "Workshop",
            "description": "",
            "starts_at": "2026-05-01T09:00:00+02:00",
            "ends_at": "2026-05-01T12:00:00+02:00",
            "online": None,
        },
        "online",
        [1, 0, "true", "false"],
    ),
]


async def test_lenient_values_are_refused_through_http(suite: Suite) -> None:
    # Each caller holds the scope the endpoint needs, so the 422 is the body's.
    for caller, method, path, body, field, values in LENIENT:
        headers = await suite.auth(caller)
        for value in values:
            resp = await suite.http.request(
                method, path, json={**body, field: value}, headers=headers
            )
            assert resp.status_code == 422, (path, field, value, resp.text)
            errors = resp.json()["errors"]
            assert any(e["loc"][-1] == field for e in errors), (path, field, value, errors)
