"""The inverted index of offers and the relevance shortlist (§5; formula in the package
docstring)."""

from __future__ import annotations

import json
import math
import sys
from bisect import insort
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from heapq import nlargest
from itertools import islice
from typing import Any

from services.referrals.rules.matching.model import (
    BAND,
    K1,
    MAX_EXPANSIONS,
    MAX_NEED_TERMS,
    PREFIX_MIN,
    PREFIX_WEIGHT,
    SUFFIX_MIN,
    SUFFIX_WEIGHT,
    W_FIELDS,
    W_TARGET,
    W_TEXT,
    B,
    Need,
    Offer,
    Scored,
    Shortlist,
)
from services.referrals.rules.matching.parts import (
    Part,
    add_text,
    cheapest,
    discard_sorted,
    starting_with,
)


@lru_cache(maxsize=4096)
def codes(stored: str | None) -> tuple[str, ...]:
    """A JSON list of codes as stored (``'["energy", "digital"]'``) as one shared tuple of
    interned strings: offers with the same fields, target groups or area share it."""
    return tuple(sys.intern(str(code)) for code in json.loads(stored or "[]") or ())


_NONE: frozenset[int] = frozenset()

#: How many offers give the floor (their exact scores) before the postings are read.
_FLOOR_SAMPLE = 200


