"""Who may write what in the referral exchange (§5). Pure: facts in, a ``Refusal`` out.

§5 is an agreement between cluster organisations and growth houses / local business service
("klyngeorganisationer og væksthuse/lokal erhvervsservice"): they know each other's services,
tell each other about larger activities, refer firms to each other and run joint events for
shared SME target groups. So:

- **Parties** (``PARTY_KINDS``: cluster organisations, growth houses, business service and the
  municipalities that run local business service) take part, each **in its own name**: a
  service is offered, an activity hosted, a referral sent and a joint event proposed by the
  caller's own organisation (``exchange-between-parties``, ``party-acts-in-its-own-name``).
- A **referral** is a promise between its two organisations: the recipient answers it (accept
  or reject), starts and closes the loop (complete or fail); only the sender withdraws it
  before it is answered (``referral-answered-by-its-recipient``,
  ``referral-cancelled-by-its-sender``). To any third organisation it does not exist (404; the
  service layer, ``service/referrals.py``).
- A **service** is changed by the organisation that offers it, an **activity** by its host
  (``service-changed-by-its-provider``, ``activity-changed-by-its-host``).
- A **joint event** is answered by the partner asked to co-host it and withdrawn by its
  proposer (``joint-event-answered-by-its-partner``, ``joint-event-withdrawn-by-its-proposer``);
  a third organisation gets 404 as for referrals.

Every write also needs the scope ``referrals:write`` (the parties' kinds hold it; checked by
the routers with ``shared.auth.require_scope``). Each check raises a
:class:`shared.refusal.Refusal` (403 problem+json naming the rule, the § and who may act).
"""

from __future__ import annotations

from services.referrals.rules.referrals import TRANSITIONS, Role, transition_for
from services.referrals.rules.vocabulary import PARTY_KINDS
from shared.refusal import Refusal

PARAGRAPH = "§5"

PARTY_RULE = "exchange-between-parties"
OWN_NAME_RULE = "party-acts-in-its-own-name"
RECIPIENT_RULE = "referral-answered-by-its-recipient"
SENDER_RULE = "referral-cancelled-by-its-sender"
PROVIDER_RULE = "service-changed-by-its-provider"
HOST_RULE = "activity-changed-by-its-host"
PARTNER_RULE = "joint-event-answered-by-its-partner"
PROPOSER_RULE = "joint-event-withdrawn-by-its-proposer"


def check_party(caller: str, caller_kind: str, what: str) -> None:
    """§5: only a party of the exchange (a cluster organisation, growth house, business
    service or municipality) offers services, hosts activities, refers firms and proposes
    joint events."""
    if caller_kind not in PARTY_KINDS:
        raise Refusal(
            "not-a-party",
            PARTY_RULE,
            f"Only a party of the referral exchange ({', '.join(sorted(PARTY_KINDS))}) may "
            f"{what} (§5); {caller} is a {caller_kind}.",
            paragraph=PARAGRAPH,
        )


def check_own_name(caller: str, named: str | None, what: str) -> str:
    """§5: a party acts in its own name; naming another organisation is refused. Answers the
    organisation that acts (the caller)."""
    if named is not None and named != caller:
        raise Refusal(
            "not-your-organisation",
            OWN_NAME_RULE,
            f"Only {named[:64]} may {what} in its own name; you act as {caller}.",
            may_act=[named[:64]],
            paragraph=PARAGRAPH,
        )
    return caller


def check_referral_step(action: str, role: Role, sender_id: str, recipient_id: str) -> None:
    """§5 closed loop: the recipient accepts, rejects, starts, completes and fails a
    referral; only its sender cancels it — whatever its state (``role``: the caller's part in
    the referral, which the service layer found; a third organisation never gets here)."""
    t = transition_for(action)
    if t.by == role:
        return
    may_act = recipient_id if t.by == "recipient" else sender_id
    raise Refusal(
        "wrong-party",
        RECIPIENT_RULE if t.by == "recipient" else SENDER_RULE,
        f"Only the {t.by} of a referral ({may_act}) may {action} it; you are its {role}. "
        f"As its {role} you may {_steps_of(role)}.",
        may_act=[may_act],
        paragraph=PARAGRAPH,
    )


def _steps_of(role: Role) -> str:
    steps = [a for a, t in TRANSITIONS.items() if t.by == role]
    return ", ".join(steps[:-1]) + " or " + steps[-1] if len(steps) > 1 else steps[0]


def check_provider(caller: str, provider: str, service_id: str) -> None:
    """§5: the organisation that offers a service is the one that changes it."""
    if caller != provider:
        raise Refusal(
            "not-your-service",
            PROVIDER_RULE,
            f"Only {provider} changes service {service_id}; you act as {caller}.",
            may_act=[provider],
            paragraph=PARAGRAPH,
        )


def check_host(caller: str, host: str, activity_id: str) -> None:
    """§5: the host of an activity changes or cancels it (co-hosts of a joint event agreed
    to it as it was; they ask the host)."""
    if caller != host:
        raise Refusal(
            "not-your-activity",
            HOST_RULE,
            f"Only {host} changes or cancels activity {activity_id}; you act as {caller}.",
            may_act=[host],
            paragraph=PARAGRAPH,
        )


def check_joint_event_step(
    caller: str, proposer: str, partner: str, role: str, joint_event_id: str, done: str
) -> None:
    """§5 joint events: the partner asked accepts or declines the proposal (``role``
    ``partner``); the proposer withdraws it (``role`` ``proposer``)."""
    allowed = partner if role == "partner" else proposer
    if caller != allowed:
        raise Refusal(
            f"not-the-{role}",
            PARTNER_RULE if role == "partner" else PROPOSER_RULE,
            f"Joint event {joint_event_id} is {done} by its {role} ({allowed}); you act as "
            f"{caller}.",
            may_act=[allowed],
            paragraph=PARAGRAPH,
        )
