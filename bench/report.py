"""The table (figure, value, baseline, ratio) and the JSON file."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any


def _row(
    figure: str,
    value: float,
    unit: str,
    baseline: float | None = None,
    baseline_label: str = "",
    *,
    higher_is_better: bool = False,
) -> dict[str, Any]:
    ratio = value / baseline if baseline else None
    return {
        "figure": figure,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "baseline_label": baseline_label,
        "ratio": ratio,
        #: For throughput a ratio below 1 is the share of H0 reached; for latency and delay
        #: a ratio above 1 is how many times longer than the baseline.
        "ratio_kind": "share of baseline" if higher_is_better else "times baseline",
    }


def _http_rows(name: str, fig: dict[str, Any], h0: dict[str, Any] | None) -> list[dict[str, Any]]:
    lat, base = fig["latency_ms"], (h0["latency_ms"] if h0 else None)
    return [
        _row(
            f"{name}: throughput",
            fig["rps"],
            "req/s",
            h0["rps"] if h0 else None,
            "H0 req/s" if h0 else "",
            higher_is_better=True,
        ),
        _row(
            f"{name}: latency p50",
            lat["p50"],
            "ms",
            base["p50"] if base else None,
            "H0 p50" if base else "",
        ),
        _row(
            f"{name}: latency p99",
            lat["p99"],
            "ms",
            base["p99"] if base else None,
            "H0 p99" if base else "",
        ),
    ]


def build_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    h0 = results["h0"]
    rows = _http_rows("H0 hello-world GET", h0, None)
    rows += _http_rows("GET /registry/healthz (suite stack, no DB)", results["healthz"], h0)
    rows += _http_rows("GET /registry/v1/organisations/{id}", results["get_org"], h0)
    if "match" in results:
        services = results["match_data"]["services"]
        rows += _http_rows(f"GET /referrals/v1/match ({services:,} services)", results["match"], h0)
        rows.append(
            _row("  first match: index built from the database", results["match_first"]["ms"], "ms")
        )
        rows.append(
            _row(
                "  server memory grown by the index", results["match_first"]["rss_growth_mb"], "MB"
            )
        )
    rows += _http_rows("POST /registry/v1/organisations", results["post_org"], h0)
    js = results["nats"]["jetstream"]["latency_ms"]
    core = results["nats"]["core"]["latency_ms"]
    delay = results["delay"]
    for p in ("p50", "p99"):
        rows.append(
            _row(
                f"event delay commit→funding handler {p}",
                delay["commit_to_handler_ms"][p],
                "ms",
                js[p],
                f"JetStream pub→fetch {p}",
            )
        )
    for p in ("p50", "p99"):
        rows.append(
            _row(
                f"  of which commit→stored in JetStream (relay) {p}",
                delay["commit_to_stored_ms"][p],
                "ms",
                js[p],
                f"JetStream pub→fetch {p}",
            )
        )
    for p in ("p50", "p99"):
        rows.append(
            _row(
                f"  of which stored→handler (consumer) {p}",
                delay["stored_to_handler_ms"][p],
                "ms",
                js[p],
                f"JetStream pub→fetch {p}",
            )
        )
    for p in ("p50", "p99"):
        rows.append(_row(f"baseline: JetStream publish→pull fetch {p}", js[p], "ms"))
    for p in ("p50", "p99"):
        rows.append(_row(f"baseline: core NATS request/reply {p}", core[p], "ms"))
    if "account" in results:
        acc = results["account"]
        rows.append(
            _row(
                f"annual accounts, ten years of {acc['clusters']:,} clusters × "
                f"{acc['indicators']} indicators",
                acc["accounts_s"] * 1000,
                "ms",
                acc["scan_s"] * 1000,
                f"plain scan of the {acc['scanned_rows']:,} rows",
            )
        )
        rows.append(_row("  one year's account", acc["per_account_s"] * 1000, "ms"))
    return rows


def _fmt(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "req/s":
        return f"{value:,.0f} req/s"
    if value >= 100:
        return f"{value:,.0f} {unit}"
    if value >= 10:
        return f"{value:.1f} {unit}"
    return f"{value:.2f} {unit}"


def _fmt_ratio(ratio: float | None) -> str:
    if ratio is None or math.isnan(ratio):
        return ""
    if ratio >= 100:
        return f"{ratio:,.0f}×"
    if ratio >= 10:
        return f"{ratio:.1f}×"
    return f"{ratio:.3f}×" if ratio < 1 else f"{ratio:.2f}×"


def print_table(rows: list[dict[str, Any]]) -> None:
    table = [("figure", "value", "baseline", "ratio")]
    for row in rows:
        baseline = ""
        if row["baseline"] is not None:
            baseline = f"{_fmt(row['baseline'], row['unit'])} ({row['baseline_label']})"
        table.append(
            (row["figure"], _fmt(row["value"], row["unit"]), baseline, _fmt_ratio(row["ratio"]))
        )
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    line = "-+-".join("-" * w for w in widths)
    print()
    for n, r in enumerate(table):
        print(
            f"{r[0]:<{widths[0]}} | {r[1]:>{widths[1]}} | {r[2]:<{widths[2]}} | {r[3]:>{widths[3]}}"
        )
        if n == 0:
            print(line)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def write_json(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(_clean(results), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
