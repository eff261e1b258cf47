"""The inverted index of offers and the relevance shortlist (§5; formula in the package
docstring)."""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Iterable, Sequence
from heapq import nlargest
from typing import NamedTuple

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


class _Part(NamedTuple):
    """One part of a need: a stem (with its matches) or an asked-for field."""

    bound: float  # the most it can add to any offer's relevance
    weight: float  # text: idf(q) / Σ idf; field: 1
    matches: dict[str, float]  # text: index term → weight; field: {}
    code: str  # text: the stem; field: the field code


class TermIndex:
    """An inverted index of offers: stem → postings (offer number → the BM25 weight of the stem
    in that offer, ``tf·(k1+1) / (tf + k1·(1 − b + b·|d|/L))``), the sorted vocabulary for
    compound expansion, and field → offers. Changes one offer at a time (``put`` replaces,
    ``remove`` drops), so a replica keeps it current incrementally. ``L`` is the average
    length when the weights were last computed; they are computed again (``reweigh``) when the
    average has moved by more than 10 %.

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

    def __len__(self) -> int:
        return len(self._offers)

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self._numbers

    def _weight(self, tf: int, length: int) -> float:
        return (K1 + 1) * tf / (tf + K1 * (1 - B + B * length / self._norm_length))

    def put(self, offer: Offer, stems: Iterable[str]) -> None:
        """Index ``offer`` with its stems (``search_terms`` split), replacing an older version."""
        self.remove(offer.key)
        counts = Counter(stems)
        number = self._next
        self._next += 1
        self._numbers[offer.key] = number
        self._offers[number] = offer
        self._activities += offer.kind == "activity"
        self._terms[number] = tuple(counts)
        self._tfs[number] = bytes(min(255, tf) for tf in counts.values())
        length = max(1, sum(counts.values()))
        self._lengths[number] = length
        self._total_length += length
        if not self._norm_length:
            self._norm_length = float(length)
        for term, tf in counts.items():
            weight = self._weight(tf, length)
            postings = self._postings.get(term)
            if postings is None:
                postings = self._postings[term] = {}
                self._peak[term] = weight
                insort(self._vocab, term)
                insort(self._reversed, term[::-1])
            elif weight > self._peak[term]:
                self._peak[term] = weight
            postings[number] = weight
        for code in offer.fields:
            self._by_field.setdefault(code, set()).add(number)

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
                _discard_sorted(self._vocab, term)
                _discard_sorted(self._reversed, term[::-1])
        for code in offer.fields:
            self._by_field[code].discard(number)
        if not self._offers:
            self._norm_length = 0.0

    def reweigh(self) -> None:
        """Compute every weight again with L = the current average length."""
        if not self._offers:
            return
        self._norm_length = self._total_length / len(self._offers)
        self._peak = dict.fromkeys(self._postings, 0.0)
        for number, terms in self._terms.items():
            length = self._lengths[number]
            for term, tf in zip(terms, self._tfs[number], strict=True):
                weight = self._postings[term][number] = self._weight(tf, length)
                if weight > self._peak[term]:
                    self._peak[term] = weight

    def expand(self, q: str) -> dict[str, float]:
        """Index terms a stem of the need matches, with their weights (package docstring)."""
        found: dict[str, float] = {}
        if q in self._postings:
            found[q] = 1.0

        def add(term: str, weight: float) -> None:
            if found.get(term, 0.0) < weight:
                found[term] = weight

        if len(q) >= PREFIX_MIN:
            for term in _starting_with(self._vocab, q, MAX_EXPANSIONS):
                add(term, PREFIX_WEIGHT)
            for end in range(PREFIX_MIN, len(q)):
                if q[:end] in self._postings:
                    add(q[:end], PREFIX_WEIGHT)
        if len(q) >= SUFFIX_MIN:
            for term in _starting_with(self._reversed, q[::-1], MAX_EXPANSIONS):
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
            _Part(c_text * idf / idf_sum * peak, idf / idf_sum, m, q) for idf, peak, q, m in stems
        ]
        parts += [_Part(c_field, 1.0, {}, code) for code in need.fields]
        parts.sort(key=lambda p: -p.bound)

        group, kinds, now = need.target_group, need.kinds, need.now
        filtered = not kinds >= {"service", "activity"} or (self._activities and now is not None)

        def offered(number: int) -> bool:
            if not filtered:
                return True
            offer = offers[number]
            if offer.kind not in kinds:
                return False
            return now is None or offer.ends_at is None or offer.ends_at >= now

        def rest_bound(rest: Sequence[_Part]) -> float:
            text_rest = sum(p.bound for p in rest if p.matches) / c_text if c_text else 0.0
            fields_rest = sum(1 for p in rest if not p.matches)
            return c_text * min(1.0, text_rest) + c_field * fields_rest + c_target

        text: dict[int, float] = {}
        covered: dict[int, int] = {}
        done = len(parts)
        cut = -1.0
        for i, part in enumerate(parts):
            if part.matches:
                _add_text(text, part, postings)
            else:
                for number in self._by_field.get(part.code, ()):
                    covered[number] = covered.get(number, 0) + 1
            rest = parts[i + 1 :]
            if not rest:
                break
            bound = rest_bound(rest)
            if bound >= min(1.0 - BAND / 2, rest_bound(parts[: i + 1]) - c_target):
                continue  # an offer not seen yet could still be among the best
            if covered or filtered:
                seen = text.keys() | covered.keys() if covered else text.keys()
                partial = nlargest(
                    limit,
                    (
                        c_text * min(1.0, text.get(x, 0.0)) + c_field * covered.get(x, 0)
                        for x in seen
                        if offered(x)
                    ),
                )
            else:
                partial = [c_text * min(1.0, v) for v in nlargest(limit, text.values())]
            if len(partial) < limit:
                continue
            floor = (round(partial[-1] / BAND) - 0.5) * BAND
            if bound < floor:
                done, cut = i + 1, floor
                break

        # Exact scores of the offers seen (a tight loop: there may be thousands), then the
        # full Scored only for the best bands.
        rest, bound = parts[done:], rest_bound(parts[done:])
        rest_text = [
            (p.weight, [(postings[t], w) for t, w in p.matches.items()]) for p in rest if p.matches
        ]
        rest_fields = [p.code for p in rest if not p.matches]
        rows: list[tuple[float, int, float, int]] = []
        for number in text.keys() | covered.keys() if covered else text.keys():
            if filtered and not offered(number):
                continue
            t, f = text.get(number, 0.0), covered.get(number, 0)
            if rest:
                if c_text * min(1.0, t) + c_field * f + bound < cut:
                    continue  # cannot reach the lowest band the answer needs
                for share, lists in rest_text:
                    best = 0.0
                    for post, w in lists:
                        weight = post.get(number)
                        if weight is not None and w * weight > best:
                            best = w * weight
                    t += share * best
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


def _add_text(text: dict[int, float], part: _Part, postings: dict[str, dict[int, float]]) -> None:
    """Add one stem's contribution to every offer that has any of its matches."""
    if len(part.matches) == 1:
        ((term, w),) = part.matches.items()
        scale = part.weight * w
        get = text.get
        for number, weight in postings[term].items():
            text[number] = get(number, 0.0) + scale * weight
        return
    best: dict[int, float] = {}
    for term, w in part.matches.items():
        for number, weight in postings[term].items():
            if w * weight > best.get(number, 0.0):
                best[number] = w * weight
    for number, s in best.items():
        text[number] = text.get(number, 0.0) + part.weight * s


def _starting_with(ordered: list[str], prefix: str, at_most: int) -> list[str]:
    found: list[str] = []
    i = bisect_left(ordered, prefix)
    while i < len(ordered) and len(found) < at_most and ordered[i].startswith(prefix):
        if ordered[i] != prefix:
            found.append(ordered[i])
        i += 1
    return found


def _discard_sorted(ordered: list[str], value: str) -> None:
    i = bisect_left(ordered, value)
    if i < len(ordered) and ordered[i] == value:
        del ordered[i]
