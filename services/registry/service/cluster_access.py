"""Who may do what to a cluster: the use cases apply ``rules/authority.py`` (§1) here.

A refusal is a ``shared.refusal.Refusal``: a 403 problem that names the rule (``rule``) and
lists who may act (``may_act``, organisation ids); a token without a scope the write needs is
refused with ``insufficient-scope`` (``required_scope``, ``accepted_scopes``).
"""

from __future__ import annotations

from collections.abc import Iterable

from services.registry.models import Cluster
from services.registry.rules import authority
from shared.auth import Principal


def check(
    principal: Principal,
    action: str,
    may_act: Iterable[str],
    *,
    rule: str,
    kind: str,
    what: str,
) -> None:
    refusal = authority.authorise(
        action,
        principal.organisation_id,
        principal.scopes,
        may_act,
        rule=rule,
        kind=kind,
        what=what,
    )
    if refusal is not None:
        raise refusal


def check_scope(principal: Principal, action: str) -> None:
    refusal = authority.scope_refusal(action, principal.scopes)
    if refusal is not None:
        raise refusal


def responsible_parties(cluster: Cluster) -> list[str]:
    """The parties responsible for the cluster's base funding in force (computed or agreed),
    as last stored with the cluster."""
    resp = cluster.responsibility or {}
    return [*resp.get("primary", []), *resp.get("also", [])]


def require_cluster_itself(principal: Principal, cluster_id: str, what: str) -> None:
    """Writes to a profile, its members and its seat offers: the cluster organisation itself."""
    check(
        principal,
        "cluster_itself",
        authority.cluster_itself(cluster_id),
        rule="cluster_itself",
        kind="not-your-cluster",
        what=f"Only the cluster organisation itself may {what}",
    )


def require_registrar(principal: Principal, league: str, home_municipality: str) -> None:
    check(
        principal,
        "register_cluster",
        authority.registrars(league, home_municipality),
        rule="register_cluster",
        kind="not-a-league-authority",
        what=(
            "Clusters are registered by FIVU/RTI (world-class and national), by the growth "
            "forum of the cluster's home area, or by the Klyngeforum secretariat"
        ),
    )


def require_league_setter(principal: Principal, cluster: Cluster) -> None:
    check(
        principal,
        "change_league",
        authority.league_setters(responsible_parties(cluster)),
        rule="change_league",
        kind="not-a-league-authority",
        what=(
            "A cluster's league is changed by FIVU/RTI or a growth forum responsible for the "
            "cluster (§1)"
        ),
    )


def require_status_setter(principal: Principal, cluster: Cluster) -> None:
    check(
        principal,
        "change_status",
        authority.status_setters(cluster.id, responsible_parties(cluster)),
        rule="change_status",
        kind="not-allowed",
        what=(
            "A cluster's status is changed by the cluster itself, FIVU/RTI, a growth forum "
            "responsible for it or the secretariat"
        ),
    )
    if principal.organisation_id == cluster.id:
        check_scope(principal, "cluster_itself")
