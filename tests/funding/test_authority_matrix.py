"""Drive every row of funding's authorisation table (``authority_matrix.MATRIX``) through the
HTTP API of the suite: a fresh resource per row, the caller's token, the expected status; a
403 is problem+json naming the rule and who may act (or the missing scope)."""

from __future__ import annotations

from datetime import date
from typing import Any

import nats

from shared.events.bus import ensure_stream
from shared.events.outbox import build_envelope
from tests.conftest import Suite, eventually
from tests.funding.authority_matrix import MATRIX
from tests.funding.helpers import API, PROBLEM, programme, register_cluster, set_today

OTHER = "vaekstforum-syddanmark"
STRANGER = "vaekstforum-nordjylland"  # named where the caller is not
ORGS = {
    "ministry": "ministeriet-energi",
    "growth_forum": "vaekstforum-midtjylland",
    "region": "region-1082",
    "municipality": "kommune-0657",
    "municipal_association": "kl",
    "forum_secretariat": "klyngeforum",
    "narrowed_token": "vaekstforum-midtjylland",
}
FUNDERS = ("ministry", "growth_forum", "region", "municipality")
#: The funding service's "today" for the table: inside the period of every grant it awards
#: (2015–2018), so those grants are in force (``shared.money.grant_in_force``).
TODAY = date(2016, 6, 1)


