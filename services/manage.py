"""Operations from the command line: ``python -m services.manage migrate [service …]``.

Each service's database URL comes from its settings (``<SERVICE>_DATABASE_URL``; default the
embedded SQLite file under ``var/``), so the same command migrates production databases.
"""

from __future__ import annotations

import argparse
import sys

from services.suite import SERVICES, migrations_dir
from shared.db import migrate_url


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
    args = parser.parse_args(argv)
    if args.command == "migrate":
        for name in args.services or list(SERVICES):
            if name not in SERVICES:
                parser.error(f"unknown service {name!r}")
            url = SERVICES[name][1]().resolved_database_url()
            migrate_url(url, migrations_dir(name))
            print(f"{name}: migrated {url.split('@')[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
