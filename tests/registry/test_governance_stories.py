"""Issue 12's user stories against the registry, through the public HTTP API: each now gets a
refusal (403 problem+json naming the rule and who may act) or the consent flow."""

from __future__ import annotations

from typing import Any

from tests.conftest import Suite, outbox_envelopes
from tests.registry.test_clusters_api import API, assert_problem, cvr, events, ids

SYD = "vaekstforum-syddanmark"
MIDT = "vaekstforum-midtjylland"
NORD = "vaekstforum-nordjylland"
KBH = "kommune-0101"
ESBJERG = "kommune-0561"


async def _register(suite: Suite, by: str, **body: Any) -> Any:
    payload = {
        "name": f"Klynge {cvr()}",
        "cvr": cvr(),
        "cluster_kind": "cluster",
        "league": "national",
        "home_municipality_code": "0561",
        "fields": ["energy"],
    } | body
    return await suite.http.post(f"{API}/clusters", json=payload, headers=await suite.auth(by))


async def _agreed_esbjerg(suite: Suite) -> tuple[str, str]:
    """A national cluster in Esbjerg with the agreed exception in force: Vækstforum
    Syddanmark proposes it, FIVU/RTI and Esbjerg Kommune confirm."""
    r = await _register(suite, "fivu-rti")
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    url = f"{API}/clusters/{cid}/responsibility-overrides"
    r = await suite.http.post(
        url,
        json={"primary": [SYD, "fivu-rti"], "also": [ESBJERG], "reason": "Aftalt deling"},
        headers=await suite.auth(SYD),
    )
    assert r.status_code == 201, r.text
    assert r.json()["state"] == "proposed"
    oid = r.json()["id"]
    for party in ("fivu-rti", ESBJERG):
        c = await suite.http.post(f"{url}/{oid}/confirm", headers=await suite.auth(party))
        assert c.status_code == 200, c.text
    assert c.json()["state"] == "in_force"
    return cid, oid


async def test_a_municipality_naming_itself_primary_elsewhere_changes_nothing(
    suite: Suite,
) -> None:
    cid, agreed = await _agreed_esbjerg(suite)
    url = f"{API}/clusters/{cid}/responsibility-overrides"
    grab = {"primary": [KBH], "reason": "Vi tager over"}
    before = (await suite.http.get(f"{API}/clusters/{cid}/responsibility")).json()
    moves = len(await events(suite, "registry.cluster.responsibility_changed", cid))

    # A token narrowed to webhooks:write writes nothing.
    r = await suite.http.post(url, json=grab, headers=await suite.auth(KBH, ["webhooks:write"]))
    assert_problem(r, 403, "insufficient-scope")
    assert set(r.json()["accepted_scopes"]) == {"organisations:write", "funding:write"}

    # With a proper token it is only a proposal, waiting for every concerned party.
    r = await suite.http.post(url, json=grab, headers=await suite.auth(KBH))
    assert r.status_code == 201, r.text
    proposal = r.json()
    assert proposal["state"] == "proposed"
    assert proposal["supersedes_id"] == agreed
    waiting = set(ids(proposal["waiting_for"]))
    assert {SYD, "fivu-rti", ESBJERG} <= waiting  # the agreed exception's parties
    assert KBH not in waiting
    roles = {a["party"]["id"]: a["role"] for a in proposal["answers"]}
    assert roles[KBH] == "named" and roles[ESBJERG] == "in_force"

    after = (await suite.http.get(f"{API}/clusters/{cid}/responsibility")).json()
    assert after == before  # the agreed Esbjerg exception stays in force
    assert after["override"]["id"] == agreed
    assert len(await events(suite, "registry.cluster.responsibility_changed", cid)) == moves

    # Each concerned party is told, addressed to it alone.
    told = [
        e
        for e in await outbox_envelopes(
            suite, "registry", "registry.responsibility_exception.proposed"
        )
        if e["data"]["exception_id"] == proposal["id"]
    ]
    assert sorted(e["recipient"] for e in told) == sorted(
        a["party"]["id"] for a in proposal["answers"]
    )

    # A party declines: it never takes effect; the agreed one is still in force.
    r = await suite.http.post(f"{url}/{proposal['id']}/decline", headers=await suite.auth(SYD))
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "declined"
    r = await suite.http.post(f"{url}/{proposal['id']}/confirm", headers=await suite.auth(ESBJERG))
    assert_problem(r, 409, "exception-not-open")
    listed = (await suite.http.get(url)).json()
    assert {(x["id"], x["state"]) for x in listed} == {
        (agreed, "in_force"),
        (proposal["id"], "declined"),
    }
    shown = (await suite.http.get(f"{API}/clusters/{cid}/responsibility")).json()
    assert shown["override"]["id"] == agreed


