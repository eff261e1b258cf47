"""Words of the dashboard and the docs pages, in Danish (the default) and English."""

from __future__ import annotations

from typing import Literal

Lang = Literal["da", "en"]

REGIONS: dict[str, dict[Lang, str]] = {
    "1081": {"da": "Nordjylland", "en": "North Denmark"},
    "1082": {"da": "Midtjylland", "en": "Central Denmark"},
    "1083": {"da": "Syddanmark", "en": "Southern Denmark"},
    "1084": {"da": "Hovedstaden", "en": "Capital Region"},
    "1085": {"da": "Sjælland", "en": "Zealand"},
}
REGION_CODES = tuple(REGIONS)

LEAGUES: dict[str, dict[Lang, str]] = {
    "world_class": {"da": "Verdensklasse", "en": "World class"},
    "national": {"da": "National", "en": "National"},
    "emerging": {"da": "Spirende", "en": "Emerging"},
}
LEAGUE_CODES = tuple(LEAGUES)

CALL_STATES: dict[str, dict[Lang, str]] = {
    "planned": {"da": "Planlagt", "en": "Planned"},
    "in_dialogue": {"da": "I dialog", "en": "In dialogue"},
    "open": {"da": "Åben", "en": "Open"},
    "closed": {"da": "Lukket", "en": "Closed"},
    "decided": {"da": "Afgjort", "en": "Decided"},
    "cancelled": {"da": "Aflyst", "en": "Cancelled"},
}

FUNCTIONS: dict[str, dict[Lang, str]] = {
    "bridge_builder": {"da": "Brobygger", "en": "Bridge builder"},
    "regional_ecosystem": {"da": "Regionalt økosystem", "en": "Regional ecosystem"},
    "resources": {"da": "Ressourcer", "en": "Resources"},
    "overall": {"da": "Samlet", "en": "Overall"},
}

ORGANISATION_KINDS: dict[str, dict[Lang, str]] = {
    "ministry": {"da": "ministerium", "en": "ministry"},
    "region": {"da": "region", "en": "region"},
    "growth_forum": {"da": "vækstforum", "en": "growth forum"},
    "municipality": {"da": "kommune", "en": "municipality"},
    "municipal_association": {"da": "kommunernes organisation", "en": "municipal association"},
    "cluster_organisation": {"da": "klyngeorganisation", "en": "cluster organisation"},
    "growth_house": {"da": "erhvervshus", "en": "growth house"},
    "business_service": {"da": "erhvervsservice", "en": "business service"},
    "knowledge_institution": {"da": "videninstitution", "en": "knowledge institution"},
    "forum_secretariat": {"da": "sekretariat", "en": "secretariat"},
}

