"""The cluster registry through its API: who may write what, validation, responsibility,
overrides, members, status, ministry seats, search and merger hints (issue 3)."""

from __future__ import annotations

from itertools import count
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.registry.models import LeagueChange, messaging
from services.registry.rules.responsibility import forum_for_municipality
from tests.conftest import Suite

API = "/registry/v1"
PROBLEM = "application/problem+json"
MIDT = "vaekstforum-midtjylland"
HOVED = "vaekstforum-hovedstaden"
NORD = "vaekstforum-nordjylland"
_seeds = count(1)


def cvr(seed: int | None = None) -> str:
    """A valid CVR number (weights 2765432 1, sum divisible by 11), different per call."""
    n = 1_000_000 + 7919 * (next(_seeds) if seed is None else seed)
    while True:
        digits = [int(d) for d in str(n)[:7]]
        check = -sum(w * d for w, d in zip((2, 7, 6, 5, 4, 3, 2), digits, strict=True)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)
        n += 1


def cluster_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Energiklyngen Midt",
        "cvr": cvr(),
        "cluster_kind": "cluster",
        "league": "national",
        "home_municipality_code": "0657",  # Herning, Region Midtjylland
        "fields": ["energy"],
        "functions": ["bridge_builder"],
    }
    body.update(overrides)
    return body


async def register(suite: Suite, by: str | None = None, **overrides: Any) -> dict[str, Any]:
    """Register as ``by``; by default as FIVU/RTI, or for an emerging cluster as the growth
    forum of its home area (issue 12: FIVU/RTI registers world-class and national ones)."""
    body = cluster_body(**overrides)
    if by is None:
        by = (
            forum_for_municipality(body["home_municipality_code"])
            if body["league"] == "emerging"
            else "fivu-rti"
        )
    resp = await suite.http.post(f"{API}/clusters", json=body, headers=await suite.auth(by))
    assert resp.status_code == 201, resp.text
    return resp.json()


async def record_label(suite: Suite, cid: str, level: str, valid_until: str) -> None:
    """The secretariat records a label (issue 12: a cluster cannot set its own)."""
    resp = await suite.http.post(
        f"{API}/clusters/{cid}/labels",
        json={"level": level, "issued_on": "2018-01-01", "valid_until": valid_until},
        headers=await suite.auth("klyngeforum"),
    )
    assert resp.status_code == 201, resp.text


def member(name: str, municipality: str | None = "0657", **overrides: Any) -> dict[str, Any]:
    return {"kind": "firm", "name": name, "municipality_code": municipality, "employees": 20} | (
        overrides
    )


