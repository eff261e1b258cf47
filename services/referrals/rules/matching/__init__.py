"""Matching a firm's need to services and activities anywhere in the country (§5) — pure.

§5: the parties refer firms to each other "also across municipal and regional borders when the
most relevant offer is elsewhere". So relevance ranks first and nearness only orders offers of
about equal relevance: the best offer elsewhere beats a weak local one.

**Eligibility** (``serves``): a service is offered to a firm only where its declared area
serves the firm's municipality — a nationwide service everywhere, a regional one in the
municipalities of its regions, a municipal one in its municipalities. Erhvervshus
Midtjylland's export advice, offered in Region Midtjylland, is not an answer for a firm on
Bornholm (0400, Region Hovedstaden); a nationwide service in Aarhus is. An activity has no
declared area (a firm can come from anywhere, §4.5 open access), so it is always eligible and
nearness orders it. ``include_outside_area`` lifts the rule: services outside their area are
then scored as well and marked (``Ranked.outside_area``, and the "where" reason says so). The
index keeps the areas (region or municipality → the area-bound services serving it), so the
rule is set operations in the shortlist, not a look at each offer.

**Relevance** (0..1) of an eligible offer *d* for a need, three components with fixed weights:

    relevance = (0.6·text + 0.3·fields + 0.1·target) / (sum of the weights in play)

    W_TEXT = 0.6     the words of the need (``text``, below)
    W_FIELDS = 0.3   the asked-for fields of strength
    W_TARGET = 0.1   the asked-for target group

A component is in play when the need asks for it: ``text`` when the need has words that carry
meaning, ``fields`` when fields are given, ``target`` when a target group is given. So a need
of words alone is ranked by ``text`` alone; words and one field: 2/3 text, 1/3 field.

- ``text`` — saturated BM25 over Snowball stems (``rules.text``). For each distinct stem *q*
  of the need, its matches *M(q)* are the index term *q* itself (weight 1.0) and, for Danish
  compounds, index terms that start with *q* or that *q* starts with (both at least 4 letters,
  weight 0.7: "eksport" ↔ "eksportrådgivning", "fødevar" ↔ "fødevarevirksom") and index terms
  that end with *q* or that *q* ends with (at least 5 letters, weight 0.5: "rådgivning" ↔
  "eksportrådgivning"; the head of a Danish compound is its last part). The vocabulary is kept
  sorted (and reversed-sorted), so expansion is a ``bisect``, not a scan. Then

      s(t, d) = tf / (tf + k1·(1 − b + b·|d|/L))             (BM25's tf part over its bound k1+1)
      c(q, d) = idf(q) · max over t in M(q) ∩ d of w(t) · s(t, d)
      idf(q)  = ln(1 + (N − n(q) + 0.5) / (n(q) + 0.5))     n(q) = max over t in M(q) of n(t)
      text    = Σ_q c(q, d) / Σ_q idf(q)

  with k1 = 1.2, b = 0.75, tf the term's frequency in the offer, |d| the offer's number of
  stems, L their average, N the offers indexed and n(t) the offers containing t. Each s is
  below 1 and grows with tf and with a shorter offer, so text is a weighted mean in [0, 1)
  that never saturates: every word of the need once in an offer of average length scores
  1/(1 + k1) ≈ 0.45, in an offer a quarter of that length ≈ 0.66, three times in an offer of
  average length ≈ 0.71. A one-word need therefore still tells offers apart (before, the
  score was clipped at 1 and every offer with the word scored 1.0, leaving nearness alone to
  decide). Stems that match nothing in the whole index are left out of both sums (they
  cannot tell offers apart); at most the 40 rarest stems of a need count.
- ``fields`` — the share of the asked-for fields the offer covers.
- ``target`` — 1 if the offer names the asked-for target group, else 0.

**Order**: by relevance band (relevance rounded to 0.05) descending, then nearness, then the
exact relevance, then kind and id (stable). Nearness of an offer to the firm's municipality:
``same_municipality`` (the offer serves it, or takes place there) < ``same_region`` <
``national`` (a nationwide service whose organisation is at home elsewhere, or an online
activity) < ``other_region`` (an activity elsewhere; a service only when outside its area is
included). A national service serves everywhere, so it is "near" only by its organisation's
home (same municipality or same region as the firm). Neighbouring municipalities are not
modelled (the reference data has no adjacency).
"""

from services.referrals.rules.matching.index import TermIndex, codes
from services.referrals.rules.matching.model import (
    BAND,
    K1,
    NEARNESS_ORDER,
    PREFIX_WEIGHT,
    SUFFIX_WEIGHT,
    W_FIELDS,
    W_TARGET,
    W_TEXT,
    B,
    Home,
    Nearness,
    Need,
    Offer,
    OfferKind,
    Ranked,
    Reason,
    Scored,
    Shortlist,
    region_of,
    serves,
)
from services.referrals.rules.matching.order import (
    explain,
    explained,
    matched_terms,
    nearness,
    order,
    placed,
)

__all__ = [
    "BAND",
    "K1",
    "NEARNESS_ORDER",
    "PREFIX_WEIGHT",
    "SUFFIX_WEIGHT",
    "W_FIELDS",
    "W_TARGET",
    "W_TEXT",
    "B",
    "Home",
    "Nearness",
    "Need",
    "Offer",
    "OfferKind",
    "Ranked",
    "Reason",
    "Scored",
    "Shortlist",
    "TermIndex",
    "codes",
    "explain",
    "explained",
    "matched_terms",
    "nearness",
    "order",
    "placed",
    "region_of",
    "serves",
]