async def test_the_computed_primary_can_end_an_exception_in_force(suite: Suite) -> None:
    cid, agreed = await _agreed_esbjerg(suite)
    url = f"{API}/clusters/{cid}/responsibility-overrides/{agreed}"
    # Not a concerned party: refused, naming who may act.
    r = await suite.http.post(f"{url}/withdraw", headers=await suite.auth(MIDT))
    assert_problem(r, 403, "not-a-party")
    assert "fivu-rti" in r.json()["may_act"]
    r = await suite.http.post(f"{url}/withdraw", headers=await suite.auth("fivu-rti"))
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["withdrawn_by"]["id"]) == ("withdrawn", "fivu-rti")
    shown = (await suite.http.get(f"{API}/clusters/{cid}/responsibility")).json()
    assert shown["override"] is None
    assert shown["rule"] == "national_without_centre"
    [*_, last] = await events(suite, "registry.cluster.responsibility_changed", cid)
    assert (last["cause"], last["current"]["overridden"]) == ("override_withdrawn", False)
    withdrawn = await outbox_envelopes(
        suite, "registry", "registry.responsibility_exception.withdrawn"
    )
    assert {e["recipient"] for e in withdrawn} == {SYD, "fivu-rti", ESBJERG}


async def test_a_forum_cannot_change_the_league_of_a_cluster_in_another_area(
    suite: Suite,
) -> None:
    r = await _register(suite, "fivu-rti", home_municipality_code="0851")  # Aalborg
    cid = r.json()["id"]
    url = f"{API}/clusters/{cid}/league-changes"
    move = {"league": "emerging", "reason": "Lokal"}
    r = await suite.http.post(url, json=move, headers=await suite.auth(MIDT))
    assert_problem(r, 403, "not-a-league-authority")
    assert (r.json()["rule"], r.json()["may_act"]) == ("change_league", ["fivu-rti", NORD])
    # The forum responsible for it may.
    r = await suite.http.post(url, json=move, headers=await suite.auth(NORD))
    assert r.status_code == 200, r.text
    # Emerging now: Vækstforum Nordjylland and Aalborg Kommune; FIVU/RTI still sets leagues.
    r = await suite.http.post(
        url, json={"league": "national", "reason": "Moden"}, headers=await suite.auth(MIDT)
    )
    assert_problem(r, 403, "not-a-league-authority")
    # A status mark by a forum of another area is refused too.
    r = await suite.http.post(
        f"{API}/clusters/{cid}/status",
        json={"status": "dissolved", "reason": "Lukket"},
        headers=await suite.auth(MIDT),
    )
    assert_problem(r, 403, "not-allowed")


