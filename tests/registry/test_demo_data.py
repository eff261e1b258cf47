"""The demo clusters of `make run`: fictional, deterministic, varied, loaded once."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select

from services.registry.demo import DEMO_ORGANISATIONS, load_demo_data, load_demo_organisations
from services.registry.demo_data import (
    DEMO_CLUSTERS,
    LEAGUE_CHANGES,
    MERGERS,
    OVERRIDES,
    SEATS,
    area_of,
    demo_cvr,
    demo_members,
)
from services.registry.models import MergerAnnouncement, messaging
from services.registry.service.organisations import register_organisation
from shared.reference import normalise_cvr, region_of_municipality
from shared.reference.fields import FIELDS
from tests.conftest import Suite

BY_KEY = {d.key: d for d in DEMO_CLUSTERS}


# --- the data itself -----------------------------------------------------------------------


def test_demo_cvrs_pass_the_check_digit_and_lie_in_the_unissued_range() -> None:
    assert demo_cvr("x") == demo_cvr("x")  # the same on every run
    cvrs = [demo_cvr(f"firm:probe:{i}") for i in range(2000)]
    assert all(normalise_cvr(c) == c and c.startswith("9") for c in cvrs)
    new = [d.cvr_number for d in DEMO_CLUSTERS if d.cvr is None]
    assert all(c.startswith("9") for c in new)
    assert len({d.cvr_number for d in DEMO_CLUSTERS}) == len(DEMO_CLUSTERS)


def test_names_are_obviously_fictional() -> None:
    for demo in DEMO_CLUSTERS:
        assert demo.name.endswith("(demo)"), demo.name
        assert demo.website.endswith(".example/")
        assert all(m.name.endswith("(demo)") for m in demo_members(demo)), demo.key


def test_members_are_the_same_on_every_run_and_unique_per_cluster() -> None:
    for demo in DEMO_CLUSTERS:
        members = demo_members(demo)
        assert members == demo_members(demo)
        assert len(members) == sum(demo.members)
        cvrs = [m.cvr for m in members if m.cvr]
        assert len(cvrs) == len(set(cvrs)), demo.key
        assert all(normalise_cvr(c) == c for c in cvrs)
        kinds = Counter(m.kind for m in members)
        firms, knowledge, education, public = demo.members
        assert (
            kinds
            == Counter(
                firm=firms,
                knowledge_institution=knowledge,
                education_institution=education,
                public_actor=public,
            )
            - Counter()
        )  # (zero counts dropped)
        assert all(m.joined_on is None or demo.founded_on <= m.joined_on for m in members), demo.key


def test_members_follow_the_planned_spread() -> None:
    for demo in DEMO_CLUSTERS:
        members = demo_members(demo)
        areas = Counter(area_of(m.municipality_code) for m in members if m.municipality_code)
        top_area, top = areas.most_common(1)[0]
        planned_top, share = max(demo.spread, key=lambda s: s[1])
        assert top_area == planned_top, demo.key
        assert abs(top / len(members) - share) < 0.06, (demo.key, dict(areas))


def test_the_set_covers_every_league_kind_region_and_field() -> None:
    assert {d.league for d in DEMO_CLUSTERS} == {"world_class", "national", "emerging"}
    assert {d.cluster_kind for d in DEMO_CLUSTERS} == {"cluster", "innovation_network", "network"}
    regions = {region_of_municipality(d.home) for d in DEMO_CLUSTERS}
    assert regions == {"1081", "1082", "1083", "1084", "1085"}
    assert any(d.home == "0400" for d in DEMO_CLUSTERS)  # Bornholm
    assert {f for d in DEMO_CLUSTERS for f in d.fields} == {f.code for f in FIELDS}
    assert 25 <= len(DEMO_CLUSTERS) <= 35
    # Everything that happens after registration names a demo cluster.
    keys = [c.key for c in LEAGUE_CHANGES] + [o.key for o in OVERRIDES]
    keys += [s.key for s in SEATS] + [m.key for m in MERGERS] + [m.into for m in MERGERS]
    assert set(keys) <= set(BY_KEY)


def test_the_earlier_demo_cluster_organisations_are_demo_clusters() -> None:
    """The demo clients were made for them: same CVR, name and home as before."""
    earlier = [o for o in DEMO_ORGANISATIONS if o.kind == "cluster_organisation"]
    assert earlier
    by_cvr = {d.cvr_number: d for d in DEMO_CLUSTERS}
    for org in earlier:
        demo = by_cvr[org.cvr]  # type: ignore[index]
        assert (demo.name, demo.home) == (org.name, org.municipality_code)
        assert demo.short_name == org.short_name


# --- loading into a real registry ----------------------------------------------------------


async def _outbox_types(suite: Suite) -> Counter[str]:
    registry = suite.apps["registry"]
    outbox = messaging.outbox
    async with registry.state.session_factory() as session:
        rows = await session.execute(select(outbox.c.type, func.count()).group_by(outbox.c.type))
        return Counter(dict(rows.tuples().all()))


async def _load(suite: Suite) -> Any:
    registry = suite.apps["registry"]
    async with registry.state.session_factory() as session, session.begin():
        return await load_demo_data(session, registry.state.rule_config)


async def test_loading_twice_adds_nothing_the_second_time(suite: Suite) -> None:
    first = await _load(suite)
    assert first.clusters == len(DEMO_CLUSTERS)
    assert first.members == sum(sum(d.members) for d in DEMO_CLUSTERS)
    assert first.blocked == []
    events = await _outbox_types(suite)
    # Through the service layer, as the API would: one registration each, and the rest.
    assert events["registry.cluster.registered"] == len(DEMO_CLUSTERS)
    assert events["registry.cluster.league_changed"] == len(LEAGUE_CHANGES)
    assert events["registry.cluster.status_changed"] == len(MERGERS)
    assert events["registry.cluster.responsibility_changed"] > len(LEAGUE_CHANGES)

    second = await _load(suite)
    assert (second.clusters, second.members, second.blocked) == (0, 0, [])
    assert await _outbox_types(suite) == events
    listed = await suite.http.get(
        "/registry/v1/clusters", params={"all_statuses": True, "limit": 1000}
    )
    assert len(listed.json()["items"]) == len(DEMO_CLUSTERS)


async def test_an_older_demo_run_without_profiles_is_reported_not_broken(suite: Suite) -> None:
    """A var/ from before the demo clusters holds the three as bare organisations."""
    registry = suite.apps["registry"]
    async with registry.state.session_factory() as session, session.begin():
        for org in DEMO_ORGANISATIONS:
            await register_organisation(session, org)
    done = await _load(suite)
    earlier = [o.name for o in DEMO_ORGANISATIONS if o.kind == "cluster_organisation"]
    assert sorted(done.blocked) == sorted(earlier)
    assert done.clusters == len(DEMO_CLUSTERS) - len(earlier)
    async with registry.state.session_factory() as session, session.begin():
        assert await load_demo_organisations(session) == 0


async def test_every_view_has_something_to_show(suite: Suite) -> None:
    await _load(suite)
    http = suite.http
    items = (
        await http.get("/registry/v1/clusters", params={"all_statuses": True, "limit": 1000})
    ).json()["items"]
    ids = {c["name"]: c["id"] for c in items}

    async def cluster(key: str) -> dict[str, Any]:
        return (await http.get(f"/registry/v1/clusters/{ids[BY_KEY[key].name]}")).json()

    async def responsibility(key: str) -> dict[str, Any]:
        path = f"/registry/v1/clusters/{ids[BY_KEY[key].name]}/responsibility"
        return (await http.get(path)).json()

    rules: Counter[str] = Counter()
    with_centre = without_centre = 0
    warnings: Counter[str] = Counter()
    sme_shares = set()
    for demo in DEMO_CLUSTERS:
        r = await responsibility(demo.key)
        rules[r["rule"]] += 1
        if r["league"] != "emerging":
            if r["centre_of_gravity"]["forum"]:
                with_centre += 1
            else:
                without_centre += 1
        c = await cluster(demo.key)
        warnings.update(w["code"] for w in c["warnings"])
        sme_shares.add(c["members"]["sme_share"])
    # Every row of the §1 matrix, and an agreed exception.
    assert set(rules) == {
        "world_class_with_centre",
        "world_class_without_centre",
        "national_with_centre",
        "national_without_centre",
        "emerging",
        "agreed_exception",
    }
    assert with_centre >= 5 and without_centre >= 3
    assert {
        "few_members",
        "narrow_helix",
        "firm_sizes_unknown",
        "obligations_not_declared",
        "label_expired",
        "task_not_supportable",
    } <= set(warnings)
    assert len(sme_shares) > 10  # varied, not one number everywhere

    # Bornholm has its own growth forum.
    bornholm = await responsibility("bornholm-mad")
    assert bornholm["primary"][0]["id"] == "vaekstforum-bornholm"
    # Just under the threshold: no centre of gravity.
    edge = (await responsibility("space-forsvar"))["centre_of_gravity"]
    assert edge["forum"] is None and edge["share"] < edge["threshold"]

    override = await responsibility("offshore-esbjerg")
    assert override["rule"] == "agreed_exception"
    assert override["override"]["reason"] == OVERRIDES[0].reason
    assert [p["id"] for p in override["primary"]] == list(OVERRIDES[0].primary)
    # Issue 12: the agreed exception is in force with every concerned party's confirmation,
    # and a proposal waits for FIVU/RTI (and changes nothing until it answers).
    esbjerg = ids[BY_KEY["offshore-esbjerg"].name]
    [agreed] = (await http.get(f"/registry/v1/clusters/{esbjerg}/responsibility-overrides")).json()
    assert agreed["state"] == "in_force" and agreed["waiting_for"] == []
    assert {a["answer"] for a in agreed["answers"]} == {"confirmed"}
    thy = ids[BY_KEY["thy-vind"].name]
    [waiting] = (await http.get(f"/registry/v1/clusters/{thy}/responsibility-overrides")).json()
    assert waiting["state"] == "proposed"
    assert [p["id"] for p in waiting["waiting_for"]] == ["fivu-rti"]
    assert (await responsibility("thy-vind"))["rule"] == "emerging"
    # Labels are recorded by the secretariat.
    [label] = (
        await http.get(f"/registry/v1/clusters/{ids[BY_KEY['robot-syd'].name]}/labels")
    ).json()
    assert (label["level"], label["issued_by"]["id"]) == ("gold", "klyngeforum")

    history = await http.get(
        f"/registry/v1/clusters/{ids[BY_KEY['groen-energi'].name]}/league-history"
    )
    assert [(h["from_league"], h["to_league"]) for h in history.json()] == [
        (None, "national"),
        ("national", "world_class"),
    ]
    assert (await cluster("groen-energi"))["league"] == "world_class"

    merged = await cluster("vand-lyngby")
    assert merged["status"] == "merged"
    assert merged["merged_into_id"] == ids[BY_KEY["vand-oeresund"].name]

    seats = (
        await http.get(f"/registry/v1/clusters/{ids[BY_KEY['sundtek'].name]}/ministry-seats")
    ).json()
    assert sorted((s["ministry"]["id"], s["taken"]) for s in seats) == [
        ("ministeriet-erhverv-vaekst", True),
        ("ministeriet-miljoe", False),
    ]

    tasks = (await cluster("bornholm-energi"))["societal_tasks"]
    assert [(t["task"], t["supportable"]) for t in tasks] == [("energy", False)]
    assert all(t["supportable"] for t in (await cluster("ls-oeresund"))["societal_tasks"])
    labels = Counter(c["label_level"] for c in items if c["label_level"])
    assert set(labels) == {"gold", "silver", "bronze"}

    hints = (await http.get("/registry/v1/merger-suggestions")).json()
    pairs = {(h["small"]["name"], h["larger"]["name"]) for h in hints}
    assert (BY_KEY["robot-nord"].name, BY_KEY["robot-syd"].name) in pairs
    assert (BY_KEY["cleantech-nordsj"].name, BY_KEY["vand-oeresund"].name) in pairs
    assert BY_KEY["vand-lyngby"].name not in {h["small"]["name"] for h in hints}  # merged
    # issue 13: a backed, resourced task beside no core function is not supportable (§2)
    femern = await cluster("femern-logistik")
    assert femern["functions"] == []
    assert [(t["task"], t["supportable"], t["missing"]) for t in femern["societal_tasks"]] == [
        ("transport", False, ["core_function"])
    ]
    # … and every hint was announced once, to both clusters and their growth forums (§4.4)
    outbox = messaging.outbox
    async with suite.apps["registry"].state.session_factory() as session:
        sent = (
            await session.execute(
                select(outbox.c.envelope).where(outbox.c.type == "registry.merger.suggested")
            )
        ).scalars()
        announced = {(e["data"]["small_cluster_id"], e["data"]["larger_cluster_id"]) for e in sent}
    assert announced == {(h["small"]["id"], h["larger"]["id"]) for h in hints}
    robot = ids[BY_KEY["robot-nord"].name], ids[BY_KEY["robot-syd"].name]
    async with suite.apps["registry"].state.session_factory() as session:
        row = await session.get(MergerAnnouncement, robot)
    assert row is not None and row.recipients[:2] == list(robot)
    assert "vaekstforum-nordjylland" in row.recipients
