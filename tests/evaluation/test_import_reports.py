"""``python -m services.manage import-reports FILE.csv``: all or nothing per file, errors with
file and line, on an evaluation database built by the real migrations (SQLite, and PostgreSQL
with TEST_POSTGRES_URL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from services import manage
from services.evaluation.models import Account, EvalCluster, IndicatorValue, MemberSnapshot, Report
from services.evaluation.service.report_import import ImportRejected, import_into
from services.suite import migrations_dir
from shared.db import make_engine, make_session_factory

NOW = datetime(2026, 2, 1, tzinfo=UTC)
YEAR = date.today().year


async def _seed(url: str) -> None:
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session, session.begin():
            for cid in ("klynge-a", "klynge-b"):
                session.add(
                    EvalCluster(
                        id=cid, name=cid, league="national", registered_at=NOW, updated_at=NOW
                    )
                )
            # klynge-b has 2 member firms (from 2023 on): dedicated firms may not exceed them
            session.add(
                MemberSnapshot(
                    cluster_id="klynge-b",
                    year=2023,
                    member_count=2,
                    members_by_kind={"firm": 2},
                    sme_firms=2,
                    firms_size_unknown=0,
                    taken_at=NOW,
                )
            )
            session.add(Account(year=2020, state="published", snapshot={"clusters": []}))
    finally:
        await engine.dispose()


async def _read(url: str) -> tuple[list[Report], dict[tuple[str, int, str], float]]:
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            reports = list(
                (await session.execute(select(Report).order_by(Report.cluster_id, Report.year)))
                .scalars()
                .all()
            )
            values = {
                (v.cluster_id, v.year, v.indicator): v.value
                for v in (await session.execute(select(IndicatorValue))).scalars()
            }
            return reports, values
    finally:
        await engine.dispose()


@pytest.fixture
def db_url(make_database: Any) -> str:
    url = str(asyncio.run(make_database(migrations_dir("evaluation"))))
    asyncio.run(_seed(url))
    return url


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_is_imported_in_one_go(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(
        tmp_path / "indberetninger.csv",
        "cluster_id,year,collaboration_projects,new_ideas,private_funding,dedicated_firms,comment\n"
        "klynge-a,2024,12,,1500000.5,,Første år\n"
        "klynge-a,2025,14,3,,,\n"
        'klynge-b,2024,7,0,"250000,25",2,\n',
    )
    assert manage.main(["import-reports", str(good), "--database-url", db_url]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("imported 3 reports (0 replacing earlier ones) with 8 values")
    assert "validating: 3 rows" in err and "writing: 3 rows" in err
    reports, values = asyncio.run(_read(db_url))
    assert [(r.cluster_id, r.year, r.version) for r in reports] == [
        ("klynge-a", 2024, 1),
        ("klynge-a", 2025, 1),
        ("klynge-b", 2024, 1),
    ]
    assert {r.submitted_by for r in reports} == {"import:indberetninger.csv"}
    assert reports[0].comment == "Første år" and reports[1].comment is None
    assert values == {
        ("klynge-a", 2024, "collaboration_projects"): 12,
        ("klynge-a", 2024, "private_funding"): 1_500_000.5,
        ("klynge-a", 2025, "collaboration_projects"): 14,
        ("klynge-a", 2025, "new_ideas"): 3,
        ("klynge-b", 2024, "collaboration_projects"): 7,
        ("klynge-b", 2024, "new_ideas"): 0,  # a 0 is a value; the empty cells are missing
        ("klynge-b", 2024, "private_funding"): 250_000.25,
        ("klynge-b", 2024, "dedicated_firms"): 2,
    }

    # A Danish spreadsheet (semicolons, decimal comma) replaces a year: version 2.
    again = write(tmp_path / "rettelse.csv", "cluster_id;year;private_funding\nklynge-a;2024;1,5\n")
    assert manage.main(["import-reports", str(again), "--database-url", db_url]) == 0
    reports, values = asyncio.run(_read(db_url))
    assert [(r.year, r.version, r.submitted_by) for r in reports if r.cluster_id == "klynge-a"] == [
        (2024, 2, "import:rettelse.csv"),
        (2025, 1, "import:indberetninger.csv"),
    ]
    assert {k: v for k, v in values.items() if k[:2] == ("klynge-a", 2024)} == {
        ("klynge-a", 2024, "private_funding"): 1.5
    }


def test_a_bad_file_writes_nothing_and_says_where(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(
        tmp_path / "bad.csv",
        "cluster_id,year,collaboration_projects,new_products,dedicated_firms\n"
        "klynge-a,2024,12,1,\n"  # good
        "klynge-x,2024,1,1,\n"  # 3: unknown cluster
        "klynge-a,1999,1,1,\n"  # 4: year out of range
        "klynge-a,2025,mange,1.5,\n"  # 5: not a number; not whole
        "klynge-a,2024,2,2,\n"  # 6: duplicate of line 2
        "klynge-b,2024,1,-1,3\n"  # 7: negative; dedicated 3 > 2 member firms (2023 snapshot)
        "klynge-a,2020,1,1,\n"  # 8: the 2020 account is published
        "klynge-a,2023,1\n",  # 9: too few values
    )
    assert manage.main(["import-reports", str(bad), "--database-url", db_url]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    for expected in (
        "bad.csv:3: cluster_id: unknown cluster 'klynge-x'",
        f"bad.csv:4: year: '1999' is not a year between 2000 and {YEAR + 1}",
        "bad.csv:5: collaboration_projects: 'mange' is not a number",
        "bad.csv:6: klynge-a 2024 is already on line 2",
        "bad.csv:7: new_products: 'new_products' cannot be negative (-1).",
        "bad.csv:8: year: the account of 2020 is published and no longer changes",
        "bad.csv:9: 3 values for 5 columns",
    ):
        assert expected in err, err
    assert "bad.csv:2:" not in err
    assert "nothing was imported" in err
    assert asyncio.run(_read(db_url)) == ([], {})

    # Once the parsing errors are fixed, the rules' errors show (per line, per indicator).
    bad2 = write(
        tmp_path / "bad2.csv",
        "cluster_id,year,new_products,dedicated_firms\nklynge-a,2025,1.5,\nklynge-b,2024,-1,3\n",
    )
    with pytest.raises(ImportRejected) as caught:
        asyncio.run(import_into(db_url, bad2, today=date(2026, 3, 1)))
    assert [str(e) for e in caught.value.errors] == [
        "bad2.csv:2: new_products: 'new_products' is a count: 1.5 is not whole.",
        "bad2.csv:3: new_products: 'new_products' cannot be negative (-1).",
    ]
    bad3 = write(tmp_path / "bad3.csv", "cluster_id,year,dedicated_firms\nklynge-b,2024,3\n")
    with pytest.raises(ImportRejected) as caught:
        asyncio.run(import_into(db_url, bad3, today=date(2026, 3, 1)))
    assert [str(e) for e in caught.value.errors] == [
        "bad3.csv:2: dedicated_firms: 'dedicated_firms' (3) exceeds 'participating_firms' (2)."
    ]
    assert asyncio.run(_read(db_url)) == ([], {})


def test_header_problems(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = write(
        tmp_path / "h.csv", "cluster,year,participating_firms,colour\nklynge-a,2024,1,2\n"
    )
    assert manage.main(["import-reports", str(header), "--database-url", db_url]) == 1
    err = capsys.readouterr().err
    assert "h.csv:1: cluster_id: required column missing" in err
    assert "h.csv:1: participating_firms: derived from registry members" in err
    assert "h.csv:1: colour: unknown indicator code" in err
    empty = write(tmp_path / "empty.csv", "")
    assert manage.main(["import-reports", str(empty), "--database-url", db_url]) == 1
    assert "empty.csv:1: the file is empty" in capsys.readouterr().err
    latin = tmp_path / "latin.csv"
    latin.write_bytes("cluster_id,year\nkl\xf8ft,2024\n".encode("latin-1"))
    assert manage.main(["import-reports", str(latin), "--database-url", db_url]) == 1
    assert "latin.csv: not UTF-8 text" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        manage.main(["import-reports", str(tmp_path / "nope.csv"), "--database-url", db_url])
    assert exited.value.code == 2
