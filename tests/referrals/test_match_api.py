"""GET /referrals/v1/match (§5, issue 5): relevance first, nearness only between equals, why.

Services and activities are inserted through the referrals app's own session, filled exactly as
the directory API fills them (``search_terms`` from ``rules.text.index_terms`` of name,
description, the fields' Danish and English names and the target groups' labels; the next
``change_seq``), so these tests do not depend on the directory endpoints.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from services.referrals.models import Activity, OfferedService
from services.referrals.rules.text import index_terms
from services.referrals.rules.vocabulary import TARGET_GROUPS
from services.referrals.service.common import next_change_seq
from services.referrals.service.match_index import MatchIndex, match_index
from shared.reference.fields import field_by_code
from tests.conftest import Suite
from tests.referrals.helpers import API, assert_problem, register_cluster, register_organisation

_ids = count(1)
AALBORG, ODENSE, HJOERRING = "0851", "0461", "0860"


def _terms(name: str, description: str, fields: list[str], targets: list[str]) -> str:
    names = [n for f in fields for n in (field_by_code()[f].name_da, field_by_code()[f].name_en)]
    labels = [label for t in targets for label in TARGET_GROUPS[t]]
    return index_terms(name, description, *names, *labels)


async def add_service(
    suite: Suite,
    organisation_id: str,
    name: str,
    description: str = "",
    *,
    fields: list[str] | None = None,
    target_groups: list[str] | None = None,
    area_kind: str = "national",
    area_codes: list[str] | None = None,
) -> str:
    fields, target_groups = fields or [], target_groups or []
    now = datetime.now(UTC)
    async with suite.apps["referrals"].state.session_factory() as session, session.begin():
        sid = f"svc-test-{next(_ids)}"
        session.add(
            OfferedService(
                id=sid,
                organisation_id=organisation_id,
                name=name,
                description=description,
                fields=fields,
                target_groups=target_groups,
                area_kind=area_kind,
                area_codes=area_codes or [],
                status="active",
                languages=["da"],
                search_terms=_terms(name, description, fields, target_groups),
                change_seq=await next_change_seq(session),
                created_at=now,
                updated_at=now,
            )
        )
    return sid


async def change_service(suite: Suite, service_id: str, **values: Any) -> None:
    async with suite.apps["referrals"].state.session_factory() as session, session.begin():
        row = await session.get(OfferedService, service_id)
        assert row is not None
        for key, value in values.items():
            setattr(row, key, value)
        row.search_terms = _terms(row.name, row.description, row.fields, row.target_groups)
        row.change_seq = await next_change_seq(session)
        row.version += 1


async def add_activity(
    suite: Suite,
    organisation_id: str,
    title: str,
    description: str = "",
    *,
    starts_at: datetime,
    municipality_code: str | None = None,
    online: bool = False,
    fields: list[str] | None = None,
    target_groups: list[str] | None = None,
    status: str = "announced",
) -> str:
    fields, target_groups = fields or [], target_groups or []
    now = datetime.now(UTC)
    async with suite.apps["referrals"].state.session_factory() as session, session.begin():
        aid = f"act-test-{next(_ids)}"
        session.add(
            Activity(
                id=aid,
                organisation_id=organisation_id,
                kind="workshop",
                title=title,
                description=description,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=3),
                municipality_code=municipality_code,
                online=online,
                fields=fields,
                target_groups=target_groups,
                status=status,
                search_terms=_terms(title, description, fields, target_groups),
                change_seq=await next_change_seq(session),
                created_at=now,
                updated_at=now,
            )
        )
    return aid


async def match(suite: Suite, status: int = 200, **params: Any) -> dict[str, Any]:
    r = await suite.http.get(f"{API}/match", params=params)
    assert r.status_code == status, r.text
    return dict(r.json())


def ids(answer: dict[str, Any]) -> list[str]:
    return [hit["id"] for hit in answer["items"]]


def hit(answer: dict[str, Any], hit_id: str) -> dict[str, Any]:
    return next(h for h in answer["items"] if h["id"] == hit_id)


async def test_a_cluster_in_another_region_that_serves_the_need_ranks_first(suite: Suite) -> None:
    """Issue 5, done when: a need only a cluster in another region serves well ranks that
    cluster's (nationwide) service first, and the answer explains why. Issue 13: the same
    cluster's service offered in its own region only is not an answer for a firm in Aalborg,
    unless the caller asks for offers outside the firm's area (then it is marked)."""
    house = await register_organisation(suite, "Erhvervshus Nordjylland (match)")
    cluster = await register_cluster(
        suite, "Fødevareklyngen Syd (match)", fields=["food_bio"], home_municipality_code=ODENSE
    )
    local_weak = await add_service(
        suite,
        house,
        "Vækstsparring",
        "Sparring om salg, ledelse og eksport for små virksomheder i Aalborg.",
        fields=["digital"],
        target_groups=["sme"],
        area_kind="municipalities",
        area_codes=[AALBORG],
    )
    local_other = await add_service(
        suite,
        house,
        "Digitalisering af små virksomheder",
        "Hjælp til hjemmeside, webshop og digitale værktøjer.",
        fields=["digital"],
        target_groups=["sme"],
        area_kind="regions",
        area_codes=["1081"],
    )
    best = await add_service(
        suite,
        cluster,
        "Eksportrådgivning for fødevarevirksomheder",
        "Klyngen hjælper producenter af økologiske fødevarer med eksport til Tyskland: "
        "markedsadgang, certificering og matchmaking med indkøbere.",
        fields=["food_bio"],
        target_groups=["sme", "growth_firms"],
    )
    own_region = await add_service(
        suite,
        cluster,
        "Eksportnetværk for fødevarer i Syddanmark",
        "Netværk om eksport af økologiske fødevarer til Tyskland for syddanske virksomheder.",
        fields=["food_bio"],
        area_kind="regions",
        area_codes=["1083"],
    )

    answer = await match(
        suite, need="Eksport af økologiske fødevarer til Tyskland", municipality=AALBORG
    )
    assert ids(answer)[0] == best
    assert own_region not in ids(answer)  # offered in Region Syddanmark only
    top = answer["items"][0]
    assert top["kind"] == "service" and top["outside_area"] is False
    assert top["nearness"] == "national"
    assert top["organisation"] == {
        "id": cluster,
        "name": "Fødevareklyngen Syd (match)",
        "municipality_code": ODENSE,
        "region_code": "1083",
    }
    assert top["href"] == f"{API}/services/{best}"
    assert top["area_codes"] == [] and top["area_kind"] == "national"
    weak = hit(answer, local_weak)
    assert weak["nearness"] == "same_municipality"
    assert top["score"] > weak["score"] + 0.2
    assert local_other not in ids(answer)  # shares no word with the need
    why = {r["code"]: r for r in top["why"]}
    assert set(why) == {"words", "where", "fits_better_than_nearer"}
    for word in ("eksport", "økologiske", "fødevarer", "tyskland"):
        assert f'"{word}"' in why["words"]["da"] and f'"{word}"' in why["words"]["en"]
    assert "eksportrådgivning" in why["words"]["da"]  # the compound word it matched
    assert why["where"]["en"] == (
        "Nationwide offer, also for Aalborg; the organisation is based in Region Syddanmark"
    )
    assert "1 nærmere" in why["fits_better_than_nearer"]["da"]
    assert "nearer" in why["fits_better_than_nearer"]["en"]
    assert top["relevance"]["text"] > 2 * weak["relevance"]["text"]
    assert top["relevance"]["fields"] == 0

    # asked for, the service outside the firm's area comes back, marked and explained
    wide = await match(
        suite,
        need="Eksport af økologiske fødevarer til Tyskland",
        municipality=AALBORG,
        include_outside_area="true",
    )
    assert wide["query"]["include_outside_area"] is True
    outside = hit(wide, own_region)
    assert outside["outside_area"] is True and outside["nearness"] == "other_region"
    assert next(r for r in outside["why"] if r["code"] == "where")["da"] == (
        "Uden for tilbuddets område: tilbydes kun i Region Syddanmark, ikke i Aalborg"
    )
    assert [h["id"] for h in wide["items"] if h["outside_area"]] == [own_region]

    # with the field and the target group the reasons name them too
    answer = await match(
        suite,
        need="eksport af fødevarer",
        fields="food_bio",
        target_group="growth_firms",
        municipality=AALBORG,
    )
    top = answer["items"][0]
    assert top["id"] == best
    assert top["relevance"] == {"text": top["relevance"]["text"], "fields": 1, "target_group": 1}
    reasons = {r["code"]: r for r in top["why"]}
    assert reasons["fields"]["da"] == "Fagområde: Fødevarer og bioressourcer"
    assert reasons["fields"]["en"] == "Field: Food and bioresources"
    assert reasons["target_group"]["en"] == "Target group: Growth firms"
    assert answer["query"] == {
        "terms": ["eksport", "fødevar"],
        "fields": ["food_bio"],
        "target_group": "growth_firms",
        "municipality": AALBORG,
        "region": "1081",
        "kind": "all",
        "include_outside_area": False,
    }