async def test_registering_a_cluster_homed_in_another_forums_area(suite: Suite) -> None:
    r = await _register(suite, MIDT, home_municipality_code="0851")
    assert_problem(r, 403, "not-a-league-authority")
    assert r.json()["may_act"] == ["fivu-rti", NORD, "klyngeforum"]
    assert (await _register(suite, NORD, home_municipality_code="0851")).status_code == 201
    # FIVU/RTI registers world-class and national clusters, not emerging ones.
    r = await _register(suite, "fivu-rti", league="emerging", home_municipality_code="0851")
    assert_problem(r, 403, "not-a-league-authority")
    assert r.json()["may_act"] == [NORD, "klyngeforum"]
    # Bornholm has its own forum.
    r = await _register(
        suite, "vaekstforum-hovedstaden", league="emerging", home_municipality_code="0400"
    )
    assert_problem(r, 403, "not-a-league-authority")
    r = await _register(
        suite, "vaekstforum-bornholm", league="emerging", home_municipality_code="0400"
    )
    assert r.status_code == 201, r.text
    r = await _register(suite, "klyngeforum", league="emerging", home_municipality_code="0400")
    assert r.status_code == 201, r.text


async def test_a_cluster_cannot_set_its_own_label(suite: Suite) -> None:
    cid = (await _register(suite, "fivu-rti")).json()["id"]
    own = await suite.auth(cid)
    etag = (await suite.http.get(f"{API}/clusters/{cid}")).headers["etag"]
    gold = {"level": "gold", "valid_until": "2030-01-01"}
    r = await suite.http.patch(
        f"{API}/clusters/{cid}", json={"label": gold}, headers={**own, "If-Match": etag}
    )
    assert_problem(r, 403, "label-by-issuer")
    url = f"{API}/clusters/{cid}/labels"
    label = {
        "level": "gold",
        "issued_on": "2026-01-10",
        "valid_until": "2028-01-09",
        "evidence_url": "https://labels.example/esca/1",
    }
    r = await suite.http.post(url, json=label, headers=own)
    assert_problem(r, 403, "not-a-label-issuer")
    assert r.json()["may_act"] == ["klyngeforum"]
    # Registering at once with a label is refused too.
    r = await _register(suite, "fivu-rti", label=gold)
    assert_problem(r, 403, "label-by-issuer")

    # Label issuers are registered by the secretariat, and then record labels.
    issuer = {"name": "ESCA-mærkning (test)", "kind": "label_issuer"}
    r = await suite.http.post(
        f"{API}/organisations", json=issuer, headers=await suite.auth("fivu-rti")
    )
    assert_problem(r, 403, "not-allowed")
    r = await suite.http.post(
        f"{API}/organisations", json=issuer, headers=await suite.auth("klyngeforum")
    )
    assert r.status_code == 201, r.text
    issuer_id = r.json()["id"]
    r = await suite.http.post(
        url, json=label, headers=await suite.auth(issuer_id, ["webhooks:write"])
    )
    assert_problem(r, 403, "insufficient-scope")
    r = await suite.http.post(
        url, json={**label, "valid_until": "2025-01-01"}, headers=await suite.auth(issuer_id)
    )
    assert_problem(r, 422)
    r = await suite.http.post(url, json=label, headers=await suite.auth(issuer_id))
    assert r.status_code == 201, r.text
    assert r.json()["issued_by"]["id"] == issuer_id
    r = await suite.http.post(
        url,
        json={**label, "level": "silver", "valid_until": "2027-06-30"},
        headers=await suite.auth("klyngeforum"),
    )
    assert r.status_code == 201, r.text
    history = (await suite.http.get(url)).json()
    assert [(h["level"], h["issued_by"]["id"]) for h in history] == [
        ("silver", "klyngeforum"),
        ("gold", issuer_id),
    ]
    got = (await suite.http.get(f"{API}/clusters/{cid}")).json()
    assert got["label"] == {"level": "silver", "valid_until": "2027-06-30"}
    [*_, updated] = await events(suite, "registry.cluster.updated", cid)
    assert (updated["label_level"], updated["label_valid_until"]) == ("silver", "2027-06-30")
    recorded = await events(suite, "registry.cluster.label_recorded", cid)
    assert [e["issued_by"] for e in recorded] == [issuer_id, "klyngeforum"]


