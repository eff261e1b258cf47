"""Issue 12 ("Governance"): the seven user stories under "Why", end to end in `make run`.

Each story drives ``python -m services.run`` as a real process over its public HTTP API, with
API clients the Klyngeforum secretariat creates for the parties, and gets either the refusal
(403 problem+json naming the rule and who may act, or the scope the token lacks; 409 naming
what the state allows) or the consent flow (a proposal that counts for nothing until every
named party has confirmed). The stories share the demo run with the other end-to-end tests:
each makes its own clusters, calls and agreements (or reads demo data it leaves as it was),
and waits for what travels by event with a polling loop on the state itself.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import httpx

from tests.e2e.conftest import SHARES_THE_DEMO_RUN, EmbeddedRun
from tests.e2e.test_embedded_funding import (
    FORUMS,
    _assert_problem,
    _party_headers,
    _token,
)
from tests.e2e.test_embedded_referrals import _cluster_id

pytestmark = SHARES_THE_DEMO_RUN

#: A guard against hanging when something never arrives; not a statement about speed.
DEADLINE = 30.0
REG, FUND, EVAL = "/registry/v1", "/funding/v1", "/evaluation/v1"
FIVU, KL, KF = "fivu-rti", "kl", "klyngeforum"
MIDT, NORD, SYD = "vaekstforum-midtjylland", "vaekstforum-nordjylland", "vaekstforum-syddanmark"
KBH, ESBJERG = "kommune-0101", "kommune-0561"
ENERGY = "ministeriet-energi"
OTHER_MINISTRIES = ["ministeriet-erhverv-vaekst", "ministeriet-foedevarer", "ministeriet-miljoe"]
OFFSHORE = "Offshore Energi Esbjerg (demo)"
GREEN = "Klynge for Grøn Energi (demo)"
T = TypeVar("T")
_random = random.SystemRandom()


def cvr() -> str:
    """A valid CVR number (weights 2765432 1), drawn at random from the 8xxxxxxx range, so
    the stories' clusters meet neither each other nor the other tests' organisations."""
    while True:
        digits = [8, *(_random.randrange(10) for _ in range(6))]
        check = -sum(w * d for w, d in zip((2, 7, 6, 5, 4, 3, 2), digits, strict=True)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


async def _until(
    fetch: Callable[[], Awaitable[T]], what: str, done: Callable[[T], bool] = bool
) -> T:
    """Poll ``fetch`` until ``done`` holds for what it gives (returned), or fail naming
    ``what`` and what was seen last."""
    deadline = time.monotonic() + DEADLINE
    while True:
        last = await fetch()
        if done(last):
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen within {DEADLINE:.0f} s: {what} (last: {last!r})")
        await asyncio.sleep(0.2)


class Parties:
    """Bearer headers per organisation: the demo clients where the demo has one, otherwise an
    API client the secretariat creates (``narrowed``: a token holding ``webhooks:write`` only)."""

    def __init__(self, http: httpx.AsyncClient, run: EmbeddedRun) -> None:
        self.http = http
        clients = json.loads((run.var_dir / "demo-clients.json").read_text(encoding="utf-8"))
        self._demo = {c["organisation_id"]: c for c in clients}
        self._headers: dict[str, dict[str, str]] = {}

    async def __call__(self, organisation_id: str) -> dict[str, str]:
        if organisation_id not in self._headers:
            if demo := self._demo.get(organisation_id):
                headers = await _token(self.http, demo["client_id"], demo["client_secret"])
            else:
                headers = await _party_headers(self.http, await self(KF), organisation_id)
            self._headers[organisation_id] = headers
        return self._headers[organisation_id]

    async def narrowed(self, organisation_id: str) -> dict[str, str]:
        made = await self.http.post(
            f"{REG}/clients",
            json={"organisation_id": organisation_id, "name": f"E2E narrowed ({organisation_id})"},
            headers=await self(KF),
        )
        assert made.status_code == 201, made.text
        token = await self.http.post(
            f"{REG}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": made.json()["client_id"],
                "client_secret": made.json()["client_secret"],
                "scope": "webhooks:write",
            },
        )
        assert token.status_code == 200, token.text
        assert token.json()["scope"] == "webhooks:write"
        return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def _register(
    http: httpx.AsyncClient, headers: dict[str, str], name: str, **body: Any
) -> httpx.Response:
    payload = {
        "name": f"{name} {cvr()[:4]} (e2e)",
        "cvr": cvr(),
        "cluster_kind": "cluster",
        "league": "national",
        "home_municipality_code": "0561",  # Esbjerg, Region Syddanmark
        "fields": ["energy"],
    } | body
    return await http.post(f"{REG}/clusters", json=payload, headers=headers)


async def _new_cluster(
    http: httpx.AsyncClient, headers: dict[str, str], name: str, **body: Any
) -> str:
    resp = await _register(http, headers, name, **body)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


async def _award(
    http: httpx.AsyncClient,
    funder: dict[str, str],
    cluster_id: str,
    kind: str,
    activities: list[str] | None = None,
    years: tuple[int, int] = (0, 1),
    source: str = "national",
) -> str:
    """A grant under a programme of the funder's own, from 1 January to 31 December of the
    ``years`` counted from this one (by default: in force this year and next)."""
    year = date.today().year
    period = {"starts_on": f"{year + years[0]}-01-01", "ends_on": f"{year + years[1]}-12-31"}
    prog = await http.post(
        f"{FUND}/programmes",
        json={"name": f"Klyngeprogram, {kind} (e2e)", "kind": kind, "source": source} | period,
        headers=funder,
    )
    assert prog.status_code == 201, prog.text
    grant = await http.post(
        f"{FUND}/grants",
        json={
            "cluster_id": cluster_id,
            "programme_id": prog.json()["id"],
            "title": f"Tilskud, {kind} (e2e)",
            "amount_dkk": 1_000_000,
            "activities": activities or [],
        }
        | period
        | ({"exemption_reason": "Overgangsordning (e2e)"} if kind == "base" else {}),
        headers=funder,
    )
    assert grant.status_code == 201, grant.text
    return str(grant.json()["id"])


async def _known_to_funding(http: httpx.AsyncClient, cluster_id: str) -> None:
    async def known() -> bool:
        return (await http.get(f"{FUND}/clusters/{cluster_id}")).status_code == 200

    await _until(known, f"funding's read model knows cluster {cluster_id}")


async def _feed(
    http: httpx.AsyncClient, headers: dict[str, str] | None, type_: str
) -> list[dict[str, Any]]:
    """The newest events of ``type_`` the caller may see (public ones, and those addressed
    to it) — the gateway's feed, newest first."""
    resp = await http.get(
        "/gateway/v1/events/recent", params={"types": type_, "limit": 100}, headers=headers
    )
    assert resp.status_code == 200, resp.text
    return [item["event"] for item in resp.json()]


