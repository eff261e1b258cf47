"""Grants (§4.1): when they may be recorded against a call, and their 360Giving identifiers.
Pure."""

from __future__ import annotations

#: Call states in which grants may be recorded against the call: applications are in
#: (closed) or the decision is made (decided). Not while the competition runs (§4.1).
GRANTABLE_CALL_STATES = frozenset({"closed", "decided"})

# --- 360Giving identifiers -------------------------------------------------------------------

GRANT_PREFIX = "360G-klyngeforum"


def org_identifier(organisation_id: str, cvr: str | None) -> str:
    """org-id.guide style: ``DK-CVR-<cvr>`` where the CVR is known, else a stable local id."""
    if cvr:
        return f"DK-CVR-{cvr}"
    return f"{GRANT_PREFIX}-org-{organisation_id}"


def grant_identifier(grant_id: str) -> str:
    """A grant's 360Giving identifier: the Klyngeforum prefix and the grant's id."""
    return f"{GRANT_PREFIX}-{grant_id}"
