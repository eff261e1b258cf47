"""Demo clusters for the embedded run: 31 fictional cluster organisations with their members.

Everything here is made up. Every name ends in "(demo)"; websites use the reserved
``.example`` domain; the CVR numbers of the clusters and members pass the check digit but start
with 9 — the CVR register has not reached the 90-millions, so they belong to nobody. (The
three cluster organisations that were demo organisations before keep their old CVRs, so the
demo clients made for them keep working.)

The set is shaped so every view has something to show: all three leagues and cluster kinds,
home municipalities in all five regions and on Bornholm, all 14 fields of strength; clusters
with and without a regional centre of gravity (one innovation network just under the threshold),
small emerging organisations that share a field with a larger one (§4.4 merger hints), thin
profiles that raise warnings, ESCA labels (one expired), declared §4.5 obligations, societal
tasks with their preconditions met and one not met, an innovation network with ministry seats,
an agreed responsibility exception in force and a proposal waiting for a party, labels
recorded by the secretariat, league changes with history and one merged cluster.

The clusters (``data/demo_clusters.json``) and what happens to them after registration
(``data/demo_events.json``) are data; the members are generated deterministically from each
cluster's key: the same data on every machine and every run.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from shared.reference import municipalities, municipality_by_code, normalise_cvr

# --- deterministic CVR numbers -------------------------------------------------------------

_CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2)


def demo_cvr(key: str) -> str:
    """A valid CVR number (check digit right) in the unissued 9xxxxxxx range, from ``key``."""
    seed = int.from_bytes(hashlib.sha256(f"klyngeforum-demo:{key}".encode()).digest()[:8], "big")
    while True:
        body = "9" + f"{seed % 1_000_000:06d}"
        check = -sum(w * int(d) for w, d in zip(_CVR_WEIGHTS, body, strict=True)) % 11
        if check < 10:
            return normalise_cvr(body + str(check))
        seed //= 7


# --- the growth-forum areas members are spread over ---------------------------------------

#: Area keys → growth forum ids (Bornholm is its own area, with its own forum).
AREA_FORUMS: dict[str, str] = {
    "nord": "vaekstforum-nordjylland",
    "midt": "vaekstforum-midtjylland",
    "syd": "vaekstforum-syddanmark",
    "hoved": "vaekstforum-hovedstaden",
    "sjael": "vaekstforum-sjaelland",
    "bornholm": "vaekstforum-bornholm",
}
_AREA_REGIONS = {"nord": "1081", "midt": "1082", "syd": "1083", "hoved": "1084", "sjael": "1085"}


@cache
def area_municipalities(area: str) -> tuple[str, ...]:
    if area == "bornholm":
        return ("0400",)
    region = _AREA_REGIONS[area]
    return tuple(m.code for m in municipalities() if m.region_code == region and m.code != "0400")


def area_of(municipality_code: str) -> str:
    if municipality_code == "0400":
        return "bornholm"
    region = municipality_by_code()[municipality_code].region_code
    return next(a for a, r in _AREA_REGIONS.items() if r == region)


#: Fictional knowledge institutions (universities, research and technology centres) by area.
KNOWLEDGE_INSTITUTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "nord": (
        ("Nordjysk Universitet (demo)", "0851"),
        ("Limfjordens Forskningscenter (demo)", "0773"),
    ),
    "midt": (
        ("Jysk Teknisk Universitet (demo)", "0751"),
        ("Hedens Forskningsinstitut (demo)", "0657"),
        ("Midtjysk Fødevareforskning (demo)", "0791"),
    ),
    "syd": (
        ("Syddansk Teknologisk Universitet (demo)", "0461"),
        ("Vestkystens Energiforskning (demo)", "0561"),
        ("Sønderjysk Forskningscenter (demo)", "0540"),
    ),
    "hoved": (
        ("Øresundsuniversitetet (demo)", "0101"),
        ("Nordsjællands Tekniske Forskningscenter (demo)", "0173"),
        ("Københavns Sundhedsforskning (demo)", "0147"),
    ),
    "sjael": (
        ("Sjællands Universitetscenter (demo)", "0265"),
        ("Vestsjællands Bioinstitut (demo)", "0326"),
    ),
    "bornholm": (("Bornholms Forskningscenter (demo)", "0400"),),
}

#: Fictional education institutions (academies, vocational and professional schools) by area.
EDUCATION_INSTITUTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "nord": (
        ("Erhvervsakademi Limfjord (demo)", "0851"),
        ("Vendsyssel Tekniske Skole (demo)", "0813"),
    ),
    "midt": (
        ("Professionshøjskolen Kattegat (demo)", "0751"),
        ("Herning Designskole (demo)", "0657"),
        ("Erhvervsskolen Gudenå (demo)", "0740"),
    ),
    "syd": (
        ("Lillebælt Tekniske Skole (demo)", "0621"),
        ("Fyns Erhvervsakademi (demo)", "0461"),
        ("Vestkystens Maritime Skole (demo)", "0561"),
    ),
    "hoved": (
        ("Erhvervsakademi Øresund (demo)", "0101"),
        ("Nordsjællands Erhvervsskole (demo)", "0219"),
    ),
    "sjael": (
        ("Sjællands Erhvervsskole (demo)", "0370"),
        ("Kalundborg Procesakademi (demo)", "0326"),
    ),
    "bornholm": (("Bornholms Erhvervsskole (demo)", "0400"),),
}

#: Words for fictional firm names in each field of strength.
_FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "energy": ("Vind", "Energi", "Sol", "Brint", "Varme", "Kraft", "Batteri", "Elnet"),
    "food_bio": ("Mejeri", "Fisk", "Korn", "Frugt", "Bryghus", "Grønt", "Bio", "Foder"),
    "life_science": ("Pharma", "Diagnostik", "Medico", "Bioteknik", "Sundhed", "Velfærdsteknik"),
    "digital": ("Data", "Software", "Cloud", "IT", "Kode", "Analytics"),
    "maritime": ("Rederi", "Skibsværft", "Havn", "Marine", "Offshore", "Navigation"),
    "water_environment": ("Vand", "Miljø", "Rens", "Pumpe", "Spildevand", "Klima"),
    "robotics": ("Robot", "Automation", "Drone", "Sensor", "Mekatronik", "Vision"),
    "production": ("Maskin", "Metal", "Plast", "Komposit", "Værktøj", "Produktion"),
    "construction": ("Byg", "Arkitekter", "Beton", "Træhus", "Ingeniører", "Renovering"),
    "creative": ("Design", "Film", "Tekstil", "Spil", "Medie", "Møbel"),
    "tourism": ("Ferie", "Oplevelser", "Camping", "Hotel", "Kro", "Event"),
    "transport": ("Logistik", "Fragt", "Transport", "Lager", "Spedition", "Terminal"),
    "finance": ("Fintech", "Betaling", "Kapital", "Forsikring", "Invest", "Regnskab"),
    "space_defence": ("Satellit", "Radar", "Forsvarsteknik", "Rumfart", "Sikkerhed", "Optik"),
}
_NAME_PREFIXES = (
    "Nordlys",
    "Kattegat",
    "Fjord",
    "Hede",
    "Klit",
    "Bølge",
    "Lærke",
    "Ravn",
    "Mølle",
    "Skov",
    "Strand",
    "Bakke",
    "Ådal",
    "Vester",
    "Øster",
    "Lyng",
    "Marsk",
    "Tang",
    "Rav",
    "Sten",
    "Egely",
    "Sandbjerg",
    "Kilde",
    "Tårn",
    "Engholm",
    "Højvang",
    "Solbak",
    "Vestervig",
)
_LEGAL_FORMS = ("ApS", "ApS", "ApS", "A/S", "A/S", "I/S", "P/S")

#: Firm-size profiles: (weight, lowest, highest number of employees) per band.
_SIZE_PROFILES: dict[str, tuple[tuple[int, int, int], ...]] = {
    "sme": ((60, 1, 19), (25, 20, 49), (12, 50, 249), (3, 250, 1200)),
    "mixed": ((40, 1, 19), (20, 20, 49), (25, 50, 249), (15, 250, 3000)),
    "large": ((20, 1, 19), (15, 20, 49), (30, 50, 249), (35, 250, 8000)),
}


# --- the clusters --------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoTask:
    """A societal task (§2) with its three preconditions."""

    task: str
    backing_of_central_actors: bool = True
    added_value_in_coordination: bool = True
    resources_without_crowding_out: bool = True
    note: str | None = None


@dataclass(frozen=True)
class DemoCluster:
    key: str  # stable: seeds the members and the CVR numbers
    name: str
    cluster_kind: str
    league: str  # the league it is registered with
    home: str  # home municipality
    fields: tuple[str, ...]
    founded_on: date
    #: Members: firms, knowledge institutions, education institutions, public actors.
    members: tuple[int, int, int, int]
    #: Share of the members in each growth-forum area (see ``AREA_FORUMS``).
    spread: tuple[tuple[str, float], ...]
    description: str
    sizes: str = "sme"  # firm-size profile, or "unknown" (no employee counts)
    served: tuple[str, ...] = ()
    functions: tuple[str, ...] = ("bridge_builder", "regional_ecosystem")
    short_name: str | None = None
    cvr: str | None = None  # None: derived from the key
    obligations: bool = True  # §4.5 declared
    #: ESCA label: level and days from the day of loading to its expiry (negative: expired),
    #: so the demo's labels do not all run out as the calendar moves on.
    label: tuple[str, int] | None = None
    tasks: tuple[DemoTask, ...] = ()

    @property
    def cvr_number(self) -> str:
        return self.cvr or demo_cvr(f"cluster:{self.key}")

    @property
    def website(self) -> str:
        return f"https://{self.key}.klynge.example/"


# --- what happens after registration ------------------------------------------------------


@dataclass(frozen=True)
class DemoLeagueChange:
    key: str
    to_league: str
    by: str  # organisation id of FIVU/RTI or a growth forum
    reason: str


@dataclass(frozen=True)
class DemoOverride:
    """A responsibility exception proposed by ``by``; every concerned party confirms it except
    those ``waiting_for`` (none: it is in force with all confirmations)."""

    key: str
    primary: tuple[str, ...]
    also: tuple[str, ...]
    by: str
    reason: str
    waiting_for: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoMerger:
    key: str
    into: str
    reason: str


@dataclass(frozen=True)
class DemoSeat:
    key: str
    ministry_id: str
    group: str
    offered_on: date
    taken: bool | None  # None: not answered yet


# --- the tables (data/demo_clusters.json, data/demo_events.json) -------------------------

#: The demo clusters, grouped by home region. Keys that begin with "//" are comments; a
#: cluster's fields left out take ``DemoCluster``'s defaults.
CLUSTERS_FILE = Path(__file__).resolve().parent / "data" / "demo_clusters.json"
#: Their league changes, overrides, mergers and ministry seats, by cluster key.
EVENTS_FILE = Path(__file__).resolve().parent / "data" / "demo_events.json"


def _uncommented(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("//")}


def _cluster(item: dict[str, Any]) -> DemoCluster:
    d = _uncommented(item)
    for name in ("fields", "members", "served", "functions"):
        if name in d:
            d[name] = tuple(d[name])
    d["founded_on"] = date.fromisoformat(d["founded_on"])
    d["spread"] = tuple((area, share) for area, share in d["spread"])
    if d.get("label") is not None:
        level, days = d["label"]
        d["label"] = (level, days)
    d["tasks"] = tuple(DemoTask(**_uncommented(t)) for t in d.get("tasks", ()))
    return DemoCluster(**d)


def _override(item: dict[str, Any]) -> DemoOverride:
    d = _uncommented(item)
    return DemoOverride(
        **{
            **d,
            "primary": tuple(d["primary"]),
            "also": tuple(d["also"]),
            "waiting_for": tuple(d.get("waiting_for", ())),
        }
    )


def _seat(item: dict[str, Any]) -> DemoSeat:
    d = _uncommented(item)
    return DemoSeat(**{**d, "offered_on": date.fromisoformat(d["offered_on"])})


def _read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


_CLUSTERS = _read(CLUSTERS_FILE)
_EVENTS = _read(EVENTS_FILE)

#: 31 clusters, from Nordjylland to Bornholm (the file groups them by home region).
DEMO_CLUSTERS: tuple[DemoCluster, ...] = tuple(
    _cluster(c) for region in _CLUSTERS["clusters_by_region"].values() for c in region
)
LEAGUE_CHANGES: tuple[DemoLeagueChange, ...] = tuple(
    DemoLeagueChange(**_uncommented(c)) for c in _EVENTS["league_changes"]
)
OVERRIDES: tuple[DemoOverride, ...] = tuple(_override(o) for o in _EVENTS["overrides"])
MERGERS: tuple[DemoMerger, ...] = tuple(DemoMerger(**_uncommented(m)) for m in _EVENTS["mergers"])
SEATS: tuple[DemoSeat, ...] = tuple(_seat(s) for s in _EVENTS["seats"])


# --- members -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoMember:
    kind: str
    name: str
    cvr: str | None
    municipality_code: str | None
    employees: int | None
    joined_on: date | None


#: Members joined between their cluster's founding and this day.
_JOINED_BY = date(2023, 12, 31)


def _area_counts(total: int, spread: tuple[tuple[str, float], ...]) -> list[str]:
    """``total`` area keys split by ``spread`` (largest remainder), in the spread's order."""
    exact = [(area, share * total) for area, share in spread]
    counts = {area: int(x) for area, x in exact}
    rest = total - sum(counts.values())
    for area, _ in sorted(exact, key=lambda ax: -(ax[1] - int(ax[1])))[:rest]:
        counts[area] += 1
    return [area for area, _ in spread for _ in range(counts[area])]


