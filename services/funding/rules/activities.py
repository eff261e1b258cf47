"""The activities a grant pays for, as one vocabulary (§3: "which activities each pays for").

Two funders' wordings of an activity are the same activity when, after case, spacing,
hyphens and Danish Snowball stems, they are equal, or both belong to one group of the shipped
synonym list ``services/funding/data/activity_synonyms.json`` ("Matchmaking", "match-making"
and "partnersøgning" are one; "netværksmøder" and "network meetings" another). Pure: the list
is package data, read once.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import snowballstemmer

SYNONYMS_FILE = Path(__file__).resolve().parents[1] / "data" / "activity_synonyms.json"
_WORD = re.compile(r"[0-9a-zæøåéüöä]+")
_stemmer = snowballstemmer.stemmer("danish")


def _stems(wording: str) -> str:
    words = _WORD.findall(unicodedata.normalize("NFC", wording).casefold())
    return " ".join(str(_stemmer.stemWord(w)) for w in words)


@lru_cache(maxsize=1)
def synonym_groups() -> dict[str, str]:
    """Stemmed wording → the code of its synonym group."""
    data = json.loads(SYNONYMS_FILE.read_text(encoding="utf-8"))
    return {
        _stems(wording): code for code, wordings in data["groups"].items() for wording in wordings
    }


@lru_cache(maxsize=4096)
def activity_key(wording: str) -> str:
    """What an activity is compared as: its synonym group's code, else its stemmed words
    ("Match  making" → ``matchmaking``; "Innovationsprojekter" → ``innovation_projects``;
    "Eksportfremme" → ``eksportfrem``)."""
    stems = _stems(wording)
    return synonym_groups().get(stems, stems)


def same_activity(a: str, b: str) -> bool:
    return activity_key(a) == activity_key(b)
