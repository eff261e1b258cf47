"""Synthetic but realistic Danish services for the match figure (``make bench``).

``fill(db_path, count)`` writes ``count`` active services of a few hundred organisations
(growth houses, local business service, cluster organisations, with ``directory_organisations``
rows for each) straight into the referrals SQLite database the bench migrated, in bulk, before
the suite server starts. Names and descriptions are drawn with a fixed seed from a vocabulary of
Danish service words per field of strength; every field, target group, region and municipality
occurs; areas are national, regional or a few municipalities. ``search_terms`` and
``change_seq`` are filled exactly as the directory API fills them (``rules.text.index_terms``
of name, description, the Danish and English field names and target-group labels; one
``change_seq`` per row and the ``directory_changes`` sequence at the highest).
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime
from functools import cache
from urllib.parse import quote

from services.referrals.rules.text import index_terms
from services.referrals.rules.vocabulary import TARGET_GROUPS
from shared.reference import municipalities, regions
from shared.reference.fields import FIELDS

# fmt: off
#: Words of the trade per field (Danish, as organisations write them).
DOMAIN_WORDS: dict[str, list[str]] = {
    "energy": ["havvind", "solceller", "brint", "energieffektivisering", "varmepumper",
               "fjernvarme", "energilagring", "biogas", "Power-to-X", "elnet"],
    "food_bio": ["fødevarer", "økologi", "mejeriprodukter", "fødevaresikkerhed", "emballage",
                 "plantebaserede proteiner", "akvakultur", "landbrug", "ingredienser", "kødkvæg"],
    "life_science": ["medicoteknik", "velfærdsteknologi", "klinisk afprøvning", "biotek",
                     "sundhedsdata", "hjælpemidler", "diagnostik", "lægemidler", "telemedicin"],
    "digital": ["digitalisering", "kunstig intelligens", "cybersikkerhed", "softwareudvikling",
                "dataanalyse", "e-handel", "cloud", "IoT", "digitale forretningsmodeller"],
    "maritime": ["skibsfart", "havne", "offshore", "maritim teknologi", "skibsudstyr",
                 "grøn skibsfart", "havbrug", "værfter"],
    "water_environment": ["vandteknologi", "spildevand", "klimatilpasning", "cirkulær økonomi",
                          "genanvendelse", "miljøteknologi", "affald", "grundvand"],
    "robotics": ["robotter", "automatisering", "droner", "kollaborative robotter",
                 "maskinsyn", "styringssystemer", "robotteknologi"],
    "production": ["produktionsoptimering", "materialer", "3D-print", "lean", "industri 4.0",
                   "kompositter", "metalbearbejdning", "underleverandører"],
    "construction": ["byggeri", "arkitektur", "renovering", "bæredygtigt byggeri",
                     "byggematerialer", "træbyggeri", "energirenovering", "anlæg"],
    "creative": ["design", "spiludvikling", "film", "musik", "mode", "oplevelsesdesign",
                 "arkitekturformidling", "kreative erhverv"],
    "tourism": ["turisme", "oplevelser", "kystturisme", "events", "hoteller", "restauranter",
                "naturturisme", "erhvervsturisme"],
    "transport": ["logistik", "godstransport", "lagerstyring", "elbiler", "kollektiv trafik",
                  "last mile", "forsyningskæder", "jernbane"],
    "finance": ["fintech", "betalingsløsninger", "regnskab", "forsikring", "kapital",
                "crowdfunding", "regulering", "bankdrift"],
    "space_defence": ["rumteknologi", "satellitdata", "forsvarsindustri", "sikkerhed",
                      "overvågning", "dual use", "NATO-leverancer"],
}

SERVICE_KINDS = [
    ("Eksportrådgivning", "eksportrådgivning"),
    ("Sparring om", "sparring"),
    ("Forretningsudvikling inden for", "forretningsudvikling"),
    ("Kompetenceudvikling i", "kompetenceudvikling"),
    ("Netværk for", "netværk"),
    ("Matchmaking om", "matchmaking"),
    ("Innovationsprojekter i", "innovationsprojekter"),
    ("Test og demonstration af", "test og demonstration"),
    ("Finansieringsrådgivning til", "finansieringsrådgivning"),
    ("Mentorforløb om", "mentorforløb"),
    ("Vækstforløb for", "vækstforløb"),
    ("Kurser i", "kurser"),
    ("Internationalisering af", "internationalisering"),
    ("Patentrådgivning om", "patentrådgivning"),
    ("Kapitalfremskaffelse til", "kapitalfremskaffelse"),
    ("Grøn omstilling i", "grøn omstilling"),
    ("Bæredygtighedsrådgivning om", "bæredygtighedsrådgivning"),
    ("Digital transformation af", "digital transformation"),
]
AUDIENCES = [
    "iværksættere", "små og mellemstore virksomheder", "produktionsvirksomheder",
    "nystartede virksomheder", "vækstvirksomheder", "familieejede virksomheder",
    "underleverandører", "håndværksvirksomheder", "fødevarevirksomheder", "eksportvirksomheder",
]
RESOURCES = [
    "eksperter", "testfaciliteter", "videninstitutioner", "internationale partnere",
    "investorer", "laboratorier", "demonstrationsanlæg", "universiteter", "erfarne mentorer",
    "kunder i udlandet", "offentlige indkøbere", "fonde",
]
MARKETS = ["Tyskland", "Norden", "USA", "Asien", "Storbritannien", "EU", "Kina", "Japan"]
FORMATS = [
    "et forløb på tre måneder", "individuel sparring", "workshops og netværksmøder",
    "et gratis afklaringsmøde", "et projektforløb med medfinansiering",
    "besøg i virksomheden og en handlingsplan", "online kurser og webinarer",
]

#: Needs the load generator rotates through (realistic requests of a business adviser).
NEEDS = [
    "Eksport af økologiske fødevarer til Tyskland",
    "Robotter og automatisering i en mindre produktionsvirksomhed",
    "Cybersikkerhed og digitalisering for små og mellemstore virksomheder",
    "Finansiering af en nystartet virksomhed inden for grøn omstilling",
    "Test og demonstration af havvind og energilagring",
    "Vi søger partnere til et innovationsprojekt om klimatilpasning og spildevand",
    "Rådgivning om patenter og kapital til medicoteknik",
    "Turisme og oplevelser ved kysten, nye forretningsmodeller",
]

# fmt: on

ORG_KINDS = [("growth_house", 6), ("business_service", 300), ("cluster_organisation", 120)]


def _organisations(rng: random.Random) -> list[dict[str, str]]:
    munis = list(municipalities())
    orgs: list[dict[str, str]] = []
    for kind, count in ORG_KINDS:
        for i in range(count):
            home = munis[i % len(munis)] if kind == "business_service" else rng.choice(munis)
            orgs.append(
                {
                    "id": f"bench-{kind}-{i}",
                    "name": f"{home.name} {kind.replace('_', ' ')} {i}",
                    "kind": kind,
                    "municipality_code": home.code,
                    "region_code": home.region_code,
                }
            )
    return orgs


@cache
def _terms(fragment: str) -> str:
    """``index_terms`` of one fragment (texts are put together from a few hundred fragments,
    and words never span two of them, so joining these equals ``index_terms`` of the whole)."""
    return index_terms(fragment)


@cache
def _region_municipalities(region: str) -> list[str]:
    return [m.code for m in municipalities() if m.region_code == region]


def _service(rng: random.Random, org: dict[str, str], n: int) -> dict[str, object]:
    fields = rng.sample(FIELDS, rng.choice((1, 1, 2, 3)))
    topic, topic_noun = rng.choice(SERVICE_KINDS)
    subject = rng.choice(DOMAIN_WORDS[fields[0].code])
    audience = rng.choice(AUDIENCES)
    name = [topic, subject, "for", audience]
    description = [
        "Vi tilbyder", topic_noun, "til", audience, "inden for", subject, "og",
        rng.choice(DOMAIN_WORDS[rng.choice(fields).code]) + ".", "Gennem",
        rng.choice(FORMATS), "får virksomheden adgang til", rng.choice(RESOURCES), "og",
        rng.choice(RESOURCES),
    ]  # fmt: skip
    if rng.random() < 0.4:
        description += [", også med blik for markeder i", rng.choice(MARKETS) + "."]
    else:
        description[-1] += "."
    targets = rng.sample(list(TARGET_GROUPS), rng.choice((1, 2, 3)))
    roll = rng.random()
    if roll < 0.2 or (org["kind"] == "growth_house" and roll < 0.5):
        area_kind, codes = "national", []
    elif roll < 0.5:
        area_kind, codes = "regions", [org["region_code"]]
    else:
        same_region = _region_municipalities(org["region_code"])
        codes = sorted(
            {org["municipality_code"], *rng.sample(same_region, min(len(same_region), 3))}
        )
        area_kind = "municipalities"
    labels = [n for f in fields for n in (f.name_da, f.name_en)]
    labels += [label for t in targets for label in TARGET_GROUPS[t]]
    search_terms = " ".join(t for t in (_terms(x) for x in (*name, *description, *labels)) if t)
    return {
        "id": f"bench-svc-{n}",
        "organisation_id": org["id"],
        "name": " ".join(name)[:200],
        "description": " ".join(description).replace(" ,", ","),
        "fields": [f.code for f in fields],
        "target_groups": targets,
        "area_kind": area_kind,
        "area_codes": codes,
        "labels": labels,
        "search_terms": search_terms,
        "url": f"https://example.dk/{quote(org['id'])}/{n}",
    }


def fill(db_path: str, count: int = 50_000, seed: int = 5) -> dict[str, int]:
    """Write ``count`` services (and their organisations) into the referrals database."""
    rng = random.Random(seed)
    orgs = _organisations(rng)
    assert {o["region_code"] for o in orgs} == {r.code for r in regions()}
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores it
    with sqlite3.connect(db_path) as conn:
        conn.executemany(
            "INSERT INTO directory_organisations (id, name, kind, municipality_code, region_code,"
            " registered_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (o["id"], o["name"], o["kind"], o["municipality_code"], o["region_code"], now, now)
                for o in orgs
            ],
        )
        rows = []
        for n in range(1, count + 1):
            s = _service(rng, rng.choice(orgs), n)
            if n % 997 == 1:  # the shortcut in _terms gives what the directory API would store
                whole = index_terms(s["name"], s["description"], *s["labels"])  # type: ignore[arg-type]
                assert s["search_terms"] == whole, (s["search_terms"], whole)
            rows.append(
                (
                    s["id"], s["organisation_id"], s["name"], s["description"],
                    json.dumps(s["fields"]), json.dumps(s["target_groups"]), s["area_kind"],
                    json.dumps(s["area_codes"]), "active", s["url"], "[]",
                    s["search_terms"], n, now, now, 1,
                )
            )  # fmt: skip
        conn.executemany(
            "INSERT INTO offered_services (id, organisation_id, name, description, fields,"
            " target_groups, area_kind, area_codes, status, url, languages, search_terms,"
            " change_seq, created_at, updated_at, version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.execute(
            "INSERT INTO sequences (name, value) VALUES ('directory_changes', ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (count,),
        )
    return {"services": count, "organisations": len(orgs)}