async def _in_feed(
    http: httpx.AsyncClient, headers: dict[str, str] | None, type_: str, **data: Any
) -> dict[str, Any]:
    async def seen() -> dict[str, Any] | None:
        for event in await _feed(http, headers, type_):
            if all(event["data"].get(k) == v for k, v in data.items()):
                return event
        return None

    event = await _until(seen, f"{type_} {data} in the gateway feed")
    assert event is not None
    return event


def _refusal(resp: httpx.Response, kind: str, rule: str, may_act: list[str]) -> dict[str, Any]:
    body = _assert_problem(resp, 403, kind)
    assert body["rule"] == rule, body
    assert body["may_act"] == may_act, body
    return body


# --- 1. §1: a municipality names itself primary elsewhere ------------------------------------


async def test_a_municipality_naming_itself_primary_elsewhere_is_only_a_proposal(
    run: EmbeddedRun,
) -> None:
    """Story 1 (§1, "vejledende og fleksibel"): København Kommune records an exception naming
    itself primary on the Esbjerg offshore cluster in Region Syddanmark. With a token narrowed
    to ``webhooks:write`` it is refused (scope); with a full token it is a proposal that
    changes nothing: the agreed demo exception stays in force and is not replaced until every
    concerned party confirms, and a party the §1 matrix names declines it."""
    async with httpx.AsyncClient(base_url=run.base, timeout=30) as http:
        party = Parties(http, run)
        cid = await _cluster_id(http, OFFSHORE)
        url = f"{REG}/clusters/{cid}/responsibility-overrides"
        before = (await http.get(f"{REG}/clusters/{cid}/responsibility")).json()
        agreed = before["override"]["id"]
        assert before["rule"] == "agreed_exception"
        grab = {"primary": [KBH], "reason": "København vil bære klyngens basisfinansiering"}

        narrowed = await http.post(url, json=grab, headers=await party.narrowed(KBH))
        problem = _assert_problem(narrowed, 403, "insufficient-scope")
        assert set(problem["accepted_scopes"]) == {"organisations:write", "funding:write"}

        proposed = await http.post(url, json=grab, headers=await party(KBH))
        assert proposed.status_code == 201, proposed.text
        proposal = proposed.json()
        assert proposal["state"] == "proposed" and proposal["in_force_at"] is None
        assert proposal["supersedes_id"] == agreed
        roles = {a["party"]["id"]: (a["role"], a["answer"]) for a in proposal["answers"]}
        assert roles == {
            KBH: ("named", "confirmed"),
            SYD: ("computed", "pending"),  # the matrix names Syddanmark and FIVU/RTI
            FIVU: ("computed", "pending"),
            ESBJERG: ("in_force", "pending"),  # a party to the exception it would replace
        }
        assert sorted(p["id"] for p in proposal["waiting_for"]) == sorted([SYD, FIVU, ESBJERG])

        # the concerned parties are told, addressed; nobody else sees the proposal
        told = await _in_feed(
            http,
            await party(FIVU),
            "registry.responsibility_exception.proposed",
            exception_id=proposal["id"],
        )
        assert told["recipient"] == FIVU
        for outsider in (None, await party(MIDT)):
            seen = await _feed(http, outsider, "registry.responsibility_exception.proposed")
            assert proposal["id"] not in {e["data"]["exception_id"] for e in seen}

        # nothing changes while it waits, also after one more confirmation
        stranger = await http.post(f"{url}/{proposal['id']}/confirm", headers=await party(MIDT))
        assert MIDT not in _assert_problem(stranger, 403, "not-a-party")["may_act"]
        confirmed = await http.post(f"{url}/{proposal['id']}/confirm", headers=await party(ESBJERG))
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["state"] == "proposed"
        assert (await http.get(f"{REG}/clusters/{cid}/responsibility")).json() == before

        # a party the matrix names declines: it never takes effect
        declined = await http.post(f"{url}/{proposal['id']}/decline", headers=await party(SYD))
        assert declined.status_code == 200, declined.text
        assert declined.json()["state"] == "declined"
        late = await http.post(f"{url}/{proposal['id']}/confirm", headers=await party(FIVU))
        _assert_problem(late, 409, "exception-not-open")

        after = (await http.get(f"{REG}/clusters/{cid}/responsibility")).json()
        assert after == before and after["override"]["id"] == agreed
        # nor was a change announced: once the decline (committed last) is in the gateway's
        # log, everything the registry committed before it is there too, in order
        await _in_feed(
            http,
            await party(SYD),
            "registry.responsibility_exception.declined",
            exception_id=proposal["id"],
        )
        proposed_at = datetime.fromisoformat(proposal["recorded_at"])
        announced = [
            e
            for e in await _feed(http, None, "registry.cluster.responsibility_changed")
            if e["data"]["cluster_id"] == cid and datetime.fromisoformat(e["time"]) >= proposed_at
        ]
        assert announced == []
        states = {x["id"]: x["state"] for x in (await http.get(url)).json()}
        assert (states[agreed], states[proposal["id"]]) == ("in_force", "declined")