def demo_members(cluster: DemoCluster) -> list[DemoMember]:
    """The cluster's members, the same on every run."""
    rng = random.Random(cluster.key)
    firms, knowledge, education, public = cluster.members
    areas = _area_counts(sum(cluster.members), cluster.spread)
    rng.shuffle(areas)
    home_area = area_of(cluster.home)
    founded = cluster.founded_on
    span = (_JOINED_BY - founded).days
    members: list[DemoMember] = []
    used_names: set[str] = set()

    def joined() -> date:
        return date.fromordinal(founded.toordinal() + rng.randrange(span))

    def place(area: str) -> str:
        if area == home_area and rng.random() < 0.5:
            return cluster.home
        return rng.choice(area_municipalities(area))

    def institution(area: str, pool: dict[str, tuple[tuple[str, str], ...]]) -> tuple[str, str]:
        candidates = [i for i in pool[area] if i[0] not in used_names]
        if not candidates:  # all of this area's are members already: another area's
            candidates = [i for a in pool for i in pool[a] if i[0] not in used_names]
        return candidates[0] if len(candidates) == 1 else rng.choice(candidates)

    words = [w for f in cluster.fields for w in _FIELD_WORDS[f]]
    profile = _SIZE_PROFILES.get(cluster.sizes)
    for i in range(firms):
        area = areas.pop()
        while True:
            name = f"{rng.choice(_NAME_PREFIXES)} {rng.choice(words)} {rng.choice(_LEGAL_FORMS)}"
            if name not in used_names:
                break
        used_names.add(name)
        employees = None
        if profile is not None:
            band = rng.choices(profile, weights=[b[0] for b in profile])[0]
            employees = rng.randint(band[1], band[2])
        members.append(
            DemoMember(
                "firm",
                f"{name} (demo)",
                demo_cvr(f"firm:{cluster.key}:{i}"),
                place(area),
                employees,
                joined(),
            )
        )
    for kind, count, pool in (
        ("knowledge_institution", knowledge, KNOWLEDGE_INSTITUTIONS),
        ("education_institution", education, EDUCATION_INSTITUTIONS),
    ):
        for _ in range(count):
            name, code = institution(areas.pop(), pool)
            used_names.add(name)
            members.append(DemoMember(kind, name, demo_cvr(f"inst:{name}"), code, None, joined()))
    for _ in range(public):
        area = areas.pop()
        codes = [c for c in area_municipalities(area) if c not in used_names]
        if not codes:  # Bornholm has one municipality: a second of its departments
            code, department = area_municipalities(area)[0], "turisme og bosætning"
        else:
            home_first = cluster.home in codes and area == home_area
            code, department = (
                cluster.home if home_first else rng.choice(codes),
                "erhvervsudvikling",
            )
        used_names.add(code)
        town = municipality_by_code()[code].name
        council = "Bornholms Regionskommune" if code == "0400" else f"{town} Kommune"
        members.append(
            DemoMember(
                "public_actor",
                f"{council}, {department} (demo)",
                None,
                code,
                None,
                joined(),
            )
        )
    return members
