"""Fictional clusters and members as CSV files for the bulk import (``importer.py``).

``python -m services.manage generate-cluster-csv OUTDIR --clusters 5000 --members 100000``
writes ``OUTDIR/clusters.csv`` and ``OUTDIR/members.csv``. The data is plausible — real
municipality codes and fields of strength, CVR numbers with valid check digits, leagues in
realistic proportions, members mostly near the cluster's home — but clearly fictional: every
name ends in "(fiktiv)" and websites are under example.org. The same seed gives the same files.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from services.registry.importer import CLUSTER_OPTIONAL, CLUSTER_REQUIRED, MEMBER_OPTIONAL
from shared.reference import Municipality, municipalities
from shared.reference.fields import FIELDS

_CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2)
#: Members joined up to this day (fixed, so the files depend on the seed alone).
_LAST_JOINED = date(2025, 6, 30)
_KIND_DA = {
    "cluster": "Fiktiv klynge",
    "innovation_network": "Fiktivt innovationsnetværk",
    "network": "Fiktivt netværk",
}
_FIRM_WORDS = (
    "Nordlys Fjord Hede Klit Bølge Egetræ Lynghøj Vestvind Sølvmåge Kornmark Havbrug Stenbro "
    "Grønspætte Bakkedal Strandeng Mølleå Tangen Rønnebær Kildevæld Havørn"
).split()
_FIRM_FORMS = ("ApS", "A/S", "I/S", "IVS", "Holding ApS")
_MEMBER_KINDS = ("knowledge_institution", "education_institution", "public_actor", "firm")
_INSTITUTION = {
    "knowledge_institution": ("Videncenter", "Forskningsinstitut", "Teknologisk Laboratorium"),
    "education_institution": ("Erhvervsakademi", "Erhvervsskole", "Professionshøjskole"),
    "public_actor": ("Erhvervskontor", "Forsyning", "Kommunal Innovationsenhed"),
}


def cvr_numbers(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct CVR numbers with a valid check digit (modulus 11)."""
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < count:
        for base in rng.sample(range(1_000_000, 10_000_000), count - len(out) + 100):
            digits = str(base)
            check = -sum(w * int(d) for w, d in zip(_CVR_WEIGHTS, digits, strict=True)) % 11
            number = digits + str(check)
            if check < 10 and number not in seen:
                seen.add(number)
                out.append(number)
                if len(out) == count:
                    break
    return out


def _split(total: int, weights: list[float]) -> list[int]:
    """``total`` shared out in proportion to ``weights`` (largest remainders)."""
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    counts = [int(x) for x in exact]
    rest = sorted(range(len(weights)), key=lambda i: counts[i] - exact[i])
    for i in rest[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _employees(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.6:
        return rng.randint(1, 9)
    if r < 0.85:
        return rng.randint(10, 49)
    if r < 0.95:
        return rng.randint(50, 249)
    return rng.randint(250, 5000)


def generate(
    outdir: Path, clusters: int = 5000, members: int = 100_000, seed: int = 1
) -> tuple[Path, Path]:
    """Write ``clusters.csv`` and ``members.csv`` into ``outdir``; return their paths."""
    rng = random.Random(seed)
    outdir.mkdir(parents=True, exist_ok=True)
    munis = list(municipalities())
    by_region: dict[str, list[Municipality]] = {}
    for m in munis:
        by_region.setdefault(m.region_code, []).append(m)
    cvrs = cvr_numbers(rng, clusters + members)
    cluster_cvrs, member_cvrs = cvrs[:clusters], iter(cvrs[clusters:])
    leagues = rng.choices(["world_class", "national", "emerging"], [3, 27, 70], k=clusters)
    weights = [
        rng.lognormvariate(0, 0.6) * {"world_class": 6, "national": 2.5, "emerging": 1}[lg]
        for lg in leagues
    ]
    sizes = _split(members, weights)
    cpath, mpath = outdir / "clusters.csv", outdir / "members.csv"
    with (
        cpath.open("w", encoding="utf-8", newline="") as cf,
        mpath.open("w", encoding="utf-8", newline="") as mf,
    ):
        cw, mw = csv.writer(cf, lineterminator="\n"), csv.writer(mf, lineterminator="\n")
        cw.writerow([*CLUSTER_REQUIRED, *CLUSTER_OPTIONAL])
        mw.writerow(["cluster_cvr", "kind", "name", *MEMBER_OPTIONAL])
        for n in range(clusters):
            home = rng.choice(munis)
            near = by_region[home.region_code]
            league = leagues[n]
            kind = rng.choices(["cluster", "innovation_network", "network"], [5, 2, 3])[0]
            fields = rng.sample(FIELDS, rng.choice((1, 1, 2, 2, 3)))
            served = (
                sorted({m.code for m in rng.sample(near, min(len(near), rng.randint(0, 4)))})
                if league != "world_class"
                else []
            )
            founded = date(1990, 1, 1) + timedelta(days=rng.randint(0, 34 * 365))
            main = fields[0]
            cw.writerow(
                [
                    cluster_cvrs[n],
                    f"{main.name_da} {home.name} {n + 1:05d} (fiktiv)",
                    kind,
                    league,
                    home.code,
                    ";".join(c for c in served if c != home.code),
                    ";".join(f.code for f in fields),
                    ";".join(
                        rng.choice(
                            (["bridge_builder"], ["bridge_builder", "regional_ecosystem"], [])
                        )
                    ),
                    founded.isoformat(),
                    f"https://www.example.org/klynger/{n + 1:05d}" if rng.random() < 0.8 else "",
                    f"{_KIND_DA[kind]} inden for {main.name_da.lower()} med base i "
                    f"{home.name} (testdata).",
                    "",
                ]
            )
            local_share = rng.uniform(0.2, 0.95)
            for i in range(sizes[n]):
                mkind = rng.choices(_MEMBER_KINDS, [8, 7, 10, 75])[0]
                if mkind == "firm":
                    name = f"{rng.choice(_FIRM_WORDS)} {rng.choice(_FIRM_FORMS)}"
                    cvr, employees = next(member_cvrs), str(_employees(rng))
                else:
                    name = f"{rng.choice(_INSTITUTION[mkind])} {rng.choice(near).name}"
                    cvr = next(member_cvrs) if rng.random() < 0.7 else ""
                    employees = ""
                r = rng.random()
                place = (
                    ""
                    if r < 0.05
                    else (rng.choice(near) if r < 0.05 + local_share else rng.choice(munis)).code
                )
                joined = founded + timedelta(days=rng.randint(0, (_LAST_JOINED - founded).days))
                mw.writerow(
                    [
                        cluster_cvrs[n],
                        mkind,
                        f"{name} {n + 1:05d}-{i + 1:03d} (fiktiv)",
                        cvr,
                        place,
                        employees,
                        joined.isoformat(),
                    ]
                )
    return cpath, mpath