class World:
    """The resources the rows act on, made through the API by their owners."""

    def __init__(self, suite: Suite) -> None:
        self.suite = suite
        self.cluster = ""
        self.programmes: dict[str, str] = {}
        self.requests: dict[str, str] = {}

    async def setup(self) -> None:
        set_today(self.suite, TODAY)
        self.cluster = await register_cluster(self.suite, "Matrixklyngen")
        ORGS["cluster_organisation"] = self.cluster
        # every funder of the table (and the other one) has a grant in force to the cluster,
        # so each is concerned with it and may propose agreements on it (§1, §3)
        for org in [OTHER, *(ORGS[k] for k in FUNDERS)]:
            await self.grant(org)
        prog = await self.programme(OTHER)
        call = await self.post(
            OTHER, "/calls", self.call_body(prog) | {"strategic": True}, expect=201
        )
        r = await self.suite.http.get(
            f"{API}/dialogue-requests",
            params={"call_id": call["id"], "limit": 50},
            headers=await self.suite.auth(OTHER),
        )
        self.requests = {x["recipient_id"]: x["id"] for x in r.json()["items"]}

    async def post(self, org: str, path: str, body: dict[str, Any], expect: int) -> Any:
        r = await self.suite.http.post(
            f"{API}{path}", json=body, headers=await self.suite.auth(org)
        )
        assert r.status_code == expect, r.text
        return r.json()

    async def programme(self, org: str) -> str:
        if org not in self.programmes:
            self.programmes[org] = await programme(
                self.suite,
                org,
                kind="project",
                source="regional",
                starts_on="2010-01-01",
                ends_on="2030-12-31",
            )
        return self.programmes[org]

    @staticmethod
    def call_body(prog: str) -> dict[str, Any]:
        return {
            "programme_id": prog,
            "title": "Matrixopslag",
            "budget_dkk": 1_000_000,
            "opens_on": "2030-04-01",
            "closes_on": "2030-05-01",
            "decision_on": "2030-06-01",
            "criteria": [{"name": "Kvalitet", "weight": 100}],
        }

    def grant_body(self, prog: str) -> dict[str, Any]:
        return {
            "cluster_id": self.cluster,
            "programme_id": prog,
            "title": "Matrixtilskud",
            "amount_dkk": 1_000_000,
            "starts_on": "2015-01-01",
            "ends_on": "2018-12-31",
            "activities": ["matchmaking"],
        }

    async def call(self, org: str) -> str:
        return str(
            (await self.post(org, "/calls", self.call_body(await self.programme(org)), 201))["id"]
        )

    async def grant(self, org: str) -> str:
        body = self.grant_body(await self.programme(org))
        return str((await self.post(org, "/grants", body, 201))["id"])

    async def recommendation(self, grant: str, funder: str) -> str:
        """evaluation.evaluation.completed recommending a stop, as evaluation publishes it;
        the id funding gave the recommendation once it received it."""
        envelope = build_envelope(
            "evaluation.evaluation.completed",
            {
                "evaluation_id": f"evl-{grant}",
                "grant_id": grant,
                "cluster_id": self.cluster,
                "funder_id": funder,
                "kind": "mid_term",
                "due_on": "2016-06-01",
                "recommendation": "stop",
            },
            recipient=funder,  # addressed to the grant's funder, as evaluation sends it
        )
        nc = await nats.connect(self.suite.nats.url)
        try:
            js = nc.jetstream()
            await ensure_stream(js, "evaluation")
            await js.publish(
                envelope.type, envelope.to_json_bytes(), headers={"Nats-Msg-Id": envelope.id}
            )
        finally:
            await nc.close()

        async def received() -> str | None:
            r = await self.suite.http.get(f"{API}/recommendations", params={"grant": grant})
            items = r.json()["items"]
            return str(items[0]["id"]) if items else None

        return str(await eventually(received))

    def agreement_body(self, *parties: str) -> dict[str, Any]:
        return {
            "kind": "co_financing",
            "title": "Matrixaftale",
            "cluster_id": self.cluster,
            "parties": [{"party_id": p, "activities": ["matchmaking"]} for p in parties],
        }

    async def proposal(self, named: str) -> str:
        """Proposed by the other funder, naming ``named`` (pending)."""
        return str(
            (await self.post(OTHER, "/agreements", self.agreement_body(OTHER, named), 201))["id"]
        )

    async def request(
        self, method: str, endpoint: str, kind: str, relation: str
    ) -> tuple[str, dict[str, Any] | None, dict[str, str]]:
        """Path, body and extra headers for one row (resources made fresh where needed)."""
        me = ORGS[kind] if kind in ORGS else OTHER
        owner = me if relation == "own" and kind in (*FUNDERS, "narrowed_token") else OTHER
        if endpoint == "/programmes":
            body: dict[str, Any] = {
                "name": "Matrixprogram",
                "kind": "project",
                "source": "regional",
                "starts_on": "2020-01-01",
                "ends_on": "2021-12-31",
            }
            return endpoint, body | ({} if relation == "own" else {"funder_id": OTHER}), {}
        if endpoint == "/calls":
            return endpoint, self.call_body(await self.programme(owner)), {}
        if endpoint.startswith("/calls/"):
            call = await self.call(owner)
            action = endpoint.rsplit("/", 1)[-1]
            path = f"/calls/{call}/{'criteria/publish' if action == 'publish' else action}"
            return (
                path,
                ({} if action == "publish" else None),
                ({"If-Match": '"1"'} if action == "publish" else {}),
            )
        if endpoint.startswith("/dialogue-requests/"):
            target = me if relation == "own" else STRANGER
            return f"/dialogue-requests/{self.requests[target]}/answer", {"comment": "Svar"}, {}
        if endpoint == "/grants":
            prog = await self.programme(owner)
            extra = {} if relation == "own" else {"funder_id": OTHER}
            return endpoint, self.grant_body(prog) | extra, {}
        if endpoint.startswith("/grants/"):
            grant = await self.grant(owner)
            if endpoint.endswith("/terminate"):
                body = {"terminated_on": "2016-01-01", "reason": "Matrix"}
                return f"/grants/{grant}/terminate", body, {"If-Match": '"1"'}
            return f"/grants/{grant}", {"amount_dkk": 900_000}, {"If-Match": '"1"'}
        if endpoint.startswith("/recommendations/"):
            rec = await self.recommendation(await self.grant(owner), owner)
            return f"/recommendations/{rec}/keep", {"reason": "Matrix"}, {}
        if endpoint == "/agreements":
            parties = (me, OTHER) if relation == "own" else (OTHER, STRANGER)
            return endpoint, self.agreement_body(*parties), {}
        action = endpoint.rsplit("/", 1)[-1]
        agreement = await self.proposal(me if relation == "own" else STRANGER)
        return f"/agreements/{agreement}/{action}", {}, {}


async def test_every_row_of_the_authorisation_table(suite: Suite) -> None:
    world = World(suite)
    await world.setup()
    wrong = []
    for method, endpoint, kind, relation, expected in MATRIX:
        path, body, extra = await world.request(method, endpoint, kind, relation)
        if kind == "no_token":
            headers: dict[str, str] = {}
        elif kind == "narrowed_token":
            headers = await suite.auth(ORGS[kind], ["webhooks:write"])
        else:
            headers = await suite.auth(ORGS[kind])
        r = await suite.http.request(method, f"{API}{path}", json=body, headers=headers | extra)
        row = (method, endpoint, kind, relation, expected)
        if r.status_code != expected:
            wrong.append((row, r.status_code, r.text[:300]))
            continue
        if expected in (401, 403):
            assert r.headers["content-type"].startswith(PROBLEM), row
            problem = r.json()
            names_rule = "rule" in problem and "may_act" in problem
            assert (
                names_rule or problem["type"].endswith("/insufficient-scope") or expected == 401
            ), (
                row,
                problem,
            )
    assert not wrong, "\n".join(map(str, wrong))
