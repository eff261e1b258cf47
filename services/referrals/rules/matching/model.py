"""What matching works with (§5): offers, a parsed need, scores, reasons; the constants of
the formula (see the package docstring)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple

from services.referrals.rules.text import STOP_WORDS, stem, words
from shared.reference import municipality_by_code

K1 = 1.2
B = 0.75
PREFIX_MIN = 4
PREFIX_WEIGHT = 0.7
SUFFIX_MIN = 5
SUFFIX_WEIGHT = 0.5
#: Most index terms one stem of the need may expand to (each direction).
MAX_EXPANSIONS = 40
#: Most stems of one need that count (the rarest ones: they carry the meaning).
MAX_NEED_TERMS = 40
W_TEXT, W_FIELDS, W_TARGET = 0.6, 0.3, 0.1
BAND = 0.05

OfferKind = Literal["service", "activity"]
Nearness = Literal["same_municipality", "same_region", "national", "other_region"]
NEARNESS_ORDER: dict[str, int] = {
    "same_municipality": 0,
    "same_region": 1,
    "national": 2,
    "other_region": 3,
}


#: (municipality code, region code) of an organisation's home.
Home = tuple[str | None, str | None]


@dataclass(frozen=True, slots=True)
class Offer:
    """What the index keeps of a service or an activity (no descriptions, no contact data)."""

    kind: OfferKind
    id: str
    organisation_id: str
    name: str
    fields: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    #: services: national | regions | municipalities, and the region or municipality codes
    area_kind: str = "national"
    area_codes: tuple[str, ...] = ()
    #: activities: where and when
    municipality_code: str | None = None
    online: bool = False
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.id)


@dataclass(frozen=True)
class Need:
    """A parsed match request."""

    terms: tuple[str, ...]
    #: stem → the first word of the need that gave it (for explanations)
    words: Mapping[str, str]
    fields: tuple[str, ...]
    target_group: str | None
    municipality: str
    region: str
    kinds: frozenset[str] = frozenset({"service", "activity"})
    #: activities that ended before this are not offered
    now: datetime | None = None
    #: also services whose declared area does not serve the firm's municipality (marked)
    include_outside_area: bool = False

    @classmethod
    def parse(
        cls,
        text: str | None,
        *,
        municipality: str,
        fields: Sequence[str] = (),
        target_group: str | None = None,
        kinds: Iterable[str] = ("service", "activity"),
        now: datetime | None = None,
        include_outside_area: bool = False,
    ) -> Need:
        seen: dict[str, str] = {}
        for word in words(text or ""):
            if word not in STOP_WORDS and len(word) > 1:
                seen.setdefault(stem(word), word)
        return cls(
            terms=tuple(seen),
            words=seen,
            fields=tuple(dict.fromkeys(fields)),
            target_group=target_group,
            municipality=municipality,
            region=municipality_by_code()[municipality].region_code,
            kinds=frozenset(kinds),
            now=now,
            include_outside_area=include_outside_area,
        )


class Scored(NamedTuple):
    """An offer with its relevance (0..1) and the components it was made of."""

    offer: Offer
    relevance: float
    text: float
    fields: float
    target: float
    #: the offer's distinct stems (for the explanation)
    terms: tuple[str, ...] = ()

    @property
    def band(self) -> int:
        return round(self.relevance / BAND)


@dataclass
class Shortlist:
    """Every offer in the best relevance bands (enough to fill ``limit`` whatever nearness
    does), how many offers were scored exactly, and what each stem of the need matched."""

    scored: list[Scored]
    evaluated: int
    expansions: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    da: str
    en: str


@dataclass(frozen=True, slots=True)
class Ranked:
    scored: Scored
    nearness: Nearness
    why: tuple[Reason, ...]
    #: a service whose declared area does not serve the firm (only with include_outside_area)
    outside_area: bool = False


def serves(offer: Offer, municipality: str, region: str) -> bool:
    """Whether the offer is open to a firm in ``municipality`` (in ``region``): a service
    where its declared area covers it (nationwide everywhere; ``regions`` the listed regions;
    ``municipalities`` the listed municipalities only); an activity always (it has no
    declared area: firms come to it from anywhere, and nearness orders it)."""
    if offer.kind == "activity" or offer.area_kind == "national":
        return True
    if offer.area_kind == "regions":
        return region in offer.area_codes
    return municipality in offer.area_codes


def region_of(municipality: str) -> str | None:
    found = municipality_by_code().get(municipality)
    return found.region_code if found else None
