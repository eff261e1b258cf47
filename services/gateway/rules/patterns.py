"""Event type patterns: which event types an SSE client or a webhook subscription wants.

Pure functions, no I/O. An event type is ``<service>.<entity>.<verb>`` (the catalog's names,
e.g. ``funding.call.planned``). A pattern is dot-separated tokens:

==========================  ========================================================
``funding.call.planned``    exactly that type
``funding.call.*``          every type under ``funding.call`` (one or more segments)
``funding.*``               every funding event (``funding.>`` is the same)
``*`` or ``>``              every event type
``*.dialogue.*``            a ``*`` *before* the end is exactly one segment:
                            every service's ``dialogue`` events
``*.*.requested``           every ``…requested`` event
==========================  ========================================================

Grammar::

    pattern := token ("." token)*
    token   := name | "*" | ">"          (">" only as the last token)
    name    := [a-z0-9_]+

A ``*`` or ``>`` as the **last** token matches one or more remaining segments (so
``funding.*`` matches ``funding.call.planned``); a ``*`` anywhere else matches exactly one
segment (NATS's ``*``). Names are lower case, as the catalog's are; no spaces.

A list of patterns matches a type when any of its patterns does (:func:`matches`); the empty
list matches nothing — callers that mean "everything" say ``["*"]``.
:func:`validate_patterns` returns the problems of a list (empty when it is fine), including a
pattern that is well formed but matches no event type of the catalog (a typo such as
``fundng.*`` would otherwise silently match nothing forever).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from shared.events.catalog import CATALOG

#: At most this many patterns in one list (an SSE query or a webhook subscription).
MAX_PATTERNS = 20
#: At most this many characters in one pattern.
MAX_PATTERN_LENGTH = 120

_NAME = re.compile(r"^[a-z0-9_]+$")
_TAIL = ("*", ">")


def _as_list(patterns: Iterable[str] | str) -> list[str]:
    # A bare string is one pattern, never an iterable of one-character patterns.
    return [patterns] if isinstance(patterns, str) else list(patterns)


def matches_one(pattern: str, type_: str) -> bool:
    """Whether one (well-formed) pattern matches the event type ``type_``."""
    tokens = pattern.strip().split(".")
    segments = type_.split(".")
    last = len(tokens) - 1
    for i, token in enumerate(tokens):
        if i == last and token in _TAIL:
            return len(segments) > i  # one or more remaining segments
        if i >= len(segments):
            return False
        if token != "*" and token != segments[i]:
            return False
    return len(tokens) == len(segments)


def matches(patterns: Iterable[str] | str, type_: str) -> bool:
    """Whether any of ``patterns`` matches the event type ``type_`` (``[]`` matches nothing)."""
    return any(matches_one(p, type_) for p in _as_list(patterns))


def _known_types() -> list[str]:
    return list(CATALOG)


def _shape_problem(pattern: str) -> str | None:
    if not pattern:
        return "An empty pattern matches nothing; leave it out or use '*' for every type."
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"The pattern is longer than {MAX_PATTERN_LENGTH} characters."
    if pattern != pattern.strip() or any(c.isspace() for c in pattern):
        return f"The pattern {pattern!r} contains spaces."
    tokens = pattern.split(".")
    for i, token in enumerate(tokens):
        if token == "":
            return f"The pattern {pattern!r} has an empty segment (two dots, or a dot at an end)."
        if token == ">" and i != len(tokens) - 1:
            return f"The pattern {pattern!r} has '>' before its end; '>' may only come last."
        if token in _TAIL:
            continue
        if "*" in token or ">" in token:
            return (
                f"The pattern {pattern!r} mixes a wildcard into a name ({token!r}); a wildcard "
                "is a whole segment: 'funding.*', not 'funding.call*'."
            )
        if not _NAME.match(token):
            lower = " (event types are lower case)" if token.lower() != token else ""
            return (
                f"The pattern {pattern!r} has the segment {token!r}: names are letters a–z, "
                f"digits and '_'{lower}."
            )
    return None


def _shaped_like(pattern: str, known: Iterable[str]) -> list[str]:
    """Patterns of the same shape that would match (suggestions: 'fundng.*' → 'funding.*')."""
    tokens = pattern.split(".")
    out: list[str] = []
    for type_ in known:
        segments = type_.split(".")
        if len(tokens) > len(segments):
            continue
        candidate = ".".join(t if t in _TAIL else s for t, s in zip(tokens, segments, strict=False))
        if candidate not in out and matches_one(candidate, type_):
            out.append(candidate)
    return out


def validate_patterns(
    patterns: Iterable[str] | str, known_types: Iterable[str] | None = None
) -> list[str]:
    """The problems of a list of patterns, one message each; ``[]`` when all are fine.

    ``known_types`` defaults to the event catalog's types; a well-formed pattern that matches
    none of them is a problem too (with a suggestion when a type is close). An empty list is
    not a problem here: whether "no patterns" means everything or nothing is the caller's.
    """
    items = _as_list(patterns)
    problems: list[str] = []
    if len(items) > MAX_PATTERNS:
        problems.append(f"At most {MAX_PATTERNS} patterns, got {len(items)}.")
        return problems
    known = list(known_types) if known_types is not None else _known_types()
    for pattern in items:
        if not isinstance(pattern, str):
            problems.append(f"A pattern must be a string, got {type(pattern).__name__}.")
            continue
        shape = _shape_problem(pattern)
        if shape:
            problems.append(shape)
            continue
        if not any(matches_one(pattern, t) for t in known):
            close = difflib.get_close_matches(pattern, _shaped_like(pattern, known), 1, 0.75)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            problems.append(
                f"The pattern {pattern!r} matches no event type of the catalog (see "
                f"/asyncapi.json).{hint}"
            )
    return problems


def split_patterns(values: Iterable[str] | str) -> list[str]:
    """Patterns from query values that may each hold several, comma-separated.

    ``["funding.*,referrals.*", "registry.cluster.*"]`` → three patterns. Surrounding spaces
    are dropped, empty items skipped, duplicates kept once (first occurrence first).
    """
    out: list[str] = []
    for value in _as_list(values):
        for item in value.split(","):
            item = item.strip()
            if item and item not in out:
                out.append(item)
    return out


def expand(patterns: Iterable[str] | str, known_types: Iterable[str] | None = None) -> set[str]:
    """The known event types (the catalog's by default) that any of ``patterns`` matches."""
    items = _as_list(patterns)
    known = list(known_types) if known_types is not None else _known_types()
    return {t for t in known if matches(items, t)}