# --- 2. §1: a growth forum acts outside its area ------------------------------------------------


async def test_a_growth_forum_cannot_set_the_league_or_register_in_another_area(
    run: EmbeddedRun,
) -> None:
    """Story 2 (§1): Vækstforum Midtjylland changes the league of a cluster at home in Aalborg
    (Nordjylland) and registers a cluster homed there: both 403 naming the rule and who may
    act. Vækstforum Nordjylland, responsible for the cluster and forum of its home area, may."""
    async with httpx.AsyncClient(base_url=run.base, timeout=30) as http:
        party = Parties(http, run)
        midt = await party(MIDT)  # the demo growth-forum client
        # national, homed in Aalborg, no members: FIVU/RTI primary, Nordjylland co-responsible
        cid = await _new_cluster(
            http, await party(FIVU), "Nordjysk Vand", home_municipality_code="0851"
        )
        shown = (await http.get(f"{REG}/clusters/{cid}/responsibility")).json()
        assert [p["id"] for p in shown["primary"] + shown["also"]] == [FIVU, NORD]

        move = {"league": "emerging", "reason": "Klyngen betjener mest lokale virksomheder"}
        url = f"{REG}/clusters/{cid}/league-changes"
        refused = await http.post(url, json=move, headers=midt)
        body = _refusal(refused, "not-a-league-authority", "change_league", [FIVU, NORD])
        assert MIDT in body["detail"]
        assert (await http.get(f"{REG}/clusters/{cid}")).json()["league"] == "national"

        elsewhere = await _register(http, midt, "Aalborg Robot", home_municipality_code="0851")
        _refusal(elsewhere, "not-a-league-authority", "register_cluster", [FIVU, NORD, KF])

        # the party the rule names may do both
        moved = await http.post(url, json=move, headers=await party(NORD))
        assert moved.status_code == 200, moved.text
        assert (await http.get(f"{REG}/clusters/{cid}")).json()["league"] == "emerging"
        history = (await http.get(f"{REG}/clusters/{cid}/league-history")).json()
        assert [(h["to_league"], h["changed_by"]["id"]) for h in history] == [
            ("national", FIVU),
            ("emerging", NORD),
        ]
        registered = await _register(
            http, await party(NORD), "Aalborg Robot", home_municipality_code="0851"
        )
        assert registered.status_code == 201, registered.text