async def test_nearness_orders_offers_of_equal_relevance(suite: Suite) -> None:
    house = await register_organisation(suite, "Erhvervshus Nordjylland (near)")
    far = await register_organisation(suite, "Erhvervshus Fyn (near)", municipality_code=ODENSE)
    text = ("Robotter i produktionen", "Automatisering med kollaborative robotter.")
    same_town = await add_service(
        suite, house, *text, area_kind="municipalities", area_codes=[AALBORG]
    )
    same_region = await add_service(suite, house, *text, area_kind="regions", area_codes=["1081"])
    national_far = await add_service(suite, far, *text)  # nationwide, at home on Funen
    national_near = await add_service(suite, house, *text)  # nationwide, at home in Aalborg
    other = await add_service(suite, far, *text, area_kind="regions", area_codes=["1083"])
    answer = await match(suite, need="robotter og automatisering", municipality=AALBORG)
    in_order = [
        # same relevance: the services offered in Aalborg (same_municipality) by id
        *sorted([(same_town, "same_municipality"), (national_near, "same_municipality")]),
        (same_region, "same_region"),
        (national_far, "national"),
    ]
    assert [(h["id"], h["nearness"]) for h in answer["items"]] == in_order  # not `other`
    wide = await match(
        suite, need="robotter og automatisering", municipality=AALBORG, include_outside_area=True
    )
    assert [(h["id"], h["nearness"]) for h in wide["items"]] == [*in_order, (other, "other_region")]
    assert [h["outside_area"] for h in wide["items"]] == [False] * 4 + [True]
    assert len({h["score"] for h in answer["items"]}) == 1
    where = {h["id"]: next(r for r in h["why"] if r["code"] == "where") for h in answer["items"]}
    assert where[national_near]["en"] == "Nationwide; the organisation is based in Aalborg"
    assert where[national_far]["da"].startswith("Landsdækkende tilbud, også for Aalborg")
    assert "Region Syddanmark" in where[national_far]["da"]
    assert where[same_town]["en"] == "Offered in Aalborg"
    assert all(
        "fits_better_than_nearer" not in {r["code"] for r in h["why"]} for h in answer["items"]
    )
    # from Hjørring (same region, other municipality): the Aalborg-only service is not offered,
    # the region's and the nationwide one at home in Aalborg are "same_region"
    answer = await match(suite, need="robotter", municipality=HJOERRING)
    assert sorted(ids(answer)[:2]) == sorted([same_region, national_near])
    assert {h["nearness"] for h in answer["items"][:2]} == {"same_region"}
    assert same_town not in ids(answer)


