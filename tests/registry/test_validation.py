"""Invalid requests answer 4xx problem+json, say what is wrong, and store nothing."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from services.registry.models import ApiClient, Organisation, messaging
from tests.conftest import Suite

ORGS = "/registry/v1/organisations"
PROBLEM = "application/problem+json"
VALID = {"name": "Gyldig Klynge", "kind": "cluster_organisation"}


def assert_validation_problem(resp: httpx.Response) -> list[dict[str, Any]]:
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == PROBLEM
    body = resp.json()
    assert body["type"] == "https://klyngeforum.dk/problems/validation-error"
    assert body["status"] == 422
    assert body["title"] == "Validation failed"
    assert body["instance"] == resp.request.url.path
    assert body["request_id"] == resp.headers["x-request-id"]
    errors = body["errors"]
    assert isinstance(errors, list) and errors
    for error in errors:
        assert set(error) == {"loc", "msg", "type"}
        assert all(isinstance(part, str) for part in error["loc"])
    return errors


async def stored(suite: Suite) -> tuple[int, int]:
    """Organisations and outbox events in the registry's database."""
    async with suite.apps["registry"].state.session_factory() as session:
        orgs = (await session.execute(select(func.count()).select_from(Organisation))).scalar_one()
        events = (
            await session.execute(select(func.count()).select_from(messaging.outbox))
        ).scalar_one()
    return int(orgs), int(events)


BAD_BODIES: list[tuple[str, Any, list[str], str]] = [
    ("name-number", {**VALID, "name": 42}, ["body", "name"], "string_type"),
    ("name-short", {**VALID, "name": "x"}, ["body", "name"], "string_too_short"),
    ("name-blank", {**VALID, "name": "   "}, ["body", "name"], "string_too_short"),
    ("name-long", {**VALID, "name": "a" * 301}, ["body", "name"], "string_too_long"),
    ("name-nul", {**VALID, "name": "Nul\x00Klynge"}, ["body", "name"], "value_error"),
    ("kind-unknown", {**VALID, "kind": "wizard_guild"}, ["body", "kind"], "literal_error"),
    ("kind-missing", {"name": "Uden Art"}, ["body", "kind"], "missing"),
    ("extra-field", {**VALID, "extra": "field"}, ["body", "extra"], "extra_forbidden"),
    (
        "municipality-9999",
        {**VALID, "municipality_code": "9999"},
        ["body", "municipality_code"],
        "value_error",
    ),
    (
        "municipality-letters",
        {**VALID, "municipality_code": "07a1"},
        ["body", "municipality_code"],
        "value_error",
    ),
    ("cvr-check-digit", {**VALID, "cvr": "13585627"}, ["body", "cvr"], "value_error"),
    ("cvr-short", {**VALID, "cvr": "1234"}, ["body", "cvr"], "value_error"),
    ("website-not-url", {**VALID, "website": "not a url"}, ["body", "website"], "url_parsing"),
    ("website-ftp", {**VALID, "website": "ftp://example.dk"}, ["body", "website"], "url_scheme"),
    (
        "website-long",
        {**VALID, "website": "https://example.dk/" + "a" * 490},
        ["body", "website"],
        "url_too_long",
    ),
    # Short enough as sent, too long once normalised (each 'ø' becomes '%C3%B8').
    (
        "website-long-normalised",
        {**VALID, "website": "https://example.dk/" + "ø" * 100},
        ["body", "website"],
        "value_error",
    ),
    (
        "short-name-long",
        {**VALID, "short_name": "s" * 61},
        ["body", "short_name"],
        "string_too_long",
    ),
    ("short-name-nul", {**VALID, "short_name": "N\x00L"}, ["body", "short_name"], "value_error"),
    ("not-an-object", [VALID], ["body"], "model_attributes_type"),
]


async def test_invalid_organisation_is_refused_and_nothing_stored(suite: Suite) -> None:
    headers = await suite.auth("fivu-rti")
    before = await stored(suite)
    for case, body, loc, error_type in BAD_BODIES:
        resp = await suite.http.post(ORGS, json=body, headers=headers)
        errors = assert_validation_problem(resp)
        assert any(e["loc"] == loc and e["type"] == error_type for e in errors), (case, errors)
        assert ".".join(loc) in resp.json()["detail"], case
    assert await stored(suite) == before
    # The valid body goes through (so each refusal was about the field changed).
    fixed = await suite.http.post(ORGS, json=VALID, headers=headers)
    assert fixed.status_code == 201, fixed.text
    orgs, events = await stored(suite)
    assert (orgs, events) == (before[0] + 1, before[1] + 1)


