"""docs/authorisation.md is rendered from the services' authorisation tables — the tables each
``test_authority_matrix.py`` drives through the HTTP API — so the page says exactly what the
tests check. After changing a table, write the page anew:

    KF_WRITE_DOCS=1 .venv/bin/python -m pytest tests/test_authorisation_doc.py
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "authorisation.md"
#: The services whose writes are tabled, in the order of the page.
TABLED = ("registry", "funding", "evaluation", "referrals", "gateway")
#: The order of the statuses in a cell; a relation not named here follows them.
RELATIONS = ("own", "other", "counterpart")


def _rows(service: str) -> tuple[str, list[Sequence[object]]]:
    module = importlib.import_module(f"tests.{service}.authority_matrix")
    return inspect.getdoc(module) or "", list(module.MATRIX)


def _path(service: str, path: str) -> str:
    prefix = f"/{service}/v1"
    return path if path.startswith(f"{prefix}/") or path == prefix else prefix + path


def _table(service: str, rows: Iterable[Sequence[object]]) -> list[str]:
    """One line per endpoint, one column per caller kind; a cell is the status for the
    caller's own resource · another's (· the counterpart's, for a resource of two parties), or
    one status where the relation does not apply."""
    endpoints: list[tuple[str, str]] = []
    kinds: list[str] = []
    cells: dict[tuple[str, str, str], dict[str, str]] = {}
    for method, path, kind, relation, status in rows:
        endpoint = (str(method), _path(service, str(path)))
        if endpoint not in endpoints:
            endpoints.append(endpoint)
        if kind not in kinds:
            kinds.append(str(kind))
        cells.setdefault((*endpoint, str(kind)), {})[str(relation)] = str(status)
    lines = [
        "| endpoint | " + " | ".join(k.replace("_", " ") for k in kinds) + " |",
        "|---|" + "---|" * len(kinds),
    ]
    for method, path in endpoints:
        row = []
        for kind in kinds:
            by_relation = cells.get((method, path, kind), {})
            if not by_relation:
                row.append("")
            elif set(by_relation) <= {"-", ""} or len(by_relation) == 1:
                row.append(next(iter(by_relation.values())))
            else:
                order = [r for r in RELATIONS if r in by_relation]
                order += [r for r in by_relation if r not in RELATIONS]
                row.append(" · ".join(by_relation[r] for r in order))
        lines.append(f"| {method} `{path}` | " + " | ".join(row) + " |")
    return lines


def render() -> str:
    out = [
        "# Who may write what",
        "",
        "Every write endpoint of the services, for every kind of caller: the HTTP status it gets",
        "on **its own** resource · **another's** (one status where the distinction does not",
        "apply; a referral or a joint event adds a third, for the caller that is its *other*",
        "party: see Referrals). `401`: no token; `403`: the paper's roles or the token's scopes",
        "refuse it, with a problem+json naming the rule and who may act (or the scope); `404`:",
        "the caller may not know the resource; `409`/`422`: authorised, but the resource's state",
        "or the body refuses it. The roles follow the founding paper (§1 responsibility, §3",
        "coordination, §4.3 relevance, §5 the referral exchange); acting outside them is an",
        "exception the parties agree to (responsibility exceptions and agreements take effect",
        "only when every named party has confirmed).",
        "",
        "This page is rendered from the tables in `tests/<service>/authority_matrix.py`, which",
        "`tests/<service>/test_authority_matrix.py` drives through the HTTP API row by row.",
        "",
    ]
    for service in TABLED:
        doc, rows = _rows(service)
        out += [f"## {service.capitalize()}", "", doc, "", *_table(service, rows), ""]
    return "\n".join(out).rstrip() + "\n"


def test_the_authorisation_page_is_the_tables() -> None:
    page = render()
    if os.environ.get("KF_WRITE_DOCS"):
        PAGE.write_text(page, encoding="utf-8")
    assert PAGE.exists(), "docs/authorisation.md is missing: KF_WRITE_DOCS=1 writes it"
    assert PAGE.read_text(encoding="utf-8") == page, (
        "docs/authorisation.md differs from the tables: KF_WRITE_DOCS=1 writes it anew"
    )
