"""The dashboard's live feed: the newest public events, each as one readable line.

Only public events (``recipient`` NULL) are ever shown: the page works without an account, so
an addressed event (a dialogue request, a referral notice) must never reach it. The browser
continues the list from ``GET /gateway/v1/events`` (Server-Sent Events) with a simpler line of
its own (type, subject, time: ``static/dashboard.js``); the server writes the fuller line below
for the first fill.

Names in the lines (clusters, calls, programmes, organisations) come from the event log itself
— the events that introduced them — and the gateway's organisation directory, so the feed needs
no other service to answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import LoggedEvent, directory
from services.gateway.rules.visibility import visible_to
from services.gateway.service.event_log import visible_filter
from services.gateway.service.texts import (
    CALL_STATES,
    LEAGUES,
    ORGANISATION_KINDS,
    REGIONS,
    Lang,
    label,
)
from shared.charts import MISSING, fmt_number
from shared.clock import danish_time, utcnow
from shared.directory import lookup_organisations
from shared.events.catalog import CATALOG
from shared.reference import reference_parties

#: Events in the first fill of the feed.
FEED_SIZE = 15
#: The feed's viewer: no organisation (the page works without an account), so public only.
ANONYMOUS = None

#: A short name for every event type (the line's heading), Danish and English.
TYPE_LABELS: dict[str, tuple[str, str]] = {
    "registry.organisation.registered": ("Ny organisation", "New organisation"),
    "registry.cluster.registered": ("Ny klynge", "New cluster"),
    "registry.cluster.updated": ("Klynge opdateret", "Cluster updated"),
    "registry.cluster.league_changed": ("Ny liga", "League changed"),
    "registry.cluster.responsibility_changed": ("Ansvar ændret", "Responsibility changed"),
    "registry.cluster.status_changed": ("Klyngestatus", "Cluster status"),
    "funding.programme.created": ("Nyt program", "New programme"),
    "funding.call.planned": ("Udbud planlagt", "Call planned"),
    "funding.call.announced": ("Udbud annonceret", "Call announced"),
    "funding.call.opened": ("Udbud åbnet", "Call opened"),
    "funding.call.closed": ("Udbud lukket", "Call closed"),
    "funding.call.decided": ("Udbud afgjort", "Call decided"),
    "funding.call.cancelled": ("Udbud aflyst", "Call cancelled"),
    "funding.dialogue.requested": ("Dialog anmodet", "Dialogue requested"),
    "funding.dialogue.answered": ("Dialog besvaret", "Dialogue answered"),
    "funding.dialogue.closed": ("Dialog afsluttet", "Dialogue closed"),
    "funding.grant.awarded": ("Bevilling", "Grant awarded"),
    "funding.grant.amended": ("Bevilling ændret", "Grant amended"),
    "funding.grant.terminated": ("Bevilling afsluttet", "Grant terminated"),
    "funding.agreement.concluded": ("Finansieringsaftale", "Funding agreement"),
    "funding.agreement.proposed": ("Aftale foreslået", "Agreement proposed"),
    "funding.agreement.confirmed": ("Aftale bekræftet", "Agreement confirmed"),
    "funding.agreement.declined": ("Aftale afslået", "Agreement declined"),
    "funding.agreement.withdrawn": ("Aftale trukket tilbage", "Agreement withdrawn"),
    "funding.finding.raised": ("Koordineringsfund", "Coordination finding"),
    "funding.finding.resolved": ("Fund løst", "Finding resolved"),
    "evaluation.cluster.flagged": ("Klynge markeret", "Cluster flagged"),
    "evaluation.cluster.flag_lifted": ("Markering ophævet", "Flag lifted"),
    "referrals.referral.sent": ("Henvisning sendt", "Referral sent"),
    "referrals.referral.accepted": ("Henvisning accepteret", "Referral accepted"),
    "referrals.referral.rejected": ("Henvisning afvist", "Referral rejected"),
    "referrals.referral.started": ("Henvisning i gang", "Referral started"),
    "referrals.referral.completed": ("Henvisning afsluttet", "Referral completed"),
    "referrals.referral.failed": ("Henvisning mislykket", "Referral failed"),
    "referrals.referral.cancelled": ("Henvisning trukket tilbage", "Referral cancelled"),
    "referrals.referral.overdue": ("Henvisning forsinket", "Referral overdue"),
    "referrals.activity.announced": ("Aktivitet annonceret", "Activity announced"),
    "referrals.joint_event.proposed": ("Fælles arrangement foreslået", "Joint event proposed"),
    "referrals.joint_event.agreed": ("Fælles arrangement", "Joint event agreed"),
    "registry.merger.suggested": ("Sammenlægning foreslået", "Merger suggested"),
    "evaluation.account.published": ("Regnskab offentliggjort", "Account published"),
    "evaluation.evaluation.scheduled": ("Evaluering planlagt", "Evaluation scheduled"),
    "evaluation.evaluation.due": ("Evaluering forfalden", "Evaluation due"),
    "evaluation.evaluation.overdue": ("Evaluering forsinket", "Evaluation overdue"),
    "evaluation.evaluation.completed": ("Evaluering afsluttet", "Evaluation completed"),
    "evaluation.evaluation.cancelled": ("Evaluering aflyst", "Evaluation cancelled"),
    "evaluation.label.expiring": ("Klyngemærke udløber", "Label expiring"),
    "gateway.webhook.disabled": ("Webhook slået fra", "Webhook disabled"),
}

#: The line of a public event, Danish and English; {names} are filled by :func:`summarise`.
SUMMARIES: dict[str, tuple[str, str]] = {
    "registry.organisation.registered": (
        "{name} er registreret ({kind})",
        "{name} registered ({kind})",
    ),
    "registry.cluster.registered": (
        "{name} er registreret: {league}, {region}",
        "{name} registered: {league}, {region}",
    ),
    "registry.cluster.updated": ("{name} er opdateret", "{name} was updated"),
    "registry.cluster.league_changed": (
        "{cluster}: fra {from_league} til {to_league}",
        "{cluster}: from {from_league} to {to_league}",
    ),
    "registry.cluster.responsibility_changed": (
        "Ansvaret for basisfinansieringen af {cluster} er ændret",
        "Responsibility for the base funding of {cluster} changed",
    ),
    "registry.cluster.status_changed": (
        "{cluster}: {from_status} → {to_status}",
        "{cluster}: {from_status} → {to_status}",
    ),
    "funding.programme.created": ("{funder}: programmet {name}", "{funder}: the programme {name}"),
    "funding.call.planned": (
        "{funder} planlægger {title} ({budget})",
        "{funder} plans {title} ({budget})",
    ),
    "funding.call.opened": ("{call} er åbnet for ansøgninger", "{call} opened for applications"),
    "funding.call.closed": ("{call} er lukket for ansøgninger", "{call} closed for applications"),
    "funding.call.decided": ("{funder} har afgjort {call}", "{funder} decided {call}"),
    "funding.call.cancelled": ("{call} er aflyst", "{call} was cancelled"),
    "funding.dialogue.closed": (
        "Dialogen om {call} er afsluttet: {answered} af {asked} svarede",
        "The dialogue on {call} is over: {answered} of {asked} answered",
    ),
    "funding.grant.awarded": (
        "{funder} har bevilget {amount} til {cluster}",
        "{funder} awarded {amount} to {cluster}",
    ),
    "funding.grant.amended": (
        "Bevillingen fra {funder} til {cluster} er ændret",
        "The grant from {funder} to {cluster} was amended",
    ),
    "funding.grant.terminated": (
        "Bevillingen fra {funder} til {cluster} er afsluttet før tid",
        "The grant from {funder} to {cluster} ended early",
    ),
    "funding.agreement.concluded": (
        "Aftale om koordineret finansiering med {parties} parter",
        "Coordinated-financing agreement between {parties} parties",
    ),
    "funding.finding.raised": (
        "Koordineringstjek ({section}) om {cluster}",
        "Coordination check ({section}) on {cluster}",
    ),
    "funding.finding.resolved": (
        "Koordineringsfund om {cluster} er løst",
        "Coordination finding on {cluster} resolved",
    ),
    "evaluation.cluster.flagged": (
        "{cluster} er markeret af evalueringen",
        "{cluster} was flagged by the evaluation",
    ),
    "referrals.joint_event.agreed": (
        "Fælles arrangement aftalt: {title}",
        "Joint event agreed: {title}",
    ),
    "evaluation.account.published": (
        "Performanceregnskabet {year} er offentliggjort ({clusters} klynger)",
        "The performance account {year} was published ({clusters} clusters)",
    ),
    "evaluation.evaluation.scheduled": (
        "Evaluering af bevillingen til {cluster} planlagt til {due_on}",
        "Evaluation of the grant to {cluster} scheduled for {due_on}",
    ),
    "evaluation.evaluation.due": (
        "Evaluering af bevillingen til {cluster} er forfalden",
        "Evaluation of the grant to {cluster} is due",
    ),
    "evaluation.evaluation.overdue": (
        "Evaluering af bevillingen til {cluster} er {days_overdue} dage forsinket",
        "Evaluation of the grant to {cluster} is {days_overdue} days overdue",
    ),
    "evaluation.evaluation.completed": (
        "Evaluering af bevillingen til {cluster} er afsluttet",
        "Evaluation of the grant to {cluster} completed",
    ),
    "evaluation.evaluation.cancelled": (
        "Evaluering af bevillingen til {cluster} er aflyst",
        "Evaluation of the grant to {cluster} cancelled",
    ),
}

#: Event types whose data name the entity in their subject (for the names in lines).
_NAMING_TYPES = {
    "registry.organisation.registered": "name",
    "registry.cluster.registered": "name",
    "registry.cluster.updated": "name",
    "funding.programme.created": "name",
    "funding.call.planned": "title",
}
_SHORT_NAMES = {p.id: p.short_name for p in reference_parties() if p.short_name}


def public_types() -> list[str]:
    """Every event type anyone may see (the feed listens to these)."""
    return sorted(t for t, spec in CATALOG.items() if not spec.addressed)


def type_label(type_: str, lang: Lang) -> str:
    labels = TYPE_LABELS.get(type_)
    if labels is None:
        return type_
    return labels[0] if lang == "da" else labels[1]


def format_when(when: datetime, lang: Lang, now: datetime | None = None) -> str:
    """Time of day for today's events, else date and time (local time, Copenhagen)."""
    local = danish_time(when)
    today = danish_time(now or utcnow()).date()
    if local.date() == today:
        return local.strftime("%H:%M:%S")
    return local.strftime("%d.%m.%Y %H:%M" if lang == "da" else "%d %b %Y %H:%M")


