"""Danish free text as search terms: words, stop words out, Snowball stems (§5 matching).

``virksomheder``, ``virksomhedens`` and ``virksomhed`` all become ``virksom``; "eksportere" and
"eksport" both ``eksport``. English words pass through the same Danish stemmer, which leaves
most of them recognisable; both sides of a match go through the same function, so they meet.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[0-9a-zæøåéüöä]+", re.IGNORECASE)

#: Danish (and a few English) words that say nothing about a need or an offer.
STOP_WORDS: frozenset[str] = frozenset(
    """
    og i jeg det at en den til er som på de med han af for ikke der var mig sig men et har om
    vi min havde ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal selv
    her alle vil blev kunne ind når være dog noget ville jo deres efter ned skulle denne end
    dette mit også under have dig anden hende mine alt meget sit sine vor mod disse hvis din
    nogle hos blive mange ad bliver hendes været thi jer sådan vores kan få gerne ønsker
    inden ved ny nye nyt via samt blandt mellem hvordan
    virksomhed virksomheden virksomheder virksomhedens firma firmaet hjælp hjælpe brug behov
    the a an of to in for and or with on at by from is are be we our their need needs help
    """.split()
)

_stemmer = snowballstemmer.stemmer("danish")


def words(text: str) -> list[str]:
    """Lower-cased words of ``text`` (letters incl. æ ø å, digits), NFC-normalised."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


def terms(text: str) -> list[str]:
    """The stems of the words of ``text`` that carry meaning, in order (repeats kept)."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS and len(w) > 1]


def index_terms(*texts: str | None) -> str:
    """What ``search_terms`` stores for a service or activity: its stems, space separated."""
    return " ".join(t for text in texts if text for t in terms(text))