# --- 3. §3: a co-financing agreement naming FIVU/RTI --------------------------------------------


async def test_a_co_financing_agreement_waits_for_fivu_rti(run: EmbeddedRun) -> None:
    """Story 3 (§3 coordinated financing, with §1): Vækstforum Midtjylland proposes a
    co-financing agreement naming FIVU/RTI for a cluster both pay matchmaking for. It is a
    proposal that counts for nothing (the overlap finding stays open) until FIVU/RTI confirms;
    nobody else answers for FIVU/RTI; then it is in force and clears the finding. A named party
    may decline a proposal, which then never counts."""
    async with httpx.AsyncClient(base_url=run.base, timeout=30) as http:
        party = Parties(http, run)
        fivu, midt = await party(FIVU), await party(MIDT)
        cid = await _new_cluster(http, fivu, "Midtjysk Vind", home_municipality_code="0657")
        await _known_to_funding(http, cid)
        await _award(http, fivu, cid, "base", activities=["matchmaking"])
        await _award(http, midt, cid, "project", activities=["matchmaking"], source="regional")

        async def open_rules() -> list[str]:
            r = await http.get(f"{FUND}/findings", params={"cluster": cid, "state": "open"})
            assert r.status_code == 200, r.text
            return sorted(f["rule"] for f in r.json()["items"])

        overlap = "overlapping_activity_without_agreement"
        assert overlap in await open_rules()
        body = {
            "kind": "co_financing",
            "title": "Fælles matchmaking (e2e)",
            "cluster_id": cid,
            "parties": [
                {"party_id": MIDT, "activities": ["matchmaking"]},
                {"party_id": FIVU, "activities": ["matchmaking"]},
            ],
        }

        # a proposal FIVU/RTI declines never counts
        first = await http.post(f"{FUND}/agreements", json=body, headers=midt)
        assert first.status_code == 201, first.text
        declined = await http.post(
            f"{FUND}/agreements/{first.json()['id']}/decline",
            json={"reason": "Ikke aftalt"},
            headers=fivu,
        )
        assert declined.status_code == 200 and declined.json()["state"] == "declined", declined.text
        assert overlap in await open_rules()

        proposed = await http.post(f"{FUND}/agreements", json=body, headers=midt)
        assert proposed.status_code == 201, proposed.text
        agreement = proposed.json()
        aid = agreement["id"]
        assert agreement["state"] == "proposed" and agreement["in_force_since"] is None
        assert agreement["waiting_for"] == [FIVU]
        assert {a["party_id"]: a["answer"] for a in agreement["answers"]} == {
            MIDT: "confirmed",
            FIVU: "pending",
        }
        told = await _in_feed(http, fivu, "funding.agreement.proposed", agreement_id=aid)
        assert told["recipient"] == FIVU
        assert (await http.get(f"{FUND}/agreements/{aid}")).json()["state"] == "proposed"
        assert overlap in await open_rules()

        # nobody answers for FIVU/RTI
        for other in (SYD, ENERGY):
            refused = await http.post(
                f"{FUND}/agreements/{aid}/confirm", headers=await party(other)
            )
            _refusal(refused, "not-a-party", "agreement-answered-by-a-party", [FIVU])
        again = await http.post(f"{FUND}/agreements/{aid}/confirm", headers=midt)
        _assert_problem(again, 409, "not-pending")
        assert (await http.get(f"{FUND}/agreements/{aid}")).json()["state"] == "proposed"

        confirmed = await http.post(f"{FUND}/agreements/{aid}/confirm", headers=fivu)
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["state"] == "in_force" and confirmed.json()["in_force_since"]
        assert confirmed.json()["waiting_for"] == []
        assert overlap not in await open_rules()
        concluded = await _in_feed(http, None, "funding.agreement.concluded", agreement_id=aid)
        assert concluded["type"] == "funding.agreement.concluded"


