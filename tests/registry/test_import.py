"""Bulk import from CSV: all or nothing, the API's events and responsibility, the CLI.

Every test runs on a registry database built by the real migrations, on SQLite and (with
TEST_POSTGRES_URL) on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import csv
import io
import random
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import manage
from services.registry.config import RuleConfig
from services.registry.generate import cvr_numbers, generate
from services.registry.importer import ImportRejected, Progress, import_into
from services.registry.models import (
    Cluster,
    ClusterField,
    ClusterMunicipality,
    LeagueChange,
    Member,
    Organisation,
    messaging,
)
from services.registry.service.cluster_loading import cluster_facts
from services.registry.service.responsibility import responsibility_state
from services.suite import migrations_dir
from shared.db import make_engine, make_session_factory
from shared.events import contracts as ev
from shared.reference import municipality_by_code, normalise_cvr, reference_parties
from shared.reference.fields import field_by_code

CLUSTER_HEADER = ["cvr", "name", "cluster_kind", "league", "home_municipality_code"]
MEMBER_HEADER = ["cluster_cvr", "kind", "name", "cvr", "municipality_code", "employees"]
CVR = cvr_numbers(random.Random(42), 40)


def bad_check_digit(cvr: str) -> str:
    # Changing the last digit by one changes the modulus-11 sum by one: never valid.
    return cvr[:7] + str((int(cvr[7]) + 1) % 10)


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
async def db_url(make_database: Any) -> str:
    return str(await make_database(migrations_dir("registry")))


@asynccontextmanager
async def session_on(url: str) -> AsyncIterator[AsyncSession]:
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()


async def count(session: AsyncSession, what: Any, *where: Any) -> int:
    stmt = select(func.count()).select_from(what)
    for condition in where:
        stmt = stmt.where(condition)
    return int((await session.execute(stmt)).scalar_one())


async def outbox_types(session: AsyncSession) -> Counter[str]:
    rows = await session.execute(select(messaging.outbox.c.type))
    return Counter(rows.scalars())


async def test_a_generated_import_lands_completely_with_the_apis_events(
    db_url: str, tmp_path: Path
) -> None:
    clusters_csv, members_csv = generate(tmp_path / "data", clusters=20, members=300, seed=3)
    with clusters_csv.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    summary = await import_into(db_url, clusters_csv, members_csv)
    assert (summary.clusters, summary.members) == (20, 300)
    assert summary.reference_parties == len(reference_parties())
    assert summary.events == 40 + len(reference_parties())

    config = RuleConfig()
    async with session_on(db_url) as session:
        assert await count(session, Cluster) == 20
        assert await count(session, Member) == 300
        assert await count(session, Organisation, Organisation.kind == "cluster_organisation") == 20
        assert await count(session, ClusterField) == sum(len(r["fields"].split(";")) for r in rows)
        assert await count(session, ClusterMunicipality) == sum(
            len({r["home_municipality_code"], *filter(None, r["municipalities_served"].split(";"))})
            for r in rows
        )
        history = (await session.execute(select(LeagueChange))).scalars().all()
        assert len(history) == 20
        assert {(h.from_league, h.changed_by) for h in history} == {(None, "fivu-rti")}
        types = await outbox_types(session)
        assert types["registry.cluster.registered"] == 20
        assert types["registry.organisation.registered"] == 20 + len(reference_parties())
        assert set(types) == {"registry.cluster.registered", "registry.organisation.registered"}

        envelopes = {
            env["subject"]: env
            for (env,) in await session.execute(
                select(messaging.outbox.c.envelope).where(
                    messaging.outbox.c.type == "registry.cluster.registered"
                )
            )
        }
        clusters = (await session.execute(select(Cluster))).scalars().all()
        for cluster in clusters:
            # The stored responsibility is what the service computes from the stored members …
            state = await responsibility_state(session, cluster, config)
            assert cluster.responsibility == state.facts().model_dump(mode="json")
            # … and the event carries exactly the facts the API's events carry.
            envelope = envelopes[cluster.id]
            assert envelope["source"] == "/registry"
            api_payload = ev.ClusterRegistered(**await cluster_facts(session, cluster))
            assert envelope["data"] == api_payload.model_dump(mode="json")
        assert sum(e["data"]["member_count"] for e in envelopes.values()) == 300


async def test_responsibility_follows_the_members_of_each_imported_cluster(
    db_url: str, tmp_path: Path
) -> None:
    clusters_csv = write_csv(
        tmp_path / "clusters.csv",
        [*CLUSTER_HEADER, "municipalities_served", "fields"],
        [
            [
                CVR[0],
                "Vindkraft Vest (fiktiv)",
                "innovation_network",
                "national",
                "657",
                "",
                "energy",
            ],
            [CVR[1], "Robotnetværket (fiktiv)", "network", "world_class", "0461", "", "robotics"],
            [CVR[2], "Fjordfisk (fiktiv)", "cluster", "emerging", "0787", "0773;0779", "food_bio"],
        ],
    )
    members = [
        # 4 of 6 located members in Region Midtjylland (≥ 50 %): its growth forum is primary.
        *[
            [CVR[0], "firm", f"Firma {i} (fiktiv)", CVR[10 + i], muni, 20]
            for i, muni in enumerate(["0657", "0751", "0730", "0101", "0461", "0661"])
        ],
        # Only 3 located members (< 5): no centre of gravity.
        *[[CVR[1], "firm", f"Robot {i} (fiktiv)", "", "0461", ""] for i in range(3)],
        [CVR[2], "knowledge_institution", "Fiskeriforskning (fiktiv)", "", "0787", ""],
    ]
    members_csv = write_csv(tmp_path / "members.csv", MEMBER_HEADER, members)
    await import_into(db_url, clusters_csv, members_csv, registered_by="vaekstforum-midtjylland")

    async with session_on(db_url) as session:
        by_cvr = dict(
            (
                await session.execute(
                    select(Organisation.cvr, Cluster.responsibility).join(
                        Cluster, Cluster.id == Organisation.id
                    )
                )
            )
            .tuples()
            .all()
        )
        changed_by = set((await session.execute(select(LeagueChange.changed_by))).scalars())
    national, world, emerging = by_cvr[CVR[0]], by_cvr[CVR[1]], by_cvr[CVR[2]]
    assert national["rule"] == "national_with_centre"
    assert national["primary"] == ["vaekstforum-midtjylland"]
    assert national["also"] == ["fivu-rti"]
    assert world["rule"] == "world_class_without_centre"
    assert (world["primary"], world["also"]) == (["fivu-rti"], [])
    assert emerging["rule"] == "emerging"
    assert emerging["primary"] == ["vaekstforum-nordjylland", "kommune-0773", "kommune-0779"]
    assert changed_by == {"vaekstforum-midtjylland"}


async def test_one_bad_row_imports_nothing_and_every_bad_row_is_named(
    db_url: str, tmp_path: Path
) -> None:
    good = [CVR[0], "Grøn Energi (fiktiv)", "cluster", "national", "0751"]
    clusters_csv = write_csv(
        tmp_path / "clusters.csv",
        CLUSTER_HEADER,
        [
            good,  # line 2
            [bad_check_digit(CVR[1]), "Forkert CVR (fiktiv)", "cluster", "national", "0751"],
            [CVR[2], "Ukendt Kommune (fiktiv)", "cluster", "national", "0999"],  # line 4
            [CVR[3], "Ukendt Liga (fiktiv)", "cluster", "regional", "0751"],  # line 5
            [CVR[0], "Dublet (fiktiv)", "network", "emerging", "0101"],  # line 6
            [CVR[4], "God Klynge (fiktiv)", "network", "emerging", "0101"],  # line 7
        ],
    )
    members_csv = write_csv(
        tmp_path / "members.csv",
        MEMBER_HEADER,
        [
            [CVR[0], "firm", "Firma A (fiktiv)", CVR[20], "0751", "12"],  # line 2
            [CVR[30], "firm", "Firma B (fiktiv)", CVR[21], "0751", "12"],  # unknown cluster
            [CVR[4], "company", "Firma C (fiktiv)", CVR[22], "0101", "5"],  # unknown kind
            [CVR[4], "firm", "Firma D (fiktiv)", CVR[25], "0101", "-3"],  # negative head count
            [CVR[4], "firm", "Firma E (fiktiv)", CVR[23], "0101", "3"],  # line 6
            [CVR[4], "firm", "Firma F (fiktiv)", CVR[23], "0101", "3"],  # same CVR as line 6
            # A member of the row with the bad CVR: that row's error is enough.
            [bad_check_digit(CVR[1]), "firm", "Firma G (fiktiv)", CVR[24], "0101", "3"],
        ],
    )
    with pytest.raises(ImportRejected) as caught:
        await import_into(db_url, clusters_csv, members_csv)

    where = {(e.file, e.line, e.column) for e in caught.value.errors}
    assert where == {
        ("clusters.csv", 3, "cvr"),
        ("clusters.csv", 4, "home_municipality_code"),
        ("clusters.csv", 5, "league"),
        ("clusters.csv", 6, "cvr"),
        ("members.csv", 3, "cluster_cvr"),
        ("members.csv", 4, "kind"),
        ("members.csv", 5, "employees"),
        ("members.csv", 7, "cvr"),
    }
    report = caught.value.report()
    assert "clusters.csv:3: cvr: " in report and "not a valid CVR number" in report
    assert "clusters.csv:4: home_municipality_code: '0999' is not one of the 98" in report
    assert "clusters.csv:5: league: " in report and "'regional'" in report
    assert f"clusters.csv:6: cvr: CVR {CVR[0]} appears already on line 2" in report
    assert f"members.csv:3: cluster_cvr: no cluster with CVR {CVR[30]}" in report
    assert (
        f"members.csv:7: cvr: CVR {CVR[23]} is already a member of cluster {CVR[4]} on line 6"
        in report
    )
    assert report.endswith("8 error(s) in 8 row(s); nothing was imported.")

    async with session_on(db_url) as session:
        # Nothing at all: not even the reference parties loaded in the same transaction.
        for table in (Organisation, Cluster, Member, LeagueChange, messaging.outbox):
            assert await count(session, table) == 0, table


async def test_a_registered_cvr_is_refused_and_members_can_join_registered_clusters(
    db_url: str, tmp_path: Path
) -> None:
    first = write_csv(
        tmp_path / "first.csv",
        CLUSTER_HEADER,
        [[CVR[0], "Havklyngen (fiktiv)", "cluster", "national", "0101"]],
    )
    await import_into(db_url, first, None)
    async with session_on(db_url) as session:
        (cluster,) = (await session.execute(select(Cluster))).scalars().all()
        before = await outbox_types(session)
    assert cluster.responsibility["rule"] == "national_without_centre"

    again = write_csv(
        tmp_path / "again.csv",
        CLUSTER_HEADER,
        [
            [CVR[1], "Ny Klynge (fiktiv)", "cluster", "emerging", "0101"],
            [CVR[0], "Havklyngen igen (fiktiv)", "cluster", "national", "0101"],
        ],
    )
    with pytest.raises(ImportRejected) as caught:
        await import_into(db_url, again, None)
    assert [(e.file, e.line, e.column) for e in caught.value.errors] == [("again.csv", 3, "cvr")]
    assert "already registered" in caught.value.errors[0].message

    # Members only, for the registered cluster: 5 of 6 in Region Midtjylland.
    header_only = write_csv(tmp_path / "none.csv", CLUSTER_HEADER, [])
    joining = [
        [CVR[0], "firm", f"Firma {i} (fiktiv)", CVR[10 + i], m, 10]
        for i, m in enumerate(["0751", "0751", "0730", "0657", "0661", "0101"])
    ]
    members_csv = write_csv(tmp_path / "members.csv", MEMBER_HEADER, joining)
    summary = await import_into(db_url, header_only, members_csv)
    assert (summary.clusters, summary.members, summary.members_of_existing_clusters) == (0, 6, 6)

    async with session_on(db_url) as session:
        (cluster,) = (await session.execute(select(Cluster))).scalars().all()
        after = await outbox_types(session)
    assert cluster.version == 2
    assert cluster.responsibility["primary"] == ["vaekstforum-midtjylland"]
    # Exactly what adding members through the API announces.
    assert after - before == Counter(
        {"registry.cluster.updated": 1, "registry.cluster.responsibility_changed": 1}
    )

    # The same member CVR again for that cluster is refused.
    again_members = write_csv(tmp_path / "dup.csv", MEMBER_HEADER, joining[:1])
    with pytest.raises(ImportRejected) as caught:
        await import_into(db_url, header_only, again_members)
    assert [(e.line, e.column) for e in caught.value.errors] == [(2, "cvr")]


async def test_header_problems_are_reported_before_any_row(db_url: str, tmp_path: Path) -> None:
    clusters_csv = write_csv(
        tmp_path / "clusters.csv",
        ["cvr", "name", "league", "colour"],
        [[CVR[0], "Uden Art (fiktiv)", "national", "blå"]],
    )
    members_csv = tmp_path / "members.csv"
    members_csv.write_bytes(b"cluster_cvr,kind,name\n\xff\xfe,firm,X\n")
    with pytest.raises(ImportRejected) as caught:
        await import_into(db_url, clusters_csv, members_csv)
    report = caught.value.report()
    assert "clusters.csv:1: colour: unknown column" in report
    assert (
        "clusters.csv:1: required column(s) missing: ['cluster_kind', 'home_municipality_code']"
        in report
    )
    assert "members.csv: not UTF-8 text" in report


def test_the_cli_exit_codes(
    make_database: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = asyncio.run(make_database(migrations_dir("registry")))
    data = tmp_path / "data"
    assert (
        manage.main(["generate-cluster-csv", str(data), "--clusters", "5", "--members", "40"]) == 0
    )
    files = [str(data / "clusters.csv"), str(data / "members.csv")]
    capsys.readouterr()

    assert manage.main(["import-clusters", *files, "--database-url", url]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("imported 5 clusters and 40 members")
    assert "validating: 45 rows" in err and "writing: " in err

    # The same files again: every cluster CVR is now taken → 1, and a report on stderr.
    assert manage.main(["import-clusters", *files, "--database-url", url]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("is already registered") == 5
    assert "nothing was imported" in err

    # Only funders register clusters with their first league.
    other = tmp_path / "other.csv"
    write_csv(other, CLUSTER_HEADER, [[CVR[5], "Endnu En (fiktiv)", "cluster", "emerging", "0101"]])
    assert (
        manage.main(["import-clusters", str(other), "--database-url", url, "--registered-by", "kl"])
        == 1
    )
    assert "--registered-by: 'kl' is not FIVU/RTI" in capsys.readouterr().err

    # A missing file is a usage error (argparse's 2).
    with pytest.raises(SystemExit) as exited:
        manage.main(["import-clusters", str(tmp_path / "nope.csv"), "--database-url", url])
    assert exited.value.code == 2

    async def cluster_count() -> int:
        async with session_on(url) as session:
            return await count(session, Cluster)

    assert asyncio.run(cluster_count()) == 5


def test_generated_data_is_valid_fictional_and_deterministic(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", clusters=30, members=400, seed=7)
    b = generate(tmp_path / "b", clusters=30, members=400, seed=7)
    c = generate(tmp_path / "c", clusters=30, members=400, seed=8)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert a[0].read_bytes() != c[0].read_bytes()
    with a[0].open(encoding="utf-8") as f:
        clusters = list(csv.DictReader(f))
    with a[1].open(encoding="utf-8") as f:
        members = list(csv.DictReader(f))
    assert (len(clusters), len(members)) == (30, 400)
    cvrs = [r["cvr"] for r in clusters] + [m["cvr"] for m in members if m["cvr"]]
    assert len(set(cvrs)) == len(cvrs)
    assert all(normalise_cvr(cvr) == cvr for cvr in cvrs)
    assert all(r["name"].endswith("(fiktiv)") for r in [*clusters, *members])
    assert all(r["home_municipality_code"] in municipality_by_code() for r in clusters)
    assert all(f in field_by_code() for r in clusters for f in r["fields"].split(";"))
    assert {m["cluster_cvr"] for m in members} <= {r["cvr"] for r in clusters}


def test_the_progress_bar_redraws_on_a_terminal_and_summarises_in_a_log() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, log = Terminal(), io.StringIO()
    for stream in (tty, log):
        bar = Progress(stream, width=10)
        bar.start("writing", 4)
        bar.advance(2)
        bar.advance(2)
        bar.finish()
    assert "\rwriting    [##########]         4/4" in tty.getvalue()
    assert tty.getvalue().endswith("\n")
    assert log.getvalue().startswith("writing: 4 rows in ")
    assert "\r" not in log.getvalue()