def format_date(value: Any, lang: Lang) -> str:
    """An ISO date (or date) as 12.05.2025 / 12 May 2025; anything else as it is."""
    try:
        d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return d.strftime("%d.%m.%Y") if lang == "da" else f"{d.day} {d:%b %Y}"


def format_dkk(amount: Any, lang: Lang) -> str:
    try:
        value = float(amount) / 1_000_000
    except (TypeError, ValueError):
        return MISSING
    number = fmt_number(value, lang, 1)
    return f"{number} mio. kr." if lang == "da" else f"DKK {number} million"


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return MISSING


def summarise(envelope: Mapping[str, Any], lang: Lang, names: Mapping[str, str]) -> str:
    """One readable line for an event (its data are ids and facts; ``names`` turns ids into
    names where known, else the id is shown)."""
    type_ = str(envelope.get("type", ""))
    data = envelope.get("data") or {}
    if not isinstance(data, dict):
        data = {}
    templates = SUMMARIES.get(type_)
    if templates is None:
        spec = CATALOG.get(type_)
        return spec.summary if spec else type_

    def name_of(key: str | None) -> str:
        if not key:
            return MISSING
        return _SHORT_NAMES.get(key) or names.get(key) or key

    fields = _Fields({k: str(v) for k, v in data.items() if isinstance(v, str | int | float)})
    fields["cluster"] = name_of(data.get("cluster_id"))
    fields["funder"] = name_of(data.get("funder_id"))
    fields["call"] = name_of(data.get("call_id"))
    fields["league"] = label(LEAGUES, data.get("league"), lang)
    fields["from_league"] = label(LEAGUES, data.get("from_league"), lang)
    fields["to_league"] = label(LEAGUES, data.get("to_league"), lang)
    fields["region"] = label(REGIONS, data.get("home_region_code"), lang)
    fields["kind"] = label(ORGANISATION_KINDS, data.get("kind"), lang)
    if "budget_dkk" in data:
        fields["budget"] = format_dkk(data["budget_dkk"], lang)
    if "amount_dkk" in data:
        fields["amount"] = format_dkk(data["amount_dkk"], lang)
    if "due_on" in data:
        fields["due_on"] = format_date(data["due_on"], lang)
    if type_ == "funding.dialogue.closed":
        answered = len(data.get("answered") or [])
        fields["answered"] = str(answered)
        fields["asked"] = str(answered + len(data.get("unanswered") or []))
    if type_ == "funding.agreement.concluded":
        fields["parties"] = str(len(data.get("parties") or []))
    if type_.startswith("funding.call.") and type_ not in ("funding.call.planned",):
        for key in ("from_state", "to_state"):
            if key in data:
                fields[key] = label(CALL_STATES, data[key], lang)
    return (templates[0] if lang == "da" else templates[1]).format_map(fields)


