"""The matching rules (§5): Danish stems and compounds, components, normalisation, nearness only
between equals, explanations, and the pruned shortlist equal to scoring everything."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from services.referrals.rules import matching as m
from services.referrals.rules.text import index_terms

AALBORG, HJOERRING, ODENSE, KOEBENHAVN = "0851", "0860", "0461", "0101"


def offer(oid: str, **extra: object) -> m.Offer:
    values: dict[str, object] = {"kind": "service", "organisation_id": "org", "name": oid} | extra
    return m.Offer(id=oid, **values)  # type: ignore[arg-type]


def index_of(*docs: tuple[m.Offer, str]) -> m.TermIndex:
    index = m.TermIndex()
    for o, text in docs:
        index.put(o, index_terms(text).split())
    index.reweigh()
    return index


def need(text: str | None = None, municipality: str = AALBORG, **extra: object) -> m.Need:
    return m.Need.parse(text, municipality=municipality, **extra)  # type: ignore[arg-type]


def rank(index: m.TermIndex, n: m.Need, limit: int = 10, homes: dict | None = None) -> list:
    return m.order(index.shortlist(n, limit), n, homes or {}, limit)


def by_id(ranked: list[m.Ranked]) -> dict[str, m.Ranked]:
    return {r.scored.offer.id: r for r in ranked}


FILLER = [
    (offer("f1"), "Netværk for turisme og oplevelser ved kysten"),
    (offer("f2"), "Kurser i regnskab og bogføring for iværksættere"),
    (offer("f3"), "Sparring om ledelse og strategi i familieejede firmaer"),
]


# --- words, stems and compounds --------------------------------------------------------------


def test_inflections_meet_in_one_stem() -> None:
    index = index_of((offer("a"), "Vi eksporterer til mange markeder"), *FILLER)
    for text in ("eksport", "eksportere", "eksporten", "Eksporterer"):
        ranked = rank(index, need(text))
        assert [r.scored.offer.id for r in ranked] == ["a"], text
    # stop words never match anything
    assert need("og virksomheden har brug for hjælp").terms == ()


def test_compounds_match_by_prefix_both_ways_and_by_their_head() -> None:
    index = index_of(
        (offer("prefix"), "Eksportrådgivning for fødevarevirksomheder"),
        (offer("head"), "Finansieringsrådgivning om kapital"),
        *FILLER,
    )
    assert index.expand("eksport") == {"eksportrådgivning": m.PREFIX_WEIGHT}
    assert index.expand("fødevar") == {"fødevarevirksom": m.PREFIX_WEIGHT}
    # a query compound meets a shorter index term it starts with, and a compound's head
    index2 = index_of((offer("x"), "eksport og rådgivning"), *FILLER)
    assert index2.expand("eksportrådgivning") == {
        "eksport": m.PREFIX_WEIGHT,
        "rådgivning": m.SUFFIX_WEIGHT,
    }
    assert index.expand("rådgivning") == {
        "eksportrådgivning": m.SUFFIX_WEIGHT,
        "finansieringsrådgivning": m.SUFFIX_WEIGHT,
    }
    # short stems do not expand (too many false friends)
    assert index.expand("eks") == {}
    ranked = by_id(rank(index, need("eksport af fødevarer")))
    assert set(ranked) == {"prefix"}
    found, compounds = m.matched_terms(
        ranked["prefix"].scored.terms, need("eksport af fødevarer"), {
            "eksport": index.expand("eksport"), "fødevar": index.expand("fødevar")
        }
    )  # fmt: skip
    assert found == ["eksport", "fødevarer"]
    assert compounds == ["eksportrådgivning", "fødevarevirksom"]


def test_an_exact_word_scores_above_the_same_word_inside_a_compound() -> None:
    rest = "til Norden og Tyskland med kunder og partnere i hele Europa"  # longer than average
    index = index_of(
        (offer("exact"), f"eksport {rest}"),
        (offer("compound"), f"eksportrådgivning {rest}"),
        *FILLER,
    )
    ranked = by_id(rank(index, need("eksport")))
    assert 1 > ranked["exact"].scored.text > ranked["compound"].scored.text > 0
    assert math.isclose(
        ranked["compound"].scored.text, m.PREFIX_WEIGHT * ranked["exact"].scored.text
    )


def test_the_vocabulary_follows_puts_and_removes() -> None:
    index = index_of((offer("a"), "brintlagring"), (offer("b"), "brint og solceller"))
    assert set(index.expand("brint")) == {"brint", "brintlagring"}
    index.put(offer("a"), index_terms("havvind").split())  # replaced: old words gone
    assert set(index.expand("brint")) == {"brint"}
    assert [r.scored.offer.id for r in rank(index, need("havvind"))] == ["a"]
    index.remove(("service", "b"))
    index.remove(("service", "b"))  # twice is fine
    assert index.expand("brint") == {} and len(index) == 1 and ("service", "b") not in index
    assert rank(index, need("brint")) == []


# --- components and normalisation --------------------------------------------------------------


#: Every word of the need once in an offer of average length: BM25's tf part over its bound.
ONCE_AT_AVERAGE = 1 / (1 + m.K1)


def test_every_word_once_at_average_length_scores_one_over_one_plus_k1() -> None:
    index = index_of(
        (offer("all"), "havvind brint solceller"),
        (offer("half"), "havvind kurser regnskab"),
        (offer("none"), "turisme kyst oplevelser"),
    )
    ranked = by_id(rank(index, need("havvind brint solceller")))
    assert math.isclose(ranked["all"].scored.text, ONCE_AT_AVERAGE)
    assert math.isclose(ranked["all"].scored.relevance, ONCE_AT_AVERAGE)
    half = ranked["half"].scored
    idf = {
        term: math.log(1 + (3 - df + 0.5) / (df + 0.5))
        for term, df in (("havvind", 2), ("brint", 1), ("solcel", 1))
    }
    assert math.isclose(half.text, ONCE_AT_AVERAGE * idf["havvind"] / sum(idf.values()))
    assert "none" not in ranked
    # many repeats of a word approach 1 and never reach it
    index = index_of((offer("loud"), "brint " * 30), (offer("quiet"), "brint kurser"), *FILLER)
    assert all(0 < r.scored.text < 1 for r in rank(index, need("brint")))


def test_a_one_word_need_still_tells_offers_apart() -> None:
    """Issue 13: a short need used to score 1.0 for every offer with the word (clipped), so
    nearness alone decided. The saturated weight keeps a spread: more occurrences and shorter
    offers score higher, and no two of these four tie."""
    index = index_of(
        (offer("short"), "Eksport"),
        (offer("twice"), "Eksport og eksportfremme: eksport til nye markeder i Europa"),
        (offer("average"), "Sparring om eksport til nye markeder i Europa"),
        (offer("long"), "Sparring om ledelse, salg, strategi, vækst, eksport og finansiering "
                        "for små og mellemstore virksomheder i hele landet"),
        *FILLER,
    )  # fmt: skip
    ranked = rank(index, need("eksport"))
    scores = {r.scored.offer.id: r.scored.relevance for r in ranked}
    assert [r.scored.offer.id for r in ranked] == ["short", "twice", "average", "long"]
    assert len(set(scores.values())) == 4 and all(0 < v < 1 for v in scores.values())
    assert len({r.scored.band for r in ranked}) == 4  # a band apart each: nearness cannot swap


def test_fields_and_target_group_components_and_weights() -> None:
    index = index_of(
        (offer("both", fields=("energy", "maritime"), target_groups=("sme",)), "havvind"),
        (offer("one", fields=("energy",)), "havvind"),
        (offer("words", fields=("digital",)), "havvind"),
    )
    n = need("havvind", fields=["energy", "maritime"], target_group="sme")
    ranked = by_id(rank(index, n))
    both, one, words = ranked["both"].scored, ranked["one"].scored, ranked["words"].scored
    assert (both.fields, one.fields, words.fields) == (1.0, 0.5, 0.0)
    assert (both.target, one.target) == (1.0, 0.0)
    # (0.6·text + 0.3·fields + 0.1·target) / (0.6 + 0.3 + 0.1)
    assert math.isclose(both.relevance, m.W_TEXT * both.text + m.W_FIELDS + m.W_TARGET)
    assert math.isclose(one.relevance, m.W_TEXT * one.text + m.W_FIELDS * 0.5)
    assert math.isclose(words.relevance, m.W_TEXT * words.text)
    assert (m.W_TEXT, m.W_FIELDS, m.W_TARGET) == (0.6, 0.3, 0.1)
    # fields alone: the share of the fields asked for is the whole relevance
    ranked = by_id(rank(index, need(fields=["energy", "maritime"])))
    assert {k: r.scored.relevance for k, r in ranked.items()} == {"both": 1.0, "one": 0.5}
    # fields and a target group: (0.3·fields + 0.1·target) / 0.4
    ranked = by_id(rank(index, need(fields=["energy"], target_group="sme")))
    assert math.isclose(ranked["one"].scored.relevance, 0.75)
    assert math.isclose(ranked["both"].scored.relevance, 1.0)


def test_kinds_and_activities_that_are_over() -> None:
    now = datetime(2026, 5, 1, tzinfo=UTC)
    index = index_of(
        (offer("svc"), "matchmaking med indkøbere"),
        (offer("soon", kind="activity", ends_at=now + timedelta(days=2)), "matchmaking"),
        (offer("past", kind="activity", ends_at=now - timedelta(hours=1)), "matchmaking"),
    )
    ids = lambda n: {r.scored.offer.id for r in rank(index, n)}  # noqa: E731
    assert ids(need("matchmaking", now=now)) == {"svc", "soon"}
    assert ids(need("matchmaking", now=now, kinds=["activity"])) == {"soon"}
    assert ids(need("matchmaking", now=now, kinds=["service"])) == {"svc"}


# --- nearness and order ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("o", "home", "expected"),
    [
        (offer("m", area_kind="municipalities", area_codes=(AALBORG,)), None, "same_municipality"),
        (offer("m", area_kind="municipalities", area_codes=(HJOERRING,)), None, "same_region"),
        (offer("m", area_kind="municipalities", area_codes=(ODENSE,)), None, "other_region"),
        (offer("r", area_kind="regions", area_codes=("1081",)), None, "same_region"),
        (offer("r", area_kind="regions", area_codes=("1083", "1084")), None, "other_region"),
        (offer("n"), (AALBORG, "1081"), "same_municipality"),
        (offer("n"), (HJOERRING, "1081"), "same_region"),
        (offer("n"), (ODENSE, "1083"), "national"),
        (offer("n"), None, "national"),
        (offer("a", kind="activity", municipality_code=AALBORG), None, "same_municipality"),
        (offer("a", kind="activity", municipality_code=HJOERRING), None, "same_region"),
        (offer("a", kind="activity", municipality_code=ODENSE, online=True), None, "national"),
        (offer("a", kind="activity", online=True), None, "national"),
        (offer("a", kind="activity", municipality_code=ODENSE), None, "other_region"),
        (offer("a", kind="activity"), None, "other_region"),
    ],
)
def test_nearness(o: m.Offer, home: m.Home | None, expected: str) -> None:
    assert m.nearness(o, AALBORG, "1081", home) == expected


BORNHOLM, AARHUS, MIDTJYLLAND = "0400", "0751", "1082"


@pytest.mark.parametrize(
    ("o", "municipality", "expected"),
    [
        (offer("n"), BORNHOLM, True),  # nationwide: everywhere
        (offer("r", area_kind="regions", area_codes=(MIDTJYLLAND,)), AARHUS, True),
        (offer("r", area_kind="regions", area_codes=(MIDTJYLLAND,)), BORNHOLM, False),
        (offer("r", area_kind="regions", area_codes=(MIDTJYLLAND, "1084")), BORNHOLM, True),
        (offer("m", area_kind="municipalities", area_codes=(AALBORG,)), AALBORG, True),
        (offer("m", area_kind="municipalities", area_codes=(AALBORG,)), HJOERRING, False),
        (offer("m", area_kind="municipalities", area_codes=()), AALBORG, False),
        (offer("a", kind="activity", municipality_code=ODENSE), BORNHOLM, True),
    ],
)
def test_a_service_serves_only_its_declared_area(
    o: m.Offer, municipality: str, expected: bool
) -> None:
    assert m.serves(o, municipality, m.region_of(municipality) or "") is expected


def test_offers_outside_the_firms_area_are_left_out_unless_asked_for() -> None:
    """Issue 13: the Bornholm firm does not get Erhvervshus Midtjylland's regional export
    advice; a nationwide service and an activity elsewhere still reach it; asked for, the
    outside one comes back marked."""
    midt = offer("midt", area_kind="regions", area_codes=(MIDTJYLLAND,), organisation_id="eh")
    aarhus = offer("aarhus", area_kind="municipalities", area_codes=(AARHUS,))
    national = offer("national", organisation_id="cluster")
    fair = offer("fair", kind="activity", municipality_code=AARHUS)
    index = index_of(
        (midt, "Eksportrådgivning og internationalisering: eksport til nye markeder"),
        (aarhus, "Eksport for virksomheder i Aarhus"),
        (national, "Eksport af fødevarer: markedsadgang og certificering"),
        (fair, "Eksportmesse for fødevarer"),
        *FILLER,
    )
    n = need("eksport", municipality=BORNHOLM)
    assert {r.scored.offer.id for r in rank(index, n)} == {"national", "fair"}
    assert not any(r.outside_area for r in rank(index, n))
    # from Aarhus every one of them serves the firm
    assert len(rank(index, need("eksport", municipality=AARHUS))) == 4
    # asked for, the outside ones are scored too and marked
    wide = by_id(rank(index, need("eksport", municipality=BORNHOLM, include_outside_area=True)))
    assert set(wide) == {"midt", "aarhus", "national", "fair"}
    assert {k for k, r in wide.items() if r.outside_area} == {"midt", "aarhus"}
    where = next(r for r in wide["midt"].why if r.code == "where")
    assert (
        where.en == "Outside the offer's area: offered only in Region Midtjylland, not in Bornholm"
    )
    # a change of area moves the service in or out of the firm's answer
    index.put(offer("midt", area_kind="regions", area_codes=(MIDTJYLLAND, "1084")), ["eksport"])
    assert "midt" in {r.scored.offer.id for r in rank(index, n)}
    index.remove(("service", "midt"))
    assert "midt" not in {
        r.scored.offer.id for r in rank(index, need("eksport", municipality=AARHUS))
    }


def test_a_strong_offer_in_another_region_beats_a_weak_local_one() -> None:
    local = offer("local", area_kind="municipalities", area_codes=(AALBORG,))
    far = offer("far", organisation_id="cluster")  # nationwide, at home on Funen
    index = index_of(
        (local, "Sparring om vækst, salg og eksport"),
        (far, "Eksport af økologiske fødevarer til Tyskland: markedsadgang og certificering"),
        *FILLER,
    )
    ranked = rank(
        index,
        need("eksport af økologiske fødevarer til Tyskland"),
        homes={"cluster": (ODENSE, "1083")},
    )
    assert [(r.scored.offer.id, r.nearness) for r in ranked] == [
        ("far", "national"),
        ("local", "same_municipality"),
    ]
    assert ranked[0].scored.band > ranked[1].scored.band
    codes = [reason.code for reason in ranked[0].why]
    assert codes == ["words", "where", "fits_better_than_nearer"]
    assert "fits_better_than_nearer" not in [reason.code for reason in ranked[1].why]


def test_nearness_orders_only_within_a_relevance_band() -> None:
    near = offer("near", area_kind="municipalities", area_codes=(AALBORG,))
    far = offer("far")  # nationwide, its organisation at home elsewhere
    words = " ".join(f"ord{i}" for i in range(38))
    fillers = [(offer(f"f{i}"), " ".join(f"andet{i}x{j}" for j in range(20))) for i in range(3)]
    # a slightly longer offer scores slightly lower, in the same band (0.05)
    index = index_of(
        (near, f"havvind brint nordjylland {words}"), (far, f"havvind brint {words}"), *fillers
    )
    ranked = rank(index, need("havvind brint"))
    near_s, far_s = by_id(ranked)["near"].scored, by_id(ranked)["far"].scored
    assert near_s.relevance < far_s.relevance and near_s.band == far_s.band
    assert [r.scored.offer.id for r in ranked] == ["near", "far"]  # the nearer one first
    # a band apart, relevance wins whatever the distance
    index = index_of(
        (near, f"havvind brint nordjylland {words} {words}"), (far, f"havvind brint {words}"),
        *fillers,
    )  # fmt: skip
    ranked = rank(index, need("havvind brint"))
    assert by_id(ranked)["near"].scored.band < by_id(ranked)["far"].scored.band
    assert [r.scored.offer.id for r in ranked] == ["far", "near"]
    # inside one nearness, the exact score decides; equal scores go by id
    index = index_of((offer("b"), "havvind"), (offer("a"), "havvind"), *FILLER)
    assert [r.scored.offer.id for r in rank(index, need("havvind"))] == ["a", "b"]


# --- explanations ------------------------------------------------------------------------------


def test_explanations_in_danish_and_english() -> None:
    o = offer(
        "x",
        fields=("food_bio", "energy"),
        target_groups=("sme",),
        area_kind="regions",
        area_codes=("1083",),
    )
    index = index_of((o, "Eksportrådgivning for fødevarevirksomheder"), *FILLER)
    n = need("eksport af fødevarer", fields=["food_bio"], target_group="sme")
    assert rank(index, n) == []  # offered in Region Syddanmark only
    n = need(
        "eksport af fødevarer", fields=["food_bio"], target_group="sme", include_outside_area=True
    )
    (ranked,) = rank(index, n)
    assert ranked.outside_area and ranked.nearness == "other_region"
    why = {r.code: r for r in ranked.why}
    assert why["words"].da == (
        'Ord fra behovet findes i tilbuddet: "eksport", "fødevarer" '
        "(også i sammensatte ord: eksportrådgivning, fødevarevirksom)"
    )
    assert why["words"].en.startswith('Words of the need found in the offer: "eksport"')
    assert why["fields"] == m.Reason(
        "fields", "Fagområde: Fødevarer og bioressourcer", "Field: Food and bioresources"
    )
    assert why["target_group"].da == "Målgruppe: Små og mellemstore virksomheder"
    assert why["where"].da == (
        "Uden for tilbuddets område: tilbydes kun i Region Syddanmark, ikke i Aalborg"
    )
    assert why["where"].en == (
        "Outside the offer's area: offered only in Region Syddanmark, not in Aalborg"
    )
    # an activity says where and when
    act = offer(
        "w",
        kind="activity",
        municipality_code=HJOERRING,
        starts_at=datetime(2026, 6, 3, 9, tzinfo=UTC),
    )
    index = index_of((act, "workshop om havvind"), *FILLER)
    (ranked,) = rank(index, need("havvind"))
    assert ranked.why[-1].en == "Takes place in Hjørring, Region Nordjylland 03.06.2026"


# --- the pruned shortlist is exact -------------------------------------------------------------

WORDS = (
    "eksport eksportrådgivning fødevarer økologi havvind brint robotter automatisering "
    "digitalisering cybersikkerhed kapital investorer turisme design logistik sparring "
    "netværk kurser innovation test demonstration spildevand klimatilpasning materialer "
    "små mellemstore iværksættere vækst ledelse salg markeder Tyskland Norden"
).split()
FIELD_CODES = ("energy", "food_bio", "digital", "robotics", "tourism")


def test_the_pruned_shortlist_ranks_exactly_like_scoring_every_offer() -> None:
    rng = random.Random(11)
    index = m.TermIndex()
    homes: dict[str, m.Home] = {f"org{i}": (KOEBENHAVN, "1084") for i in range(0, 30, 3)}
    munis = (AALBORG, HJOERRING, ODENSE, KOEBENHAVN)
    for i in range(3000):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 25)))
        area = rng.choice(("national", "regions", "municipalities"))
        codes = {
            "national": (),
            "regions": (rng.choice(("1081", "1083", "1084")),),
            "municipalities": (rng.choice(munis),),
        }[area]
        o = offer(
            f"s{i}",
            organisation_id=f"org{i % 30}",
            fields=tuple(rng.sample(FIELD_CODES, rng.randint(0, 2))),
            target_groups=tuple(rng.sample(("sme", "startups", "investors"), rng.randint(0, 2))),
            area_kind=area,
            area_codes=codes,
        )
        index.put(o, index_terms(text).split())
    for _ in range(60):  # changes after the build: replaced and removed offers
        index.remove(("service", f"s{rng.randrange(3000)}"))
    queries = [
        need(" ".join(rng.sample(WORDS, rng.randint(1, 5))), municipality=rng.choice(munis))
        for _ in range(25)
    ]
    queries += [  # outside the firm's area too (no area rule: every offer may score)
        need(
            " ".join(rng.sample(WORDS, rng.randint(1, 4))),
            municipality=rng.choice(munis),
            include_outside_area=True,
        )
        for _ in range(6)
    ]
    queries += [
        need("små mellemstore", fields=["energy"]),
        need(fields=["digital", "robotics"], target_group="sme"),
        need("eksport fødevarer Tyskland", target_group="investors"),
    ]
    pruned_some = 0
    for n in queries:
        everything = index.shortlist(n, 10**9)  # every offer scored, whatever the limit
        for limit in (1, 5, 10, 30):
            short = index.shortlist(n, limit)
            pruned_some += short.evaluated < everything.evaluated
            pruned = m.order(short, n, homes, limit)
            full = m.order(everything, n, homes, limit)
            assert [(r.scored.offer.id, r.nearness, r.outside_area) for r in pruned] == [
                (r.scored.offer.id, r.nearness, r.outside_area) for r in full
            ], (n.terms, n.fields, limit)
            assert n.include_outside_area or not any(r.outside_area for r in pruned)
            assert [r.scored.relevance for r in pruned] == pytest.approx(
                [r.scored.relevance for r in full]
            )
    assert pruned_some > len(queries)  # the shortcut was taken, not only the long way


def test_the_shortcut_never_drops_an_offer_that_belongs_in_the_answer() -> None:
    """The rarer word has one short offer (a high bound, so it is taken first) and many long
    ones; the commoner word's short offers outrank those long ones and must still be found."""
    long_tail = " ".join(f"fyld{i}" for i in range(30))
    index = index_of(
        (offer("a-short"), "qalfa"),
        *((offer(f"a-long{i}"), f"qalfa {long_tail}") for i in range(11)),
        *((offer(f"b{i:02}"), f"qbeta ekstra{i}") for i in range(15)),
    )
    n = need("qalfa qbeta")
    short, everything = index.shortlist(n, 10), index.shortlist(n, 10**9)
    ranked = [r.scored.offer.id for r in m.order(short, n, {}, 10)]
    assert ranked == ["a-short", *(f"b{i:02}" for i in range(9))]
    assert ranked == [r.scored.offer.id for r in m.order(everything, n, {}, 10)]


def test_weights_follow_the_average_length() -> None:
    index = m.TermIndex()
    index.put(offer("a"), ["brint"])  # the first offer sets L
    for i in range(50):
        index.put(offer(f"long{i}"), [f"ord{j}" for j in range(40)])
    scored = index.shortlist(need("brint"), 5).scored
    # reweighed on the first query: a one-word offer among 40-word offers scores high
    assert scored[0].offer.id == "a"
    average = (1 + 50 * 40) / 51
    assert math.isclose(scored[0].text, 1 / (1 + m.K1 * (1 - m.B + m.B / average)))
    index.reweigh()
    again = index.shortlist(need("brint"), 5).scored
    assert again[0].relevance == scored[0].relevance
