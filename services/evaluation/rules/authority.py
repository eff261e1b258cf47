"""Who may act on evaluation's cluster-related records (the paper's division of roles).

The paper divides the roles between autonomous public bodies; the suite lets each act only
in its own role. Each check raises a :class:`shared.refusal.Refusal` (403) naming the rule,
the paragraph and who may act, so the caller can see whom to ask.

- **Relevance marks** (§4.3 with §1): "klynger og netværk, der … ikke længere har relevans,
  [bør] miste den offentlige støtte" — the statement that a cluster is no longer relevant is
  the word of those who give or carry its public support: a **funder with a grant in force**
  to the cluster, or a **party responsible** for the cluster under §1 (primary or co-responsible,
  as the registry computed it or the parties agreed it). Any other growth forum or ministry is
  refused. A mark is withdrawn by the party that made it (it is that party's statement; it may
  take it back even after its grant ran out — withdrawing only removes a basis of a flag).
- **Reports** (§4.1): the cluster organisation reports its own year, no one else.
- **Publishing the joint account** (§4.1): FIVU/RTI ("Uddannelses- og Forskningsministeriet …
  udarbejder et samlet performanceregnskab").
- **Completing an evaluation** (§4.1): the funder of the grant it follows.

A grant is **in force** on a day when the day lies within its period, up to its termination
day when it was terminated (``shared.money.grant_in_force``).
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.refusal import Refusal, ordered

#: The ministry that publishes the joint annual account (§4.1).
PUBLISHER = "fivu-rti"

RELEVANCE_RULE = "relevance-mark-by-funder-or-responsible"
OWN_MARK_RULE = "relevance-mark-withdrawn-by-its-author"
REPORT_RULE = "report-by-the-cluster-itself"
PUBLISH_RULE = "account-published-by-fivu-rti"
EVALUATION_RULE = "evaluation-completed-by-the-grant-funder"


def _check(
    actor: str, may_act: Iterable[str], kind: str, rule: str, paragraph: str, text: str
) -> None:
    allowed = ordered(may_act)
    if actor not in allowed:
        raise Refusal(
            kind, rule, f"{text} You act as {actor}.", may_act=allowed, paragraph=paragraph
        )


def check_may_mark_relevance(
    actor: str,
    *,
    responsible: Iterable[str],
    funders_in_force: Iterable[str],
) -> None:
    """§4.3/§1: a funder with a grant in force to the cluster, or a party responsible for it."""
    may = ordered([*responsible, *funders_in_force])
    who = ", ".join(may) if may else "no one (the cluster has no responsible party or funder)"
    _check(
        actor,
        may,
        "not-funder-or-responsible",
        RELEVANCE_RULE,
        "§4.3, §1",
        "Only a funder with a grant in force to the cluster or a party responsible for it "
        f"under §1 marks it no longer relevant (§4.3): {who}.",
    )


def check_may_withdraw_mark(actor: str, *, author: str) -> None:
    """§4.3: a mark is its author's statement; only the author withdraws it."""
    _check(
        actor,
        [author],
        "not-your-mark",
        OWN_MARK_RULE,
        "§4.3",
        f"Only {author}, who made the mark, withdraws it.",
    )


def check_may_report(actor: str, *, cluster_id: str) -> None:
    """§4.1: the cluster organisation reports its own indicators."""
    _check(
        actor,
        [cluster_id],
        "not-your-organisation",
        REPORT_RULE,
        "§4.1",
        f"Only the cluster organisation {cluster_id} reports its own year (§4.1).",
    )


def check_may_publish(actor: str) -> None:
    """§4.1: FIVU/RTI draws up and publishes the joint performance account."""
    _check(
        actor,
        [PUBLISHER],
        "not-the-publisher",
        PUBLISH_RULE,
        "§4.1",
        f"Only FIVU/RTI ({PUBLISHER}) publishes the joint annual account (§4.1).",
    )


def check_may_complete_evaluation(actor: str, *, funder_id: str) -> None:
    """§4.1: the grant's funder evaluates what it funds."""
    _check(
        actor,
        [funder_id],
        "not-your-evaluation",
        EVALUATION_RULE,
        "§4.1",
        f"Only the grant's funder ({funder_id}) completes this evaluation (§4.1).",
    )
