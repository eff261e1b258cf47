"""Every service's OpenAPI states its errors as they are answered (``shared.openapi``):
problem+json with the Problem schema on every error response, a ``default`` problem on every
operation, 401/403 where a token is taken, 404 where the path names a resource, 422 where
there is input — and no trace of FastAPI's own validation-error schema."""

from __future__ import annotations

from typing import Any

import pytest

from services.suite import SERVICES
from shared.openapi import PROBLEM_MEDIA_TYPE, PROBLEM_REF

METHODS = ("get", "put", "post", "delete", "patch")


def _document(name: str) -> dict[str, Any]:
    factory, settings_class = SERVICES[name]
    return factory(settings_class(database_url="sqlite+aiosqlite:///:memory:")).openapi()


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_operation_states_its_problems(name: str) -> None:
    doc = _document(name)
    assert doc["components"]["schemas"]["Problem"]["required"] == [
        "type",
        "title",
        "status",
        "detail",
    ]
    assert "HTTPValidationError" not in str(doc)
    operations = [
        (path, method, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]
    assert operations
    for path, method, op in operations:
        where = f"{method.upper()} {path}"
        responses = op["responses"]
        for code, response in responses.items():
            if code == "default" or code[0] in "45":
                schema = response["content"][PROBLEM_MEDIA_TYPE]["schema"]
                assert schema == {"$ref": PROBLEM_REF}, (where, code)
        assert "default" in responses, where
        if op.get("security") and {} not in op["security"]:
            assert {"401", "403"} <= set(responses), where
        if "{" in path:
            assert "404" in responses, where
        if op.get("parameters") or "requestBody" in op:
            assert "422" in responses, where
