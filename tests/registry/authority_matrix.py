"""The registry's authorisation table (issue 12): every registry write endpoint × organisation
kind × own/other resource → the expected status. One data structure, ``ROWS``; the test
``test_authority_matrix.py`` drives every row through the HTTP API, and the table is the
documentation (rendered into ``docs/authorisation.md``).

How to read a row: ``caller_kind`` acting as ``caller`` (an organisation id; ``None`` for no
token) with the ``relation`` it has to the resource written:

- ``own``: the party the rule names for this resource — FIVU/RTI for a national cluster, the
  growth forum of the cluster's home area and responsible for it, the cluster organisation
  itself, the ministry offered the seat, a party concerned by the exception, a label issuer;
- ``other``: an organisation of the same kind that is not (another forum, ministry, cluster…);
- caller kind ``narrowed_token``: the first party allowed, with a token narrowed to
  ``webhooks:write``; ``no_token``: no token at all.

The resource each row writes to: a national cluster homed in Aalborg (Nordjylland) without
members, so §1 gives FIVU/RTI the primary responsibility and Vækstforum Nordjylland a share;
an innovation network for the seats; an exception proposed by Vækstforum Nordjylland naming
itself and Aalborg Kommune, so FIVU/RTI (named by the matrix) and Aalborg Kommune must confirm.
"""

from __future__ import annotations

from dataclasses import dataclass

NORD = "vaekstforum-nordjylland"
MIDT = "vaekstforum-midtjylland"
#: Placeholders the test replaces with the ids it creates.
CLUSTER = "<the cluster>"
OTHER_CLUSTER = "<another cluster>"
GROWTH_HOUSE = "<a growth house>"
BUSINESS_SERVICE = "<a business service>"
KNOWLEDGE_INSTITUTION = "<a knowledge institution>"
LABEL_ISSUER = "<a label issuer>"


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    caller_kind: str
    relation: str
    expected: int
    caller: str | None


#: Who acts for each kind and relation (ids), unless an endpoint says otherwise.
OWN: dict[str, str] = {
    "ministry": "fivu-rti",
    "growth_forum": NORD,
    "region": "region-1081",
    "municipality": "kommune-0851",
    "cluster_organisation": CLUSTER,
    "forum_secretariat": "klyngeforum",
    "label_issuer": LABEL_ISSUER,
}
OTHER: dict[str, str] = {
    "ministry": "ministeriet-energi",
    "growth_forum": MIDT,
    "region": "region-1082",
    "municipality": "kommune-0101",
    "municipal_association": "kl",
    "cluster_organisation": OTHER_CLUSTER,
    "growth_house": GROWTH_HOUSE,
    "business_service": BUSINESS_SERVICE,
    "knowledge_institution": KNOWLEDGE_INSTITUTION,
}

C = "/registry/v1/clusters"
EXC = f"{C}/{{cluster_id}}/responsibility-overrides/{{override_id}}"