# --- 4. §4.3: "no longer relevant" -----------------------------------------------------------


async def test_only_a_funder_or_responsible_party_marks_a_cluster_no_longer_relevant(
    run: EmbeddedRun,
) -> None:
    """Story 4 (§4.3 with §1): Vækstforum Midtjylland, which neither funds nor is responsible
    for a cluster at home in Esbjerg, marks it "no longer relevant": 403 naming the rule and
    who may act. Vækstforum Syddanmark (co-responsible under §1) may, and so may Midtjylland
    once it has a grant in force to the cluster; each mark flags the cluster (§4.3) and
    funding finds it still funded. Withdrawing the marks lifts the flags
    (``evaluation.cluster.flag_lifted``) and funding resolves its finding."""
    async with httpx.AsyncClient(base_url=run.base, timeout=30) as http:
        party = Parties(http, run)
        fivu, midt, syd = await party(FIVU), await party(MIDT), await party(SYD)
        # national, homed in Esbjerg, no members: FIVU/RTI primary, Syddanmark co-responsible
        cid = await _new_cluster(http, fivu, "Vestjysk Brint")
        url = f"{EVAL}/clusters/{cid}/relevance"

        async def known() -> bool:
            return (await http.get(url)).status_code == 200

        await _until(known, f"evaluation knows cluster {cid}")
        reason = {"reason": "Klyngens felt dækkes nu af en national klynge (e2e)"}
        refused = await http.post(url, json=reason, headers=midt)
        body = _refusal(
            refused,
            "not-funder-or-responsible",
            "relevance-mark-by-funder-or-responsible",
            [FIVU, SYD],
        )
        assert body["paragraph"] == "§4.3, §1"
        assert (await http.get(f"{EVAL}/flags", params={"cluster": cid})).json()["items"] == []

        # the co-responsible forum marks it: flagged at once
        by_syd = await http.post(url, json=reason, headers=syd)
        assert by_syd.status_code == 201, by_syd.text

        # FIVU/RTI pays its base funding; Midtjylland funds a project (a grant in force today)
        # and then may mark it too
        await _known_to_funding(http, cid)
        await _award(http, fivu, cid, "base")
        grant = await _award(http, midt, cid, "project", source="regional")

        async def evaluation_has_the_grant() -> bool:
            r = await http.get(f"{EVAL}/evaluations", params={"grant": grant})
            return len(r.json()["items"]) == 2

        await _until(evaluation_has_the_grant, "evaluation heard of Midtjylland's grant")

        # a grant that has run out makes no funder in force: Nordjylland is refused
        nord = await party(NORD)
        ended = await _award(http, nord, cid, "project", years=(-3, -2), source="regional")

        async def evaluation_has_the_ended_grant() -> bool:
            r = await http.get(f"{EVAL}/evaluations", params={"grant": ended})
            return len(r.json()["items"]) == 2

        await _until(evaluation_has_the_ended_grant, "evaluation heard of Nordjylland's grant")
        refused = await http.post(url, json=reason, headers=nord)
        _refusal(
            refused,
            "not-funder-or-responsible",
            "relevance-mark-by-funder-or-responsible",
            [FIVU, SYD, MIDT],
        )
        by_midt = await http.post(url, json=reason, headers=midt)
        assert by_midt.status_code == 201, by_midt.text

        flags = {
            f["id"]: f
            for f in (await http.get(f"{EVAL}/flags", params={"cluster": cid})).json()["items"]
        }
        assert {f["rule"] for f in flags.values()} == {"no_longer_relevant"}
        assert {by_syd.json()["flag_id"], by_midt.json()["flag_id"]} == set(flags)
        assert all(f["state"] == "open" for f in flags.values())

        async def findings(state: str) -> list[str]:
            r = await http.get(f"{FUND}/findings", params={"cluster": cid, "state": state})
            assert r.status_code == 200, r.text
            return [f["rule"] for f in r.json()["items"]]

        def flagged(rules: list[str]) -> bool:
            return "flagged_cluster_still_funded" in rules

        await _until(lambda: findings("open"), "funding finds it flagged, still funded", flagged)

        # only the author withdraws a mark; when every mark is withdrawn, the flags are lifted
        mark_of_syd = f"{url}/{by_syd.json()['id']}/withdraw"
        _refusal(
            await http.post(mark_of_syd, headers=midt),
            "not-your-mark",
            "relevance-mark-withdrawn-by-its-author",
            [SYD],
        )
        for mark, headers in ((by_syd, syd), (by_midt, midt)):
            withdrawn = await http.post(f"{url}/{mark.json()['id']}/withdraw", headers=headers)
            assert withdrawn.status_code == 200, withdrawn.text
        lifted = (await http.get(f"{EVAL}/flags", params={"cluster": cid})).json()["items"]
        assert {(f["id"], f["state"]) for f in lifted} == {(i, "lifted") for i in flags}
        for flag_id in flags:
            event = await _in_feed(http, None, "evaluation.cluster.flag_lifted", flag_id=flag_id)
            assert event["data"]["cluster_id"] == cid

        await _until(lambda: findings("resolved"), "funding resolved its finding", flagged)
        assert not flagged(await findings("open"))