async def test_filters_kinds_fields_target_group_and_limit(suite: Suite) -> None:
    house = await register_organisation(suite, "Erhvervshus Midtjylland (filter)", "growth_house")
    clock = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    suite.apps["referrals"].state.clock = lambda: clock
    service = await add_service(
        suite,
        house,
        "Havvind og energilagring",
        "Test og demonstration for underleverandører.",
        fields=["energy"],
        target_groups=["sme"],
    )
    digital = await add_service(
        suite, house, "Cybersikkerhed", "Sikkerhed for webshops.", fields=["digital"]
    )
    workshop = await add_activity(
        suite,
        house,
        "Workshop om havvind",
        "Mød indkøbere fra offshore-branchen.",
        starts_at=clock + timedelta(days=10),
        municipality_code=AALBORG,
        fields=["energy", "maritime"],
    )
    webinar = await add_activity(
        suite,
        house,
        "Webinar: energilagring",
        starts_at=clock + timedelta(days=3),
        online=True,
        fields=["energy"],
    )
    over = await add_activity(
        suite, house, "Havvind-konference", starts_at=clock - timedelta(days=1), fields=["energy"]
    )
    cancelled = await add_activity(
        suite,
        house,
        "Havvind-netværk",
        starts_at=clock + timedelta(days=5),
        fields=["energy"],
        status="cancelled",
    )

    answer = await match(suite, need="havvind energilagring", municipality=AALBORG)
    assert set(ids(answer)) == {service, workshop, webinar}  # not over, not cancelled
    assert over not in ids(answer) and cancelled not in ids(answer)
    ws = hit(answer, workshop)
    assert ws["kind"] == "activity" and ws["municipality_code"] == AALBORG
    assert ws["starts_at"].startswith("2026-03-12") and ws["href"] == f"{API}/activities/{workshop}"
    assert ws["nearness"] == "same_municipality" and ws["area_kind"] is None
    assert hit(answer, webinar)["nearness"] == "national"
    assert next(r for r in hit(answer, webinar)["why"] if r["code"] == "where")["en"].startswith(
        "Online"
    )
    assert ids(await match(suite, need="havvind", municipality=AALBORG, kind="services")) == [
        service
    ]
    answer = await match(suite, need="havvind", municipality=AALBORG, kind="activities")
    assert set(ids(answer)) == {workshop} and answer["items"][0]["kind"] == "activity"

    # fields alone: every offer covering a field, the share of the fields asked for
    answer = await match(suite, fields=["energy", "maritime"], municipality=AALBORG)
    assert ids(answer)[0] == workshop  # covers both
    assert hit(answer, workshop)["relevance"]["fields"] == 1
    assert hit(answer, service)["relevance"]["fields"] == 0.5
    assert digital not in ids(answer)
    assert ids(await match(suite, fields="digital", municipality=AALBORG)) == [digital]

    # the target group adds to the score of offers that name it
    plain = hit(await match(suite, need="havvind", municipality=AALBORG), service)
    aimed = hit(
        await match(suite, need="havvind", target_group="sme", municipality=AALBORG), service
    )
    assert plain["relevance"]["target_group"] == 0 and aimed["relevance"]["target_group"] == 1
    assert {r["code"] for r in aimed["why"]} >= {"words", "target_group"}

    assert len((await match(suite, need="havvind", municipality=AALBORG, limit=1))["items"]) == 1

    # time passes: the workshop is over and drops out
    clock += timedelta(days=11)
    assert workshop not in ids(await match(suite, need="havvind", municipality=AALBORG))


