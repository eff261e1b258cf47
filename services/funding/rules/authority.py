"""Who may write what in funding coordination: the authority policy (§1, §3). Pure.

The paper's roles are "vejledende og fleksibel": a party may act outside its role only as an
exception the parties concerned have agreed, and everyone can see it. In funding that means:

- programme, call, criteria, call moves (§3): a funder (ministry, growth forum, region,
  municipality) in its own name; a call is moved only by its funder.
- dialogue answer (§3): only the party the request is addressed to.
- grant award (§1, §3): a funder in its own name (base funding outside the §1 responsibility
  is not refused, but raises a finding everyone sees).
- grant amend / terminate (§3): only the grant's funder.
- agreement proposal (§1, §3): a named party concerned with a cluster the agreement names;
  every named cluster has a party concerned with it among the named parties.
- agreement confirm / decline (§3): a named party whose answer is still pending.
- agreement withdraw (§3): a named party, while the agreement is proposed or in force.
  (The consent itself — states, who answers, in force once every party confirmed — is the
  shared rule ``shared.consent``, worded by ``AGREEMENT_CONSENT``.)

A party is *concerned with a cluster* when the cluster's §1 responsibility names it (primary
or also, computed or agreed: funding's read model keeps it), when the cluster is at home in
its growth-forum area (its growth forum; Bornholm's forum for Bornholm), or when it has a grant
in force to the cluster (``shared.money.grant_in_force``). Every write also needs its scope
(``api/common.py``); a token narrowed to ``webhooks:write`` writes nothing here. An
organisation acts only as itself.

A refusal is a :class:`shared.refusal.Refusal` (403): the rule's name and who may act.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.funding.rules.calls import SCOPE_BY_FUNDER_KIND
from shared import consent
from shared.reference import growth_forum_for_region
from shared.refusal import Refusal

#: Organisation kinds that fund clusters (§3).
FUNDER_KINDS: tuple[str, ...] = tuple(SCOPE_BY_FUNDER_KIND)
#: Scopes that let a consulted party answer a dialogue request (§3). KL's clients hold
#: ``organisations:write`` but no ``funding:write`` (shared.kinds); either is a real write scope.
ANSWER_SCOPES: tuple[str, ...] = ("funding:write", "organisations:write")
#: §3 agreements by consent (``shared.consent``): a named party answers a proposal once; the
#: 403 names who may still answer, the 409 is ``not-pending`` or ``not-withdrawable``.
AGREEMENT_CONSENT = consent.Terms(
    noun="agreement",
    parties="the named parties",
    rules={
        consent.PROPOSE: "agreement-proposed-by-a-party",
        consent.CONFIRM: "agreement-answered-by-a-party",
        consent.DECLINE: "agreement-answered-by-a-party",
        consent.WITHDRAW: "agreement-withdrawn-by-a-party",
    },
    conflicts={
        consent.CONFIRM: "not-pending",
        consent.DECLINE: "not-pending",
        consent.WITHDRAW: "not-withdrawable",
    },
    state_member="current_state",
)


@dataclass(frozen=True)
class ClusterStanding:
    """What the policy needs to know of a cluster (from funding's read model)."""

    id: str
    home_region_code: str
    home_municipality_code: str | None = None
    primary: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    #: Funders with a grant in force to the cluster.
    funders_in_force: tuple[str, ...] = ()

    @property
    def home_forum(self) -> str | None:
        try:
            return growth_forum_for_region(self.home_region_code, self.home_municipality_code).id
        except KeyError:
            return None

    def concerned(self) -> tuple[str, ...]:
        """§1: responsible parties (primary, also), the home growth forum, §3: funders in force."""
        out: list[str] = []
        for party in (*self.primary, *self.also, self.home_forum, *self.funders_in_force):
            if party and party not in out:
                out.append(party)
        return tuple(out)


# --- acting as a funder -----------------------------------------------------------------------


def check_acts_as_itself(caller: str, named: str | None, what: str) -> str:
    """An organisation acts only as itself: naming another funder is refused."""
    if named is not None and named != caller:
        raise Refusal(
            "not-your-organisation",
            "own-organisation",
            f"Only {named} may {what} in its own name; you act as {caller}.",
            may_act=[named],
        )
    return caller


def check_funder(caller_kind: str, what: str) -> None:
    """§3: programmes, calls and grants are a funder's (ministries, growth forums, regions,
    municipalities)."""
    if caller_kind not in FUNDER_KINDS:
        raise Refusal(
            "not-a-funder",
            "funder-kind",
            f"Only a funder ({', '.join(FUNDER_KINDS)}) may {what}; your organisation is a "
            f"{caller_kind}.",
            may_act=FUNDER_KINDS,
        )


def check_owner(caller: str, owner: str, kind: str, rule: str, what: str) -> None:
    """Only the owner of a call or grant (its funder) changes it; a request only its party."""
    if caller != owner:
        raise Refusal(kind, rule, f"Only {owner} may {what}; you act as {caller}.", may_act=[owner])


def check_scope(held: Iterable[str], accepted: Sequence[str], what: str) -> None:
    """Every write needs a write scope; a token narrowed to ``webhooks:write`` writes nothing."""
    if not set(held) & set(accepted):
        raise Refusal(
            "insufficient-scope",
            "scope",
            f"To {what} your client needs one of the scopes {', '.join(accepted)}.",
            scopes=accepted,
        )


# --- agreements (§1, §3) ----------------------------------------------------------------------


def check_may_propose(
    caller: str, party_ids: Sequence[str], clusters: Sequence[ClusterStanding]
) -> None:
    """§3: an agreement is proposed by one of its parties; §1: it binds only clusters a
    concerned party is named for (so that party's consent is asked), and the proposer is
    concerned with at least one of them."""
    consent.require_party(
        dict.fromkeys(party_ids, consent.PENDING), caller, consent.PROPOSE, AGREEMENT_CONSENT
    )
    if not clusters:
        return
    for cluster in clusters:
        concerned = cluster.concerned()
        if not set(concerned) & set(party_ids):
            raise Refusal(
                "no-concerned-party",
                "agreement-names-a-concerned-party",
                f"The agreement names cluster {cluster.id}, but none of the parties concerned "
                f"with it ({', '.join(concerned)}: §1 responsibility, home growth forum, "
                "funders in force) is a party; name one of them so it is asked to confirm.",
                may_act=concerned,
            )
    concerned_any = [p for c in clusters for p in c.concerned()]
    if caller not in concerned_any:
        may = sorted(set(concerned_any) & set(party_ids))
        raise Refusal(
            "not-concerned",
            "agreement-proposed-by-a-concerned-party",
            f"{caller} is not concerned with any cluster the agreement names (§1 "
            f"responsibility, home growth forum, a grant in force); {', '.join(may)} may "
            "propose it.",
            may_act=may,
        )