@dataclass(frozen=True)
class FeedItem:
    seq: int
    type: str
    label: str
    summary: str
    subject: str | None
    time_iso: str
    time_text: str
    producer: str


async def names_for(session: AsyncSession, ids: Iterable[str]) -> dict[str, str]:
    """Names of clusters, calls, programmes and organisations by id: from the events that
    introduced them (the newest wins) and the organisation directory."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    names: dict[str, str] = {}
    rows = await session.execute(
        select(LoggedEvent.type, LoggedEvent.subject, LoggedEvent.envelope)
        .where(LoggedEvent.subject.in_(wanted), LoggedEvent.type.in_(sorted(_NAMING_TYPES)))
        .order_by(LoggedEvent.seq)
    )
    for type_, subject, envelope in rows.all():
        value = (envelope.get("data") or {}).get(_NAMING_TYPES[type_])
        if subject and isinstance(value, str) and value:
            names[subject] = value
    missing = [i for i in wanted if i not in names]
    for org in (await lookup_organisations(session, directory, missing)).values():
        names[org.id] = org.name
    return names


def _ids_in(envelope: Mapping[str, Any]) -> list[str]:
    data = envelope.get("data") or {}
    if not isinstance(data, dict):
        return []
    return [
        str(data[k])
        for k in ("cluster_id", "funder_id", "call_id", "programme_id")
        if isinstance(data.get(k), str)
    ]


async def newest_public(
    session: AsyncSession, lang: Lang, limit: int = FEED_SIZE, now: datetime | None = None
) -> list[FeedItem]:
    """The newest public events (never an addressed one), newest first, as feed lines: what
    an anonymous viewer may see (``rules.visibility``)."""
    rows = (
        await session.execute(
            select(LoggedEvent)
            .where(*visible_filter(ANONYMOUS))
            .order_by(LoggedEvent.seq.desc())
            .limit(limit)
        )
    ).scalars()
    events = [e for e in rows if visible_to(e.recipient, ANONYMOUS)]
    names = await names_for(session, [i for e in events for i in _ids_in(e.envelope)])
    return [
        FeedItem(
            seq=e.seq,
            type=e.type,
            label=type_label(e.type, lang),
            summary=summarise(e.envelope, lang, names),
            subject=e.subject,
            time_iso=danish_time(e.time).isoformat(),
            time_text=format_when(e.time, lang, now),
            producer=e.type.split(".", 1)[0],
        )
        for e in events
    ]