# --- 5. §4.1 labels, §2 ministry seats ------------------------------------------------------


async def test_labels_by_an_issuer_and_seats_answered_by_the_ministry(run: EmbeddedRun) -> None:
    """Story 5 (labels: evidence for the §4.1 follow-up; seats: §2): a cluster cannot record
    its own ESCA label (403 ``label-by-issuer`` on its profile, ``not-a-label-issuer`` on the
    labels); the secretariat and a label issuer may. A national innovation network offers
    the Ministry of Energy a seat: an addressed event the ministry sees in its gateway feed
    (and nobody else); the network cannot answer for the ministry (403); the ministry accepts,
    the network is told, and the ministry's seats list it."""
    async with httpx.AsyncClient(base_url=run.base, timeout=30) as http:
        party = Parties(http, run)
        secretariat = await party(KF)
        cid = await _new_cluster(
            http, await party(FIVU), "Energinetværket", cluster_kind="innovation_network"
        )
        itself = await party(cid)
        label = {
            "level": "gold",
            "issued_on": str(date.today() - timedelta(days=30)),
            "valid_until": str(date.today() + timedelta(days=700)),
            "evidence_url": "https://labels.example/esca/e2e",
        }
        profile = await http.get(f"{REG}/clusters/{cid}")
        patched = await http.patch(
            f"{REG}/clusters/{cid}",
            json={"label": {"level": "gold", "valid_until": label["valid_until"]}},
            headers=itself | {"If-Match": profile.headers["etag"]},
        )
        body = _assert_problem(patched, 403, "label-by-issuer")
        assert body["rule"] == "record_label"
        labels = f"{REG}/clusters/{cid}/labels"
        own = await http.post(labels, json=label, headers=itself)
        assert KF in _assert_problem(own, 403, "not-a-label-issuer")["may_act"]
        assert (await http.get(labels)).json() == []

        issuer = await http.post(
            f"{REG}/organisations",
            json={"name": f"ESCA-mærkning {cvr()} (e2e)", "kind": "label_issuer"},
            headers=secretariat,
        )
        assert issuer.status_code == 201, issuer.text
        issuer_id = issuer.json()["id"]
        by_issuer = await http.post(labels, json=label, headers=await party(issuer_id))
        assert by_issuer.status_code == 201, by_issuer.text
        silver = label | {"level": "silver"}
        by_kf = await http.post(labels, json=silver, headers=secretariat)
        assert by_kf.status_code == 201, by_kf.text
        assert [(x["level"], x["issued_by"]["id"]) for x in (await http.get(labels)).json()] == [
            ("silver", KF),
            ("gold", issuer_id),
        ]
        assert (await http.get(f"{REG}/clusters/{cid}")).json()["label"]["level"] == "silver"

        # the seat: offered by the network, answered by the ministry only
        offered = await http.post(
            f"{REG}/clusters/{cid}/ministry-seats",
            json={"ministry_id": ENERGY, "group": "steering", "offered_on": str(date.today())},
            headers=itself,
        )
        assert offered.status_code == 201, offered.text
        seat = offered.json()["id"]
        energy = await party(ENERGY)
        event = await _in_feed(http, energy, "registry.ministry_seat.offered", seat_id=seat)
        assert event["recipient"] == ENERGY
        for outsider in (None, itself, await party(OTHER_MINISTRIES[0])):
            seen = await _feed(http, outsider, "registry.ministry_seat.offered")
            assert seat not in {e["data"]["seat_id"] for e in seen}

        answer = f"{REG}/clusters/{cid}/ministry-seats/{seat}"
        for not_the_ministry in (itself, secretariat):
            refused = await http.put(answer, json={"taken": True}, headers=not_the_ministry)
            _refusal(refused, "not-your-seat", "answer_seat", [ENERGY])
        accepted = await http.put(answer, json={"taken": True}, headers=energy)
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["taken"] is True and accepted.json()["answered_on"]
        back = await _in_feed(http, itself, "registry.ministry_seat.answered", seat_id=seat)
        assert back["recipient"] == cid

        seats, cursor = [], None
        while True:
            params: dict[str, Any] = {"ministry": ENERGY, "limit": 100} | (
                {"cursor": cursor} if cursor else {}
            )
            page = (await http.get(f"{REG}/ministry-seats", params=params)).json()
            seats += page["items"]
            if not (cursor := page.get("next_cursor")):
                break
        [listed] = [s for s in seats if s["id"] == seat]
        assert (listed["cluster_id"], listed["taken"], listed["group"]) == (cid, True, "steering")
        assert listed["ministry"]["id"] == ENERGY