async def test_bad_queries_are_problems_and_no_token_is_needed(suite: Suite) -> None:
    get = suite.http.get
    for params, mentions in (
        ({"need": "eksport", "fields": "rocket_science", "municipality": AALBORG}, "field"),
        ({"need": "eksport", "fields": "energy,nope", "municipality": AALBORG}, "field"),
        ({"need": "eksport", "municipality": "9999"}, "municipality"),
        ({"need": "eksport", "municipality": "aalborg"}, "municipality"),
        ({"need": "eksport"}, "municipality"),
        ({"municipality": AALBORG}, "need or fields"),
        ({"need": "   ", "municipality": AALBORG}, "need or fields"),
        ({"need": "og vi har brug for hjælp", "municipality": AALBORG}, "carry meaning"),
        ({"need": "eksport " * 251, "municipality": AALBORG}, "2000"),
        ({"need": "eksport\x00", "municipality": AALBORG}, "NUL"),
        ({"need": "eksport", "municipality": AALBORG, "kind": "people"}, "kind"),
        ({"need": "eksport", "municipality": AALBORG, "target_group": "kings"}, "target_group"),
        ({"need": "eksport", "municipality": AALBORG, "limit": 0}, "limit"),
        ({"need": "eksport", "municipality": AALBORG, "limit": 51}, "limit"),
    ):
        body = assert_problem(await get(f"{API}/match", params=params), 422, "validation-error")
        assert mentions in body["detail"], (params, body["detail"])

    # public: no token, and a token changes nothing; an empty directory answers no hits
    answer = await match(suite, need="eksport", municipality="101")
    assert answer["items"] == [] and answer["query"]["municipality"] == "0101"
    r = await get(
        f"{API}/match",
        params={"need": "eksport", "municipality": AALBORG},
        headers=await suite.auth("fivu-rti"),
    )
    assert r.status_code == 200 and r.json()["items"] == []


