"""The annual account at scale (issue 6): 3,000 clusters × 10 years × 40 indicators.

An evaluation SQLite database is built by the service's real migrations and filled with
3,000 active clusters (world class, national, emerging) and one ``indicator_values`` row per
cluster × year × indicator — 1.2 million rows — plus each cluster's member snapshot per year.
The catalogue has 14 indicators; 26 synthetic *reported* ones (``synthetic_01`` …, spread over
the three functions) make the 40, passed to the account through ``account_view``'s
``indicators=``. Every cell has a value: 1,200,000 rows (``MISSING_SHARE`` leaves some out).

Two figures on the same engine (SQLAlchemy async, aiosqlite), in the same minute:

- **plain scan**: ``SELECT cluster_id, year, indicator, value FROM indicator_values``, every
  row fetched into Python — the floor of reading the data at all;
- **ten accounts**: ``service.accounts.account_view`` for each of the ten years (a draft:
  read the year and the year before, resolve members, ``rules.account.compute_account``,
  shape every cluster × indicator cell). Each account reads two years, so the ten read about
  twice the scanned rows.

``python -m bench.account`` prints them; ``bench.run`` puts them in the table.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from services.evaluation.rules.indicators import FUNCTIONS, INDICATORS, Indicator
from services.evaluation.service.accounts import LEAGUES, account_view
from services.suite import migrations_dir
from shared.db import make_engine, make_session_factory, migrate_url

CLUSTERS = 3_000
YEARS = 10
FIRST_YEAR = 2015
INDICATOR_COUNT = 40
MISSING_SHARE = 0.0  # every cell has a value: exactly the 1.2 million rows of the issue
NOW = "2026-01-01 00:00:00.000000"
#: Registered before the first year, so every cluster counts in every year's account (an
#: account for year Y holds only the clusters that existed in Y).
REGISTERED = "2014-01-01 00:00:00.000000"


def bench_indicators(count: int = INDICATOR_COUNT) -> tuple[Indicator, ...]:
    """The catalogue plus synthetic reported indicators up to ``count``."""
    extra = []
    template = next(i for i in INDICATORS if i.source == "reported")
    for n in range(1, count - len(INDICATORS) + 1):
        extra.append(
            replace(
                template,
                code=f"synthetic_{n:02d}",
                name_da=f"Syntetisk {n}",
                name_en=f"Synthetic {n}",
                function=FUNCTIONS[n % len(FUNCTIONS)],
                higher_is_better=n % 5 != 0,
            )
        )
    return (*INDICATORS, *extra)


def fill(path: Path, indicators: tuple[Indicator, ...], seed: int = 6) -> dict[str, Any]:
    """Write the clusters, snapshots and values with plain sqlite3 (fast bulk inserts)."""
    rnd = random.Random(seed)
    started = time.perf_counter()
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=OFF")
        leagues = rnd.choices(LEAGUES, weights=(1, 4, 5), k=CLUSTERS)
        con.executemany(
            "INSERT INTO eval_clusters (id, name, cluster_kind, league, status, "
            "home_municipality_code, home_region_code, fields, functions, registered_at, "
            "updated_at) VALUES (?, ?, 'cluster', ?, 'active', '0101', '1084', '[]', '[]', ?, ?)",
            [
                (f"c{n:05d}", f"Klynge {n:05d}", leagues[n], REGISTERED, NOW)
                for n in range(CLUSTERS)
            ],
        )
        con.executemany(
            "INSERT INTO member_snapshots (cluster_id, year, member_count, members_by_kind, "
            "sme_firms, firms_size_unknown, taken_at) VALUES (?, ?, 50, "
            '\'{"firm": 40, "knowledge_institution": 10}\', 30, 0, ?)',
            [(f"c{n:05d}", FIRST_YEAR + y, NOW) for n in range(CLUSTERS) for y in range(YEARS)],
        )
        rows = 0
        codes = [(i.code, i.unit, i.source) for i in indicators]
        for n in range(CLUSTERS):
            batch = []
            for y in range(YEARS):
                for code, unit, source in codes:
                    if rnd.random() < MISSING_SHARE:
                        continue
                    value = rnd.randint(0, 5_000_000) if unit == "dkk" else rnd.randint(0, 200)
                    batch.append((f"c{n:05d}", FIRST_YEAR + y, code, float(value), source, NOW))
            con.executemany(
                "INSERT INTO indicator_values (cluster_id, year, indicator, value, source, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                batch,
            )
            rows += len(batch)
        con.commit()
        con.execute("ANALYZE")
    finally:
        con.close()
    return {"rows": rows, "fill_s": time.perf_counter() - started}


async def _time(url: str, indicators: tuple[Indicator, ...], rounds: int) -> dict[str, Any]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    scans, accounts = [], []
    scanned = clusters = 0
    try:
        for _ in range(rounds):
            async with factory() as session:
                started = time.perf_counter()
                result = await session.execute(
                    text("SELECT cluster_id, year, indicator, value FROM indicator_values")
                )
                scanned = len(result.all())
                scans.append(time.perf_counter() - started)
            async with factory() as session:
                started = time.perf_counter()
                for year in range(FIRST_YEAR, FIRST_YEAR + YEARS):
                    view = await account_view(
                        session, year, date(2026, 6, 1), indicators=indicators
                    )
                    clusters = len(view.clusters)
                accounts.append(time.perf_counter() - started)
    finally:
        await engine.dispose()
    return {
        "scan_s": min(scans),
        "accounts_s": min(accounts),
        "scanned_rows": scanned,
        "clusters_per_account": clusters,
        "rounds": rounds,
    }


def measure(workdir: Path | None = None, rounds: int = 2) -> dict[str, Any]:
    """Build, fill and time; the best of ``rounds`` for both figures (same engine, same run)."""
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        path = Path(tmp) / "evaluation.db"
        url = f"sqlite+aiosqlite:///{path}"
        migrate_url(url, migrations_dir("evaluation"))
        indicators = bench_indicators()
        out = fill(path, indicators)
        out |= asyncio.run(_time(url, indicators, rounds))
    out |= {
        "clusters": CLUSTERS,
        "years": YEARS,
        "indicators": len(indicators),
        "catalogue_indicators": len(INDICATORS),
        "ratio": out["accounts_s"] / out["scan_s"],
        "per_account_s": out["accounts_s"] / YEARS,
    }
    return out


def main() -> None:
    print(
        f"filling {CLUSTERS:,} clusters × {YEARS} years × {INDICATOR_COUNT} indicators …",
        file=sys.stderr,
    )
    r = measure()
    print(
        f"{r['rows']:,} rows written in {r['fill_s']:.1f} s\n"
        f"plain scan of the rows:      {r['scan_s'] * 1000:8.0f} ms ({r['scanned_rows']:,} rows)\n"
        f"ten yearly accounts:         {r['accounts_s'] * 1000:8.0f} ms "
        f"({r['per_account_s'] * 1000:.0f} ms per account, "
        f"{r['clusters_per_account']:,} clusters each)\n"
        f"ratio accounts / scan:       {r['ratio']:8.2f}×"
    )


if __name__ == "__main__":
    main()
