"""Drive every row of the gateway's authorisation table (``authority_matrix.MATRIX``) through
the HTTP API of the suite: two organisations of every kind, each with a subscription to a real
receiver on loopback and one delivery in its log; the caller's token; the expected status. A
403 is problem+json naming the scope the token lacks."""

from __future__ import annotations

from itertools import count
from typing import Any

from tests.authority_tables import assert_covers_every_kind
from tests.conftest import Suite, eventually
from tests.funding.helpers import cvr
from tests.gateway.authority_matrix import MATRIX, SUBSCRIBERS, WEBHOOKS, Row
from tests.gateway.webhook_receiver import Receiver

PROBLEM = "application/problem+json"
#: The event every subscription receives once (each org registered by the test sends one).
PATTERN = "registry.organisation.registered"
SECRETARIAT = "klyngeforum"
#: The two organisations of each kind (None: one the test registers).
ORGS: dict[str, tuple[str | None, str | None]] = {
    "ministry": ("fivu-rti", "ministeriet-energi"),
    "growth_forum": ("vaekstforum-nordjylland", "vaekstforum-midtjylland"),
    "region": ("region-1081", "region-1082"),
    "municipality": ("kommune-0851", "kommune-0101"),
    # the only organisations of their kinds: another kind's subscription is the *other*
    "municipal_association": ("kl", "vaekstforum-midtjylland"),
    "forum_secretariat": (SECRETARIAT, "vaekstforum-midtjylland"),
    "cluster_organisation": (None, None),
    "growth_house": (None, None),
    "business_service": (None, None),
    "knowledge_institution": (None, None),
    "label_issuer": (None, None),
    "other": (None, None),
}
NARROWED = ("vaekstforum-nordjylland", ["funding:write"])
_n = count(1)


def test_the_table_covers_every_kind_and_endpoint() -> None:
    assert_covers_every_kind(MATRIX)


class World:
    def __init__(self, suite: Suite, receiver: Receiver) -> None:
        self.suite = suite
        self.receiver = receiver
        self.own: dict[str, str] = {}
        self.other: dict[str, str] = {}
        #: organisation → its subscription and one delivery of it
        self.subscription: dict[str, str] = {}
        self.delivery: dict[str, str] = {}

    async def register(self, kind: str) -> str:
        s = self.suite
        if kind == "cluster_organisation":
            r = await s.http.post(
                "/registry/v1/clusters",
                json={
                    "name": f"Matrixklynge {next(_n)}",
                    "cvr": cvr(),
                    "cluster_kind": "cluster",
                    "league": "national",
                    "home_municipality_code": "0461",
                },
                headers=await s.auth("fivu-rti"),
            )
        else:
            r = await s.http.post(
                "/registry/v1/organisations",
                json={"name": f"Matrix {kind} {next(_n)}", "kind": kind},
                headers=await s.auth(SECRETARIAT),
            )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    async def setup(self) -> None:
        for kind, (own, other) in ORGS.items():
            self.own[kind] = own or await self.register(kind)
            if kind in SUBSCRIBERS:
                self.other[kind] = other or await self.register(kind)
        for kind in SUBSCRIBERS:
            for org in (self.own[kind], self.other[kind]):
                if org not in self.subscription:
                    self.subscription[org] = await self.subscribe(org)
        await self.register("growth_house")  # the event each subscription gets

        async def delivered() -> bool:
            for org, sub in self.subscription.items():
                if org not in self.delivery:
                    r = await self.suite.http.get(
                        f"{WEBHOOKS}/{sub}/deliveries", headers=await self.suite.auth(org)
                    )
                    assert r.status_code == 200, r.text
                    if r.json()["items"]:
                        self.delivery[org] = r.json()["items"][0]["id"]
            return len(self.delivery) == len(self.subscription)

        await eventually(delivered)

    async def subscribe(self, org: str) -> str:
        r = await self.suite.http.post(
            WEBHOOKS,
            json={"url": self.receiver.url(f"/{next(_n)}"), "patterns": [PATTERN]},
            headers=await self.suite.auth(org),
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def caller(self, kind: str) -> tuple[str | None, list[str] | None]:
        if kind == "no_token":
            return None, None
        if kind == "narrowed_token":
            return NARROWED[0], NARROWED[1]
        return self.own[kind], None

    async def request(
        self, method: str, endpoint: str, kind: str, relation: str
    ) -> tuple[str, Any, dict[str, str]]:
        """Path, body and extra headers for one row."""
        me = self.caller(kind)[0] or self.own["growth_forum"]
        if kind not in SUBSCRIBERS:
            me = self.own["growth_forum"]
        owner = self.other[kind] if relation == "other" else me
        if endpoint == WEBHOOKS:
            body = {"url": self.receiver.url("/ny"), "patterns": [PATTERN]}
            return WEBHOOKS, body, {}
        sub = self.subscription[owner]
        if method == "DELETE" and relation == "own" and kind in SUBSCRIBERS:
            sub = await self.subscribe(owner)  # a fresh one; the kept one serves the rest
        path = endpoint.format(webhook_id=sub, delivery_id=self.delivery[owner])
        if method == "PATCH":
            read = await self.suite.http.get(
                f"{WEBHOOKS}/{sub}", headers=await self.suite.auth(owner)
            )
            return path, {"description": f"Matrix {next(_n)}"}, {"If-Match": read.headers["etag"]}
        return path, None, {}


async def _check(world: World, row: Row) -> str | None:
    method, endpoint, kind, relation, expected = row
    suite = world.suite
    path, body, extra = await world.request(method, endpoint, kind, relation)
    caller, scopes = world.caller(kind)
    headers = {} if caller is None else await suite.auth(caller, scopes)
    r = await suite.http.request(method, path, json=body, headers=headers | extra)
    if r.status_code != expected:
        return f"{row} as {caller}: {r.status_code} {r.text[:300]}"
    if expected >= 400:
        if not r.headers["content-type"].startswith(PROBLEM):
            return f"{row} as {caller}: not problem+json"
        if expected == 403 and not r.json().get("required_scope"):
            return f"{row} as {caller}: does not name the scope: {r.text[:300]}"
    if expected == 200 and path.endswith("/test") and r.json()["delivered"] is not True:
        return f"{row} as {caller}: the ping was not delivered: {r.text[:300]}"
    return None


async def test_every_row_of_the_authorisation_table(suite_factory: Any) -> None:
    suite = await suite_factory(
        gateway={"webhook_allow_private": True, "webhook_poll_seconds": 0.1}
    )
    async with Receiver() as receiver:
        world = World(suite, receiver)
        await world.setup()
        failures = [f for row in MATRIX if (f := await _check(world, row))]
    assert not failures, "\n".join(failures)