class TermIndex:
    """An inverted index of offers: stem → postings (offer number → the saturated BM25 weight
    of the stem in that offer, ``tf / (tf + k1·(1 − b + b·|d|/L))``, below 1), the sorted
    vocabulary for compound expansion, field → offers, and the declared areas (region or
    municipality → the services bound to an area that serve it), so a match keeps to the
    services open to the firm with set operations, not a look at each offer. Changes one
    offer at a time (``put`` replaces, ``remove`` drops), so a replica keeps it current
    incrementally. ``L`` is the average length when the weights were last computed; they are
    computed again (``reweigh``) when the average has moved by more than 10 %.

    ``shortlist`` does not score every offer a common word touches: the parts of the need are
    taken rarest first (by the most each can add, as in MaxScore), and once the offers not
    seen yet cannot reach the lowest band the answer needs, the offers seen so far are scored
    exactly by looking them up in the remaining postings. The result is the same as scoring
    every offer."""

    def __init__(self) -> None:
        self._postings: dict[str, dict[int, float]] = {}
        #: per term, an upper bound of its weights (not lowered by ``remove``; still a bound)
        self._peak: dict[str, float] = {}
        self._vocab: list[str] = []
        self._reversed: list[str] = []
        self._by_field: dict[str, set[int]] = {}
        #: services with a declared area (not nationwide), and who of them serves where
        self._area_bound: set[int] = set()
        self._in_region: dict[str, set[int]] = {}
        self._in_municipality: dict[str, set[int]] = {}
        self._lengths: dict[int, int] = {}
        self._total_length = 0
        self._norm_length = 0.0
        self._offers: dict[int, Offer] = {}
        #: per offer: its distinct stems and their frequencies (capped at 255)
        self._terms: dict[int, tuple[str, ...]] = {}
        self._tfs: dict[int, bytes] = {}
        self._numbers: dict[tuple[str, str], int] = {}
        self._next = 0
        self._activities = 0
        #: weight by offer length and term frequency (with the current L)
        self._weights: dict[int, dict[int, float]] = {}

    def __len__(self) -> int:
        return len(self._offers)

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self._numbers

    def _weight(self, tf: int, length: int) -> float:
        row = self._weights.get(length)
        if row is None:
            row = self._weights[length] = {}
        weight = row.get(tf)
        if weight is None:
            norm = K1 * (1 - B + B * length / self._norm_length)
            weight = row[tf] = tf / (tf + norm)
        return weight

    def put(self, offer: Offer, stems: Iterable[str], *, weigh: bool = True) -> None:
        """Index ``offer`` with its stems (``search_terms`` split), replacing an older version.
        ``weigh=False`` leaves the weights to a ``reweigh`` that follows (a bulk build). Stems
        are interned (every offer shares one string per stem); give offers whose code tuples
        are shared too (``codes``), and 50,000 offers cost little more than their names."""
        self.remove(offer.key)
        counts = Counter(map(sys.intern, stems))
        number = self._next
        self._next += 1
        self._numbers[offer.key] = number
        self._offers[number] = offer
        self._activities += offer.kind == "activity"
        self._terms[number] = tuple(counts)
        try:
            self._tfs[number] = bytes(counts.values())
        except ValueError:  # a stem more than 255 times
            self._tfs[number] = bytes(min(255, tf) for tf in counts.values())
        length = max(1, sum(counts.values()))
        self._lengths[number] = length
        self._total_length += length
        if not self._norm_length:
            self._norm_length = float(length)
        for term, tf in counts.items():
            postings = self._postings.get(term)
            if postings is None:
                postings = self._postings[term] = {}
                self._peak[term] = 0.0
                insort(self._vocab, term)
                insort(self._reversed, term[::-1])
            if weigh:
                weight = postings[number] = self._weight(tf, length)
                if weight > self._peak[term]:
                    self._peak[term] = weight
            else:
                postings[number] = 0.0
        for code in offer.fields:
            self._by_field.setdefault(code, set()).add(number)
        if offer.kind == "service" and offer.area_kind != "national":
            self._area_bound.add(number)
            for code in offer.area_codes:
                self._served(offer).setdefault(code, set()).add(number)

    def _served(self, offer: Offer) -> dict[str, set[int]]:
        return self._in_region if offer.area_kind == "regions" else self._in_municipality

    def put_many(self, offers: Iterable[tuple[Offer, Iterable[str]]]) -> None:
        """``put`` each, then weigh once with the new average length (a bulk build)."""
        for offer, stems in offers:
            self.put(offer, stems, weigh=False)
        self.reweigh()

    def remove(self, key: tuple[str, str]) -> None:
        number = self._numbers.pop(key, None)
        if number is None:
            return
        offer = self._offers.pop(number)
        self._activities -= offer.kind == "activity"
        self._total_length -= self._lengths.pop(number)
        del self._tfs[number]
        for term in self._terms.pop(number):
            postings = self._postings[term]
            del postings[number]
            if not postings:
                del self._postings[term]
                del self._peak[term]
                discard_sorted(self._vocab, term)
                discard_sorted(self._reversed, term[::-1])
        for code in offer.fields:
            self._by_field[code].discard(number)
        if number in self._area_bound:
            self._area_bound.discard(number)
            for code in offer.area_codes:
                self._served(offer)[code].discard(number)
        if not self._offers:
            self._norm_length = 0.0
            self._weights.clear()

    def reweigh(self) -> None:
        """Compute every weight again with L = the current average length."""
        if not self._offers:
            return
        self._norm_length = self._total_length / len(self._offers)
        self._weights.clear()
        postings, lengths, tfs, weigh = self._postings, self._lengths, self._tfs, self._weight
        for number, terms in self._terms.items():
            length = lengths[number]
            row = self._weights.get(length) or {}
            for term, tf in zip(terms, tfs[number], strict=True):
                weight = row.get(tf)
                if weight is None:
                    weight = weigh(tf, length)
                    row = self._weights[length]
                postings[term][number] = weight
        self._peak = {term: max(p.values()) for term, p in postings.items()}

    def _having_all(self, parts: Sequence[Part]) -> set[int]:
        """Offers that have every part (a match of each stem, each field), rarest part first."""
        found: set[int] | None = None
        for part in sorted(parts, key=lambda p: p.cost):
            if part.matches:
                lists = [self._postings[t] for t in part.matches]
                if found is None:
                    found = set().union(*lists)
                else:  # dict_keys & set walks the smaller side
                    found = set().union(*[post.keys() & found for post in lists])
            else:
                having = self._by_field.get(part.code, set())
                found = set(having) if found is None else found & having
            if not found:
                return set()
        return found or set()

    def expand(self, q: str) -> dict[str, float]:
        """Index terms a stem of the need matches, with their weights (package docstring)."""
        found: dict[str, float] = {}
        if q in self._postings:
            found[q] = 1.0

        def add(term: str, weight: float) -> None:
            if found.get(term, 0.0) < weight:
                found[term] = weight

        if len(q) >= PREFIX_MIN:
            for term in starting_with(self._vocab, q, MAX_EXPANSIONS):
                add(term, PREFIX_WEIGHT)
            for end in range(PREFIX_MIN, len(q)):
                if q[:end] in self._postings:
                    add(q[:end], PREFIX_WEIGHT)
        if len(q) >= SUFFIX_MIN:
            for term in starting_with(self._reversed, q[::-1], MAX_EXPANSIONS):
                add(term[::-1], SUFFIX_WEIGHT)
            for start in range(1, len(q) - SUFFIX_MIN + 1):
                if q[start:] in self._postings:
                    add(q[start:], SUFFIX_WEIGHT)
        return found

    def shortlist(self, need: Need, limit: int) -> Shortlist:
        """Every offer in the best relevance bands that together hold ``limit`` offers
        (nearness orders them afterwards, so the answer's top ``limit`` are among them)."""
        n = len(self._offers)
        if n == 0:
            return Shortlist([], 0, {})
        if abs(self._total_length / n - self._norm_length) > 0.1 * self._norm_length:
            self.reweigh()
        postings, offers = self._postings, self._offers
        stems: list[tuple[float, float, str, dict[str, float]]] = []
        expansions: dict[str, dict[str, float]] = {}
        for q in need.terms:
            matches = self.expand(q)
            if matches:
                expansions[q] = matches
                df = max(len(postings[t]) for t in matches)
                peak = max(w * self._peak[t] for t, w in matches.items())
                stems.append((math.log(1 + (n - df + 0.5) / (df + 0.5)), peak, q, matches))
        if len(stems) > MAX_NEED_TERMS:
            stems = nlargest(MAX_NEED_TERMS, stems, key=lambda s: s[0])
        idf_sum = sum(s[0] for s in stems) or 1.0
        w_text = W_TEXT if need.terms else 0.0
        w_fields = W_FIELDS if need.fields else 0.0
        w_target = W_TARGET if need.target_group else 0.0
        total = (w_text + w_fields + w_target) or 1.0
        c_text, c_target = w_text / total, w_target / total
        c_field = w_fields / total / max(1, len(need.fields))
        parts = [
            Part(
                c_text * idf / idf_sum * peak,
                idf / idf_sum,
                m,
                q,
                sum(len(postings[t]) for t in m),
            )
            for idf, peak, q, m in stems
        ]
        parts += [
            Part(c_field, 1.0, {}, code, len(self._by_field.get(code, ()))) for code in need.fields
        ]
        parts.sort(key=lambda p: -p.bound)

        group, kinds, now = need.target_group, need.kinds, need.now
        filtered = not kinds >= {"service", "activity"} or (self._activities and now is not None)
        tied = self._area_bound if self._area_bound and not need.include_outside_area else None
        here = self._in_municipality.get(need.municipality, _NONE) | self._in_region.get(
            need.region, _NONE
        )  # the services bound to an area that serve the firm

        def eligible(numbers: Any) -> Any:  # those whose area serves the firm (set operations)
            return numbers if tied is None else (numbers - tied) | (numbers & here)

        def offered(number: int) -> bool:
            if tied is not None and number in tied and number not in here:
                return False
            if not filtered:
                return True
            offer = offers[number]
            if offer.kind not in kinds:
                return False
            return now is None or offer.ends_at is None or offer.ends_at >= now

        def rest_bound(rest: Sequence[Part]) -> float:
            text_rest = sum(p.bound for p in rest if p.matches) / c_text if c_text else 0.0
            fields_rest = sum(1 for p in rest if not p.matches)
            return c_text * min(1.0, text_rest) + c_field * fields_rest + c_target

        def probes(rest: Sequence[Part]) -> tuple[list[tuple[float, list[Any]]], list[str]]:
            text_parts = [
                (p.weight, [(postings[t], w) for t, w in p.matches.items()])
                for p in rest
                if p.matches
            ]
            return text_parts, [p.code for p in rest if not p.matches]

        def exact(number: int, rest_text: list[Any], rest_fields: list[str]) -> float:
            t, f = text.get(number, 0.0), covered.get(number, 0)
            for share, lists in rest_text:
                t += share * max((w * post.get(number, 0.0) for post, w in lists), default=0.0)
            offer = offers[number]
            f += sum(1 for code in rest_fields if code in offer.fields)
            g = c_target if group is not None and group in offer.target_groups else 0.0
            return c_text * min(1.0, t) + c_field * f + g

        text: dict[int, float] = {}
        covered: dict[int, int] = {}

        def take(part: Part) -> None:
            if part.matches:
                add_text(text, part, postings)
            else:
                for number in self._by_field.get(part.code, ()):
                    covered[number] = covered.get(number, 0) + 1

        def floor_of(numbers: Iterable[int], rest: Sequence[Part]) -> float:
            """The lower edge of the band the answer reaches at least: the band of the
            limit-th best exact score among some real offers (0 if fewer than limit)."""
            rest_text, rest_fields = probes(rest)
            known = sorted(
                (exact(x, rest_text, rest_fields) for x in numbers if offered(x)), reverse=True
            )
            return (round(known[limit - 1] / BAND) - 0.5) * BAND if len(known) >= limit else 0.0

        # 1. A floor from the offers that have every part of the need (usually the best), then
        #    the cheapest set of parts to read in full such that no offer outside them can
        #    reach that floor; the other parts are only looked up for the offers read.
        floor = floor_of(islice(eligible(self._having_all(parts)), _FLOOR_SAMPLE), parts)
        plan = cheapest(parts, lambda rest: rest_bound(rest) < floor) if floor > 0 else None
        if plan is not None:
            read, rest = plan
            for part in read:
                take(part)
            cut = floor
        else:
            # 2. Otherwise read the parts cheapest first, each time raising the floor with the
            #    exact scores of the best offers read so far, until the parts not read cannot
            #    lift an offer not read yet to the floor (MaxScore's stopping rule).
            ordered = sorted(parts, key=lambda p: p.cost)
            rest, cut = [], -1.0
            for i, part in enumerate(ordered):
                take(part)
                unread = ordered[i + 1 :]
                if not unread or rest_bound(unread) >= 1.0 - BAND / 2:
                    continue
                if covered:
                    promising = nlargest(
                        _FLOOR_SAMPLE,
                        eligible(text.keys() | covered.keys()),
                        key=lambda x: (
                            c_text * min(1.0, text.get(x, 0.0)) + c_field * covered.get(x, 0)
                        ),
                    )
                else:
                    promising = nlargest(_FLOOR_SAMPLE, eligible(text.keys()), key=text.__getitem__)
                floor = max(floor, floor_of(promising, unread))
                if rest_bound(unread) < floor:
                    rest, cut = unread, floor
                    break

        # 3. Exact scores of the offers read (a tight loop: there may be thousands), then the
        #    full Scored only for the best bands.
        rest = sorted(rest, key=lambda p: -p.bound)
        bound = rest_bound(rest)
        rest_text, rest_fields = probes(rest)
        rest_fields_parts = [p for p in rest if not p.matches]
        text_rest = [p for p in rest if p.matches]
        #: the most the parts after the k-th looked-up stem can still add
        after = [rest_bound(text_rest[k + 1 :] + rest_fields_parts) for k in range(len(text_rest))]
        rows: list[tuple[float, int, float, int]] = []
        for number in eligible(text.keys() | covered.keys() if covered else text.keys()):
            if filtered and not offered(number):
                continue
            t, f = text.get(number, 0.0), covered.get(number, 0)
            if rest:
                if c_text * min(1.0, t) + c_field * f + bound < cut:
                    continue  # cannot reach the lowest band the answer needs
                for k, (share, lists) in enumerate(rest_text):
                    best = 0.0
                    for post, w in lists:
                        weight = post.get(number)
                        if weight is not None and w * weight > best:
                            best = w * weight
                    if best:
                        t += share * best
                    elif c_text * min(1.0, t) + c_field * f + after[k] < cut:
                        break  # lacks this stem: can no longer reach the band
                else:
                    best = -1.0
                if best == 0.0:
                    continue
                if rest_fields:
                    offer_fields = offers[number].fields
                    f += sum(1 for code in rest_fields if code in offer_fields)
            relevance = c_text * min(1.0, t) + c_field * f
            if group is not None and group in offers[number].target_groups:
                relevance += c_target
            rows.append((relevance, number, t, f))
        bands = Counter(round(row[0] / BAND) for row in rows)
        kept, lowest = 0, 0
        for band in sorted(bands, reverse=True):
            kept += bands[band]
            lowest = band
            if kept >= limit:
                break
        n_fields = max(1, len(need.fields))
        scored = [
            Scored(
                offers[number],
                relevance,
                min(1.0, t),
                f / n_fields,
                1.0 if group is not None and group in offers[number].target_groups else 0.0,
                self._terms[number],
            )
            for relevance, number, t, f in rows
            if round(relevance / BAND) >= lowest
        ]
        return Shortlist(scored, len(rows), expansions)
