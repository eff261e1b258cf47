"""Nearness, the final order and the reasons each hit gives (§5: relevance first, nearness
only between offers of about equal relevance)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from heapq import nsmallest

from services.referrals.rules.matching.model import (
    NEARNESS_ORDER,
    Home,
    Nearness,
    Need,
    Offer,
    Ranked,
    Reason,
    Scored,
    Shortlist,
    region_of,
    serves,
)
from services.referrals.rules.vocabulary import TARGET_GROUPS
from shared.reference import municipality_by_code, region_by_code
from shared.reference.fields import field_by_code


def nearness(offer: Offer, municipality: str, region: str, home: Home | None = None) -> Nearness:
    """How near the offer is to a firm in ``municipality`` (package docstring)."""
    if offer.kind == "activity":
        place: Nearness = "other_region"
        if offer.municipality_code == municipality:
            place = "same_municipality"
        elif offer.municipality_code and region_of(offer.municipality_code) == region:
            place = "same_region"
        elif offer.online:
            place = "national"
        return place
    if offer.area_kind == "municipalities":
        if municipality in offer.area_codes:
            return "same_municipality"
        if any(region_of(code) == region for code in offer.area_codes):
            return "same_region"
        return "other_region"
    if offer.area_kind == "regions":
        return "same_region" if region in offer.area_codes else "other_region"
    home_municipality, home_region = home or (None, None)
    if home_municipality == municipality:
        return "same_municipality"
    if home_region == region:
        return "same_region"
    return "national"


def order(shortlist: Shortlist, need: Need, homes: Mapping[str, Home], limit: int) -> list[Ranked]:
    """The best ``limit`` offers: relevance band, then nearness, then exact relevance; each
    with the reasons it ranked where it did."""
    return explained(placed(shortlist, need, homes, limit), need, shortlist.expansions, homes)


def placed(
    shortlist: Shortlist, need: Need, homes: Mapping[str, Home], limit: int
) -> list[tuple[Scored, Nearness]]:
    """The best ``limit`` offers with their nearness, in order. ``homes`` must hold every
    organisation at home in the firm's region (a nationwide service of any other counts as
    ``national``)."""
    return nsmallest(
        limit,
        (
            (
                s,
                nearness(
                    s.offer, need.municipality, need.region, homes.get(s.offer.organisation_id)
                ),
            )
            for s in shortlist.scored
        ),
        key=lambda p: (
            -p[0].band,
            NEARNESS_ORDER[p[1]],
            -p[0].relevance,
            p[0].offer.kind,
            p[0].offer.id,
        ),
    )


def explained(
    top: list[tuple[Scored, Nearness]],
    need: Need,
    expansions: Mapping[str, Mapping[str, float]],
    homes: Mapping[str, Home],
) -> list[Ranked]:
    """The placed offers with the reasons each ranked where it did."""
    ranked: list[Ranked] = []
    for i, (s, near) in enumerate(top):
        nearer_below = [
            other for other, where in top[i + 1 :] if NEARNESS_ORDER[where] < NEARNESS_ORDER[near]
        ]
        why = explain(s, near, need, expansions, homes.get(s.offer.organisation_id))
        if nearer_below:
            best_below = max(o.relevance for o in nearer_below)
            why += (
                Reason(
                    "fits_better_than_nearer",
                    f"Står før {len(nearer_below)} nærmere tilbud i listen, fordi det passer "
                    f"bedre til behovet ({s.relevance:.2f} mod højst {best_below:.2f})",
                    f"Ranked above {len(nearer_below)} nearer offer(s) in this list because it "
                    f"fits the need better ({s.relevance:.2f} against at most {best_below:.2f})",
                ),
            )
        outside = not serves(s.offer, need.municipality, need.region)
        ranked.append(Ranked(s, near, why, outside))
    return ranked


# --- explanations -------------------------------------------------------------------------


def matched_terms(
    terms: Iterable[str], need: Need, expansions: Mapping[str, Mapping[str, float]]
) -> tuple[list[str], list[str]]:
    """(words of the need the offer matched, the offer's compound stems among the matches)."""
    own = set(terms)
    found: list[str] = []
    compounds: list[str] = []
    for q in need.terms:
        hits = sorted(t for t in expansions.get(q, {}) if t in own)
        if hits:
            found.append(need.words.get(q, q))
            compounds += [t for t in hits if t != q and t not in compounds]
    return found, compounds


def explain(
    s: Scored,
    near: Nearness,
    need: Need,
    expansions: Mapping[str, Mapping[str, float]],
    home: Home | None = None,
) -> tuple[Reason, ...]:
    """Why an offer ranked: matched words, fields, target group, where (Danish and English)."""
    offer = s.offer
    reasons: list[Reason] = []
    found, compounds = matched_terms(s.terms, need, expansions)
    if found:
        listed = ", ".join(f'"{w}"' for w in found)
        da = f"Ord fra behovet findes i tilbuddet: {listed}"
        en = f"Words of the need found in the offer: {listed}"
        if compounds:
            da += f" (også i sammensatte ord: {', '.join(compounds)})"
            en += f" (also inside compound words: {', '.join(compounds)})"
        reasons.append(Reason("words", da, en))
    shared_fields = [code for code in need.fields if code in offer.fields]
    if shared_fields:
        fields = [field_by_code()[code] for code in shared_fields]
        reasons.append(
            Reason(
                "fields",
                "Fagområde: " + ", ".join(f.name_da for f in fields),
                "Field: " + ", ".join(f.name_en for f in fields),
            )
        )
    if need.target_group and need.target_group in offer.target_groups:
        da, en = TARGET_GROUPS[need.target_group]
        reasons.append(Reason("target_group", f"Målgruppe: {da}", f"Target group: {en}"))
    reasons.append(_where(offer, near, need, home))
    return tuple(reasons)


def _where(offer: Offer, near: Nearness, need: Need, home: Home | None) -> Reason:
    town = municipality_by_code()[need.municipality].name
    region = _region_name(need.region)
    if not serves(offer, need.municipality, need.region):
        served = _served(offer)
        return Reason(
            "where",
            f"Uden for tilbuddets område: tilbydes kun i {served}, ikke i {town}",
            f"Outside the offer's area: offered only in {served}, not in {town}",
        )
    if offer.kind == "activity":
        place = _municipality_name(offer.municipality_code)
        when = f" {offer.starts_at:%d.%m.%Y}" if offer.starts_at else ""
        if near == "same_municipality":
            return Reason("where", f"Finder sted i {town}{when}", f"Takes place in {town}{when}")
        if near == "same_region":
            return Reason(
                "where",
                f"Finder sted i {place}, {region}{when}",
                f"Takes place in {place}, {region}{when}",
            )
        if near == "national":
            return Reason("where", f"Online{when}", f"Online{when}")
        if place:
            other = _region_name(region_of(offer.municipality_code or ""))
            return Reason(
                "where",
                f"Finder sted i {place} ({other}), uden for virksomhedens region{when}",
                f"Takes place in {place} ({other}), outside the firm's region{when}",
            )
        return Reason("where", "Sted ikke oplyst", "Place not given")
    if near == "same_municipality":
        if offer.area_kind == "national":
            return Reason(
                "where",
                f"Landsdækkende; organisationen har hjemme i {town}",
                f"Nationwide; the organisation is based in {town}",
            )
        return Reason("where", f"Tilbydes i {town}", f"Offered in {town}")
    if near == "same_region":
        if offer.area_kind == "national":
            return Reason(
                "where",
                f"Landsdækkende; organisationen har hjemme i {region}",
                f"Nationwide; the organisation is based in {region}",
            )
        return Reason("where", f"Tilbydes i {region}", f"Offered in {region}")
    # a service that serves the firm and is neither in its municipality nor its region is a
    # nationwide one at home elsewhere (one bound to an area elsewhere is outside, above)
    based = _region_name(home[1]) if home and home[1] else None
    suffix_da = f"; organisationen har hjemme i {based}" if based else ""
    suffix_en = f"; the organisation is based in {based}" if based else ""
    return Reason(
        "where",
        f"Landsdækkende tilbud, også for {town}{suffix_da}",
        f"Nationwide offer, also for {town}{suffix_en}",
    )


def _served(offer: Offer) -> str:
    """The regions or (at most five) municipalities a service's declared area names."""
    if offer.area_kind == "regions":
        return ", ".join(_region_name(c) for c in offer.area_codes)
    served = ", ".join(_municipality_name(c) or c for c in offer.area_codes[:5])
    return served + " …" if len(offer.area_codes) > 5 else served


def _region_name(code: str | None) -> str:
    found = region_by_code().get(code or "")
    return found.name if found else (code or "")


def _municipality_name(code: str | None) -> str | None:
    found = municipality_by_code().get(code or "")
    return found.name if found else None
