"""Organisation kinds (who a caller acts as) and the scopes each kind may hold. Pure: the
registry, tokens (``shared.auth``) and the services' rules all speak these names."""

from __future__ import annotations

from typing import Literal, get_args

OrgKind = Literal[
    "ministry",
    "growth_forum",
    "region",
    "municipality",
    "municipal_association",
    "cluster_organisation",
    "growth_house",
    "business_service",
    "knowledge_institution",
    "forum_secretariat",
    "label_issuer",
    "other",
]
ORG_KINDS: tuple[str, ...] = get_args(OrgKind)

#: Scopes a client of each organisation kind may hold (the upper bound at client creation).
SCOPES_BY_KIND: dict[str, tuple[str, ...]] = {
    "ministry": ("organisations:write", "funding:write", "evaluation:write", "webhooks:write"),
    "growth_forum": ("organisations:write", "funding:write", "evaluation:write", "webhooks:write"),
    "region": ("funding:write", "webhooks:write"),
    "municipality": ("funding:write", "referrals:write", "webhooks:write"),
    "municipal_association": ("organisations:write", "webhooks:write"),
    "cluster_organisation": (
        "clusters:write",
        "referrals:write",
        "evaluation:report",
        "webhooks:write",
    ),
    "growth_house": ("referrals:write", "webhooks:write"),
    "business_service": ("referrals:write", "webhooks:write"),
    "knowledge_institution": ("webhooks:write",),
    "forum_secretariat": (
        "organisations:write",
        "clients:write",
        "admin",
        "labels:write",
        "webhooks:write",
    ),
    #: An organisation registered to issue ESCA cluster-management labels (issue 12).
    "label_issuer": ("labels:write", "webhooks:write"),
    "other": (),
}