TEXT: dict[Lang, dict[str, str]] = {
    "da": {
        "site": "Klyngeforum",
        "tagline": "Fælles overblik over klynge- og netværksindsatsen i Danmark",
        "dashboard": "Overblik",
        "docs": "API-dokumentation",
        "events_catalog": "Hændelseskatalog",
        "asyncapi": "AsyncAPI (JSON)",
        "openapi": "Samlet OpenAPI (JSON)",
        "language": "Sprog",
        "other_language": "English",
        "skip": "Spring til indhold",
        "public_note": "Alle tal her er offentlige data fra suitens tjenester; der kræves "
        "ingen konto.",
        "updated": "Opdateret {when}",
        "card_failed": "Data kunne ikke hentes lige nu",
        "card_failed_detail": "{service} svarede ikke som forventet ({reason}). Resten af "
        "siden virker; prøv igen om lidt.",
        "no_data": "Ingen data endnu.",
        "show_numbers": "Vis tallene",
        "total": "I alt",
        "others": "Øvrige",
        "unknown": "Ukendt",
        # clusters
        "clusters_title": "Klynger efter region og liga",
        "clusters_lead": "Aktive klynger og netværk: {total}",
        "map_title": "Klynger pr. region",
        "map_desc": "Skematisk kort over de fem regioner; jo mørkere, jo flere klynger har "
        "hjemme i regionen.",
        "map_note": "Skematisk kort – ikke målfast",
        "map_legend": "Antal klynger",
        "league_bars_title": "Klynger pr. region fordelt på liga",
        "league_bars_desc": "En vandret søjle pr. region, delt op i verdensklasse-, nationale "
        "og spirende klynger.",
        "region": "Region",
        # funding
        "funding_title": "Finansiering efter bevillingsgiver og år",
        "funding_lead": "Bevillinger: {grants} · i {year}: {amount}",
        "funding_chart_desc": "Bevillingernes beløb fordelt på kalenderår (efter dage) og "
        "bevillingsgiver; de største bevillingsgivere hver for sig, resten samlet.",
        "funder": "Bevillingsgiver",
        "year": "År",
        "mdkk": "mio. kr.",
        "amount_mdkk": "{value} mio. kr.",
        # calls
        "calls_title": "Udbud og dialog",
        "calls_lead": "{open} åbne · {in_dialogue} i dialog · {planned} planlagte",
        "calls_none": "Ingen planlagte eller åbne udbud lige nu.",
        "budget": "Budget",
        "opens": "Åbner {date}",
        "closes": "Ansøgningsfrist {date}",
        "decision": "Afgørelse {date}",
        "dialogue": "Dialog",
        "dialogue_progress": "{answered} af {asked} har svaret",
        "dialogue_deadline": "frist {date}",
        "dialogue_closed": "dialogen er afsluttet",
        "national": "national",
        "regional": "regional",
        "strategic": "strategisk",
        "base": "basisfinansiering",
        "project": "projektmidler",
        "more_calls": "og {n} flere",
        # flows
        "flows_title": "Henvisninger mellem regioner",
        "flows_lead": "Henvisninger de seneste 12 måneder: {total} · på tværs af "
        "regionsgrænser: {share}",
        "flows_caption": "Fra virksomhedens region (rækker) til den modtagende organisations "
        "region (kolonner), de seneste 12 måneder. Kun antal – ingen oplysninger om "
        "virksomheder eller personer.",
        "flows_diagonal": "inden for samme region",
        "from_to": "Fra \\ til",
        "flows_none": "Ingen henvisninger de seneste 12 måneder.",
        # account
        "account_title": "Performanceregnskab efter liga",
        "account_lead": "{year} · {state} · klynger: {clusters}",
        "published": "offentliggjort {date}",
        "draft": "kladde",
        "draft_note": "Kladde: tallene kan ændre sig, indtil FIVU/RTI offentliggør regnskabet.",
        "account_none": "Der er endnu ikke data til et performanceregnskab.",
        "league": "Liga",
        "clusters_col": "Klynger",
        "with_data": "Med data",
        "median_overall": "Median samlet score",
        "indicator_medians": "Ligaens median pr. indikator",
        "indicator": "Indikator",
        "report_link": "Hele regnskabet {year}",
        # feed
        "feed_title": "Hændelser lige nu",
        "feed_lead": "Offentlige hændelser, nyeste først; nye kommer til af sig selv.",
        "feed_live": "Direkte",
        "feed_connecting": "Forbinder …",
        "feed_offline": "Afbrudt – prøver igen",
        "feed_none": "Ingen hændelser endnu.",
        # docs
        "docs_title": "API-dokumentation",
        "docs_lead": "Alle tjenesters HTTP-API'er samlet ét sted (OpenAPI 3). Hver tjeneste "
        "har også sin egen interaktive side.",
        "interactive": "Interaktiv side",
        "openapi_json": "OpenAPI (JSON)",
        "operations": "Operationer",
        "schemas": "Skemaer",
        "parameters": "Parametre",
        "request_body": "Forespørgsel",
        "responses": "Svar",
        "name": "Navn",
        "in": "I",
        "type": "Type",
        "required": "Påkrævet",
        "description": "Beskrivelse",
        "yes": "ja",
        "no": "nej",
        "docs_failed": "Dokumentationen for {service} kunne ikke hentes ({reason}).",
        "catalog_title": "Hændelseskatalog",
        "catalog_lead": "Alle hændelsestyper i suiten: navn, afsender, hvem der må se dem, og "
        "indholdet. Hver hændelse er en CloudEvent, hvis data er indholdet nedenfor; typen er "
        "også NATS-emnet.",
        "producer": "Afsender",
        "addressed": "Adresseret",
        "public": "Offentlig",
        "addressed_note": "går kun til én organisation (recipient)",
        "public_note_event": "alle kan se den",
        "payload": "Indhold",
        "field": "Felt",
        "types_n": "{n} hændelsestyper",
    },
    "en": {
        "site": "Klyngeforum",
        "tagline": "A shared picture of cluster and network policy in Denmark",
        "dashboard": "Overview",
        "docs": "API docs",
        "events_catalog": "Event catalogue",
        "asyncapi": "AsyncAPI (JSON)",
        "openapi": "Merged OpenAPI (JSON)",
        "language": "Language",
        "other_language": "Dansk",
        "skip": "Skip to content",
        "public_note": "Every figure here is public data from the suite's services; no account "
        "is needed.",
        "updated": "Updated {when}",
        "card_failed": "The data could not be fetched right now",
        "card_failed_detail": "{service} did not answer as expected ({reason}). The rest of "
        "the page works; try again shortly.",
        "no_data": "No data yet.",
        "show_numbers": "Show the numbers",
        "total": "Total",
        "others": "Others",
        "unknown": "Unknown",
        "clusters_title": "Clusters by region and league",
        "clusters_lead": "Active clusters and networks: {total}",
        "map_title": "Clusters per region",
        "map_desc": "Schematic map of the five regions; the darker, the more clusters are at "
        "home in the region.",
        "map_note": "Schematic map – not to scale",
        "map_legend": "Number of clusters",
        "league_bars_title": "Clusters per region by league",
        "league_bars_desc": "One horizontal bar per region, split into world-class, national "
        "and emerging clusters.",
        "region": "Region",
        "funding_title": "Funding by funder and year",
        "funding_lead": "Grants: {grants} · in {year}: {amount}",
        "funding_chart_desc": "The grants' amounts spread over calendar years (by days) and "
        "funders; the largest funders on their own, the rest together.",
        "funder": "Funder",
        "year": "Year",
        "mdkk": "DKK million",
        "amount_mdkk": "DKK {value} million",
        "calls_title": "Calls and dialogue",
        "calls_lead": "{open} open · {in_dialogue} in dialogue · {planned} planned",
        "calls_none": "No planned or open calls right now.",
        "budget": "Budget",
        "opens": "Opens {date}",
        "closes": "Deadline {date}",
        "decision": "Decision {date}",
        "dialogue": "Dialogue",
        "dialogue_progress": "{answered} of {asked} have answered",
        "dialogue_deadline": "deadline {date}",
        "dialogue_closed": "the dialogue is over",
        "national": "national",
        "regional": "regional",
        "strategic": "strategic",
        "base": "base funding",
        "project": "project funding",
        "more_calls": "and {n} more",
        "flows_title": "Referrals between regions",
        "flows_lead": "Referrals in the last 12 months: {total} · across regional borders: {share}",
        "flows_caption": "From the firm's region (rows) to the receiving organisation's region "
        "(columns), the last 12 months. Counts only – nothing about firms or people.",
        "flows_diagonal": "within the same region",
        "from_to": "From \\ to",
        "flows_none": "No referrals in the last 12 months.",
        "account_title": "Performance account by league",
        "account_lead": "{year} · {state} · clusters: {clusters}",
        "published": "published {date}",
        "draft": "draft",
        "draft_note": "Draft: the figures may change until FIVU/RTI publishes the account.",
        "account_none": "There are no data for a performance account yet.",
        "league": "League",
        "clusters_col": "Clusters",
        "with_data": "With data",
        "median_overall": "Median overall score",
        "indicator_medians": "The league's median per indicator",
        "indicator": "Indicator",
        "report_link": "The full account {year}",
        "feed_title": "Events right now",
        "feed_lead": "Public events, newest first; new ones appear by themselves.",
        "feed_live": "Live",
        "feed_connecting": "Connecting …",
        "feed_offline": "Disconnected – retrying",
        "feed_none": "No events yet.",
        "docs_title": "API documentation",
        "docs_lead": "Every service's HTTP API in one place (OpenAPI 3). Each service also has "
        "its own interactive page.",
        "interactive": "Interactive page",
        "openapi_json": "OpenAPI (JSON)",
        "operations": "Operations",
        "schemas": "Schemas",
        "parameters": "Parameters",
        "request_body": "Request body",
        "responses": "Responses",
        "name": "Name",
        "in": "In",
        "type": "Type",
        "required": "Required",
        "description": "Description",
        "yes": "yes",
        "no": "no",
        "docs_failed": "The documentation of {service} could not be fetched ({reason}).",
        "catalog_title": "Event catalogue",
        "catalog_lead": "Every event type of the suite: its name, producer, who may see it, "
        "and its payload. Each event is a CloudEvent whose data is the payload below; the type "
        "is also the NATS subject.",
        "producer": "Producer",
        "addressed": "Addressed",
        "public": "Public",
        "addressed_note": "goes to one organisation only (recipient)",
        "public_note_event": "anyone may see it",
        "payload": "Payload",
        "field": "Field",
        "types_n": "{n} event types",
    },
}

SERVICE_NAMES: dict[str, dict[Lang, str]] = {
    "registry": {"da": "Registret", "en": "The registry"},
    "funding": {"da": "Finansieringstjenesten", "en": "The funding service"},
    "referrals": {"da": "Henvisningstjenesten", "en": "The referral service"},
    "evaluation": {"da": "Evalueringstjenesten", "en": "The evaluation service"},
    "gateway": {"da": "Gatewayen", "en": "The gateway"},
}


def label(table: dict[str, dict[Lang, str]], key: str | None, lang: Lang) -> str:
    """The word for ``key`` in ``lang``, or the key itself when the table does not know it."""
    if key is None:
        return TEXT[lang]["unknown"]
    return table.get(key, {}).get(lang, key)