async def test_the_index_follows_changes_without_a_restart(suite: Suite) -> None:
    house = await register_organisation(suite, "Erhvervshus Sjælland (index)", "growth_house")
    first = await add_service(suite, house, "Brint og Power-to-X", "Rådgivning om elektrolyse.")
    answer = await match(suite, need="brint", municipality=AALBORG)
    assert ids(answer) == [first]
    seq = answer["index"]["change_seq"]
    assert answer["index"]["offers"] == 1

    # a new service is seen by the next match
    second = await add_service(suite, house, "Brintlagring", "Lagring af brint i salthuler.")
    answer = await match(suite, need="brint", municipality=AALBORG)
    assert set(ids(answer)) == {first, second}
    assert answer["index"]["change_seq"] == seq + 1 and answer["index"]["offers"] == 2

    # a changed service is indexed again: its old words no longer match, its new ones do
    await change_service(suite, first, name="Solceller", description="Solcelleparker.")
    assert ids(await match(suite, need="brint", municipality=AALBORG)) == [second]
    assert ids(await match(suite, need="solceller", municipality=AALBORG)) == [first]

    # a defunct or inactive one drops out, and comes back when active again
    await change_service(suite, second, status="defunct")
    assert ids(await match(suite, need="brint", municipality=AALBORG)) == []
    await change_service(suite, first, status="inactive")
    answer = await match(suite, need="solceller", municipality=AALBORG)
    assert answer["items"] == [] and answer["index"]["offers"] == 0
    await change_service(suite, second, status="active")
    assert ids(await match(suite, need="brintlagring", municipality=AALBORG)) == [second]

    # a second replica builds its own index from the database and agrees
    index = match_index(suite.apps["referrals"])
    async with suite.apps["referrals"].state.session_factory() as session:
        replica = MatchIndex()
        await replica.refresh(session, datetime.now(UTC))
        assert replica.seen == index.seen and len(replica.terms) == len(index.terms) == 1


async def test_concurrent_matches_share_refreshes_and_see_every_earlier_change(
    suite: Suite,
) -> None:
    import asyncio

    house = await register_organisation(suite, "Erhvervshus Syddanmark (burst)", "growth_house")
    await add_service(suite, house, "Kapital til iværksættere", "Investorer og fonde.")
    answers = await asyncio.gather(
        *(match(suite, need="kapital investorer", municipality=ODENSE) for _ in range(12))
    )
    assert {tuple(ids(a)) for a in answers} == {tuple(ids(answers[0]))}
    index = match_index(suite.apps["referrals"])
    assert len(index.terms) == 1
    later = await add_service(suite, house, "Kapitalfremskaffelse", "Kapital og investorer.")
    answers = await asyncio.gather(
        *(match(suite, need="kapital", municipality=ODENSE) for _ in range(6))
    )
    assert all(later in ids(a) for a in answers)


async def test_offers_published_through_the_directory_api_are_matched(suite: Suite) -> None:
    """The directory API fills search_terms and change_seq as the index expects: a service
    and an activity published through it are found; made defunct or cancelled, they are gone."""
    house = await register_organisation(suite, "Erhvervshus Nordjylland (api)")
    mine = await suite.auth(house)
    r = await suite.http.post(
        f"{API}/services",
        json={
            "name": "Eksportrådgivning for fødevarevirksomheder",
            "description": "Nye markeder i Tyskland og Norden.",
            "fields": ["food_bio"],
            "target_groups": ["sme"],
            "area_kind": "regions",
            "area_codes": ["1081"],
        },
        headers=mine,
    )
    assert r.status_code == 201, r.text
    service = r.json()["id"]
    starts = datetime.now(UTC) + timedelta(days=7)
    r = await suite.http.post(
        f"{API}/activities",
        json={
            "kind": "matchmaking",
            "title": "Matchmaking med tyske fødevareindkøbere",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=4)).isoformat(),
            "municipality_code": AALBORG,
            "fields": ["food_bio"],
        },
        headers=mine,
    )
    assert r.status_code == 201, r.text
    activity = r.json()["id"]

    answer = await match(suite, need="eksport af fødevarer til Tyskland", municipality=AALBORG)
    assert set(ids(answer)) == {service, activity}
    assert hit(answer, service)["organisation"]["name"] == "Erhvervshus Nordjylland (api)"
    assert hit(answer, activity)["kind"] == "activity"
    assert hit(answer, activity)["nearness"] == "same_municipality"
    # the field names the API adds to search_terms match too ("bioressourcer", "food"); from
    # Odense the service (Region Nordjylland only) is outside the firm's area
    assert set(ids(await match(suite, need="bioressourcer", municipality=HJOERRING))) == {
        service,
        activity,
    }
    assert ids(await match(suite, need="bioressourcer", municipality=ODENSE)) == [activity]

    r = await suite.http.patch(
        f"{API}/services/{service}", json={"status": "defunct"}, headers=mine | {"If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    r = await suite.http.post(
        f"{API}/activities/{activity}/cancel", headers=mine | {"If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    assert ids(await match(suite, need="eksport fødevarer", municipality=AALBORG)) == []
