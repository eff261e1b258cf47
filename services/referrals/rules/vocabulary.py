"""The words the referral exchange shares with its users: target groups, activity kinds,
service statuses and who may take part. Codes are stable (the API contract); each has a
Danish and an English label."""

from __future__ import annotations

from typing import Literal, get_args

#: Target groups of services and activities (§5: firms and entrepreneurs, especially SMEs).
TARGET_GROUPS: dict[str, tuple[str, str]] = {
    "entrepreneurs": ("Iværksættere", "Entrepreneurs"),
    "startups": ("Nystartede virksomheder", "Start-ups"),
    "sme": ("Små og mellemstore virksomheder", "Small and medium-sized enterprises"),
    "growth_firms": ("Vækstvirksomheder", "Growth firms"),
    "large_firms": ("Store virksomheder", "Large firms"),
    "knowledge_institutions": ("Videninstitutioner", "Knowledge institutions"),
    "public_actors": ("Offentlige aktører", "Public actors"),
    "investors": ("Investorer", "Investors"),
}
TargetGroup = Literal[
    "entrepreneurs",
    "startups",
    "sme",
    "growth_firms",
    "large_firms",
    "knowledge_institutions",
    "public_actors",
    "investors",
]
assert set(get_args(TargetGroup)) == set(TARGET_GROUPS)

ACTIVITY_KINDS: dict[str, tuple[str, str]] = {
    "conference": ("Konference", "Conference"),
    "workshop": ("Workshop", "Workshop"),
    "matchmaking": ("Matchmaking", "Matchmaking"),
    "project": ("Projekt", "Project"),
    "course": ("Kursus", "Course"),
    "network_meeting": ("Netværksmøde", "Network meeting"),
}
ActivityKind = Literal[
    "conference", "workshop", "matchmaking", "project", "course", "network_meeting"
]
assert set(get_args(ActivityKind)) == set(ACTIVITY_KINDS)

#: Open Referral HSDS service statuses.
ServiceStatus = Literal["active", "inactive", "defunct", "temporarily closed"]

#: Where a service is offered: the whole country, some regions, some municipalities.
AreaKind = Literal["national", "regions", "municipalities"]

#: Organisation kinds that take part in the exchange (§5): they publish services and
#: activities, send and receive referrals, propose joint events.
PARTY_KINDS: frozenset[str] = frozenset(
    {"cluster_organisation", "growth_house", "business_service", "municipality"}
)
