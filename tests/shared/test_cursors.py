"""A cursor this API did not give out is 422 ``invalid-cursor`` in every service, never
ignored (issue 14: the evaluation's report years started over on a cursor of the wrong
shape)."""

from __future__ import annotations

import base64
import json

from tests.conftest import Suite

PROBLEM = "application/problem+json"


def _cursor(values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


async def test_a_cursor_not_given_out_is_422_everywhere(suite: Suite) -> None:
    lists = [
        "/registry/v1/organisations",
        "/registry/v1/clusters",
        "/funding/v1/calls",
        "/referrals/v1/services",
        "/evaluation/v1/clusters/cl-x/reports",
        "/evaluation/v1/employment",
        "/evaluation/v1/accounts/2025",
    ]
    wrong = [
        "%%%",
        _cursor([]),
        _cursor({"id": "x"}),
        _cursor(["a", "b", "c", "d"]),
        _cursor([True]),
    ]
    for path in lists:
        for cursor in wrong:
            resp = await suite.http.get(path, params={"cursor": cursor})
            assert resp.status_code == 422, (path, cursor, resp.text)
            assert resp.headers["content-type"] == PROBLEM
            assert resp.json()["type"].endswith("/invalid-cursor"), (path, resp.text)
    # The report years' cursor is a year: a text there was silently ignored before.
    resp = await suite.http.get(
        "/evaluation/v1/clusters/cl-x/reports", params={"cursor": _cursor(["2024"])}
    )
    assert resp.status_code == 422, resp.text
