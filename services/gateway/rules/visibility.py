"""Who may see an event of the log: the one visibility rule of the gateway.

An event is **public** (no ``recipient``) or **addressed** to one organisation (a dialogue
request, a referral notice, an activity announcement). A viewer sees the public events and the
events addressed to its own organisation — never another organisation's; an anonymous viewer
(no organisation) sees public events only. The forum secretariat with scope ``admin`` may ask
for everything (``all=true`` on the event stream) and then sees every event.

The same rule serves the event stream and its "recent" list (``service.stream``), the
dashboard's live feed (anonymous: public only, ``service.feed``) and the webhooks (a
subscription sees as its organisation, ``service.dispatch``). Queries filter by the same rule
in SQL (``service.event_log.visible_filter``) and check each row again with
:func:`visible_to`, so an addressed event reaches no one else even if a query were wrong.
"""

from __future__ import annotations

from collections.abc import Set

#: The organisation kind and scope that may ask for every event (``all=true``).
EVERYTHING_KIND = "forum_secretariat"
EVERYTHING_SCOPE = "admin"


def visible_to(
    recipient: str | None, organisation_id: str | None, everything: bool = False
) -> bool:
    """Whether an event addressed to ``recipient`` (``None``: public) may be shown to a viewer
    from ``organisation_id`` (``None``: anonymous); ``everything``: the secretariat's
    ``all=true``, every event."""
    return (
        everything
        or recipient is None
        or (organisation_id is not None and recipient == organisation_id)
    )


def may_see_everything(organisation_kind: str, scopes: Set[str]) -> bool:
    """Whether a caller may ask for every event, whoever it is addressed to (``all=true``):
    the forum secretariat with scope ``admin`` only."""
    return organisation_kind == EVERYTHING_KIND and EVERYTHING_SCOPE in scopes
