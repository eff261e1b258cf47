"""Which scopes an API client may hold."""

from __future__ import annotations

from collections.abc import Iterable

from shared.kinds import SCOPES_BY_KIND


class ScopeNotAllowed(ValueError):
    pass


def grantable_scopes(kind: str, requested: Iterable[str] | None) -> list[str]:
    """Scopes a client of an organisation of ``kind`` may hold.

    The upper bound follows the organisation's kind (docs/architecture.md, "The external
    contract"); asking for more is refused, asking for nothing gives the whole bound.
    """
    allowed = SCOPES_BY_KIND.get(kind, ())
    if requested is None:
        return sorted(allowed)
    wanted = set(requested)
    extra = sorted(wanted - set(allowed))
    if extra:
        raise ScopeNotAllowed(f"an organisation of kind '{kind}' cannot hold: {', '.join(extra)}")
    return sorted(wanted)


def narrow_scopes(held: Iterable[str], requested: str | None) -> list[str]:
    """OAuth2 ``scope`` on a token request may only narrow what the client holds."""
    held_set = set(held)
    if not requested:
        return sorted(held_set)
    wanted = set(requested.split())
    extra = sorted(wanted - held_set)
    if extra:
        raise ScopeNotAllowed(f"the client does not hold: {', '.join(extra)}")
    return sorted(wanted)
