"""The referral exchange's authorisation table (issue 12): every write endpoint × organisation
kind × the caller's relation to the resource → the expected status. ``test_authority_matrix.py``
drives every row through the HTTP API; the table is the documentation (rendered into
``docs/authorisation.md``). The rules are ``services/referrals/rules/authority.py`` (§5).

§5 makes the exchange one between cluster organisations and growth houses / local business
service: the parties (kinds cluster organisation, growth house, business service and
municipality — the municipalities run the local business service) hold ``referrals:write``
and act only in their own name. Every other kind holds no such scope (403 naming the
``required_scope``), whatever the resource; the forum secretariat may, with ``admin``, erase a
firm's data across all parties (a GDPR request) and run the sweeps.

How to read a cell of a party kind — *own* · *other* · *counterpart*:

- *own*: the caller is the party the rule names for the resource — the recipient of a
  referral (accept, reject, start, complete, fail), its sender (cancel), the provider of a
  service, the host of an activity, the partner asked to co-host a joint event (accept,
  decline), its proposer (withdraw), a party to a referral about the firm (erase); on a
  creating POST, the caller acting in its own name.
- *other*: an organisation of the same kind that is not — for a referral or a joint event one
  that is neither of its two organisations: **404**, because a referral carries a firm's data
  and exists only for its two organisations (a third learns nothing, not even that the id is
  taken); for a service or an activity (public anyway) **403**; on a creating POST, naming
  another organisation as the provider or host (403). Erasing a firm's data is **200** for
  every party: it erases only from the referrals the caller is party to, so *other* erases
  nothing (the test checks the count).
- *counterpart*: the caller is the *other* organisation of the same referral or joint event —
  the sender trying to accept, the recipient trying to cancel, the proposer trying to accept
  its own proposal: **403** naming the rule and who may act.

``narrowed_token`` is the party allowed (a growth house; for the sweeps the forum secretariat)
with a token narrowed to ``webhooks:write``; ``no_token`` sends none. 403 answers are
problem+json naming the ``rule`` (with ``may_act`` and the ``paragraph``) or the
``required_scope``.
"""

from __future__ import annotations

from tests.authority_tables import KINDS

#: (method, endpoint under /referrals/v1, caller kind, relation, expected status)
Row = tuple[str, str, str, str, int]

#: Kinds that take part in the exchange (§5) and hold ``referrals:write``.
PARTIES = ("municipality", "cluster_organisation", "growth_house", "business_service")

REFERRAL = "/referrals/{referral_id}"
SERVICE = "/services/{service_id}"
JOINT = "/joint-events/{joint_event_id}"
ACTIVITY = "/activities/{activity_id}"
#: What a party gets on a closed-loop step or joint-event answer: own · other · counterpart.
TWO_PARTY = {"own": 200, "other": 404, "counterpart": 403}
#: What a party gets on its own / another's service or activity.
OWNED = {"own": 200, "other": 403}

#: method, endpoint, the party kinds' answers by relation, the forum secretariat's answer.
ENDPOINTS: list[tuple[str, str, dict[str, int], int]] = [
    ("POST", "/referrals", {"own": 201}, 403),
    ("POST", f"{REFERRAL}/accept", TWO_PARTY, 403),
    ("POST", f"{REFERRAL}/reject", TWO_PARTY, 403),
    ("POST", f"{REFERRAL}/start", TWO_PARTY, 403),
    ("POST", f"{REFERRAL}/complete", TWO_PARTY, 403),
    ("POST", f"{REFERRAL}/fail", TWO_PARTY, 403),
    ("POST", f"{REFERRAL}/cancel", TWO_PARTY, 403),
    ("POST", "/firms/{cvr}/erase", {"own": 200, "other": 200}, 200),
    ("POST", "/jobs/overdue/run", {"-": 403}, 200),
    ("POST", "/jobs/retention/run", {"-": 403}, 200),
    ("POST", "/services", {"own": 201, "other": 403}, 403),
    ("PATCH", SERVICE, OWNED, 403),
    ("POST", "/joint-events", {"own": 201}, 403),
    ("POST", f"{JOINT}/accept", TWO_PARTY, 403),
    ("POST", f"{JOINT}/decline", TWO_PARTY, 403),
    ("POST", f"{JOINT}/withdraw", TWO_PARTY, 403),
    ("POST", "/activities", {"own": 201, "other": 403}, 403),
    ("PATCH", ACTIVITY, OWNED, 403),
    ("POST", f"{ACTIVITY}/cancel", OWNED, 403),
]


def _rows() -> list[Row]:
    rows: list[Row] = []
    for method, endpoint, party, secretariat in ENDPOINTS:
        for kind in KINDS:
            if kind in PARTIES:
                rows += [(method, endpoint, kind, rel, status) for rel, status in party.items()]
            elif kind == "forum_secretariat":
                rows.append((method, endpoint, kind, "-", secretariat))
            elif kind == "narrowed_token":
                rows.append((method, endpoint, kind, "own" if "-" not in party else "-", 403))
            elif kind == "no_token":
                rows.append((method, endpoint, kind, "-", 401))
            else:
                rows.append((method, endpoint, kind, "-", 403))
    return rows


MATRIX: list[Row] = _rows()
