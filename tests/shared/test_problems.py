"""shared.errors: every failure becomes RFC 9457 problem+json, unexpected ones included.

Two apps: a bare FastAPI app with only ``install_problem_handlers`` (the handlers alone), and
the registry app as built for production (request-id middleware in front), with a route
added that fails. Neither needs its lifespan: the routes touch no database or bus.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, HTTPException

from services.registry.app import create_app
from services.registry.settings import RegistrySettings
from shared.consent import Conflict
from shared.errors import PROBLEM_MEDIA_TYPE, Problem, install_problem_handlers
from shared.refusal import Refusal

SECRET = "database password is hunter2"


def bare_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/domain")
    async def domain() -> None:
        raise Problem(
            409,
            "cvr-taken",
            "CVR 13585628 is already registered.",
            headers={"Retry-After": "0"},
            existing_id="org-1",
        )

    @app.get("/titled")
    async def titled() -> None:
        raise Problem(418, "teapot", "Short and stout.", title="I am a teapot")

    @app.get("/http")
    async def http_error() -> None:
        raise HTTPException(403, detail="No entry.")

    @app.get("/http-dict")
    async def http_dict() -> None:
        raise HTTPException(409, detail={"internal": "structure"})

    @app.get("/http-unknown")
    async def http_unknown() -> None:
        raise HTTPException(418)

    @app.get("/typed/{number}")
    async def typed(number: int, flag: bool = False) -> dict[str, object]:
        return {"number": number, "flag": flag}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(SECRET)

    @app.get("/refused")
    async def refused() -> None:
        raise Refusal(
            "not-a-party", "by-a-party", "Only a, b.", may_act=["a", "b", "a"], paragraph="§1"
        )

    @app.get("/scope")
    async def scope() -> None:
        raise Refusal("insufficient-scope", "scope", "No scope.", scopes=["x:write", "admin"])

    @app.get("/consent-conflict")
    async def consent_conflict() -> None:
        raise Conflict("not-pending", "Answered.", state="in_force", state_member="current_state")

    return app


@pytest.fixture
async def bare() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=bare_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def problem(resp: httpx.Response, status: int) -> dict[str, object]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = resp.json()
    assert body["status"] == status
    assert body["instance"] == resp.request.url.path
    return body


async def test_domain_problem_carries_kind_extras_and_headers(bare: httpx.AsyncClient) -> None:
    resp = await bare.get("/domain")
    body = problem(resp, 409)
    assert body["type"] == "https://klyngeforum.dk/problems/cvr-taken"
    assert body["title"] == "Conflict"
    assert body["detail"] == "CVR 13585628 is already registered."
    assert body["existing_id"] == "org-1"
    assert resp.headers["retry-after"] == "0"
    assert "request_id" not in body  # no middleware here, so no id to report

    titled = problem(await bare.get("/titled"), 418)
    assert (titled["title"], titled["type"]) == (
        "I am a teapot",
        "https://klyngeforum.dk/problems/teapot",
    )


async def test_refusals_and_consent_conflicts_become_problems(bare: httpx.AsyncClient) -> None:
    refused = problem(await bare.get("/refused"), 403)
    assert refused["type"] == "https://klyngeforum.dk/problems/not-a-party"
    assert (refused["rule"], refused["may_act"], refused["paragraph"]) == (
        "by-a-party",
        ["a", "b"],
        "§1",
    )
    assert "required_scope" not in refused
    scope = problem(await bare.get("/scope"), 403)
    assert (scope["rule"], scope["may_act"], "paragraph" in scope) == ("scope", [], False)
    assert (scope["required_scope"], scope["accepted_scopes"]) == ("x:write", ["x:write", "admin"])
    conflict = problem(await bare.get("/consent-conflict"), 409)
    assert conflict["type"] == "https://klyngeforum.dk/problems/not-pending"
    assert (conflict["detail"], conflict["current_state"]) == ("Answered.", "in_force")


async def test_http_exceptions_become_problems(bare: httpx.AsyncClient) -> None:
    forbidden = problem(await bare.get("/http"), 403)
    assert forbidden["type"] == "https://klyngeforum.dk/problems/forbidden"
    assert forbidden["detail"] == "No entry."
    assert forbidden["title"] == "Forbidden"

    structured = problem(await bare.get("/http-dict"), 409)
    assert structured["detail"] == "Conflict"  # a non-text detail is not echoed
    assert "internal" not in structured

    unknown = problem(await bare.get("/http-unknown"), 418)
    assert unknown["type"] == "about:blank"

    missing = problem(await bare.get("/nowhere"), 404)
    assert missing["type"] == "https://klyngeforum.dk/problems/not-found"

    wrong_method = await bare.post("/http")
    assert (
        problem(wrong_method, 405)["type"] == "https://klyngeforum.dk/problems/method-not-allowed"
    )
    assert wrong_method.headers["allow"] == "GET"


async def test_request_validation_lists_every_error(bare: httpx.AsyncClient) -> None:
    resp = await bare.get("/typed/seven", params={"flag": "perhaps"})
    body = problem(resp, 422)
    assert body["type"] == "https://klyngeforum.dk/problems/validation-error"
    assert body["title"] == "Validation failed"
    locs = sorted(tuple(e["loc"]) for e in body["errors"])
    assert locs == [("path", "number"), ("query", "flag")]
    for error in body["errors"]:
        assert error["msg"] and error["type"]
        assert "input" not in error and "ctx" not in error
    assert "path.number" in body["detail"] and "query.flag" in body["detail"]
    assert (await bare.get("/typed/7")).json() == {"number": 7, "flag": False}


async def test_unexpected_error_is_a_bare_500_problem(bare: httpx.AsyncClient) -> None:
    resp = await bare.get("/boom")
    body = problem(resp, 500)
    assert body["type"] == "https://klyngeforum.dk/problems/internal-error"
    assert body["title"] == "Internal Server Error"
    assert SECRET not in resp.text and "Traceback" not in resp.text
    assert "RuntimeError" not in resp.text


# --- the production stack: request ids link the answer to the log line ----------------------


@pytest.fixture
async def service(tmp_path: object) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        RegistrySettings(
            database_url=f"sqlite+aiosqlite:///{tmp_path}/unused.db",
            log_level="CRITICAL",
        )
    )

    async def boom() -> None:
        raise ZeroDivisionError(SECRET)

    async def domain() -> None:
        raise Problem(422, "reference-kind", "Not through the API.")

    app.add_api_route("/registry/v1/boom", boom)
    app.add_api_route("/registry/v1/domain", domain)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_unexpected_error_carries_the_request_id(service: httpx.AsyncClient) -> None:
    resp = await service.get("/registry/v1/boom", headers={"X-Request-ID": "trace-42.a_b"})
    body = problem(resp, 500)
    assert body["type"] == "https://klyngeforum.dk/problems/internal-error"
    assert body["request_id"] == "trace-42.a_b"
    assert resp.headers["x-request-id"] == "trace-42.a_b"
    assert SECRET not in resp.text and "ZeroDivisionError" not in resp.text

    generated = await service.get("/registry/v1/boom")
    body = problem(generated, 500)
    assert len(body["request_id"]) == 32
    assert generated.headers["x-request-id"] == body["request_id"]


async def test_request_ids_on_every_problem(service: httpx.AsyncClient) -> None:
    for path, status in (("/registry/v1/domain", 422), ("/registry/v1/missing", 404)):
        resp = await service.get(path)
        body = problem(resp, status)
        assert body["request_id"] == resp.headers["x-request-id"]
        assert resp.headers.get_list("x-request-id") == [body["request_id"]]  # exactly once

    # An id that is not safe to echo (spaces, too long) is replaced, not reflected.
    for unsafe in ("has spaces", "x" * 65, "<script>"):
        resp = await service.get("/registry/v1/domain", headers={"X-Request-ID": unsafe})
        body = problem(resp, 422)
        assert body["request_id"] != unsafe
        assert resp.headers["x-request-id"] == body["request_id"]


async def test_405_allows_every_method_of_the_path() -> None:
    """FastAPI makes one route per method: the ``Allow`` of a 405 lists them all (RFC 9110),
    not only the first route's."""
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/things")
    async def list_things() -> None:
        return None

    @app.post("/things")
    async def add_thing() -> None:
        return None

    @app.get("/things/{thing_id}")
    async def get_thing(thing_id: str) -> None:
        return None

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        r = await http.delete("/things")
        assert r.status_code == 405
        assert r.headers["content-type"] == PROBLEM_MEDIA_TYPE
        assert r.headers["allow"] == "GET, POST"
        r = await http.put("/things/1")
        assert (r.status_code, r.headers["allow"]) == (405, "GET")
