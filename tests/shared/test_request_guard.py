"""The request guard (issue 14, item 4): token, body size and media type before the body.

Through HTTP on the real suite. The 60 MB cases go straight to the ASGI app with a declared
``Content-Length`` and count what the app reads, so no test sends megabytes it need not.
"""

from __future__ import annotations

import json
from typing import Any

from services.evaluation.api.strongholds import UPLOAD_LIMIT
from shared.guard import DEFAULT_BODY_LIMIT
from tests.conftest import Suite

PROBLEM = "application/problem+json"
CLUSTERS = "/registry/v1/clusters"
TOKEN = "/registry/v1/oauth/token"


def problem_kind(resp: Any) -> str:
    assert resp.headers["content-type"] == PROBLEM, resp.text
    return str(resp.json()["type"].rsplit("/", 1)[-1])


async def raw_request(
    suite: Suite, method: str, path: str, headers: dict[str, str], chunks: list[bytes]
) -> tuple[int, dict[str, Any], int]:
    """Call the suite's ASGI app directly: (status, JSON body, chunks the app read)."""
    read = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        if read < len(chunks):
            read += 1
            return {
                "type": "http.request",
                "body": chunks[read - 1],
                "more_body": read < len(chunks),
            }
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("suite", 80),
    }
    await suite.dispatcher(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body) if body else {}, read


async def test_a_write_without_a_valid_token_is_401_whatever_the_body(suite: Suite) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eDp5"}):
        resp = await suite.http.post(
            CLUSTERS, content=b"{not json", headers={"Content-Type": "application/json", **headers}
        )
        assert resp.status_code == 401, resp.text
        assert problem_kind(resp) in ("unauthorized", "invalid-token")
        resp = await suite.http.post(CLUSTERS, content=b"x" * 10, headers=headers)
        assert resp.status_code == 401, resp.text
    # 60 MB declared, no token: 401 before a byte of it is read.
    status, body, read = await raw_request(
        suite,
        "POST",
        CLUSTERS,
        {"content-type": "application/json", "content-length": str(60_000_000)},
        [b"{" * 1000] * 10,
    )
    assert (status, body["type"].rsplit("/", 1)[-1], read) == (401, "unauthorized", 0)
    # Public endpoints stay public: a malformed body there is the body's problem.
    resp = await suite.http.post(TOKEN, data={"grant_type": "client_credentials"})
    assert resp.status_code == 401 and problem_kind(resp) == "invalid-client", resp.text
    resp = await suite.http.get("/registry/v1/organisations")
    assert resp.status_code == 200


async def test_a_body_over_the_limit_is_413(suite: Suite) -> None:
    fivu = await suite.auth("fivu-rti")
    auth = {"authorization": fivu["Authorization"], "content-type": "application/json"}
    # Declared too long: refused at once, nothing read.
    status, body, read = await raw_request(
        suite, "POST", CLUSTERS, auth | {"content-length": str(60_000_000)}, [b"{}"]
    )
    assert (status, body["type"].rsplit("/", 1)[-1], read) == (413, "payload-too-large", 0)
    assert body["max_bytes"] == DEFAULT_BODY_LIMIT
    # Streamed without a length: cut off as soon as it passes the limit.
    chunk = b" " * 65_536
    status, body, read = await raw_request(
        suite, "POST", CLUSTERS, auth | {"transfer-encoding": "chunked"}, [chunk] * 100
    )
    assert status == 413, body
    assert body["type"].endswith("/payload-too-large")
    assert read == DEFAULT_BODY_LIMIT // len(chunk) + 1  # the chunk that passed it, no more
    # Through httpx: one byte over the limit.
    resp = await suite.http.post(CLUSTERS, content=b" " * (DEFAULT_BODY_LIMIT + 1), headers=auth)
    assert resp.status_code == 413 and problem_kind(resp) == "payload-too-large"


async def test_the_employment_upload_takes_its_own_larger_limit(suite: Suite) -> None:
    fivu = await suite.auth("fivu-rti")
    auth = {"authorization": fivu["Authorization"], "content-type": "text/csv"}
    path = "/evaluation/v1/employment"
    status, _body, _read = await raw_request(
        suite, "POST", path, auth | {"content-length": str(UPLOAD_LIMIT + 1)}, [b""]
    )
    assert status == 413
    csv = b"region_code,category,year,employees\n1081,energy,2023,100\n"
    padding = b"# " + b"x" * 100 + b"\n"
    body = padding * ((DEFAULT_BODY_LIMIT // len(padding)) + 10) + csv  # over 1 MB
    resp = await suite.http.post(path, content=body, headers=auth)
    assert resp.status_code != 413, resp.text


async def test_json_bodies_are_application_json_in_utf8(suite: Suite) -> None:
    fivu = await suite.auth("fivu-rti")
    body = '{"name": "Æblerne"}'
    for content_type, content in [
        ("text/plain", body.encode()),
        ("application/x-www-form-urlencoded", b"name=x"),
        ("application/json; charset=utf-16", body.encode("utf-16")),
        ("application/json", body.encode("utf-16")),
        ("application/json", body.encode("utf-16-le")),
        ("application/json", body.encode("utf-8-sig")),
        ("application/json", b'{"name": "\xff\xfe"}'),  # not UTF-8 at all
    ]:
        resp = await suite.http.post(
            CLUSTERS, content=content, headers=fivu | {"Content-Type": content_type}
        )
        assert resp.status_code == 415, (content_type, resp.text)
        assert problem_kind(resp) == "unsupported-media-type"
    # UTF-8 JSON (with or without the charset) gets through to validation.
    for content_type in ("application/json", "application/json; charset=UTF-8"):
        resp = await suite.http.post(
            CLUSTERS, content=body.encode(), headers=fivu | {"Content-Type": content_type}
        )
        assert resp.status_code == 422, resp.text
    # The token endpoint keeps its form; JSON there is 415.
    resp = await suite.http.post(TOKEN, json={"grant_type": "client_credentials"})
    assert resp.status_code == 415 and problem_kind(resp) == "unsupported-media-type"


async def test_the_openapi_documents_the_limits(suite: Suite) -> None:
    registry = (await suite.http.get("/registry/openapi.json")).json()
    register = registry["paths"][CLUSTERS]["post"]
    assert {"401", "413", "415"} <= set(register["responses"])
    assert register["x-max-body-bytes"] == DEFAULT_BODY_LIMIT
    evaluation = (await suite.http.get("/evaluation/openapi.json")).json()
    upload = evaluation["paths"]["/evaluation/v1/employment"]["post"]
    assert upload["x-max-body-bytes"] == UPLOAD_LIMIT
    assert "401" not in evaluation["paths"]["/evaluation/v1/employment"]["get"]["responses"]
