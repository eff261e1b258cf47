"""Drive every row of the referral exchange's authorisation table (``authority_matrix.MATRIX``)
through the HTTP API of the suite: one suite, the resources made through the API by their
parties, the caller's token, the expected status. A 403 is problem+json naming the rule (with
who may act and the §) or the scope the token lacks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from tests.authority_tables import assert_covers_every_kind
from tests.conftest import Suite
from tests.funding.helpers import PROBLEM
from tests.referrals.authority_matrix import MATRIX, PARTIES, Row
from tests.referrals.helpers import API, cvr, register_cluster, register_organisation
from tests.referrals.referral_helpers import referral_body

#: The other organisation of every referral and joint event the rows act on: Odense Kommune.
PEER = "kommune-0461"
#: Who calls for the kinds that are no party of the exchange (None: registered by the test).
OUTSIDERS: dict[str, str | None] = {
    "ministry": "fivu-rti",
    "growth_forum": "vaekstforum-nordjylland",
    "region": "region-1081",
    "municipal_association": "kl",
    "knowledge_institution": None,
    "forum_secretariat": "klyngeforum",
    "label_issuer": None,
    "other": None,
}
SECRETARIAT = "klyngeforum"
#: Each closed-loop step: the state it starts from and the body it needs.
STEPS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "accept": ("requested", None),
    "reject": ("requested", {"reason": "Ikke vores felt"}),
    "cancel": ("requested", None),
    "start": ("accepted", None),
    "complete": ("in_progress", {"outcome": "Matchet", "outcome_category": "advice_given"}),
    "fail": ("in_progress", {"reason": "Virksomheden meldte fra"}),
}
#: The steps that lead to a state, from requested, each by the recipient.
PATH_TO = {"requested": [], "accepted": ["accept"], "in_progress": ["accept", "start"]}
_n = count(1)


def _later(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat()


def activity_body(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "workshop",
        "title": f"Matrixworkshop {next(_n)}",
        "starts_at": _later(30),
        "ends_at": _later(31),
        "municipality_code": "0851",
        "target_groups": ["sme"],
    } | extra


def joint_body(partner: str) -> dict[str, Any]:
    return {
        "partner_id": partner,
        "kind": "matchmaking",
        "title": f"Fælles matchmaking {next(_n)}",
        "target_groups": ["sme"],
        "starts_at": _later(40),
        "ends_at": _later(41),
        "municipality_code": "0461",
    }


def test_the_table_covers_every_kind_and_endpoint() -> None:
    assert_covers_every_kind(MATRIX)


class World:
    """The organisations the rows act as and the resources they act on, made through the API
    by their own parties."""

    def __init__(self, suite: Suite) -> None:
        self.suite = suite
        self.own: dict[str, str] = {"municipality": "kommune-0851"}
        self.other: dict[str, str] = {"municipality": "kommune-0101"}
        self.outsiders: dict[str, str] = {}
        #: kept resources the refusals act on: (what, kind) → id
        self.kept: dict[tuple[str, str], str] = {}
        self.cvrs: dict[str, str] = {}

    async def setup(self) -> None:
        s = self.suite

        async def party(kind: str, which: str) -> str:
            name = f"Matrix {kind} {which}"
            if kind == "cluster_organisation":
                return await register_cluster(s, name)
            return await register_organisation(s, name, kind)

        kinds = [k for k in PARTIES if k != "municipality"]
        made = await asyncio.gather(
            *(party(k, w) for k in kinds for w in ("own", "other")),
        )
        for i, kind in enumerate(kinds):
            self.own[kind], self.other[kind] = made[2 * i], made[2 * i + 1]
        secretariat = await s.auth(SECRETARIAT)
        for kind, org in OUTSIDERS.items():
            if org is None:
                r = await s.http.post(
                    "/registry/v1/organisations",
                    json={"name": f"Matrix {kind}", "kind": kind},
                    headers=secretariat,
                )
                assert r.status_code == 201, r.text
                org = str(r.json()["id"])
            self.outsiders[kind] = org
        for kind in PARTIES:
            me, them = self.own[kind], self.other[kind]
            self.kept["in", kind] = await self.referral(PEER, me)
            self.kept["out", kind] = await self.referral(me, PEER)
            self.kept["theirs", kind] = await self.referral(PEER, them)
            self.kept["joint_in", kind] = await self.joint(PEER, me)
            self.kept["joint_out", kind] = await self.joint(me, PEER)
            self.kept["joint_theirs", kind] = await self.joint(PEER, them)
            for org, which in ((me, "own"), (them, "other")):
                self.kept[f"service_{which}", kind] = await self.created(
                    org, "/services", {"name": f"Matrixydelse {next(_n)}", "target_groups": ["sme"]}
                )
                self.kept[f"activity_{which}", kind] = await self.created(
                    org, "/activities", activity_body()
                )

    # --- making resources -----------------------------------------------------------------

    async def created(self, org: str, path: str, body: dict[str, Any]) -> str:
        headers = await self.suite.auth(org)
        r = await self.suite.http.post(f"{API}{path}", json=body, headers=headers)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    async def referral(self, sender: str, recipient: str, state: str = "requested") -> str:
        number = cvr()
        body = referral_body(recipient)
        body["firm"]["cvr"] = number
        rid = await self.created(sender, "/referrals", body)
        self.cvrs[rid] = number
        for version, action in enumerate(PATH_TO[state], start=1):
            r = await self.suite.http.post(
                f"{API}/referrals/{rid}/{action}",
                headers=await self.suite.auth(recipient) | {"If-Match": f'"{version}"'},
            )
            assert r.status_code == 200, r.text
        return rid

    async def joint(self, proposer: str, partner: str) -> str:
        return await self.created(proposer, "/joint-events", joint_body(partner))

    async def etag(self, path: str, org: str) -> str:
        r = await self.suite.http.get(f"{API}{path}", headers=await self.suite.auth(org))
        assert r.status_code == 200, r.text
        return str(r.headers["etag"])

    # --- one row --------------------------------------------------------------------------

    def caller(self, kind: str, endpoint: str) -> str | None:
        if kind == "no_token":
            return None
        if kind == "narrowed_token":
            return SECRETARIAT if endpoint.startswith("/jobs/") else self.own["growth_house"]
        return self.own[kind] if kind in PARTIES else self.outsiders[kind]

    async def request(
        self, method: str, endpoint: str, kind: str, relation: str
    ) -> tuple[str, Any, dict[str, str]]:
        """Path, body and extra headers for one row (fresh resources where a row changes it)."""
        k = kind if kind in PARTIES else "growth_house"
        me, them = self.own[k], self.other[k]
        succeeds = kind in PARTIES and relation == "own"
        if endpoint == "/referrals":
            return endpoint, referral_body(PEER), {}
        if endpoint.startswith("/referrals/"):
            action = endpoint.rsplit("/", 1)[-1]
            state, body = STEPS[action]
            by_sender = action == "cancel"
            if succeeds:
                sender, recipient = (me, PEER) if by_sender else (PEER, me)
                rid = await self.referral(sender, recipient, state)
                version = len(PATH_TO[state]) + 1
            else:
                rid, version = self.kept[_kept(relation, by_sender), k], 1
            return f"/referrals/{rid}/{action}", body, {"If-Match": f'"{version}"'}
        if endpoint == "/firms/{cvr}/erase":
            rid = self.kept[_kept(relation, False), k]
            return f"/firms/{self.cvrs[rid]}/erase", None, {}
        if endpoint.startswith("/jobs/"):
            return endpoint, None, {}
        if endpoint in ("/services", "/activities"):
            body = (
                {"name": f"Matrixydelse {next(_n)}", "target_groups": ["sme"]}
                if endpoint == "/services"
                else activity_body()
            )
            named = them if relation == "other" else me
            return endpoint, body | {"organisation_id": named}, {}
        if endpoint.startswith("/services/") or endpoint.startswith("/activities/"):
            what = "service" if endpoint.startswith("/services/") else "activity"
            owner = them if relation == "other" else me
            rid = self.kept[f"{what}_{'other' if relation == 'other' else 'own'}", k]
            path = f"/{'services' if what == 'service' else 'activities'}/{rid}"
            headers = {"If-Match": await self.etag(path, owner)}
            if endpoint.endswith("/cancel"):
                return f"{path}/cancel", None, headers
            change = {"description": f"Ændret {next(_n)}"}
            return path, change, headers
        if endpoint == "/joint-events":
            return endpoint, joint_body(PEER), {}
        action = endpoint.rsplit("/", 1)[-1]
        by_proposer = action == "withdraw"
        if succeeds:
            proposer, partner = (me, PEER) if by_proposer else (PEER, me)
            jid = await self.joint(proposer, partner)
        else:
            jid = self.kept["joint_" + _kept(relation, by_proposer), k]
        body = {"reason": "Passer ikke i år"} if action == "decline" else None
        return f"/joint-events/{jid}/{action}", body, {"If-Match": '"1"'}


def _kept(relation: str, by_initiator: bool) -> str:
    """Which kept referral or joint event a row acts on: *own* — the one addressed to the
    caller (``in``; for cancel and withdraw the one it started, ``out``); *counterpart* — the
    reverse; anything else — one between two other organisations (``theirs``)."""
    if relation == "own":
        return "out" if by_initiator else "in"
    if relation == "counterpart":
        return "in" if by_initiator else "out"
    return "theirs"


async def _check(world: World, row: Row) -> str | None:
    method, endpoint, kind, relation, expected = row
    suite = world.suite
    path, body, extra = await world.request(method, endpoint, kind, relation)
    caller = world.caller(kind, endpoint)
    headers: dict[str, str] = {}
    if caller is not None:
        scopes = ["webhooks:write"] if kind == "narrowed_token" else None
        headers = await suite.auth(caller, scopes)
    r = await suite.http.request(method, f"{API}{path}", json=body, headers=headers | extra)
    if r.status_code != expected:
        return f"{row} as {caller}: {r.status_code} {r.text[:300]}"
    if expected in (401, 403, 404) and not r.headers["content-type"].startswith(PROBLEM):
        return f"{row} as {caller}: not problem+json"
    if expected == 403:
        problem = r.json()
        names_rule = problem.get("rule") and "may_act" in problem and problem.get("paragraph")
        if not (names_rule or problem.get("required_scope")):
            return f"{row} as {caller}: names neither rule nor scope: {r.text[:300]}"
    if endpoint == "/firms/{cvr}/erase" and expected == 200:
        # a party erases from the referrals it is party to; the secretariat (admin) from all
        erased = r.json()["referrals_erased"]
        if erased != (0 if relation == "other" else 1):
            return f"{row} as {caller}: erased {erased}"
    return None


async def test_every_row_of_the_authorisation_table(suite: Suite) -> None:
    world = World(suite)
    await world.setup()
    # refusals first within each endpoint, so no success changes what a refusal meets
    order = {e: i for i, e in enumerate(dict.fromkeys((r[0], r[1]) for r in MATRIX))}
    rows = sorted(MATRIX, key=lambda r: (order[r[0], r[1]], r[4] < 300))
    failures = [f for row in rows if (f := await _check(world, row))]
    assert not failures, "\n".join(failures)