#: endpoint, method, the (kind, relation) pairs allowed with their status, and callers that
#: differ from OWN/OTHER for this endpoint. Every pair not listed is refused with 403.
ENDPOINTS: list[tuple[str, str, dict[tuple[str, str], int], dict[tuple[str, str], str]]] = [
    (
        C,
        "POST",
        {
            ("ministry", "own"): 201,
            ("growth_forum", "own"): 201,
            ("forum_secretariat", "own"): 201,
        },
        {},
    ),
    (
        f"{C}/{{cluster_id}}",
        "PATCH",
        {("cluster_organisation", "own"): 200, ("forum_secretariat", "own"): 200},
        {},
    ),
    (
        f"{C}/{{cluster_id}}/league-changes",
        "POST",
        {("ministry", "own"): 200, ("growth_forum", "own"): 200},
        {},
    ),
    (
        f"{C}/{{cluster_id}}/status",
        "POST",
        {
            ("ministry", "own"): 200,
            ("growth_forum", "own"): 200,
            ("cluster_organisation", "own"): 200,
            ("forum_secretariat", "own"): 200,
        },
        {},
    ),
    (
        f"{C}/{{cluster_id}}/members",
        "POST",
        {("cluster_organisation", "own"): 201, ("forum_secretariat", "own"): 201},
        {},
    ),
    (
        f"{C}/{{cluster_id}}/members/{{member_id}}",
        "PUT",
        {("cluster_organisation", "own"): 200, ("forum_secretariat", "own"): 200},
        {},
    ),
    (
        f"{C}/{{cluster_id}}/members/{{member_id}}",
        "DELETE",
        {("cluster_organisation", "own"): 204, ("forum_secretariat", "own"): 204},
        {},
    ),
    (
        f"{C}/{{cluster_id}}/ministry-seats",
        "POST",
        {("cluster_organisation", "own"): 201, ("forum_secretariat", "own"): 201},
        {},
    ),
    (
        f"{C}/{{cluster_id}}/ministry-seats/{{seat_id}}",
        "PUT",
        {("ministry", "own"): 200},
        {("ministry", "own"): "ministeriet-energi", ("ministry", "other"): "ministeriet-miljoe"},
    ),
    (
        f"{C}/{{cluster_id}}/responsibility-overrides",
        "POST",
        {("ministry", "own"): 201, ("growth_forum", "own"): 201, ("municipality", "own"): 201},
        {},
    ),
    (
        f"{EXC}/confirm",
        "POST",
        {("ministry", "own"): 200, ("growth_forum", "own"): 200, ("municipality", "own"): 200},
        {},
    ),
    (
        f"{EXC}/decline",
        "POST",
        {("ministry", "own"): 200, ("growth_forum", "own"): 200, ("municipality", "own"): 200},
        {},
    ),
    (
        f"{EXC}/withdraw",
        "POST",
        {("ministry", "own"): 200, ("growth_forum", "own"): 200, ("municipality", "own"): 200},
        {},
    ),
    (
        EXC,
        "DELETE",
        {("ministry", "own"): 204, ("growth_forum", "own"): 204, ("municipality", "own"): 204},
        {},
    ),
    (
        f"{C}/{{cluster_id}}/labels",
        "POST",
        {("forum_secretariat", "own"): 201, ("label_issuer", "own"): 201},
        {},
    ),
    (
        "/registry/v1/organisations",
        "POST",
        {
            ("ministry", "own"): 201,
            ("ministry", "other"): 201,
            ("growth_forum", "own"): 201,
            ("growth_forum", "other"): 201,
            ("municipal_association", "other"): 201,
            ("forum_secretariat", "own"): 201,
        },
        {},
    ),
    ("/registry/v1/clients", "POST", {("forum_secretariat", "own"): 201}, {}),
]


def _rows() -> list[Row]:
    rows: list[Row] = []
    for endpoint, method, allowed, callers in ENDPOINTS:
        pairs = [(k, "own") for k in OWN] + [(k, "other") for k in OTHER]
        for kind, relation in pairs:
            caller = callers.get((kind, relation)) or (OWN if relation == "own" else OTHER)[kind]
            rows.append(
                Row(endpoint, method, kind, relation, allowed.get((kind, relation), 403), caller)
            )
        # The first allowed party again, with a token narrowed to webhooks:write: refused.
        kind, relation = next(iter(allowed))
        caller = callers.get((kind, relation)) or (OWN if relation == "own" else OTHER)[kind]
        rows.append(Row(endpoint, method, "narrowed_token", "own", 403, caller))
        rows.append(Row(endpoint, method, "no_token", "-", 401, None))
    return rows


#: The table: every registry write endpoint × organisation kind × relation → status, with
#: the organisation each row acts as.
ROWS: list[Row] = _rows()
#: The same as (method, endpoint, caller kind, relation, expected status), as every
#: service's table is rendered (tests/test_authorisation_doc.py).
MATRIX: list[tuple[str, str, str, str, int]] = [
    (r.method, r.endpoint, r.caller_kind, r.relation, r.expected) for r in ROWS
]
