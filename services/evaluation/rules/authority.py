"""Who may act on evaluation's cluster-related records (the paper's division of roles).

The paper divides the roles between autonomous public bodies; the suite lets each act only
in its own role. A refusal names the rule (``Decision.rule``) and who may act
(``Decision.may_act``), so the caller can see whom to ask.

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
day when it was terminated (``grant_in_force``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

#: The ministry that publishes the joint annual account (§4.1).
PUBLISHER = "fivu-rti"

RELEVANCE_RULE = "relevance-mark-by-funder-or-responsible"
OWN_MARK_RULE = "relevance-mark-withdrawn-by-its-author"
REPORT_RULE = "report-by-the-cluster-itself"
PUBLISH_RULE = "account-published-by-fivu-rti"
EVALUATION_RULE = "evaluation-completed-by-the-grant-funder"


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    rule: str
    #: The organisations that may act (ids), in a stable order.
    may_act: tuple[str, ...]
    #: The paragraph of the paper the rule applies.
    paragraph: str
    text: str


def grant_in_force(starts_on: date, ends_on: date, terminated_on: date | None, today: date) -> bool:
    """A grant is in force from its start to its end, or to its termination day."""
    last = min(ends_on, terminated_on) if terminated_on is not None else ends_on
    return starts_on <= today <= last


def _ordered(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in ids if i))


def may_mark_relevance(
    actor: str,
    *,
    responsible: Iterable[str],
    funders_in_force: Iterable[str],
) -> Decision:
    """§4.3/§1: a funder with a grant in force to the cluster, or a party responsible for it."""
    may = _ordered([*responsible, *funders_in_force])
    who = ", ".join(may) if may else "no one (the cluster has no responsible party or funder)"
    return Decision(
        allowed=actor in may,
        rule=RELEVANCE_RULE,
        may_act=may,
        paragraph="§4.3, §1",
        text=(
            "Only a funder with a grant in force to the cluster or a party responsible for it "
            f"under §1 marks it no longer relevant (§4.3): {who}."
        ),
    )


def may_withdraw_mark(actor: str, *, author: str) -> Decision:
    """§4.3: a mark is its author's statement; only the author withdraws it."""
    return Decision(
        allowed=actor == author,
        rule=OWN_MARK_RULE,
        may_act=(author,),
        paragraph="§4.3",
        text=f"Only {author}, who made the mark, withdraws it.",
    )


def may_report(actor: str, *, cluster_id: str) -> Decision:
    """§4.1: the cluster organisation reports its own indicators."""
    return Decision(
        allowed=actor == cluster_id,
        rule=REPORT_RULE,
        may_act=(cluster_id,),
        paragraph="§4.1",
        text=f"Only the cluster organisation {cluster_id} reports its own year (§4.1).",
    )


def may_publish(actor: str) -> Decision:
    """§4.1: FIVU/RTI draws up and publishes the joint performance account."""
    return Decision(
        allowed=actor == PUBLISHER,
        rule=PUBLISH_RULE,
        may_act=(PUBLISHER,),
        paragraph="§4.1",
        text=f"Only FIVU/RTI ({PUBLISHER}) publishes the joint annual account (§4.1).",
    )


def may_complete_evaluation(actor: str, *, funder_id: str) -> Decision:
    """§4.1: the grant's funder evaluates what it funds."""
    return Decision(
        allowed=actor == funder_id,
        rule=EVALUATION_RULE,
        may_act=(funder_id,),
        paragraph="§4.1",
        text=f"Only the grant's funder ({funder_id}) completes this evaluation (§4.1).",
    )