async def test_invalid_client_is_refused_and_nothing_stored(suite: Suite) -> None:
    headers = await suite.auth("klyngeforum")
    valid = {"organisation_id": "kommune-0751", "name": "Sagssystem"}
    cases: list[tuple[Any, list[str], str]] = [
        ({**valid, "organisation_id": ""}, ["body", "organisation_id"], "string_too_short"),
        ({**valid, "organisation_id": "x\x00"}, ["body", "organisation_id"], "value_error"),
        ({**valid, "name": "Sags\x00system"}, ["body", "name"], "value_error"),
        ({**valid, "scopes": "funding:write"}, ["body", "scopes"], "list_type"),
        ({**valid, "scopes": ["\x00"]}, ["body", "scopes", "0"], "value_error"),
        ({**valid, "secret": "mine"}, ["body", "secret"], "extra_forbidden"),
        ({"name": "Sagssystem"}, ["body", "organisation_id"], "missing"),
    ]
    for body, loc, error_type in cases:
        resp = await suite.http.post("/registry/v1/clients", json=body, headers=headers)
        errors = assert_validation_problem(resp)
        assert any(e["loc"] == loc and e["type"] == error_type for e in errors), (body, errors)
    async with suite.apps["registry"].state.session_factory() as session:
        count = select(func.count()).select_from(ApiClient).where(ApiClient.name == "Sagssystem")
        assert (await session.execute(count)).scalar_one() == 0


async def test_malformed_json_is_a_validation_problem(suite: Suite) -> None:
    headers = {**await suite.auth("fivu-rti"), "Content-Type": "application/json"}
    before = await stored(suite)
    for raw in (b'{"name": "Brudt", "kind": ', b"{'name': 'single quotes'}", b"", b"\x00"):
        resp = await suite.http.post(ORGS, content=raw, headers=headers)
        errors = assert_validation_problem(resp)
        assert errors[0]["loc"][0] == "body"
    # Bytes that are not UTF-8 are no JSON body this API takes (issue 14).
    resp = await suite.http.post(ORGS, content=b'{"name": "\xff\xfe"}', headers=headers)
    assert resp.status_code == 415
    assert resp.headers["content-type"] == PROBLEM
    assert resp.json()["type"] == "https://klyngeforum.dk/problems/unsupported-media-type"
    assert await stored(suite) == before


async def test_invalid_query_parameters(suite: Suite) -> None:
    cases = {
        "limit": "ten",
        "region": "Midtjylland",
        "kind": "Municipality",
        "q": "x" * 101,
    }
    for name, value in cases.items():
        resp = await suite.http.get(ORGS, params={name: value})
        errors = assert_validation_problem(resp)
        assert errors[0]["loc"] == ["query", name]
    resp = await suite.http.get(ORGS, params={"q": "nul\x00"})
    assert assert_validation_problem(resp)[0]["loc"] == ["query", "q"]


async def test_unknown_path_is_404_problem(suite: Suite) -> None:
    for path in ("/registry/v1/nothing-here", "/registry/v2/organisations", "/registry/"):
        resp = await suite.http.get(path)
        assert resp.status_code == 404, path
        assert resp.headers["content-type"] == PROBLEM
        body = resp.json()
        assert body["type"] == "https://klyngeforum.dk/problems/not-found"
        assert (body["status"], body["instance"]) == (404, path)


async def test_wrong_method_is_405_problem(suite: Suite) -> None:
    headers = await suite.auth("klyngeforum")
    for method, path in (
        ("DELETE", ORGS),
        ("PUT", f"{ORGS}/kommune-0751"),
        ("GET", "/registry/v1/oauth/token"),
        ("PATCH", "/registry/v1/clients"),
    ):
        resp = await suite.http.request(method, path, headers=headers)
        assert resp.status_code == 405, (method, path, resp.text)
        assert resp.headers["content-type"] == PROBLEM
        body = resp.json()
        assert body["type"] == "https://klyngeforum.dk/problems/method-not-allowed"
        assert body["status"] == 405
        assert method not in resp.headers["allow"]
    assert (await suite.http.get(f"{ORGS}/kommune-0751")).status_code == 200
