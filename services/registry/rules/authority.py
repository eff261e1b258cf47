"""Who may write what about a cluster: the registry's one authority policy (§1, issue 12).

The paper divides the roles between autonomous public bodies (§1: FIVU/RTI for world-class
and the strong national clusters without a regional centre of gravity, the growth forums and
regions for clusters with a regional centre and, with the municipalities, for local and
emerging ones). It calls that division "vejledende og fleksibel": a party may act outside
its role only as an exception the parties concerned have agreed — a responsibility
exception in force (``service/responsibility_exceptions.py``) — so every check below is
derived from the responsibility *in force* (computed by the matrix, or agreed), from the
cluster's home growth-forum area (``shared.reference``; Bornholm has its own forum) and, where
the paper gives it an administrative role, the Klyngeforum secretariat.

Every function is pure: it gets the facts and answers with the parties who may act (ids) and
the scopes a token needs; ``authorise`` answers with the ``shared.refusal.Refusal`` the use
case raises (a 403 problem that names the rule and lists who may act), or ``None``. An
exception's consent follows ``shared.consent`` in the words of ``EXCEPTION_CONSENT``.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.registry.rules.responsibility import FIVU_RTI_ID, forum_for_municipality
from shared import consent
from shared.reference import GROWTH_FORUMS, KLYNGEFORUM_SECRETARIAT
from shared.refusal import Refusal, ordered

SECRETARIAT_ID = KLYNGEFORUM_SECRETARIAT.id
GROWTH_FORUM_IDS = frozenset(f.id for f in GROWTH_FORUMS)

#: The scopes (any one of them) a token needs for each kind of registry write. A token
#: narrowed to other scopes (say ``webhooks:write``) writes nothing here.
SCOPES: dict[str, tuple[str, ...]] = {
    # funders' and the secretariat's registry writes
    "register_cluster": ("organisations:write",),
    "change_league": ("organisations:write",),
    "change_status": ("organisations:write", "clusters:write"),
    # the cluster organisation's own writes (the secretariat administers with ``admin``)
    "cluster_itself": ("clusters:write", "admin"),
    # §1 exceptions are about base funding: any funding party's write scope
    "responsibility_exception": ("organisations:write", "funding:write"),
    # the ministry answers a seat offered to it
    "answer_seat": ("organisations:write", "funding:write"),
    # label issuers and the secretariat
    "record_label": ("labels:write", "admin"),
    # who registers an organisation of kind label_issuer
    "register_label_issuer": ("admin",),
}


#: §1 exceptions by consent (``shared.consent``): every concerned party may confirm again or
#: decline after confirming while the exception is proposed; the 403 names the rule
#: ``responsibility_exception``, the 409 is ``exception-not-open``.
EXCEPTION_CONSENT = consent.Terms(
    noun="exception",
    parties=(
        "a party concerned by the exception (named in it, named by the §1 matrix today, or "
        "party to the exception it replaces)"
    ),
    rules=dict.fromkeys(consent.STEPS, "responsibility_exception"),
    conflicts=dict.fromkeys(consent.STEPS, "exception-not-open"),
    answers_final=False,
)


# --- who may act, per write ---------------------------------------------------------------


def registrars(league: str, home_municipality: str) -> tuple[str, ...]:
    """§1: FIVU/RTI registers world-class and national clusters; a growth forum registers
    clusters homed in its own area (Bornholm's forum for Bornholm), any league; the
    secretariat keeps the register."""
    home_forum = forum_for_municipality(home_municipality)
    if league in ("world_class", "national"):
        return (FIVU_RTI_ID, home_forum, SECRETARIAT_ID)
    return (home_forum, SECRETARIAT_ID)


def league_setters(responsible: Iterable[str]) -> tuple[str, ...]:
    """§1: a cluster's league is changed by FIVU/RTI or by a growth forum that is among the
    parties responsible for it (computed or agreed) — not by a forum of another area."""
    return ordered([FIVU_RTI_ID, *(p for p in responsible if p in GROWTH_FORUM_IDS)])


def status_setters(cluster_id: str, responsible: Iterable[str]) -> tuple[str, ...]:
    """Active, merged, dissolved: the cluster itself, the funders that set its league, and
    the secretariat that keeps the register."""
    return ordered([cluster_id, *league_setters(responsible), SECRETARIAT_ID])


def cluster_itself(cluster_id: str) -> tuple[str, ...]:
    """Profile, members and seat offers: the cluster organisation itself (the secretariat
    may administer them with its ``admin`` scope)."""
    return (cluster_id, SECRETARIAT_ID)


def seat_answerers(ministry_id: str) -> tuple[str, ...]:
    """§2: the ministry offered a seat answers for itself; nobody answers for it."""
    return (ministry_id,)


def label_issuers(registered_issuers: Iterable[str]) -> tuple[str, ...]:
    """Labels are recorded by an issuer: the secretariat or an organisation of kind
    ``label_issuer``; never by the cluster itself (it could claim gold)."""
    return ordered([SECRETARIAT_ID, *sorted(registered_issuers)])


def exception_parties(
    named: Iterable[str], computed: Iterable[str], in_force: Iterable[str] = ()
) -> tuple[str, ...]:
    """§1 "vejledende og fleksibel": an exception concerns every party it names, every party
    the matrix names today for the cluster, and the parties of the exception it would
    replace — all of them must confirm it before it takes effect."""
    return ordered([*named, *computed, *in_force])


# --- the check --------------------------------------------------------------------------------


def authorise(
    action: str,
    actor_id: str,
    scopes: Iterable[str],
    may_act: Iterable[str],
    *,
    rule: str,
    kind: str,
    what: str,
) -> Refusal | None:
    """``None`` when ``actor_id`` is among ``may_act`` and its token holds one of the scopes
    the action needs; otherwise the refusal (party first, then scope)."""
    allowed = ordered(may_act)
    if actor_id not in allowed:
        return Refusal(
            kind,
            rule,
            f"{what}: only {', '.join(allowed)} may do this (rule '{rule}'); you act as "
            f"{actor_id}.",
            may_act=allowed,
        )
    return scope_refusal(action, scopes)


def scope_refusal(action: str, scopes: Iterable[str]) -> Refusal | None:
    needed = SCOPES[action]
    if set(needed) & set(scopes):
        return None
    return Refusal(
        "insufficient-scope",
        f"scope:{action}",
        f"This needs one of the scopes {', '.join(repr(s) for s in needed)}, which your token "
        "does not hold.",
        scopes=needed,
    )
