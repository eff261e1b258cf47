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
an agreed responsibility override, league changes with history and one merged cluster.

The members are generated deterministically from each cluster's key: the same data on every
machine and every run.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date
from functools import cache

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


_BB = ("bridge_builder",)
_RE = ("regional_ecosystem",)

DEMO_CLUSTERS: tuple[DemoCluster, ...] = (
    # --- Nordjylland ---
    DemoCluster(
        "foedevare-nord",
        "Fødevareklyngen Nord (demo)",
        "cluster",
        "national",
        "0851",
        ("food_bio",),
        date(2009, 3, 1),
        (34, 3, 3, 3),
        (("nord", 0.7), ("midt", 0.2), ("syd", 0.1)),
        "Food producers, fisheries and ingredient firms around the Limfjord working with "
        "researchers on processing, shelf life and export.",
        cvr="38774115",
        label=("silver", 400),
        tasks=(DemoTask("food"),),
    ),
    DemoCluster(
        "robot-nord",
        "Nordjysk Robotnetværk (demo)",
        "network",
        "emerging",
        "0851",
        ("robotics",),
        date(2017, 9, 1),
        (7, 1, 1, 0),
        (("nord", 1.0),),
        "A young network of small automation firms and integrators in Aalborg and Rebild.",
        served=("0851", "0840"),
        functions=_RE,
        obligations=False,
    ),
    DemoCluster(
        "maritim-limfjord",
        "Limfjordens Maritime Klynge (demo)",
        "cluster",
        "national",
        "0813",
        ("maritime", "transport"),
        date(2006, 5, 1),
        (28, 2, 3, 3),
        (("nord", 0.65), ("midt", 0.2), ("hoved", 0.15)),
        "Shipyards, ports and maritime suppliers from Frederikshavn to Thyborøn.",
        sizes="mixed",
    ),
    DemoCluster(
        "turisme-vendsyssel",
        "Vendsyssel Turismenetværk (demo)",
        "network",
        "emerging",
        "0860",
        ("tourism",),
        date(2015, 4, 1),
        (14, 0, 1, 3),
        (("nord", 0.9), ("midt", 0.1)),
        "Hotels, camp sites and attractions on the north coast developing all-year tourism.",
        served=("0860", "0813", "0849"),
        functions=_RE,
    ),
    DemoCluster(
        "thy-vind",
        "Thy Vind og Vand (demo)",
        "network",
        "emerging",
        "0787",
        ("energy", "water_environment"),
        date(2016, 8, 15),
        (9, 1, 1, 1),
        (("nord", 0.85), ("midt", 0.15)),
        "Wind-turbine service firms and water utilities in Thy and on Mors.",
        served=("0787", "0773"),
        obligations=False,
    ),
    # --- Midtjylland ---
    DemoCluster(
        "groen-energi",
        "Klynge for Grøn Energi (demo)",
        "cluster",
        "national",  # moved to world_class by FIVU/RTI (see LEAGUE_CHANGES)
        "0751",
        ("energy",),
        date(2005, 1, 1),
        (48, 5, 4, 5),
        (("midt", 0.6), ("syd", 0.2), ("nord", 0.1), ("hoved", 0.1)),
        "Wind, biogas and district-heating firms with the universities of Jutland; "
        "test centres, matchmaking and international projects.",
        sizes="mixed",
        short_name="Grøn Energi",
        cvr="31200458",
        label=("gold", 700),
        tasks=(DemoTask("energy"), DemoTask("climate")),
    ),
    DemoCluster(
        "agrotech-midt",
        "Agro Tech Midt (demo)",
        "cluster",
        "national",
        "0657",
        ("food_bio", "robotics"),
        date(2011, 2, 1),
        (30, 3, 2, 3),
        (("midt", 0.7), ("nord", 0.15), ("syd", 0.15)),
        "Agricultural machinery, precision farming and feed producers on the heath.",
        sizes="mixed",
    ),
    DemoCluster(
        "byg-horsens",
        "Bygholm Byggeklynge (demo)",
        "cluster",
        "national",
        "0615",
        ("construction",),
        date(2010, 10, 1),
        (26, 2, 2, 2),
        (("midt", 0.45), ("syd", 0.3), ("hoved", 0.25)),
        "Contractors, architects and building-material producers working on industrialised "
        "and energy-efficient construction.",
    ),
    DemoCluster(
        "vand-silkeborg",
        "Gudenådalens Vandteknologi (demo)",
        "network",
        "emerging",
        "0740",
        ("water_environment",),
        date(2018, 3, 1),
        (10, 1, 1, 2),
        (("midt", 1.0),),
        "Pump makers, sensor firms and utilities along the Gudenå.",
        served=("0740", "0746"),
        obligations=False,
    ),
    DemoCluster(
        "tekstil-herning",
        "Herning Tekstil og Design (demo)",
        "network",
        "national",  # moved to emerging by Vækstforum Midtjylland (see LEAGUE_CHANGES)
        "0657",
        ("creative", "production"),
        date(2004, 6, 1),
        (17, 0, 2, 3),
        (("midt", 0.85), ("syd", 0.15)),
        "Textile and furniture design firms around Herning and Ikast.",
        served=("0657", "0756"),
        functions=_RE,
        tasks=(DemoTask("education_matching"),),
    ),
    DemoCluster(
        "digital-midt",
        "Digital Midt Innovationsnetværk (demo)",
        "innovation_network",
        "national",
        "0751",
        ("digital",),
        date(2012, 1, 1),
        (36, 4, 3, 2),
        (("midt", 0.45), ("hoved", 0.35), ("syd", 0.2)),
        "Software, data and IoT firms across the country with Jutland's IT research groups.",
        sizes="mixed",
        functions=_BB,
    ),
    # --- Syddanmark ---
    DemoCluster(
        "robot-syd",
        "Syddansk Robotklynge (demo)",
        "cluster",
        "world_class",
        "0461",
        ("robotics", "production"),
        date(2003, 4, 1),
        (55, 5, 4, 4),
        (("syd", 0.65), ("midt", 0.2), ("hoved", 0.15)),
        "Collaborative robots, drones and automation around Odense; one of Europe's leading "
        "robotics environments.",
        sizes="mixed",
        label=("gold", 900),
        tasks=(DemoTask("education_matching"), DemoTask("international_knowledge")),
    ),
    DemoCluster(
        "offshore-esbjerg",
        "Offshore Energi Esbjerg (demo)",
        "cluster",
        "national",
        "0561",
        ("energy", "maritime"),
        date(2007, 11, 1),
        (42, 3, 3, 3),
        (("syd", 0.7), ("midt", 0.2), ("nord", 0.1)),
        "Offshore wind and oil-and-gas suppliers in and around the port of Esbjerg.",
        sizes="large",
        label=("bronze", -200),  # expired: the profile warns about it
    ),
    DemoCluster(
        "logistik-trekant",
        "Trekantområdets Logistiknetværk (demo)",
        "network",
        "national",
        "0621",
        ("transport",),
        date(2009, 9, 1),
        (30, 1, 2, 3),
        (("syd", 0.45), ("midt", 0.3), ("sjael", 0.25)),
        "Hauliers, forwarders and warehouses along the E20 and E45 corridors.",
        sizes="mixed",
    ),
    DemoCluster(
        "mad-soenderjylland",
        "Sønderjysk Fødevarenetværk (demo)",
        "network",
        "emerging",
        "0540",
        ("food_bio",),
        date(2019, 1, 15),
        (8, 1, 1, 1),
        (("syd", 1.0),),
        "Small food producers near the border selling into Germany.",
        served=("0540", "0580"),
        obligations=False,
    ),
    DemoCluster(
        "turisme-fyn",
        "Sydfynske Oplevelser (demo)",
        "network",
        "emerging",
        "0479",
        ("tourism",),
        date(2016, 5, 1),
        (12, 0, 1, 3),
        (("syd", 1.0),),
        "Island tourism, marinas and food experiences in the South Funen archipelago.",
        served=("0479", "0482", "0492"),
        functions=_RE,
    ),
    DemoCluster(
        "design-kolding",
        "Designklyngen Kolding (demo)",
        "cluster",
        "national",
        "0621",
        ("creative",),
        date(2008, 2, 1),
        (24, 2, 3, 2),
        (("syd", 0.55), ("midt", 0.25), ("hoved", 0.2)),
        "Design-led firms and the design schools of the Triangle Region.",
    ),
    # --- Hovedstaden ---
    DemoCluster(
        "sundtek",
        "Sundhedsteknologisk Netværk (demo)",
        "innovation_network",
        "national",
        "0101",
        ("life_science", "digital"),
        date(2010, 1, 1),
        (34, 4, 3, 3),
        (("hoved", 0.4), ("syd", 0.3), ("midt", 0.3)),
        "Welfare and health technology firms, hospitals and municipalities testing new "
        "solutions together; a national innovation network.",
        sizes="mixed",
        cvr="29543909",
        functions=_BB,
        tasks=(DemoTask("health_welfare"),),
    ),
    DemoCluster(
        "ls-oeresund",
        "Øresund Life Science Klynge (demo)",
        "cluster",
        "world_class",
        "0101",
        ("life_science",),
        date(2002, 6, 1),
        (60, 6, 4, 4),
        (("hoved", 0.75), ("sjael", 0.15), ("syd", 0.1)),
        "Pharma, biotech and medtech around the capital; international investment promotion.",
        sizes="large",
        label=("gold", 300),
        tasks=(
            DemoTask("health_welfare"),
            DemoTask("international_knowledge"),
            DemoTask("branding_investment"),
        ),
    ),
    DemoCluster(
        "fintech-kbh",
        "København Fintech Forum (demo)",
        "cluster",
        "national",
        "0101",
        ("finance", "digital"),
        date(2015, 9, 1),
        (30, 2, 2, 1),
        (("hoved", 0.8), ("midt", 0.1), ("syd", 0.1)),
        "Fintech start-ups, banks and insurers sharing a sandbox and a talent programme.",
        sizes="mixed",
    ),
    DemoCluster(
        "cleantech-nordsj",
        "Nordsjællands Cleantech (demo)",
        "network",
        "emerging",
        "0219",
        ("energy", "water_environment"),
        date(2018, 6, 1),
        (8, 1, 0, 1),
        (("hoved", 1.0),),
        "Small clean-tech firms in North Zealand.",
        served=("0219", "0217", "0270"),
        obligations=False,
    ),
    DemoCluster(
        "vand-oeresund",
        "Vandklyngen Øresund (demo)",
        "cluster",
        "national",
        "0173",
        ("water_environment",),
        date(2008, 4, 1),
        (32, 3, 2, 4),
        (("hoved", 0.6), ("sjael", 0.25), ("midt", 0.15)),
        "Water technology, utilities and consultancies; climate adaptation in cities.",
        sizes="mixed",
        tasks=(DemoTask("climate"), DemoTask("environment")),
    ),
    DemoCluster(
        "vand-lyngby",
        "Lyngby Vandnetværk (demo)",
        "network",
        "emerging",
        "0173",
        ("water_environment",),
        date(2012, 3, 1),
        (5, 1, 0, 1),
        (("hoved", 1.0),),
        "A local water network; merged into Vandklyngen Øresund (demo).",
        obligations=False,
    ),
    DemoCluster(
        "blaa-danmark",
        "Blå Danmark Klynge (demo)",
        "cluster",
        "world_class",
        "0101",
        ("maritime", "transport"),
        date(2004, 1, 1),
        (50, 4, 4, 2),
        (("hoved", 0.35), ("syd", 0.3), ("nord", 0.2), ("midt", 0.15)),
        "Shipping companies, equipment makers and maritime services from every part of the "
        "country.",
        sizes="large",
        functions=_BB,
        tasks=(DemoTask("transport"),),
    ),
    DemoCluster(
        "space-forsvar",
        "Rum og Forsvar Danmark (demo)",
        "innovation_network",
        "national",
        "0151",
        ("space_defence", "digital"),
        date(2016, 2, 1),
        (20, 3, 1, 1),
        # 12 of 25 in Hovedstaden's area: 48 %, just under the 50 % threshold.
        (("hoved", 0.48), ("midt", 0.32), ("nord", 0.2)),
        "Satellite, radar and defence-electronics firms with the technical universities.",
        sizes="mixed",
        functions=_BB,
    ),
    # --- Sjælland ---
    DemoCluster(
        "biosymbiose-kalundborg",
        "Biosymbiose Kalundborg (demo)",
        "cluster",
        "national",
        "0326",
        ("food_bio", "energy", "water_environment"),
        date(2011, 5, 1),
        (28, 2, 2, 3),
        (("sjael", 0.65), ("hoved", 0.2), ("syd", 0.15)),
        "Industrial symbiosis: process industry sharing water, energy and by-products.",
        sizes="large",
        tasks=(DemoTask("climate"), DemoTask("environment")),
    ),
    DemoCluster(
        "femern-logistik",
        "Femern Logistik Netværk (demo)",
        "network",
        "emerging",
        "0376",
        ("transport",),
        date(2017, 1, 1),
        (9, 0, 1, 3),
        (("sjael", 0.9), ("syd", 0.1)),
        "Logistics firms and municipalities preparing for the Fehmarn Belt link.",
        served=("0376", "0360", "0390"),
        functions=_RE,
    ),
    DemoCluster(
        "kreativ-roskilde",
        "Roskilde Kreative Erhverv (demo)",
        "network",
        "emerging",
        "0265",
        ("creative", "tourism"),
        date(2020, 8, 1),
        (6, 0, 0, 0),
        (("sjael", 1.0),),
        "A handful of festival and event firms; the profile is still being filled in.",
        sizes="unknown",
        functions=_RE,
        obligations=False,
    ),
    DemoCluster(
        "produktion-naestved",
        "Næstved Produktionsnetværk (demo)",
        "network",
        "emerging",
        "0370",
        ("production",),
        date(2013, 10, 1),
        (15, 0, 1, 2),
        (("sjael", 0.85), ("hoved", 0.15)),
        "Metal and plastics subcontractors in South Zealand.",
        served=("0370", "0340", "0329"),
    ),
    # --- Bornholm ---
    DemoCluster(
        "bornholm-mad",
        "Bornholmsk Mad og Oplevelser (demo)",
        "network",
        "emerging",
        "0400",
        ("food_bio", "tourism"),
        date(2012, 5, 1),
        (13, 1, 1, 2),
        (("bornholm", 0.9), ("sjael", 0.1)),
        "Island food producers, smokehouses and restaurants with a shared brand.",
        tasks=(DemoTask("food"),),
    ),
    DemoCluster(
        "bornholm-energi",
        "Bornholms Energiø-netværk (demo)",
        "network",
        "emerging",
        "0400",
        ("energy",),
        date(2019, 4, 1),
        (6, 1, 1, 1),
        (("bornholm", 1.0),),
        "Local firms preparing for the energy island; a small secretariat.",
        tasks=(
            DemoTask(
                "energy",
                resources_without_crowding_out=False,
                note="The secretariat has 1.5 full-time staff; the task would take them "
                "from matchmaking.",
            ),
        ),
    ),
)


