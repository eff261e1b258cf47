"""Evaluation's authorisation table (issue 12): every write endpoint × organisation kind ×
own/other resource → the expected status. ``test_authority_matrix`` drives every row through
the HTTP API; the table is the documentation.

The resources (set up by the test):

- ``{cluster}``: a national cluster at home in Esbjerg. §1: FIVU/RTI primary, Vækstforum
  Syddanmark co-responsible; FIVU/RTI funds it with a grant in force.
- ``{mark}``: a "no longer relevant" mark on another such cluster — *own*: the caller's mark,
  *other*: another party's mark.
- ``{evaluation}``: the mid-term evaluation of FIVU/RTI's grant to ``{cluster}``.
- ``{year}``: last year, whose account may be published (past 1 March).

*Own* means the resource is the caller's to act on: its own cluster (a cluster organisation),
a cluster it is responsible for or funds (relevance marks), its own mark, the evaluation of
its own grant, the account it publishes (FIVU/RTI). *Other*: the same kind, not its resource.
``-`` for the kinds that hold no such resource and for endpoints without one (operations).
``anonymous`` is a call without a token (401).

Who is the caller for each kind and relation is ``CALLERS`` (``None``: an organisation of that
kind the test registers).
"""

from __future__ import annotations

from typing import NamedTuple


class Row(NamedTuple):
    method: str
    path: str
    kind: str
    relation: str  # own | other | -
    status: int


REPORT = "/evaluation/v1/clusters/{cluster}/reports/{year}"
PUBLISH = "/evaluation/v1/accounts/{year}/publish"
MARK = "/evaluation/v1/clusters/{cluster}/relevance"
WITHDRAW = "/evaluation/v1/clusters/{marked}/relevance/{mark}/withdraw"
COMPLETE = "/evaluation/v1/evaluations/{evaluation}/complete"
EVALUATION_SWEEP = "/evaluation/v1/jobs/evaluations/run"
LABEL_SWEEP = "/evaluation/v1/jobs/labels/run"
EMPLOYMENT = "/evaluation/v1/employment"

#: (kind, relation) → the organisation that calls (None: one registered for the test).
CALLERS: dict[tuple[str, str], str | None] = {
    ("ministry", "own"): "fivu-rti",
    ("ministry", "other"): "ministeriet-energi",
    ("growth_forum", "own"): "vaekstforum-syddanmark",
    ("growth_forum", "other"): "vaekstforum-midtjylland",
    ("cluster_organisation", "own"): "{cluster}",
    ("cluster_organisation", "other"): "{other_cluster}",
    ("region", "-"): "region-1083",
    ("municipality", "-"): "kommune-0561",
    ("municipal_association", "-"): "kl",
    ("growth_house", "-"): None,
    ("business_service", "-"): None,
    ("knowledge_institution", "-"): None,
    ("forum_secretariat", "-"): "klyngeforum",
    ("label_issuer", "-"): None,
    ("other", "-"): None,
}

#: Kinds that hold none of these resources and no scope for any of these writes: 403 on all.
OUTSIDERS = (
    "region",
    "municipality",
    "municipal_association",
    "growth_house",
    "business_service",
    "knowledge_institution",
    "label_issuer",
    "other",
)


def _rows() -> list[Row]:
    rows: list[Row] = []

    def add(method: str, path: str, table: dict[tuple[str, str], int], default: int) -> None:
        rows.append(Row(method, path, "anonymous", "-", 401))
        for (kind, relation), status in table.items():
            rows.append(Row(method, path, kind, relation, status))
        for kind in OUTSIDERS:
            rows.append(Row(method, path, kind, "-", default))

    # §4.1: the cluster organisation reports its own year
    add(
        "PUT",
        REPORT,
        {
            ("cluster_organisation", "own"): 201,
            ("cluster_organisation", "other"): 403,
            ("ministry", "own"): 403,
            ("growth_forum", "own"): 403,
            ("forum_secretariat", "-"): 403,
        },
        403,
    )
    # §4.1: FIVU/RTI publishes the joint account
    add(
        "POST",
        PUBLISH,
        {
            ("ministry", "other"): 403,
            ("growth_forum", "own"): 403,
            ("cluster_organisation", "own"): 403,
            ("forum_secretariat", "-"): 403,
            ("ministry", "own"): 200,
        },
        403,
    )
    # §4.3 with §1: a funder with a grant in force or a responsible party marks
    add(
        "POST",
        MARK,
        {
            ("ministry", "own"): 201,
            ("ministry", "other"): 403,
            ("growth_forum", "own"): 201,
            ("growth_forum", "other"): 403,
            ("cluster_organisation", "own"): 403,
            ("forum_secretariat", "-"): 403,
        },
        403,
    )
    # §4.3: the author withdraws its mark
    add(
        "POST",
        WITHDRAW,
        {
            ("ministry", "own"): 200,
            ("ministry", "other"): 403,
            ("growth_forum", "own"): 200,
            ("growth_forum", "other"): 403,
            ("cluster_organisation", "own"): 403,
            ("forum_secretariat", "-"): 403,
        },
        403,
    )
    # §4.1: the grant's funder completes its evaluation
    add(
        "POST",
        COMPLETE,
        {
            ("ministry", "other"): 403,
            ("growth_forum", "own"): 403,
            ("cluster_organisation", "own"): 403,
            ("forum_secretariat", "-"): 403,
            ("ministry", "own"): 200,
        },
        403,
    )
    # operations: the forum secretariat (scope admin)
    for sweep in (EVALUATION_SWEEP, LABEL_SWEEP):
        add(
            "POST",
            sweep,
            {
                ("ministry", "own"): 403,
                ("growth_forum", "own"): 403,
                ("cluster_organisation", "own"): 403,
                ("forum_secretariat", "-"): 200,
            },
            403,
        )
    # §4.2 statistics: ministries and growth forums (evaluation:write), the secretariat (admin)
    add(
        "POST",
        EMPLOYMENT,
        {
            ("ministry", "own"): 200,
            ("ministry", "other"): 200,
            ("growth_forum", "own"): 200,
            ("cluster_organisation", "own"): 403,
            ("forum_secretariat", "-"): 200,
        },
        403,
    )
    return rows


MATRIX: list[Row] = _rows()