async def test_only_the_ministry_answers_its_seat(suite: Suite) -> None:
    networks = []
    for _ in range(3):
        r = await _register(suite, "fivu-rti", cluster_kind="innovation_network")
        networks.append(r.json()["id"])
    seats = []
    for network in networks:
        r = await suite.http.post(
            f"{API}/clusters/{network}/ministry-seats",
            json={
                "ministry_id": "ministeriet-energi",
                "group": "steering",
                "offered_on": "2026-02-01",
            },
            headers=await suite.auth(network),
        )
        assert r.status_code == 201, r.text
        seats.append(r.json()["id"])
    offered = await outbox_envelopes(suite, "registry", "registry.ministry_seat.offered")
    assert [(e["recipient"], e["data"]["seat_id"]) for e in offered] == [
        ("ministeriet-energi", s) for s in seats
    ]

    answer = f"{API}/clusters/{networks[0]}/ministry-seats/{seats[0]}"
    r = await suite.http.put(answer, json={"taken": True}, headers=await suite.auth(networks[0]))
    assert_problem(r, 403, "not-your-seat")
    assert r.json()["may_act"] == ["ministeriet-energi"]
    r = await suite.http.put(
        answer,
        json={"taken": True},
        headers=await suite.auth("ministeriet-energi", ["webhooks:write"]),
    )
    assert_problem(r, 403, "insufficient-scope")
    r = await suite.http.put(
        answer, json={"taken": False}, headers=await suite.auth("ministeriet-energi")
    )
    assert r.status_code == 200, r.text
    assert r.json()["taken"] is False and r.json()["answered_on"]
    [told] = await outbox_envelopes(suite, "registry", "registry.ministry_seat.answered")
    assert told["recipient"] == networks[0]

    # The ministry's seats across clusters, paginated.
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"ministry": "ministeriet-energi", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await suite.http.get(f"{API}/ministry-seats", params=params)).json()
        seen += [(s["cluster_id"], s["id"], s["answered_on"] is not None) for s in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert sorted(seen) == sorted(
        (c, s, c == networks[0]) for c, s in zip(networks, seats, strict=True)
    )
    other = (
        await suite.http.get(f"{API}/ministry-seats", params={"ministry": "ministeriet-miljoe"})
    ).json()
    assert other["items"] == []
    r = await suite.http.get(f"{API}/ministry-seats", params={"ministry": "x", "cursor": "bm9wZQ"})
    assert_problem(r, 422, "invalid-cursor")


async def test_a_party_the_matrix_names_later_must_confirm_too(suite: Suite) -> None:
    cid = (await _register(suite, "fivu-rti", home_municipality_code="0851")).json()["id"]
    url = f"{API}/clusters/{cid}/responsibility-overrides"
    r = await suite.http.post(
        url,
        json={"primary": [NORD], "also": ["kommune-0851"], "reason": "Aftalt lokalt"},
        headers=await suite.auth(NORD),
    )
    oid = r.json()["id"]
    # The members move the centre of gravity to Midtjylland: its forum is concerned now.
    own = await suite.auth(cid)
    for i in range(5):
        m = await suite.http.post(
            f"{API}/clusters/{cid}/members",
            json={"kind": "firm", "name": f"Midt {i} A/S", "municipality_code": "0657"},
            headers=own,
        )
        assert m.status_code == 201, m.text
    for party in ("fivu-rti", "kommune-0851"):
        r = await suite.http.post(f"{url}/{oid}/confirm", headers=await suite.auth(party))
        assert r.status_code == 200, r.text
    assert r.json()["state"] == "proposed"
    assert ids(r.json()["waiting_for"]) == [MIDT]
    r = await suite.http.post(f"{url}/{oid}/confirm", headers=await suite.auth(MIDT))
    assert r.json()["state"] == "in_force"
    shown = (await suite.http.get(f"{API}/clusters/{cid}/responsibility")).json()
    assert ids(shown["primary"]) == [NORD]
