"""Fields of strength: a shipped taxonomy of smart-specialisation domains (§4.2).

Each field maps to NACE Rev. 2 sections, so statistics by industry (e.g. employment by
NACE section from Danmarks Statistik or Eurostat) can be linked to the clusters in a field.
The domains follow the Danish national cluster landscape (the 14 business areas of the
2021 cluster reform, which grew out of the 2013 strategy's strongholds).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Field:
    code: str
    name_da: str
    name_en: str
    nace_sections: tuple[str, ...]


FIELDS: tuple[Field, ...] = (
    Field("energy", "Energi", "Energy", ("D", "C", "F")),
    Field("food_bio", "Fødevarer og bioressourcer", "Food and bioresources", ("A", "C")),
    Field(
        "life_science",
        "Life science og velfærdsteknologi",
        "Life science and welfare technology",
        ("C", "M", "Q"),
    ),
    Field("digital", "Digitale teknologier", "Digital technologies", ("J", "M")),
    Field("maritime", "Det blå Danmark (maritim)", "Maritime", ("H", "C")),
    Field("water_environment", "Vand, bio og miljø", "Water, bio and environment", ("E", "C")),
    Field("robotics", "Robotter og automatisering", "Robotics and automation", ("C", "M")),
    Field(
        "production",
        "Innovativ produktion og materialer",
        "Advanced manufacturing and materials",
        ("C",),
    ),
    Field("construction", "Byggeri og arkitektur", "Construction and architecture", ("F", "M")),
    Field(
        "creative", "Kreative erhverv og design", "Creative industries and design", ("J", "M", "R")
    ),
    Field("tourism", "Turisme og oplevelser", "Tourism and experience economy", ("I", "N", "R")),
    Field("transport", "Transport og logistik", "Transport and logistics", ("H",)),
    Field(
        "finance", "Finansielle tjenester og fintech", "Financial services and fintech", ("K", "J")
    ),
    Field("space_defence", "Rum og forsvar", "Space and defence", ("C", "M")),
)


@cache
def field_by_code() -> dict[str, Field]:
    return {f.code: f for f in FIELDS}


@dataclass(frozen=True)
class SocietalTask:
    code: str
    name_da: str
    name_en: str


#: The societal tasks of §2 a cluster may take on when the preconditions hold.
SOCIETAL_TASKS: tuple[SocietalTask, ...] = (
    SocietalTask("climate", "Klima", "Climate"),
    SocietalTask("energy", "Energi", "Energy"),
    SocietalTask("environment", "Miljø", "Environment"),
    SocietalTask("transport", "Transport", "Transport"),
    SocietalTask("food", "Fødevarer", "Food"),
    SocietalTask("health_welfare", "Sundhed og velfærd", "Health and welfare"),
    SocietalTask(
        "international_knowledge",
        "Internationalt vidensamarbejde",
        "International knowledge cooperation",
    ),
    SocietalTask(
        "education_matching",
        "Uddannelser målrettet erhvervslivets behov",
        "Education matched to business needs",
    ),
    SocietalTask(
        "branding_investment",
        "International branding og investeringsfremme",
        "International branding and investment attraction",
    ),
    SocietalTask(
        "knowledge_spread",
        "Viden spredt til hele landet",
        "Spreading knowledge to all parts of the country",
    ),
)


@cache
def task_by_code() -> dict[str, SocietalTask]:
    return {t.code: t for t in SOCIETAL_TASKS}
