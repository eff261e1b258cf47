"""Demo content of the referral exchange (embedded run): what the demo organisations offer.

Every demo cluster offers one service built from its fields (the texts below, in Danish, as the
organisations would write them); the demo growth houses and the local business service offer
their usual services. All of it is fictitious and marked "(demo)" through the organisations.
"""

from __future__ import annotations

from dataclasses import dataclass

#: What a cluster organisation in each field typically offers firms (§5), in Danish.
FIELD_OFFERS: dict[str, tuple[str, str]] = {
    "energy": (
        "Innovationsprojekter om energi",
        "Vi matcher virksomheder med forskere om energieffektivisering, vedvarende energi, "
        "energilagring og Power-to-X, hjælper med test og demonstration af nye "
        "energiteknologier og med ansøgninger til EUDP og Innobooster.",
    ),
    "food_bio": (
        "Fødevareinnovation og eksport",
        "Vi hjælper fødevarevirksomheder med produktudvikling, holdbarhed, emballage og "
        "fødevaresikkerhed, og med eksport af fødevarer til nye markeder sammen med "
        "universiteter og GTS-institutter.",
    ),
    "life_science": (
        "Sundhedsinnovation og klinisk afprøvning",
        "Adgang til hospitaler og kommuner for afprøvning af velfærdsteknologi og medicinsk "
        "udstyr, sparring om regulatoriske krav (MDR) og kontakt til investorer i life science.",
    ),
    "digital": (
        "Digitalisering og kunstig intelligens",
        "Forløb om digitalisering, data, kunstig intelligens og cybersikkerhed for små og "
        "mellemstore virksomheder, med studerende og forskere fra datalogi.",
    ),
    "maritime": (
        "Maritim innovation og grøn skibsfart",
        "Netværk for værfter, havne og maritime leverandører om grøn skibsfart, alternative "
        "brændstoffer, offshore-service og digitale løsninger til søfarten.",
    ),
    "water_environment": (
        "Vandteknologi og miljøløsninger",
        "Test og demonstration af vandteknologi, rensning, klimatilpasning og cirkulær "
        "økonomi; matchmaking med forsyninger og internationale kunder.",
    ),
    "robotics": (
        "Automatisering og robotter i produktionen",
        "Vi hjælper produktionsvirksomheder med at automatisere: robotceller, integratorer, "
        "test i vores robotlaboratorium og kompetenceløft af medarbejdere.",
    ),
    "production": (
        "Innovativ produktion og nye materialer",
        "Produktionsvirksomheder får sparring om lean, 3D-print, nye materialer og "
        "digitalisering af produktionen, og adgang til testfaciliteter.",
    ),
    "construction": (
        "Bæredygtigt byggeri",
        "Innovationsprojekter om bæredygtigt byggeri, træbyggeri, renovering og digitale "
        "byggeprocesser med arkitekter, entreprenører og forskere.",
    ),
    "creative": (
        "Design og kreative erhverv",
        "Designsparring, brugerinddragelse og forretningsudvikling for kreative virksomheder "
        "og for virksomheder der vil bruge design i produktudvikling.",
    ),
    "tourism": (
        "Oplevelsesøkonomi og turisme",
        "Udvikling af helårsturisme, nye oplevelser og bæredygtig turisme for hoteller, "
        "campingpladser og attraktioner; fælles markedsføring over for udenlandske gæster.",
    ),
    "transport": (
        "Logistik og grøn transport",
        "Netværk om logistik, forsyningskæder, grøn transport og havnelogistik; test af "
        "elektriske lastbiler og digital sporing af gods.",
    ),
    "finance": (
        "Fintech og finansiering",
        "Fintech-virksomheder møder banker og investorer; sparring om regulering, betalinger "
        "og kapitalrejsning for nye finansielle løsninger.",
    ),
    "space_defence": (
        "Rum- og forsvarsteknologi",
        "Adgang til forsvarets og rumindustriens leverandørkæder, sikkerhedsgodkendelse og "
        "dual-use projekter for teknologivirksomheder.",
    ),
}


@dataclass(frozen=True)
class DemoOffer:
    """A service of a demo growth house or business service (by the organisation's CVR)."""

    cvr: str
    name: str
    description: str
    target_groups: tuple[str, ...]
    fields: tuple[str, ...] = ()
    #: "region": the organisation's region; "municipality": its municipality; else national
    area: str = "region"


#: The demo growth houses (erhvervshuse: Midtjylland, Hovedstaden, Nordjylland, Fyn) and the
#: local business service in Aarhus, by the CVR the registry's demo gives them.
_GROWTH_HOUSE_CVRS = ("40118233", "33662173", "96386192", "94543169")
GROWTH_HOUSE_OFFERS: tuple[DemoOffer, ...] = (
    *(
        offer
        for cvr in _GROWTH_HOUSE_CVRS
        for offer in (
            DemoOffer(
                cvr,
                "Vækstvejledning for iværksættere",
                "Gratis vejledning til iværksættere og nye virksomheder om forretningsplan, "
                "finansiering, første ansættelser og vækst.",
                ("entrepreneurs", "startups"),
            ),
            DemoOffer(
                cvr,
                "Eksportrådgivning og internationalisering",
                "Sparring til små og mellemstore virksomheder om eksport, nye markeder og "
                "samarbejde med Eksportrådet og Trade Council.",
                ("sme", "growth_firms"),
            ),
            DemoOffer(
                cvr,
                "Grøn omstilling og bæredygtighed",
                "Forløb om grøn omstilling, energibesparelser og cirkulær økonomi i små og "
                "mellemstore virksomheder, med tilskud til ekstern rådgivning.",
                ("sme",),
                ("energy", "water_environment"),
            ),
        )
    ),
    DemoOffer(
        "25881400",
        "Lokal erhvervsservice: første samtale",
        "Første vejledning til virksomheder i kommunen: tilladelser, lokaler, rekruttering "
        "og henvisning til erhvervshuset og klyngerne.",
        ("entrepreneurs", "sme"),
        area="municipality",
    ),
)
