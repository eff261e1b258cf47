"""The gateway's authorisation table (issue 12): every webhook write endpoint × organisation
kind × own/other subscription → the expected status. ``test_authority_matrix.py`` drives every
row through the HTTP API; the table is the documentation (rendered into
``docs/authorisation.md``).

A webhook subscription belongs to the organisation whose token created it, and every write
needs ``webhooks:write`` — a scope every organisation kind holds except ``other``
(``shared.kinds``), so any organisation may have the events it may see (public ones, and those
addressed to it) pushed to its receiver. Each organisation reads and changes only its own
subscriptions:

- *own*: the caller's own subscription (on the creating POST: the caller subscribing for
  itself — the body names no organisation, so there is no *other* there).
- *other*: a subscription of another organisation of the same kind (for KL and the forum
  secretariat, the only organisations of their kinds: Vækstforum Midtjylland's). It is
  answered **404**, as if it did not exist: a subscription's id, URL and delivery log are the
  owner's business, and a 403 would tell a stranger that the id is taken. The forum
  secretariat's ``admin`` scope changes nothing here — it may read every event, not another
  organisation's subscriptions.
- ``narrowed_token``: Vækstforum Nordjylland with a token narrowed to ``funding:write`` (no
  ``webhooks:write``): 403 naming the ``required_scope``, before the subscription is looked
  up; ``no_token`` sends none (401). The kind ``other`` holds no scope at all (403).
"""

from __future__ import annotations

from tests.authority_tables import KINDS

#: (method, endpoint under /gateway/v1/webhooks, caller kind, relation, expected status)
Row = tuple[str, str, str, str, int]

#: The kinds that hold ``webhooks:write``.
SUBSCRIBERS = tuple(k for k in KINDS if k not in ("other", "narrowed_token", "no_token"))

WEBHOOKS = "/gateway/v1/webhooks"
ONE = f"{WEBHOOKS}/{{webhook_id}}"

#: method, endpoint, the subscribers' answers by relation.
ENDPOINTS: list[tuple[str, str, dict[str, int]]] = [
    ("POST", WEBHOOKS, {"own": 201}),
    ("PATCH", ONE, {"own": 200, "other": 404}),
    ("DELETE", ONE, {"own": 204, "other": 404}),
    ("POST", f"{ONE}/enable", {"own": 200, "other": 404}),
    ("POST", f"{ONE}/rotate-secret", {"own": 200, "other": 404}),
    ("POST", f"{ONE}/deliveries/{{delivery_id}}/redeliver", {"own": 200, "other": 404}),
    ("POST", f"{ONE}/test", {"own": 200, "other": 404}),
]


def _rows() -> list[Row]:
    rows: list[Row] = []
    for method, endpoint, answers in ENDPOINTS:
        for kind in KINDS:
            if kind in SUBSCRIBERS:
                rows += [(method, endpoint, kind, rel, status) for rel, status in answers.items()]
            elif kind == "narrowed_token":
                rows.append((method, endpoint, kind, "own", 403))
            else:
                rows.append((method, endpoint, kind, "-", 401 if kind == "no_token" else 403))
    return rows


MATRIX: list[Row] = _rows()