# --- 6. §3: a sector ministry's strategic call ------------------------------------------------


async def test_a_sector_ministrys_strategic_call_consults_and_shares_every_answer(
    run: EmbeddedRun,
) -> None:
    """Story 6 (§3): the Ministry of Energy's strategic call consults FIVU/RTI, the other
    sector ministries, the six growth forums and KL (each asked by its own request), unless an
    omission with a reason is recorded; every consulted party sees every answer once given
    (``GET /funding/v1/calls/{id}/dialogue``), and a party not consulted does not."""
    async with httpx.AsyncClient(base_url=run.base, timeout=30) as http:
        party = Parties(http, run)
        energy = await party(ENERGY)
        prog = await http.post(
            f"{FUND}/programmes",
            json={
                "name": "Energiteknologi (e2e)",
                "kind": "project",
                "source": "ministry",
                "starts_on": "2027-01-01",
                "ends_on": "2030-12-31",
                "priority_fields": ["energy"],
            },
            headers=energy,
        )
        assert prog.status_code == 201, prog.text
        today = date.today()

        def call(**extra: Any) -> dict[str, Any]:
            return {
                "programme_id": prog.json()["id"],
                "title": "Strategisk udbud: energiklynger (e2e)",
                "budget_dkk": 40_000_000,
                "opens_on": str(today + timedelta(days=60)),
                "closes_on": str(today + timedelta(days=120)),
                "decision_on": str(today + timedelta(days=180)),
                "strategic": True,
                "dialogue_deadline": str(today + timedelta(days=30)),
                "criteria": [{"name": "Kvalitet", "weight": 100}],
            } | extra

        consulted = [FIVU, *OTHER_MINISTRIES, *FORUMS, KL]
        omitted = [{"party_id": KL, "reason": "Kun statslige og regionale parter berøres"}]
        without_kl = await http.post(
            f"{FUND}/calls", json=call(dialogue_omissions=omitted), headers=energy
        )
        assert without_kl.status_code == 201, without_kl.text
        assert sorted(without_kl.json()["dialogue"]["parties"]) == sorted(consulted[:-1])
        assert without_kl.json()["dialogue_omissions"] == omitted
        cancelled = await http.post(
            f"{FUND}/calls/{without_kl.json()['id']}/cancel", headers=energy
        )
        assert cancelled.status_code == 200, cancelled.text

        planned = await http.post(f"{FUND}/calls", json=call(), headers=energy)
        assert planned.status_code == 201, planned.text
        call_id = planned.json()["id"]
        assert planned.json()["state"] == "in_dialogue" and planned.json()["scope"] == "national"
        assert sorted(planned.json()["dialogue"]["parties"]) == sorted(consulted)
        assert planned.json()["dialogue_omissions"] == []

        requests: dict[str, str] = {}
        for p in consulted:
            mine = await http.get(
                f"{FUND}/dialogue-requests", params={"call_id": call_id}, headers=await party(p)
            )
            assert mine.status_code == 200, mine.text
            [request] = mine.json()["items"]  # its own request, nobody else's
            assert (request["recipient_id"], request["funder_id"]) == (p, ENERGY)
            requests[p] = request["id"]

        green = await _cluster_id(http, GREEN)
        answers: dict[str, dict[str, Any]] = {
            FIVU: {
                "comment": "FIVU/RTI medfinansierer (e2e)",
                "co_financing_dkk": 3_000_000,
                "cluster_ids": [green],
            },
            KL: {"comment": "KL støtter udbuddet (e2e)"},
        }
        for answerer, answer in answers.items():
            given = await http.post(
                f"{FUND}/dialogue-requests/{requests[answerer]}/answer",
                json=answer,
                headers=await party(answerer),
            )
            assert given.status_code == 200, given.text
            twice = await http.post(
                f"{FUND}/dialogue-requests/{requests[answerer]}/answer",
                json=answer,
                headers=await party(answerer),
            )
            _assert_problem(twice, 409, "already-answered")

        for viewer in [ENERGY, *consulted]:
            seen = await http.get(f"{FUND}/calls/{call_id}/dialogue", headers=await party(viewer))
            assert seen.status_code == 200, (viewer, seen.text)
            shown = {p["party_id"]: p for p in seen.json()["parties"]}
            assert sorted(shown) == sorted(consulted), viewer
            for answerer, answer in answers.items():
                assert shown[answerer]["answered"] is True, viewer
                assert shown[answerer]["comment"] == answer["comment"], viewer
            assert shown[FIVU]["co_financing_dkk"] == 3_000_000
            assert shown[FIVU]["cluster_ids"] == [green]
            assert shown[MIDT]["answered"] is False and shown[MIDT]["comment"] is None

        # each answer also reaches every other consulted party, addressed
        told = await _in_feed(
            http, await party(MIDT), "funding.dialogue.answered", call_id=call_id, party_id=FIVU
        )
        assert told["recipient"] == MIDT

        not_consulted = await http.get(
            f"{FUND}/calls/{call_id}/dialogue", headers=await party("region-1082")
        )
        _assert_problem(not_consulted, 403, "not-consulted")
        _assert_problem(await http.get(f"{FUND}/calls/{call_id}/dialogue"), 401, "unauthorized")