# --- what happens after registration ------------------------------------------------------


@dataclass(frozen=True)
class DemoLeagueChange:
    key: str
    to_league: str
    by: str  # organisation id of FIVU/RTI or a growth forum
    reason: str


LEAGUE_CHANGES: tuple[DemoLeagueChange, ...] = (
    DemoLeagueChange(
        "groen-energi",
        "world_class",
        "fivu-rti",
        "Gold label, international benchmark in the top ten of European energy clusters and "
        "a national role in the 2014–2017 innovation network programme.",
    ),
    DemoLeagueChange(
        "tekstil-herning",
        "emerging",
        "vaekstforum-midtjylland",
        "After the 2013 reorganisation the network serves mainly firms around Herning and "
        "Ikast; it is supported as a regional, emerging network.",
    ),
)


@dataclass(frozen=True)
class DemoOverride:
    key: str
    primary: tuple[str, ...]
    also: tuple[str, ...]
    by: str
    reason: str


OVERRIDES: tuple[DemoOverride, ...] = (
    DemoOverride(
        "offshore-esbjerg",
        ("vaekstforum-syddanmark", "fivu-rti"),
        ("kommune-0561",),
        "vaekstforum-syddanmark",
        "Vækstforum Syddanmark and FIVU/RTI agreed to share the base funding equally for "
        "2014–2017, because the cluster's offshore test facilities serve firms from the whole "
        "country; Esbjerg Kommune provides the premises.",
    ),
)


@dataclass(frozen=True)
class DemoMerger:
    key: str
    into: str
    reason: str


MERGERS: tuple[DemoMerger, ...] = (
    DemoMerger(
        "vand-lyngby",
        "vand-oeresund",
        "The members voted to join Vandklyngen Øresund (demo); a merger as §4.4 recommends.",
    ),
)


@dataclass(frozen=True)
class DemoSeat:
    key: str
    ministry_id: str
    group: str
    offered_on: date
    taken: bool | None  # None: not answered yet


SEATS: tuple[DemoSeat, ...] = (
    DemoSeat("sundtek", "ministeriet-erhverv-vaekst", "steering", date(2014, 1, 15), True),
    DemoSeat("sundtek", "ministeriet-miljoe", "follow_up", date(2014, 1, 15), None),
)


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