async def add_members(suite: Suite, cid: str, *municipalities: str | None) -> list[str]:
    own = await suite.auth(cid)
    ids = []
    for i, muni in enumerate(municipalities):
        r = await suite.http.post(
            f"{API}/clusters/{cid}/members", json=member(f"Firma {i:03}", muni), headers=own
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


async def etag_of(suite: Suite, cid: str) -> str:
    return (await suite.http.get(f"{API}/clusters/{cid}")).headers["etag"]


def assert_problem(resp: httpx.Response, status: int, problem: str | None = None) -> None:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == PROBLEM
    if problem:
        assert resp.json()["type"].endswith(f"/{problem}"), resp.json()


def error_locs(resp: httpx.Response) -> list[list[str]]:
    assert_problem(resp, 422, "validation-error")
    return [e["loc"] for e in resp.json()["errors"]]


async def events(suite: Suite, type_: str, subject: str | None = None) -> list[dict[str, Any]]:
    """The payloads of the registry's outbox events of one type (oldest first)."""
    outbox = messaging.outbox
    async with suite.apps["registry"].state.session_factory() as s:
        rows = (
            await s.execute(
                select(outbox.c.envelope).where(outbox.c.type == type_).order_by(outbox.c.seq)
            )
        ).scalars()
        envelopes = list(rows)
    return [e["data"] for e in envelopes if subject is None or e.get("subject") == subject]


def ids(refs: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in refs]


# --- registration ----------------------------------------------------------------------------


async def test_fivu_rti_a_growth_forum_or_the_secretariat_register_clusters(suite: Suite) -> None:
    resp = await suite.http.post(
        f"{API}/clusters", json=cluster_body(), headers=await suite.auth("fivu-rti")
    )
    assert resp.status_code == 201, resp.text
    out = resp.json()
    assert resp.headers["location"] == f"{API}/clusters/{out['id']}"
    assert resp.headers["etag"] == '"1"'
    assert (out["league"], out["status"], out["home_region_code"]) == ("national", "active", "1082")
    assert out["responsibility"]["rule"] == "national_without_centre"
    assert ids(out["responsibility"]["primary"]) == ["fivu-rti"]
    assert out["responsibility"]["primary"][0]["name"].startswith("Uddannelsesministeriet")
    # The cluster is an organisation of kind cluster_organisation.
    org = (await suite.http.get(f"{API}/organisations/{out['id']}")).json()
    assert org["kind"] == "cluster_organisation"

    for by in (MIDT, "klyngeforum"):
        assert (await register(suite, by=by))["league"] == "national"

    [registered] = await events(suite, "registry.cluster.registered", out["id"])
    assert registered["league"] == "national"
    assert registered["responsibility"]["primary"] == ["fivu-rti"]
    history = (await suite.http.get(f"{API}/clusters/{out['id']}/league-history")).json()
    assert [(h["from_league"], h["to_league"], h["changed_by"]["id"]) for h in history] == [
        (None, "national", "fivu-rti")
    ]


async def test_others_cannot_register_clusters(suite: Suite) -> None:
    for caller in ("kommune-0101", "ministeriet-energi", "region-1082", "kl"):
        resp = await suite.http.post(
            f"{API}/clusters", json=cluster_body(), headers=await suite.auth(caller)
        )
        assert_problem(resp, 403, "not-a-league-authority")
    assert await events(suite, "registry.cluster.registered") == []


async def test_registration_needs_a_token_and_a_free_cvr(suite: Suite) -> None:
    resp = await suite.http.post(f"{API}/clusters", json=cluster_body())
    assert_problem(resp, 401)
    assert resp.headers["www-authenticate"].startswith("Bearer")
    # A cluster organisation cannot register another cluster.
    first = await register(suite)
    resp = await suite.http.post(
        f"{API}/clusters", json=cluster_body(), headers=await suite.auth(first["id"])
    )
    assert_problem(resp, 403)
    resp = await suite.http.post(
        f"{API}/clusters",
        json=cluster_body(cvr=first["cvr"]),
        headers=await suite.auth("fivu-rti"),
    )
    # The CVR belongs to a cluster already: 409 naming it.
    assert_problem(resp, 409, "cluster-exists")
    assert resp.json()["existing_id"] == first["id"]


async def test_registration_accepts_an_idempotency_key(suite: Suite) -> None:
    headers = {**await suite.auth("fivu-rti"), "Idempotency-Key": "klynge-1"}
    body = cluster_body()
    first = await suite.http.post(f"{API}/clusters", json=body, headers=headers)
    again = await suite.http.post(f"{API}/clusters", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"] == first.headers["etag"]
    assert len(await events(suite, "registry.cluster.registered")) == 1
    other = await suite.http.post(
        f"{API}/clusters", json={**body, "name": "Anden Klynge"}, headers=headers
    )
    assert_problem(other, 422, "idempotency-key-reused")


# --- validation ------------------------------------------------------------------------------


BAD_REGISTRATIONS: list[tuple[dict[str, Any], list[str]]] = [
    ({"cvr": "12345678"}, ["body", "cvr"]),
    ({"cvr": "abc"}, ["body", "cvr"]),
    ({"home_municipality_code": "9999"}, ["body", "home_municipality_code"]),
    ({"municipalities_served": ["0657", "0999"]}, ["body", "municipalities_served", "1"]),
    ({"league": "premier"}, ["body", "league"]),
    ({"cluster_kind": "guild"}, ["body", "cluster_kind"]),
    ({"fields": ["alchemy"]}, ["body", "fields"]),
    ({"functions": ["lobbying"]}, ["body", "functions", "0"]),
    ({"founded_on": "2999-01-01"}, ["body", "founded_on"]),
    ({"societal_tasks": [{"task": "world_peace"}]}, ["body", "societal_tasks", "0", "task"]),
    (
        {"societal_tasks": [{"task": "climate"}, {"task": "climate"}]},
        ["body", "societal_tasks"],
    ),
    ({"label": {"level": "platinum", "valid_until": "2030-01-01"}}, ["body", "label", "level"]),
    (
        {
            "obligations": {
                "neutral_platform": True,
                "open_access": True,
                "no_lobbying": True,
                "declared_on": "2999-01-01",
            }
        },
        ["body", "obligations", "declared_on"],
    ),
    ({"name": "Nul\x00Klynge"}, ["body", "name"]),
    ({"description": "x" * 5001}, ["body", "description"]),
    ({"extra": 1}, ["body", "extra"]),
]


async def test_invalid_registration_is_422_problem_json(suite: Suite) -> None:
    fivu = await suite.auth("fivu-rti")
    for change, loc in BAD_REGISTRATIONS:
        resp = await suite.http.post(f"{API}/clusters", json=cluster_body(**change), headers=fivu)
        assert loc in error_locs(resp), change
    assert await events(suite, "registry.cluster.registered") == []
    assert (await suite.http.get(f"{API}/clusters")).json()["items"] == []


async def test_invalid_update_is_422_problem_json(suite: Suite) -> None:
    cid = (await register(suite))["id"]
    headers = {**await suite.auth(cid), "If-Match": await etag_of(suite, cid)}
    for change, loc in [
        ({"home_municipality_code": "0000"}, ["body", "home_municipality_code"]),
        ({"fields": ["alchemy"]}, ["body", "fields"]),
        ({"name": None}, ["body", "name"]),
        ({"cluster_kind": None}, ["body", "cluster_kind"]),
        ({"home_municipality_code": None}, ["body", "home_municipality_code"]),
        ({"website": "not a url"}, ["body", "website"]),
    ]:
        resp = await suite.http.patch(f"{API}/clusters/{cid}", json=change, headers=headers)
        assert loc in error_locs(resp), change
    assert await etag_of(suite, cid) == headers["If-Match"]


# --- profile: only the cluster itself, with If-Match --------------------------------------------


async def test_the_cluster_updates_its_own_profile_with_if_match(suite: Suite) -> None:
    cid = (await register(suite, league="emerging"))["id"]
    own = await suite.auth(cid)
    url = f"{API}/clusters/{cid}"
    etag = await etag_of(suite, cid)

    resp = await suite.http.patch(url, json={"description": "Ny beskrivelse"}, headers=own)
    assert_problem(resp, 428, "precondition-required")
    resp = await suite.http.patch(
        url, json={"description": "Ny beskrivelse"}, headers={**own, "If-Match": '"99"'}
    )
    assert_problem(resp, 412, "stale-write")
    assert resp.json()["current_etag"] == etag

    change = {
        "name": "Energiklyngen Vest",
        "description": "Vind og brint",
        "municipalities_served": ["0661", "0657"],
        "fields": ["energy", "maritime"],
        "functions": ["bridge_builder", "regional_ecosystem"],
        "societal_tasks": [
            {
                "task": "climate",
                "backing_of_central_actors": True,
                "added_value_in_coordination": True,
                "resources_without_crowding_out": True,
            },
            {"task": "energy", "backing_of_central_actors": True, "note": "uden ressourcer"},
        ],
        "obligations": {
            "neutral_platform": True,
            "open_access": True,
            "no_lobbying": True,
            "declared_on": "2026-01-15",
        },
    }
    # The label is not the cluster's to set (issue 12): refused, and recorded by an issuer.
    resp = await suite.http.patch(
        url,
        json={"label": {"level": "gold", "valid_until": "2030-12-31"}},
        headers={**own, "If-Match": etag},
    )
    assert_problem(resp, 403, "label-by-issuer")
    await record_label(suite, cid, "silver", "2020-12-31")
    etag = await etag_of(suite, cid)
    resp = await suite.http.patch(url, json=change, headers={**own, "If-Match": etag})
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert resp.headers["etag"] == f'"{out["version"]}"' != etag
    assert out["name"] == "Energiklyngen Vest"
    assert out["municipalities_served"] == ["0657", "0661"]
    assert [(t["task"], t["supportable"]) for t in out["societal_tasks"]] == [
        ("climate", True),
        ("energy", False),
    ]
    assert out["obligations"]["declared_on"] == "2026-01-15"
    codes = {w["code"] for w in out["warnings"]}
    assert {"few_members", "narrow_helix", "label_expired", "task_not_supportable"} <= codes
    assert "obligations_not_declared" not in codes
    # Emerging: the home forum and the municipalities served carry the responsibility.
    assert ids(out["responsibility"]["primary"]) == [MIDT, "kommune-0657", "kommune-0661"]
    # The old ETag is stale now.
    resp = await suite.http.patch(url, json={"description": "x"}, headers={**own, "If-Match": etag})
    assert_problem(resp, 412)
    # Lists sent as null are emptied.
    resp = await suite.http.patch(
        url,
        json={"fields": None, "societal_tasks": None},
        headers={**own, "If-Match": resp.json()["current_etag"]},
    )
    assert resp.status_code == 200, resp.text
    assert (resp.json()["fields"], resp.json()["societal_tasks"]) == ([], [])
    assert "no_fields" in {w["code"] for w in resp.json()["warnings"]}

    updated = await events(suite, "registry.cluster.updated", cid)
    assert updated[0]["changed"] == ["label"]  # recorded by the secretariat
    updated = updated[1:]
    assert updated[0]["name"] == "Energiklyngen Vest"
    assert "fields" in updated[0]["changed"]
    # Search by the new name and the served municipality.
    found = (await suite.http.get(f"{API}/clusters", params={"municipality": "0661"})).json()
    assert ids(found["items"]) == [cid]


async def test_a_cluster_cannot_change_its_own_league_or_anothers_profile(suite: Suite) -> None:
    cid = (await register(suite))["id"]
    other = (await register(suite, name="Anden Klynge"))["id"]
    own = {**await suite.auth(cid), "If-Match": await etag_of(suite, cid)}
    resp = await suite.http.patch(
        f"{API}/clusters/{cid}", json={"league": "world_class"}, headers=own
    )
    assert_problem(resp, 403, "league-not-yours")
    resp = await suite.http.patch(
        f"{API}/clusters/{cid}", json={"status": "dissolved"}, headers=own
    )
    assert_problem(resp, 422, "status-not-here")
    resp = await suite.http.post(
        f"{API}/clusters/{cid}/league-changes",
        json={"league": "world_class", "reason": "Vi er verdensklasse"},
        headers=own,
    )
    assert_problem(resp, 403, "not-a-league-authority")
    # Another cluster's profile: refused even with the right ETag.
    resp = await suite.http.patch(
        f"{API}/clusters/{other}",
        json={"description": "kapret"},
        headers={**await suite.auth(cid), "If-Match": await etag_of(suite, other)},
    )
    assert_problem(resp, 403, "not-your-cluster")
    # Funders do not edit profiles either.
    resp = await suite.http.patch(
        f"{API}/clusters/{cid}",
        json={"description": "x"},
        headers={**await suite.auth(MIDT), "If-Match": await etag_of(suite, cid)},
    )
    assert_problem(resp, 403, "not-your-cluster")
    # A cluster token without clusters:write cannot either.
    narrow = await suite.auth(cid, ["referrals:write"])
    resp = await suite.http.patch(
        f"{API}/clusters/{cid}",
        json={"description": "x"},
        headers={**narrow, "If-Match": await etag_of(suite, cid)},
    )
    assert_problem(resp, 403, "insufficient-scope")
    got = (await suite.http.get(f"{API}/clusters/{cid}")).json()
    assert (got["league"], got["version"], got["description"]) == ("national", 1, None)
    assert await events(suite, "registry.cluster.league_changed") == []


# --- league changes --------------------------------------------------------------------------


async def test_a_growth_forum_changes_a_league_with_a_reason(suite: Suite) -> None:
    cid = (await register(suite, league="emerging"))["id"]
    url = f"{API}/clusters/{cid}/league-changes"
    forum = await suite.auth(MIDT)

    resp = await suite.http.post(url, json={"league": "national"}, headers=forum)
    assert ["body", "reason"] in error_locs(resp)
    resp = await suite.http.post(url, json={"league": "national", "reason": "  "}, headers=forum)
    assert ["body", "reason"] in error_locs(resp)
    resp = await suite.http.post(url, json={"league": "premier", "reason": "Vækst"}, headers=forum)
    assert ["body", "league"] in error_locs(resp)
    resp = await suite.http.post(
        url,
        json={"league": "national", "reason": "Moden"},
        headers={**forum, "If-Match": '"7"'},
    )
    assert_problem(resp, 412)

    for caller in ("ministeriet-energi", "kommune-0657", "klyngeforum"):
        resp = await suite.http.post(
            url, json={"league": "national", "reason": "Moden"}, headers=await suite.auth(caller)
        )
        assert_problem(resp, 403, "not-a-league-authority")
    resp = await suite.http.post(url, json={"league": "national", "reason": "Moden"})
    assert_problem(resp, 401)

    resp = await suite.http.post(
        url,
        json={"league": "national", "reason": "Moden og tværregional"},
        headers={**forum, "If-Match": await etag_of(suite, cid)},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["league"] == "national"
    assert resp.headers["etag"] == '"2"'
    resp = await suite.http.post(url, json={"league": "national", "reason": "igen"}, headers=forum)
    assert_problem(resp, 409, "same-league")
    resp = await suite.http.post(
        url,
        json={"league": "world_class", "reason": "Global førende"},
        headers=await suite.auth("fivu-rti"),
    )
    assert resp.status_code == 200, resp.text

    history = (await suite.http.get(f"{API}/clusters/{cid}/league-history")).json()
    assert [
        (h["from_league"], h["to_league"], h["changed_by"]["id"], h["reason"]) for h in history
    ] == [
        (None, "emerging", MIDT, "registered"),
        ("emerging", "national", MIDT, "Moden og tværregional"),
        ("national", "world_class", "fivu-rti", "Global førende"),
    ]
    assert history[1]["changed_by"]["name"] == "Vækstforum Midtjylland"
    changed = await events(suite, "registry.cluster.league_changed", cid)
    assert [(e["from_league"], e["to_league"], e["changed_by"]) for e in changed] == [
        ("emerging", "national", MIDT),
        ("national", "world_class", "fivu-rti"),
    ]
    # Each league change moved the responsibility, and each move was announced.
    moves = await events(suite, "registry.cluster.responsibility_changed", cid)
    assert [(m["previous"]["rule"], m["current"]["rule"], m["cause"]) for m in moves] == [
        ("emerging", "national_without_centre", "league_changed"),
        ("national_without_centre", "world_class_without_centre", "league_changed"),
    ]
    assert moves[0]["previous"]["primary"] == [MIDT, "kommune-0657"]
    assert moves[0]["current"]["primary"] == ["fivu-rti"]


# --- responsibility and overrides --------------------------------------------------------------


async def test_responsibility_explains_the_centre_of_gravity(suite: Suite) -> None:
    cid = (await register(suite, home_municipality_code="0101"))["id"]
    # 3 members on Bornholm, 2 in København: Bornholm's own forum is the centre (60 %).
    await add_members(suite, cid, "0400", "0400", "0400", "0101", "0147", None)
    resp = (await suite.http.get(f"{API}/clusters/{cid}/responsibility")).json()
    assert resp["rule"] == "national_with_centre"
    assert ids(resp["primary"]) == ["vaekstforum-bornholm"]
    assert resp["primary"][0]["name"] == "Bornholms Vækstforum"
    assert ids(resp["also"]) == ["fivu-rti"]
    assert "§1" in resp["basis"]
    cog = resp["centre_of_gravity"]
    assert cog["forum"]["id"] == "vaekstforum-bornholm"
    assert cog["region_code"] == "1084"
    assert cog["share"] == pytest.approx(0.6)
    assert cog["located_members"] == 5
    assert cog["counts"] == {"vaekstforum-bornholm": 3, HOVED: 2}
    assert (cog["threshold"], cog["min_members"]) == (0.5, 5)
    assert resp["override"] is None
    assert resp["computed"]["rule"] == "national_with_centre"
    resp = await suite.http.get(f"{API}/clusters/nope/responsibility")
    assert_problem(resp, 404)


async def test_the_centre_of_gravity_rule_is_configurable(suite_factory: Any) -> None:
    suite = await suite_factory(registry={"cog_threshold": 0.75, "cog_min_members": 2})
    cid = (await register(suite))["id"]
    await add_members(suite, cid, "0657", "0751", "0101")  # 2 of 3 = 67 % < 75 %
    resp = (await suite.http.get(f"{API}/clusters/{cid}/responsibility")).json()
    assert resp["centre_of_gravity"]["forum"] is None
    assert (resp["centre_of_gravity"]["threshold"], resp["centre_of_gravity"]["min_members"]) == (
        0.75,
        2,
    )
    await add_members(suite, cid, "0730", "0661", "0779", "0657", "0751")  # 7 of 8
    resp = (await suite.http.get(f"{API}/clusters/{cid}/responsibility")).json()
    assert ids(resp["primary"]) == [MIDT]


async def test_an_agreed_override_is_shown_instead_and_withdrawn(suite: Suite) -> None:
    """Issue 12: an exception is proposed, and in force only once every concerned party
    (named, or named by the matrix today) has confirmed it."""
    cid = (await register(suite, league="emerging"))["id"]
    url = f"{API}/clusters/{cid}/responsibility-overrides"
    fivu = await suite.auth("fivu-rti")
    agreed = {
        "primary": [MIDT, "fivu-rti"],
        "also": ["kommune-0657"],
        "reason": "Særligt tilfælde: national testfacilitet aftalt 2026",
    }
    # Only a concerned party proposes it.
    for caller in ("ministeriet-energi", "klyngeforum", cid, NORD):
        resp = await suite.http.post(url, json=agreed, headers=await suite.auth(caller))
        assert_problem(resp, 403, "not-a-party")
        assert resp.json()["rule"] == "responsibility_exception"
        assert resp.json()["may_act"] == [MIDT, "fivu-rti", "kommune-0657"]
    assert_problem(await suite.http.post(url, json=agreed), 401)
    # The reason is required.
    resp = await suite.http.post(url, json={**agreed, "reason": None}, headers=fivu)
    assert ["body", "reason"] in error_locs(resp)
    resp = await suite.http.post(
        url, json={k: v for k, v in agreed.items() if k != "reason"}, headers=fivu
    )
    assert ["body", "reason"] in error_locs(resp)
    resp = await suite.http.post(url, json={**agreed, "primary": []}, headers=fivu)
    assert ["body", "primary"] in error_locs(resp)
    # Unknown parties and parties that cannot carry base funding are refused.
    resp = await suite.http.post(url, json={**agreed, "also": ["ingen-saadan"]}, headers=fivu)
    assert_problem(resp, 422, "unknown-party")
    assert resp.json()["unknown"] == ["ingen-saadan"]
    house = await suite.http.post(
        f"{API}/organisations",
        json={"name": "Væksthus Midtjylland", "kind": "growth_house"},
        headers=await suite.auth("klyngeforum"),
    )
    resp = await suite.http.post(url, json={**agreed, "also": [house.json()["id"]]}, headers=fivu)
    assert_problem(resp, 422, "not-a-funding-party")
    resp = await suite.http.post(url, json={**agreed, "also": ["fivu-rti"]}, headers=fivu)
    assert_problem(resp, 422, "party-named-twice")

    resp = await suite.http.post(url, json=agreed, headers=fivu)
    assert resp.status_code == 201, resp.text
    override = resp.json()
    assert ids(override["primary"]) == [MIDT, "fivu-rti"]
    assert override["recorded_by"]["id"] == "fivu-rti"
    assert override["withdrawn_at"] is None
    assert override["state"] == "proposed"
    assert sorted(ids(override["waiting_for"])) == ["kommune-0657", MIDT]
    # A proposal changes nothing.
    assert (await suite.http.get(f"{API}/clusters/{cid}/responsibility")).json()[
        "rule"
    ] == "emerging"
    for party in (MIDT, "kommune-0657"):
        resp = await suite.http.post(
            f"{url}/{override['id']}/confirm", headers=await suite.auth(party)
        )
        assert resp.status_code == 200, resp.text
    assert resp.json()["state"] == "in_force"

    shown = (await suite.http.get(f"{API}/clusters/{cid}/responsibility")).json()
    assert shown["rule"] == "agreed_exception"
    assert ids(shown["primary"]) == [MIDT, "fivu-rti"]
    assert ids(shown["also"]) == ["kommune-0657"]
    assert agreed["reason"] in shown["basis"]
    assert shown["override"]["id"] == override["id"]
    # What the matrix alone gives is still there.
    assert shown["computed"]["rule"] == "emerging"
    assert ids(shown["computed"]["primary"]) == [MIDT, "kommune-0657"]
    assert shown["computed"]["also"] == []
    summary = (await suite.http.get(f"{API}/clusters/{cid}")).json()["responsibility"]
    assert (summary["rule"], summary["overridden"]) == ("agreed_exception", True)

    # Withdrawing: only a concerned party, only an open exception of this cluster.
    del_url = f"{url}/{override['id']}"
    resp = await suite.http.delete(del_url, headers=await suite.auth(NORD))
    assert_problem(resp, 403, "not-a-party")
    resp = await suite.http.delete(f"{url}/nope", headers=fivu)
    assert_problem(resp, 404)
    resp = await suite.http.delete(del_url, headers=await suite.auth("kommune-0657"))
    assert resp.status_code == 204, resp.text
    assert_problem(await suite.http.delete(del_url, headers=fivu), 409, "exception-not-open")

    restored = (await suite.http.get(f"{API}/clusters/{cid}/responsibility")).json()
    assert restored["rule"] == "emerging"
    assert restored["override"] is None
    assert ids(restored["primary"]) == [MIDT, "kommune-0657"]

    changes = await events(suite, "registry.cluster.responsibility_changed", cid)
    assert [(c["cause"], c["current"]["rule"], c["current"]["overridden"]) for c in changes] == [
        ("override_recorded", "agreed_exception", True),
        ("override_withdrawn", "emerging", False),
    ]
    assert changes[0]["current"]["primary"] == [MIDT, "fivu-rti"]


async def test_a_new_override_replaces_the_active_one(suite: Suite) -> None:
    """Issue 12: only once every concerned party — the parties of the one in force included —
    has confirmed it; until then the agreed one stays in force."""
    cid = (await register(suite))["id"]  # national, no centre: FIVU/RTI primary, MIDT also
    url = f"{API}/clusters/{cid}/responsibility-overrides"
    forum, fivu = await suite.auth(MIDT), await suite.auth("fivu-rti")
    first = await suite.http.post(
        url, json={"primary": [MIDT], "reason": "Aftalt i 2025"}, headers=forum
    )
    assert first.status_code == 201, first.text
    await suite.http.post(f"{url}/{first.json()['id']}/confirm", headers=fivu)
    second = await suite.http.post(
        url, json={"primary": [MIDT], "also": [NORD], "reason": "Aftalt i 2026"}, headers=forum
    )
    assert second.status_code == 201, second.text
    assert second.json()["supersedes_id"] == first.json()["id"]
    assert ids(second.json()["waiting_for"]) == [NORD, "fivu-rti"]
    shown = (await suite.http.get(f"{API}/clusters/{cid}/responsibility")).json()
    assert shown["override"]["id"] == first.json()["id"]
    for party in (NORD, "fivu-rti"):
        resp = await suite.http.post(
            f"{url}/{second.json()['id']}/confirm", headers=await suite.auth(party)
        )
        assert resp.status_code == 200, resp.text
    shown = (await suite.http.get(f"{API}/clusters/{cid}/responsibility")).json()
    assert shown["override"]["id"] == second.json()["id"]
    assert ids(shown["also"]) == [NORD]
    old = (await suite.http.get(f"{url}/{first.json()['id']}")).json()
    assert old["state"] == "superseded"
    resp = await suite.http.delete(f"{url}/{first.json()['id']}", headers=forum)
    assert_problem(resp, 409, "exception-not-open")


# --- members ---------------------------------------------------------------------------------


async def test_only_the_cluster_itself_changes_its_members(suite: Suite) -> None:
    cid = (await register(suite))["id"]
    other = (await register(suite, name="Anden Klynge"))["id"]
    url = f"{API}/clusters/{cid}/members"
    own = await suite.auth(cid)
    firm = member("Vind A/S", cvr=cvr(), employees=40)

    for caller in (other, "fivu-rti", MIDT):
        assert_problem(await suite.http.post(url, json=firm, headers=await suite.auth(caller)), 403)
    assert_problem(await suite.http.post(url, json=firm), 401)

    resp = await suite.http.post(url, json=firm, headers=own)
    assert resp.status_code == 201, resp.text
    mid = resp.json()["id"]
    assert resp.headers["location"] == f"{url}/{mid}"
    assert resp.json()["cvr"] == firm["cvr"]
    # The same CVR twice in one cluster: 409; in another cluster it is fine.
    dup = await suite.http.post(url, json={**firm, "name": "Vind ApS"}, headers=own)
    assert_problem(dup, 409, "member-exists")
    resp = await suite.http.post(
        f"{API}/clusters/{other}/members", json=firm, headers=await suite.auth(other)
    )
    assert resp.status_code == 201, resp.text

    # Replace: only the cluster; a CVR clash is 409.
    second = await suite.http.post(
        url, json=member("Brint ApS", cvr=cvr(), kind="firm"), headers=own
    )
    sid = second.json()["id"]
    resp = await suite.http.put(f"{url}/{sid}", json={**firm, "name": "Brint ApS"}, headers=own)
    assert_problem(resp, 409, "member-exists")
    new = member("Brint Danmark ApS", "0751", employees=300, kind="firm")
    resp = await suite.http.put(f"{url}/{sid}", json=new, headers=await suite.auth(other))
    assert_problem(resp, 403, "not-your-cluster")
    resp = await suite.http.put(f"{url}/{sid}", json=new, headers=own)
    assert resp.status_code == 200, resp.text
    assert (resp.json()["name"], resp.json()["employees"], resp.json()["cvr"]) == (
        "Brint Danmark ApS",
        300,
        None,
    )
    # A member of another cluster is not found through this one.
    assert_problem(
        await suite.http.put(
            f"{API}/clusters/{other}/members/{sid}", json=new, headers=await suite.auth(other)
        ),
        404,
    )

    # Remove: only the cluster.
    resp = await suite.http.delete(f"{url}/{sid}", headers=await suite.auth(other))
    assert_problem(resp, 403)
    assert (await suite.http.delete(f"{url}/{sid}", headers=own)).status_code == 204
    assert_problem(await suite.http.delete(f"{url}/{sid}", headers=own), 404)

    listed = (await suite.http.get(url)).json()
    assert [m["name"] for m in listed["items"]] == ["Vind A/S"]
    profile = (await suite.http.get(f"{API}/clusters/{cid}")).json()["members"]
    assert (profile["total"], profile["sme_share"], profile["top_region_code"]) == (1, 1.0, "1082")
    changed = await events(suite, "registry.cluster.updated", cid)
    assert [e["member_count"] for e in changed] == [1, 2, 2, 1]
    assert all(e["changed"] == ["members"] for e in changed)


async def test_members_are_paged_without_gaps_and_filtered_by_kind(suite: Suite) -> None:
    cid = (await register(suite))["id"]
    own = await suite.auth(cid)
    url = f"{API}/clusters/{cid}/members"
    names = ["Alfa", "Beta", "Beta", "Gamma", "Delta", "Epsilon", "Zeta"]
    for i, name in enumerate(names):
        kind = "knowledge_institution" if i % 3 == 0 else "firm"
        r = await suite.http.post(url, json=member(name, kind=kind), headers=own)
        assert r.status_code == 201, r.text
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await suite.http.get(url, params=params)).json()
        seen += [m["id"] for m in page["items"]]
        pages += 1
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert pages == 4
    assert len(seen) == len(set(seen)) == 7
    everything = (await suite.http.get(url)).json()["items"]
    assert [m["id"] for m in everything] == seen
    assert [m["name"] for m in everything] == sorted(names)
    institutions = (await suite.http.get(url, params={"kind": "knowledge_institution"})).json()
    assert len(institutions["items"]) == 3
    assert_problem(await suite.http.get(url, params={"cursor": "%%%"}), 422, "invalid-cursor")
    assert_problem(await suite.http.get(f"{API}/clusters/nope/members"), 404)
    profile = (await suite.http.get(f"{API}/clusters/{cid}")).json()["members"]
    assert profile["by_kind"]["knowledge_institution"] == 3
    assert profile["helix_kinds"] == ["industry", "knowledge"]


async def test_member_changes_move_responsibility_and_announce_it(suite: Suite) -> None:
    cid = (await register(suite, league="world_class"))["id"]
    [first, *_] = await add_members(suite, cid, "0657", "0751", "0730", "0101", "0461")
    resp = (await suite.http.get(f"{API}/clusters/{cid}/responsibility")).json()
    assert (resp["rule"], ids(resp["also"])) == ("world_class_with_centre", [MIDT])
    # Removing a Midtjylland member drops below the minimum of 5: no centre any more.
    r = await suite.http.delete(
        f"{API}/clusters/{cid}/members/{first}", headers=await suite.auth(cid)
    )
    assert r.status_code == 204
    resp = (await suite.http.get(f"{API}/clusters/{cid}/responsibility")).json()
    assert (resp["rule"], resp["also"]) == ("world_class_without_centre", [])
    moves = await events(suite, "registry.cluster.responsibility_changed", cid)
    assert [(m["cause"], m["current"]["rule"]) for m in moves] == [
        ("members_changed", "world_class_with_centre"),
        ("members_changed", "world_class_without_centre"),
    ]
    assert moves[0]["current"]["centre_of_gravity_forum"] == MIDT


# --- status ----------------------------------------------------------------------------------


async def test_status_merged_and_dissolved(suite: Suite) -> None:
    small = (await register(suite, name="Lille Klynge", league="emerging"))["id"]
    big = (await register(suite, name="Stor Klynge"))["id"]
    gone = (await register(suite, name="Nedlagt Klynge"))["id"]
    url = f"{API}/clusters/{small}/status"
    forum = await suite.auth(MIDT)

    resp = await suite.http.post(url, json={"status": "merged", "reason": "Fusion"}, headers=forum)
    assert ["body"] in error_locs(resp)  # merged_into_id is required
    resp = await suite.http.post(
        url, json={"status": "dissolved", "reason": "Lukket", "merged_into_id": big}, headers=forum
    )
    assert ["body"] in error_locs(resp)
    resp = await suite.http.post(url, json={"status": "dissolved"}, headers=forum)
    assert ["body", "reason"] in error_locs(resp)
    resp = await suite.http.post(
        url, json={"status": "merged", "reason": "Fusion", "merged_into_id": "nope"}, headers=forum
    )
    assert_problem(resp, 422, "unknown-merge-target")
    resp = await suite.http.post(
        url, json={"status": "merged", "reason": "Fusion", "merged_into_id": small}, headers=forum
    )
    assert_problem(resp, 422, "merge-into-self")

    # Who: the cluster itself, FIVU/RTI, a growth forum (or the secretariat); not others.
    for caller in (big, "ministeriet-energi", "kommune-0657"):
        resp = await suite.http.post(
            f"{API}/clusters/{gone}/status",
            json={"status": "dissolved", "reason": "Lukket"},
            headers=await suite.auth(caller),
        )
        assert_problem(resp, 403)
    resp = await suite.http.post(
        f"{API}/clusters/{gone}/status",
        json={"status": "dissolved", "reason": "Lukket"},
        headers=await suite.auth(gone),
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "dissolved"
    # Merging into an inactive cluster is refused.
    resp = await suite.http.post(
        url, json={"status": "merged", "reason": "Fusion", "merged_into_id": gone}, headers=forum
    )
    assert_problem(resp, 422, "merge-target-inactive")

    resp = await suite.http.post(
        url,
        json={"status": "merged", "reason": "Fusion med Stor", "merged_into_id": big},
        headers=forum,
    )
    assert resp.status_code == 200, resp.text
    assert (resp.json()["status"], resp.json()["merged_into_id"]) == ("merged", big)
    resp = await suite.http.post(
        url, json={"status": "merged", "reason": "igen", "merged_into_id": big}, headers=forum
    )
    assert_problem(resp, 409, "same-status")

    changed = await events(suite, "registry.cluster.status_changed")
    assert [
        (e["cluster_id"], e["from_status"], e["to_status"], e["merged_into_id"]) for e in changed
    ] == [
        (gone, "active", "dissolved", None),
        (small, "active", "merged", big),
    ]
    # Inactive clusters leave the default search, not the full one.
    listed = (await suite.http.get(f"{API}/clusters")).json()
    assert ids(listed["items"]) == [big]
    listed = (await suite.http.get(f"{API}/clusters", params={"all_statuses": True})).json()
    assert set(ids(listed["items"])) == {small, big, gone}
    listed = (await suite.http.get(f"{API}/clusters", params={"status": "merged"})).json()
    assert ids(listed["items"]) == [small]


# --- ministry seats (§2) ---------------------------------------------------------------------


async def test_ministry_seats_for_innovation_networks(suite: Suite) -> None:
    network = (await register(suite, cluster_kind="innovation_network"))["id"]
    plain = (await register(suite, name="Almindelig Klynge"))["id"]
    url = f"{API}/clusters/{network}/ministry-seats"
    own = await suite.auth(network)
    seat = {"ministry_id": "ministeriet-energi", "group": "steering", "offered_on": "2026-03-01"}

    resp = await suite.http.post(
        f"{API}/clusters/{plain}/ministry-seats", json=seat, headers=await suite.auth(plain)
    )
    assert_problem(resp, 422, "not-an-innovation-network")
    resp = await suite.http.post(url, json={**seat, "ministry_id": MIDT}, headers=own)
    assert_problem(resp, 422, "not-a-ministry")
    resp = await suite.http.post(url, json={**seat, "ministry_id": "ingen"}, headers=own)
    assert_problem(resp, 422, "unknown-ministry")
    resp = await suite.http.post(url, json={**seat, "group": "board"}, headers=own)
    assert ["body", "group"] in error_locs(resp)
    for caller in (plain, "ministeriet-energi", "fivu-rti"):
        assert_problem(await suite.http.post(url, json=seat, headers=await suite.auth(caller)), 403)

    resp = await suite.http.post(url, json=seat, headers=own)
    assert resp.status_code == 201, resp.text
    offered = resp.json()
    assert offered["ministry"] == {"id": "ministeriet-energi", "name": "Energiministeriet"}
    assert (offered["taken"], offered["answered_on"]) == (False, None)
    assert_problem(await suite.http.post(url, json=seat, headers=own), 409, "seat-exists")

    answer = f"{url}/{offered['id']}"
    for caller in ("ministeriet-miljoe", plain, MIDT):
        resp = await suite.http.put(answer, json={"taken": True}, headers=await suite.auth(caller))
        assert_problem(resp, 403, "not-your-seat")
    assert_problem(await suite.http.put(answer, json={"taken": True}), 401)
    resp = await suite.http.put(
        answer, json={"taken": True}, headers=await suite.auth("ministeriet-energi")
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["taken"] is True
    assert resp.json()["answered_on"] is not None
    assert_problem(
        await suite.http.put(
            f"{API}/clusters/{plain}/ministry-seats/{offered['id']}",
            json={"taken": False},
            headers=await suite.auth("ministeriet-energi"),
        ),
        404,
    )
    listed = (await suite.http.get(url)).json()
    assert [(s["ministry"]["id"], s["group"], s["taken"]) for s in listed] == [
        ("ministeriet-energi", "steering", True)
    ]


# --- search ----------------------------------------------------------------------------------


async def test_search_filters_and_cursor_pagination(suite: Suite) -> None:
    made = {
        "a": await register(
            suite,
            name="Aalborg Robotklynge",
            league="emerging",
            home_municipality_code="0851",
            fields=["robotics"],
            description="Cobots for SMV'er",
        ),
        "b": await register(
            suite,
            name="Bornholm Foedevarer",
            league="emerging",
            home_municipality_code="0400",
            municipalities_served=["0101"],
            fields=["food_bio"],
        ),
        "c": await register(
            suite,
            name="Copenhagen Fintech 100%_",
            league="world_class",
            home_municipality_code="0101",
            fields=["finance", "digital"],
        ),
        "d": await register(suite, name="Digital Midt", league="national", fields=["digital"]),
        "e": await register(
            suite, name="Energi Vest", league="national", home_municipality_code="0561"
        ),
    }
    cid = {k: v["id"] for k, v in made.items()}
    await record_label(suite, cid["b"], "bronze", "2030-01-01")
    await record_label(suite, cid["c"], "gold", "2030-01-01")

    async def search(**params: Any) -> list[str]:
        resp = await suite.http.get(f"{API}/clusters", params=params)
        assert resp.status_code == 200, resp.text
        by_id = {v: k for k, v in cid.items()}
        return [by_id[i["id"]] for i in resp.json()["items"]]

    assert await search() == ["a", "b", "c", "d", "e"]
    assert await search(league="national") == ["d", "e"]
    assert await search(region="1084") == ["b", "c"]  # Bornholm and København
    assert await search(municipality="0101") == ["b", "c"]  # served or home
    assert await search(municipality="0400") == ["b"]
    assert await search(field="digital") == ["c", "d"]
    assert await search(field="tourism") == []
    assert await search(label="gold") == ["c"]
    assert await search(q="ROBOT") == ["a"]
    assert await search(q="cobots") == ["a"]  # in the description
    assert await search(q="100%_") == ["c"]  # LIKE wildcards are literal
    assert await search(q="%") == ["c"]
    assert await search(q="Robot\x00") == ["a"]  # NUL dropped
    assert await search(league="national", region="1083") == ["e"]

    for bad in (
        {"league": "premier"},
        {"region": "84"},
        {"municipality": "abcd"},
        {"label": "tin"},
        {"field": "alchemy"},
        {"field": "\x00"},  # would be a 500 on PostgreSQL if it reached the database
        {"status": "sleeping"},
        {"limit": 0},
    ):
        assert_problem(await suite.http.get(f"{API}/clusters", params=bad), 422)
    assert_problem(
        await suite.http.get(f"{API}/clusters", params={"cursor": "bm9wZQ"}), 422, "invalid-cursor"
    )

    # Pages of 2 cover every cluster once, in order.
    seen: list[str] = []
    cursor = None
    while True:
        page = (
            await suite.http.get(
                f"{API}/clusters", params={"limit": 2, **({"cursor": cursor} if cursor else {})}
            )
        ).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert seen == [cid[k] for k in "abcde"]
    first = (await suite.http.get(f"{API}/clusters", params={"limit": 5})).json()
    assert "next_cursor" not in first or first["next_cursor"] is None
    summary = first["items"][2]
    assert summary["fields"] == ["digital", "finance"]
    assert (summary["label_level"], summary["member_count"]) == ("gold", 0)


# --- merger hints and taxonomies -------------------------------------------------------------


async def test_merger_suggestions_name_the_pair_with_evidence(suite: Suite) -> None:
    small = (await register(suite, name="Lokal Energi", league="emerging", fields=["energy"]))["id"]
    larger = (
        await register(
            suite, name="Energi Danmark", league="national", fields=["energy", "maritime"]
        )
    )["id"]
    far = (
        await register(
            suite,
            name="Energi Hovedstad",
            league="world_class",
            home_municipality_code="0101",
            fields=["energy"],
        )
    )["id"]
    await register(suite, name="Fjern Turisme", league="emerging", fields=["tourism"])
    await add_members(suite, small, "0657", "0657", "0751")
    await add_members(suite, larger, *["0657"] * 8)

    resp = await suite.http.get(f"{API}/merger-suggestions")
    assert resp.status_code == 200, resp.text
    pairs = [(s["small"]["id"], s["larger"]["id"], s["same_region"]) for s in resp.json()]
    # The same region first.
    assert pairs == [(small, larger, True), (small, far, False)]
    first = resp.json()[0]
    assert first["shared_fields"] == ["energy"]
    assert first["small"]["member_count"] == 3
    assert first["larger"]["member_count"] == 8
    assert "Lokal Energi" in first["evidence"] and "§4.4" in first["evidence"]
    # An inactive cluster is not suggested.
    r = await suite.http.post(
        f"{API}/clusters/{far}/status",
        json={"status": "dissolved", "reason": "Lukket"},
        headers=await suite.auth("fivu-rti"),
    )
    assert r.status_code == 200, r.text
    again = (await suite.http.get(f"{API}/merger-suggestions")).json()
    assert [(s["small"]["id"], s["larger"]["id"]) for s in again] == [(small, larger)]


async def test_fields_and_societal_tasks_taxonomies(suite: Suite) -> None:
    fields = (await suite.http.get(f"{API}/fields")).json()
    codes = {f["code"] for f in fields}
    assert {"energy", "life_science", "maritime", "digital"} <= codes
    assert len(codes) == len(fields) == 14
    energy = next(f for f in fields if f["code"] == "energy")
    assert energy["name_da"] == "Energi" and "D" in energy["nace_sections"]
    tasks = (await suite.http.get(f"{API}/societal-tasks")).json()
    assert {t["code"] for t in tasks} >= {"climate", "health_welfare", "knowledge_spread"}
    assert all(t["name_da"] and t["name_en"] for t in tasks)
    # The OpenAPI document shows the field taxonomy as an enum.
    spec = (await suite.http.get("/registry/openapi.json")).json()
    create = spec["components"]["schemas"]["ClusterCreate"]["properties"]["fields"]
    assert set(create["items"]["enum"]) == codes


# --- every write endpoint refuses a wrong caller ---------------------------------------------


async def test_every_write_endpoint_refuses_a_wrong_caller(suite: Suite) -> None:
    network = (await register(suite, cluster_kind="innovation_network"))["id"]
    intruder = (await register(suite, name="Anden Klynge"))["id"]
    own = await suite.auth(network)
    [mid] = await add_members(suite, network, "0657")
    seat = await suite.http.post(
        f"{API}/clusters/{network}/ministry-seats",
        json={
            "ministry_id": "ministeriet-energi",
            "group": "follow_up",
            "offered_on": "2026-01-01",
        },
        headers=own,
    )
    override = await suite.http.post(
        f"{API}/clusters/{network}/responsibility-overrides",
        json={"primary": [MIDT], "reason": "Aftalt"},
        headers=await suite.auth(MIDT),
    )
    base = f"{API}/clusters/{network}"
    etag = await etag_of(suite, network)
    writes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", f"{API}/clusters", cluster_body()),
        ("PATCH", base, {"description": "x"}),
        ("POST", f"{base}/league-changes", {"league": "emerging", "reason": "Mindre"}),
        ("POST", f"{base}/status", {"status": "dissolved", "reason": "Lukket"}),
        ("POST", f"{base}/members", member("Fremmed ApS")),
        ("PUT", f"{base}/members/{mid}", member("Fremmed ApS")),
        ("DELETE", f"{base}/members/{mid}", None),
        ("POST", f"{base}/responsibility-overrides", {"primary": [NORD], "reason": "Aftalt"}),
        ("DELETE", f"{base}/responsibility-overrides/{override.json()['id']}", None),
        (
            "POST",
            f"{base}/ministry-seats",
            {"ministry_id": "ministeriet-miljoe", "group": "steering", "offered_on": "2026-01-01"},
        ),
        ("PUT", f"{base}/ministry-seats/{seat.json()['id']}", {"taken": True}),
    ]
    wrong = {**await suite.auth(intruder), "If-Match": etag}
    for method, url, body in writes:
        resp = await suite.http.request(method, url, json=body, headers=wrong)
        assert_problem(resp, 403)
        resp = await suite.http.request(method, url, json=body, headers={"If-Match": etag})
        assert_problem(resp, 401)
    # Nothing changed.
    got = await suite.http.get(base)
    assert got.headers["etag"] == etag
    assert got.json()["status"] == "active"
    assert len((await suite.http.get(f"{base}/members")).json()["items"]) == 1
    assert (await suite.http.get(f"{base}/ministry-seats")).json()[0]["taken"] is False
    async with suite.apps["registry"].state.session_factory() as s:
        history = (
            await s.execute(select(LeagueChange).where(LeagueChange.cluster_id == network))
        ).all()
    assert len(history) == 1


async def test_scope_and_status_guard_league_changes(suite: Suite) -> None:
    """A FIVU/RTI token narrowed to funding:write cannot register or move leagues; a merged
    cluster's league cannot change."""
    narrowed = await suite.auth("fivu-rti", ["funding:write"])
    body = {
        "name": "Smal Token Klynge",
        "cvr": "38774115",
        "cluster_kind": "cluster",
        "league": "national",
        "home_municipality_code": "0101",
    }
    r = await suite.http.post("/registry/v1/clusters", json=body, headers=narrowed)
    assert r.status_code == 403 and r.json()["required_scope"] == "organisations:write"

    fivu = await suite.auth("fivu-rti")
    a = (await suite.http.post("/registry/v1/clusters", json=body, headers=fivu)).json()
    b = (
        await suite.http.post(
            "/registry/v1/clusters",
            json={**body, "name": "Større Klynge", "cvr": "29543909"},
            headers=fivu,
        )
    ).json()
    r = await suite.http.post(
        f"/registry/v1/clusters/{a['id']}/league-changes",
        json={"league": "emerging", "reason": "Narrowed token"},
        headers=narrowed,
    )
    assert r.status_code == 403
    r = await suite.http.post(
        f"/registry/v1/clusters/{a['id']}/status",
        json={"status": "merged", "merged_into_id": b["id"], "reason": "Fusion 2026"},
        headers=fivu,
    )
    assert r.status_code == 200, r.text
    r = await suite.http.post(
        f"/registry/v1/clusters/{a['id']}/league-changes",
        json={"league": "emerging", "reason": "After the merger"},
        headers=fivu,
    )
    assert r.status_code == 409
    assert r.json()["cluster_status"] == "merged"


async def test_an_existing_cluster_organisation_gets_a_profile(suite: Suite) -> None:
    """A cluster organisation registered as a plain organisation first is given its cluster
    profile by registering the cluster with its CVR — the same id, no second organisation."""
    fivu = await suite.auth("fivu-rti")
    org = await suite.http.post(
        "/registry/v1/organisations",
        json={
            "name": "Tidligt Registreret Klynge",
            "kind": "cluster_organisation",
            "cvr": "40118233",
            "municipality_code": "0851",
        },
        headers=fivu,
    )
    assert org.status_code == 201, org.text
    body = {
        "name": "Tidligt Registreret Klynge",
        "cvr": "40118233",
        "cluster_kind": "network",
        "league": "emerging",
        "home_municipality_code": "0851",
    }
    nord = await suite.auth(NORD)  # an emerging cluster: its home area's forum registers it
    r = await suite.http.post("/registry/v1/clusters", json=body, headers=nord)
    assert r.status_code == 201, r.text
    assert r.json()["id"] == org.json()["id"]
    again = await suite.http.post("/registry/v1/clusters", json=body, headers=nord)
    assert again.status_code == 409
    assert again.json()["existing_id"] == org.json()["id"]
    # A CVR taken by an organisation of another kind is still refused.
    house = await suite.http.post(
        "/registry/v1/organisations",
        json={"name": "Et Erhvervshus", "kind": "growth_house", "cvr": "33662173"},
        headers=fivu,
    )
    assert house.status_code == 201, house.text
    other = await suite.http.post(
        "/registry/v1/clusters", json={**body, "cvr": "33662173"}, headers=nord
    )
    assert other.status_code == 409
    assert other.json()["type"].endswith("/cvr-taken")
