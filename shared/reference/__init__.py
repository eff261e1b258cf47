"""Reference data: regions, the 98 municipalities, growth forums, national parties, CVR.

The CSV files in ``data/`` are copied from the team handbook's ``shared/data`` (official
codes from Danmarks Statistik); the product reads only its own copy.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from stdnum.dk import cvr as _cvr
from stdnum.exceptions import ValidationError as _StdnumError

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Region:
    code: str  # "1081"
    name: str
    iso: str  # "DK-81"


@dataclass(frozen=True)
class Municipality:
    code: str  # four digits, "0101"
    name: str
    region_code: str


@dataclass(frozen=True)
class Party:
    """A reference organisation loaded into the registry at start-up (idempotently)."""

    id: str
    name: str
    kind: str
    code: str | None = None
    region_code: str | None = None
    municipality_code: str | None = None
    short_name: str | None = None


@cache
def regions() -> tuple[Region, ...]:
    with (DATA_DIR / "regions.csv").open(encoding="utf-8") as f:
        return tuple(Region(r["code"], r["name"], r["iso_3166_2"]) for r in csv.DictReader(f))


@cache
def municipalities() -> tuple[Municipality, ...]:
    with (DATA_DIR / "municipalities.csv").open(encoding="utf-8") as f:
        return tuple(
            Municipality(r["code"].zfill(4), r["name"], r["region_code"]) for r in csv.DictReader(f)
        )


@cache
def municipality_by_code() -> dict[str, Municipality]:
    return {m.code: m for m in municipalities()}


@cache
def region_by_code() -> dict[str, Region]:
    return {r.code: r for r in regions()}


def region_of_municipality(code: str) -> str:
    return municipality_by_code()[code].region_code


#: Bornholm's regional growth forum (Bornholms Vækstforum) covers one municipality.
BORNHOLM_MUNICIPALITY = "0400"

#: The six regional growth forums of 2013 (DOMAIN.md "Who is who"); Bornholm has its own.
GROWTH_FORUMS: tuple[Party, ...] = (
    Party("vaekstforum-nordjylland", "Vækstforum Nordjylland", "growth_forum", region_code="1081"),
    Party("vaekstforum-midtjylland", "Vækstforum Midtjylland", "growth_forum", region_code="1082"),
    Party("vaekstforum-syddanmark", "Vækstforum Syddanmark", "growth_forum", region_code="1083"),
    Party("vaekstforum-hovedstaden", "Vækstforum Hovedstaden", "growth_forum", region_code="1084"),
    Party("vaekstforum-sjaelland", "Vækstforum Sjælland", "growth_forum", region_code="1085"),
    Party(
        "vaekstforum-bornholm",
        "Bornholms Vækstforum",
        "growth_forum",
        region_code="1084",
        municipality_code=BORNHOLM_MUNICIPALITY,
    ),
)

FIVU_RTI = Party(
    "fivu-rti",
    "Uddannelsesministeriet (FIVU) / Rådet for Teknologi og Innovation",
    "ministry",
    short_name="FIVU/RTI",
)
KL = Party("kl", "KL – Kommunernes Landsforening", "municipal_association", short_name="KL")

#: The sector ministries of the paper's footnote 2 (project money, steering-group seats, §2–§3).
SECTOR_MINISTRIES: tuple[Party, ...] = (
    Party("ministeriet-erhverv-vaekst", "Erhvervs- og Vækstministeriet", "ministry"),
    Party("ministeriet-foedevarer", "Fødevareministeriet", "ministry"),
    Party("ministeriet-energi", "Energiministeriet", "ministry"),
    Party("ministeriet-miljoe", "Miljøministeriet", "ministry"),
)
# Uddannelsesministeriet, the fifth in footnote 2, is FIVU itself (the paper's own footnote
# names it; it appears once, as FIVU/RTI).

KLYNGEFORUM_SECRETARIAT = Party("klyngeforum", "Klyngeforum – sekretariatet", "forum_secretariat")


def growth_forum_for_region(region_code: str, municipality_code: str | None = None) -> Party:
    """The growth forum responsible for a place: Bornholm's own forum for Bornholm."""
    if municipality_code == BORNHOLM_MUNICIPALITY:
        return GROWTH_FORUMS[5]
    for forum in GROWTH_FORUMS[:5]:
        if forum.region_code == region_code:
            return forum
    raise KeyError(region_code)


@cache
def reference_parties() -> tuple[Party, ...]:
    """Every organisation the registry loads at start-up."""
    parties: list[Party] = [
        KLYNGEFORUM_SECRETARIAT,
        FIVU_RTI,
        KL,
        *SECTOR_MINISTRIES,
        *GROWTH_FORUMS,
    ]
    parties += [
        Party(f"region-{r.code}", r.name, "region", code=r.code, region_code=r.code)
        for r in regions()
    ]
    parties += [
        Party(
            f"kommune-{m.code}",
            f"{m.name} Kommune",
            "municipality",
            code=m.code,
            region_code=m.region_code,
            municipality_code=m.code,
        )
        for m in municipalities()
    ]
    return tuple(parties)


class InvalidCvr(ValueError):
    pass


def normalise_cvr(value: str) -> str:
    """Return the 8-digit CVR number, or raise ``InvalidCvr`` saying what is wrong."""
    try:
        return _cvr.validate(value)
    except _StdnumError as exc:
        raise InvalidCvr(f"'{value}' is not a valid CVR number: {exc}") from exc
