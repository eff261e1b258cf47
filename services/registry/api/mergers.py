"""§4.4 merger hints: small emerging organisations sharing a field with a larger one."""

from __future__ import annotations

from fastapi import APIRouter

from services.registry.api.common import PREFIX, Config, Session, summary
from services.registry.schemas.clusters import MergerSuggestionOut
from services.registry.service import merger_hints

router = APIRouter(prefix=PREFIX, tags=["clusters"])


@router.get(
    "/merger-suggestions",
    response_model=list[MergerSuggestionOut],
    tags=["clusters"],
    summary="Small emerging organisations sharing a field with a larger one (§4.4; public)",
)
async def merger_suggestions(session: Session, config: Config) -> list[MergerSuggestionOut]:
    """Pairs of active clusters by the §4.4 rule; a cluster evaluation has flagged (§4.3) is
    no partner. Each pair is also announced once as `registry.merger.suggested`, addressed to
    both clusters and their responsible growth forums."""
    suggestions, rows = await merger_hints.merger_suggestions(session, config)
    return [
        MergerSuggestionOut(
            small=summary(*rows[s.small.id]),
            larger=summary(*rows[s.larger.id]),
            shared_fields=list(s.shared_fields),
            same_region=s.same_region,
            evidence=s.evidence,
        )
        for s in suggestions
    ]
