"""Who may do what to a cluster: the checks the cluster use cases share (§1).

Profile and member writes only by the cluster organisation itself; leagues by FIVU/RTI or a
regional growth forum (``rules.responsibility.sets_leagues``); any registry write needs a
token that holds a registry scope.
"""

from __future__ import annotations

from services.registry.rules.responsibility import sets_leagues
from shared.auth import Principal
from shared.errors import Problem


def require_cluster_itself(principal: Principal, cluster_id: str, what: str) -> None:
    """Writes to a profile and its members only by the cluster organisation itself."""
    if principal.organisation_id != cluster_id and not principal.has("admin"):
        raise Problem(
            403,
            "not-your-cluster",
            f"Only the cluster organisation itself may {what}; you act as "
            f"{principal.organisation_id}.",
        )
    if principal.organisation_id == cluster_id and not principal.has("clusters:write"):
        raise Problem(403, "insufficient-scope", "This needs the scope 'clusters:write'.")


def is_league_authority(principal: Principal) -> bool:
    """§1: leagues are set by FIVU/RTI or a regional growth forum."""
    return sets_leagues(principal.organisation_id, principal.organisation_kind)


def require_league_authority(principal: Principal, what: str) -> None:
    if not is_league_authority(principal):
        raise Problem(
            403,
            "not-a-league-authority",
            f"Only FIVU/RTI or a regional growth forum may {what}.",
        )
    require_registry_scope(principal)


def require_registry_scope(principal: Principal) -> None:
    """A token narrowed to other scopes (say funding:write only) may not act on the registry."""
    if not principal.has("organisations:write"):
        raise Problem(
            403,
            "insufficient-scope",
            "This needs the scope 'organisations:write', which your token does not hold.",
            required_scope="organisations:write",
        )
