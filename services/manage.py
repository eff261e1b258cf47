"""Operations from the command line: ``python -m services.manage <command> …``.

- ``migrate [service …]``: run Alembic migrations to head.
- ``import-clusters clusters.csv [members.csv]``: bulk import into the registry (all or nothing).
- ``generate-cluster-csv OUTDIR``: fictional test data for ``import-clusters``.
- ``import-reports reports.csv``: cluster organisations' reported years into evaluation (all or
  nothing).
- ``revision SERVICE REV -m MESSAGE [--replace]``: autogenerate a migration from the models
  (developers; ``--replace`` regenerates an unreleased revision REV from its parent).

Each service's database URL comes from its settings (``<SERVICE>_DATABASE_URL``; default the
embedded SQLite file under ``var/``), so the same command works on production databases.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from services.suite import SERVICES, migrations_dir
from shared.db import migrate_url

IMPORT_HELP = """\
Import cluster organisations and their members from CSV (columns: see README "Bulk import"
or services/registry/importer.py). Every row is checked first; if any row is bad, the errors
are listed (file:line: column: message), nothing is written, and the exit code is 1.
Otherwise everything is written in one transaction and the exit code is 0. The events
(registry.organisation.registered and registry.cluster.registered per cluster) wait in the
registry's outbox and reach NATS when the registry service next runs (its relay polls).
"""


def _import(args: argparse.Namespace) -> int:
    from services.registry.config import RuleConfig
    from services.registry.importer import ImportRejected, Progress, import_into
    from services.registry.settings import RegistrySettings

    settings = RegistrySettings()
    url = args.database_url or settings.resolved_database_url()
    try:
        summary = asyncio.run(
            import_into(
                url,
                args.clusters_csv,
                args.members_csv,
                registered_by=args.registered_by,
                config=RuleConfig.from_settings(settings),
                progress=Progress(sys.stderr),
                load_reference=settings.load_reference_data,
            )
        )
    except ImportRejected as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    print(
        f"imported {summary.clusters:,} clusters and {summary.members:,} members "
        f"({summary.members_of_existing_clusters:,} into clusters already registered); "
        f"{summary.events:,} events in the outbox; {summary.seconds:.1f} s"
    )
    if summary.reference_parties:
        print(f"(also added {summary.reference_parties} missing reference organisations)")
    return 0


REPORTS_HELP = """\
Import cluster organisations' reported years into the evaluation service from one CSV file
(columns: cluster_id, year, optional comment, then one column per reported indicator code —
GET /evaluation/v1/indicators; an empty cell is missing). Every row is checked first as
PUT /evaluation/v1/clusters/{id}/reports/{year} checks it; if any row is bad, the errors are
listed (file:line: column: message), nothing is written, and the exit code is 1. Otherwise all
rows are written in one transaction (each replaces that cluster's reported year; submitted_by
is "import:<file name>") and the exit code is 0. Writes to the database directly, no HTTP.
"""


def _import_reports(args: argparse.Namespace) -> int:

    from services.evaluation.service.report_import import ImportRejected, import_into
    from services.evaluation.settings import EvaluationSettings
    from shared.clock import real_today
    from shared.progress import Progress

    settings = EvaluationSettings()
    url = args.database_url or settings.resolved_database_url()
    try:
        summary = asyncio.run(
            import_into(
                url,
                args.reports_csv,
                today=settings.today or real_today(),
                progress=Progress(sys.stderr),
            )
        )
    except ImportRejected as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    print(
        f"imported {summary.reports:,} reports ({summary.replaced:,} replacing earlier ones) "
        f"with {summary.values:,} values; {summary.seconds:.1f} s"
    )
    return 0


def _generate(args: argparse.Namespace) -> int:
    from services.registry.generate import generate

    cpath, mpath = generate(args.outdir, args.clusters, args.members, args.seed)
    print(f"wrote {cpath} ({args.clusters:,} clusters) and {mpath} ({args.members:,} members)")
    return 0


def _revision(args: argparse.Namespace) -> int:
    """Autogenerate revision ``args.rev`` by comparing the models with a scratch database
    migrated to the current head (or to REV's parent, with ``--replace``)."""
    import tempfile

    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    folder = migrations_dir(args.service)
    cfg = Config()
    cfg.set_main_option("script_location", str(folder))
    script = ScriptDirectory.from_config(cfg)
    target = "head"
    if args.replace:
        existing = script.get_revision(args.rev)
        if existing is None or script.get_current_head() != args.rev:
            print(f"--replace: {args.rev} is not the head of {args.service}", file=sys.stderr)
            return 1
        assert existing.path is not None
        Path(existing.path).unlink()
        target = str(existing.down_revision)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/scratch.db"
        cfg.set_main_option("sqlalchemy.url", url)
        command.upgrade(cfg, target)
        script_out = command.revision(cfg, message=args.message, autogenerate=True, rev_id=args.rev)
    written = getattr(script_out, "path", None)
    ruff = Path(sys.executable).with_name("ruff")
    if written and ruff.exists():  # the project's style (dev install)
        import subprocess

        subprocess.run([str(ruff), "check", "--fix", "-q", written], check=False)
        subprocess.run([str(ruff), "format", "-q", written], check=False)
    print(f"{args.service}: wrote revision {args.rev} in {folder / 'versions'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    mig = sub.add_parser("migrate", help="run Alembic migrations to head")
    mig.add_argument(
        "services",
        nargs="*",
        metavar="service",
        help=f"one or more of {', '.join(SERVICES)} (default: all)",
    )
    imp = sub.add_parser(
        "import-clusters",
        help="bulk import clusters and members from CSV into the registry",
        description=IMPORT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("clusters_csv", type=Path, help="clusters.csv")
    imp.add_argument("members_csv", type=Path, nargs="?", help="members.csv (optional)")
    imp.add_argument(
        "--database-url", help="registry database (default: REGISTRY_DATABASE_URL or var/)"
    )
    imp.add_argument(
        "--registered-by",
        default="fivu-rti",
        help="organisation id recorded as setting the first league: FIVU/RTI (default), a "
        "growth forum or the Klyngeforum secretariat",
    )
    rep = sub.add_parser(
        "import-reports",
        help="import reported years of clusters from CSV into evaluation",
        description=REPORTS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rep.add_argument("reports_csv", type=Path, help="reports.csv")
    rep.add_argument(
        "--database-url", help="evaluation database (default: EVALUATION_DATABASE_URL or var/)"
    )
    gen = sub.add_parser(
        "generate-cluster-csv", help="write fictional clusters.csv and members.csv for testing"
    )
    gen.add_argument("outdir", type=Path)
    gen.add_argument("--clusters", type=int, default=5000)
    gen.add_argument("--members", type=int, default=100_000)
    gen.add_argument("--seed", type=int, default=1)
    rev = sub.add_parser("revision", help="autogenerate a migration from the models (developers)")
    rev.add_argument("service", choices=list(SERVICES))
    rev.add_argument("rev", help="revision id, e.g. 0002")
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument(
        "--replace", action="store_true", help="regenerate REV (the unreleased head) from scratch"
    )
    args = parser.parse_args(argv)
    if args.command == "migrate":
        for name in args.services or list(SERVICES):
            if name not in SERVICES:
                parser.error(f"unknown service {name!r}")
            url = SERVICES[name][1]().resolved_database_url()
            migrate_url(url, migrations_dir(name))
            print(f"{name}: migrated {url.split('@')[-1]}")
    elif args.command == "import-clusters":
        for path in (args.clusters_csv, args.members_csv):
            if path is not None and not path.is_file():
                parser.error(f"no such file: {path}")
        return _import(args)
    elif args.command == "import-reports":
        if not args.reports_csv.is_file():
            parser.error(f"no such file: {args.reports_csv}")
        return _import_reports(args)
    elif args.command == "generate-cluster-csv":
        if args.clusters < 1 or args.members < 0:
            parser.error("--clusters must be at least 1 and --members at least 0")
        return _generate(args)
    elif args.command == "revision":
        return _revision(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
