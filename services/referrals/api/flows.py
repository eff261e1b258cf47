"""Flow statistics (§5: the parties monitor that referring — also across municipal and
regional borders — works): ``GET /referrals/v1/flows`` and ``GET /referrals/v1/flows.csv``.

Who may read them: "open to the parties" — a token of an organisation that takes part in the
exchange (growth house, local business service, cluster organisation, municipality) or of one
that monitors it (ministries, growth forums, regions, KL, the Klyngeforum secretariat). Judged
by the token's organisation kind, not its scopes: reading needs no write scope. Any other kind
(knowledge institutions, "other") gets 403; no token, 401. The numbers are counts, rates and
medians of organisations' referrals — no personal data, no free text.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from services.referrals.api.common import PREFIX, Session
from services.referrals.rules.vocabulary import PARTY_KINDS
from services.referrals.schemas.flows import FlowStatistics, PartyKind
from services.referrals.service import flows as service
from shared.auth import Principal, current_principal
from shared.csv_export import SafeCsv
from shared.dependencies import Today
from shared.errors import Problem

router = APIRouter(prefix=PREFIX)

#: Organisation kinds that monitor the exchange without taking part in it (§5 "parterne").
MONITOR_KINDS: frozenset[str] = frozenset(
    {"ministry", "growth_forum", "region", "municipal_association", "forum_secretariat"}
)
#: Who may read the flow statistics.
FLOW_READER_KINDS: frozenset[str] = PARTY_KINDS | MONITOR_KINDS


async def flow_reader(principal: Principal = Depends(current_principal)) -> Principal:
    """A party of the exchange or an organisation that monitors it (see the module)."""
    if principal.organisation_kind not in FLOW_READER_KINDS:
        raise Problem(
            403,
            "not-a-party",
            f"The flow statistics are open to the parties of the referral exchange "
            f"({', '.join(sorted(FLOW_READER_KINDS))}); your organisation is a "
            f"{principal.organisation_kind}.",
        )
    return principal


FlowReader = Annotated[Principal, Depends(flow_reader)]


async def flow_query(
    today: Today,
    from_: Annotated[
        date | None,
        Query(
            alias="from",
            description="First day, inclusive (YYYY-MM-DD, from 00:00 UTC). "
            "Default: 12 months before `to`.",
        ),
    ] = None,
    to: Annotated[
        date | None,
        Query(
            description="Day after the period, exclusive (YYYY-MM-DD). Default: tomorrow, so "
            "today is included. Must be after `from`; the period at most 10 years."
        ),
    ] = None,
    kind: Annotated[
        PartyKind | None,
        Query(description="Only referrals sent or received by an organisation of this kind"),
    ] = None,
    region: Annotated[
        str | None,
        Query(
            max_length=10,
            description="Region code (e.g. 1081): only referrals whose firm or receiving "
            "organisation is in this region (flows into, out of and within it)",
        ),
    ] = None,
) -> service.FlowQuery:
    return service.flow_query(today, from_, to, kind, region)


Flows = Annotated[service.FlowQuery, Depends(flow_query)]

_DESCRIPTION = """
For referrals **created** in the period `[from, to)` (UTC days; default the last 12 months):

- `summary`, `by_sender_kind`, `by_recipient_kind`: referrals by state; **acceptance rate** =
  (accepted + in_progress + completed + failed) / answered, where answered = accepted, rejected,
  in_progress, completed, failed (requested and cancelled are not answers); **completion rate** =
  completed / (completed + failed); shares across municipal and regional borders (from where the
  firm is to where the receiving organisation is); median hours and calendar days from creation
  to answer (answered referrals) and to close (completed and failed ones), with the number of
  referrals each median is over.
- `region_matrix`: firm region → recipient region; `municipality_pairs`: firm municipality →
  recipient municipality, only pairs with referrals, most first.

No personal data and no free text (rejection reasons and outcome texts are not shown). Small
cells are **not** suppressed: the parties are organisations, and a count of 1 names no person.
Open to the parties of the exchange and the organisations that monitor it (ministries, growth
forums, regions, KL, the Klyngeforum secretariat).
"""


@router.get(
    "/flows", tags=["flows"], response_model=FlowStatistics, description=_DESCRIPTION.strip()
)
async def get_flows(session: Session, _: FlowReader, query: Flows) -> FlowStatistics:
    """Flow statistics of the referral exchange (§5)."""
    return FlowStatistics.model_validate(await service.flow_statistics(session, query))


@router.get(
    "/flows.csv",
    tags=["flows"],
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV (UTF-8, comma)"}},
)
async def get_flows_csv(session: Session, _: FlowReader, query: Flows) -> Response:
    """The region matrix (`level` = region, every cell) and the municipality pairs (`level` =
    municipality) of `GET /flows` for the same query, as one CSV table."""
    table = SafeCsv().text(await service.flow_table(session, query))
    name = f"referral-flows-{query.start}-{query.end}.csv"
    return Response(
        table,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