# --- 7. §4.1: the account of a year -----------------------------------------------------------


async def _leagues(http: httpx.AsyncClient, year: int) -> dict[str, str]:
    """Every cluster of the year's account with its league (the account as it was)."""
    leagues: dict[str, str] = {}
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 5000} | ({"cursor": cursor} if cursor else {})
        r = await http.get(f"{EVAL}/accounts/{year}", params=params)
        assert r.status_code == 200, r.text
        leagues |= {c["cluster_id"]: c["league"] for c in r.json()["clusters"]}
        if not (cursor := r.json()["next_cursor"]):
            return leagues


async def test_the_account_is_published_after_its_year_and_shows_the_past_as_it_was(
    run: EmbeddedRun,
) -> None:
    """Story 7 (§4.1 performance account): FIVU/RTI cannot publish the current year's account
    before 1 March of the next (409 ``too-early`` naming the earliest date); a cluster
    registered now is in this year's account but not in that of two years ago; the demo
    cluster Klynge for Grøn Energi, moved from national to world class last year, is national
    in the account of two years ago and world class in last year's (with today's clock:
    2024 and 2025)."""
    this_year = date.today().year
    async with httpx.AsyncClient(base_url=run.base, timeout=30) as http:
        party = Parties(http, run)
        fivu = await party(FIVU)
        early = await http.post(f"{EVAL}/accounts/{this_year}/publish", headers=fivu)
        problem = _assert_problem(early, 409, "too-early")
        earliest = f"{this_year + 1}-03-01"
        assert problem["earliest"] == earliest and earliest in problem["detail"]
        assert (await http.get(f"{EVAL}/accounts/{this_year}", params={"limit": 1})).json()[
            "state"
        ] == "draft"

        cid = await _new_cluster(http, fivu, "Ny Energiklynge")

        async def in_this_years_account() -> bool:
            return cid in await _leagues(http, this_year)

        await _until(in_this_years_account, f"cluster {cid} in the {this_year} account")
        assert cid not in await _leagues(http, this_year - 2)
        assert cid not in await _leagues(http, this_year - 1)

        # the demo's past: registered two years ago as national, world class since last year
        green = await _cluster_id(http, GREEN)
        expected = {this_year - 2: "national", this_year - 1: "world_class"}

        async def as_it_was() -> dict[int, str | None]:
            return {y: (await _leagues(http, y)).get(green) for y in expected}

        await _until(as_it_was, f"{GREEN} in the accounts as it was", expected.__eq__)
        history = (await http.get(f"{REG}/clusters/{green}/league-history")).json()
        assert [(h["to_league"], h["changed_at"][:4]) for h in history] == [
            ("national", str(this_year - 2)),
            ("world_class", str(this_year - 1)),
        ]
