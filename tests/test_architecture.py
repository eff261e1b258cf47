"""The layout of docs/architecture.md, kept by a test: it fails when

- a service imports another service (they know each other only through events and HTTP), or
  ``shared`` imports a service;
- a module under a service's ``rules/`` reaches the database, the web framework, the bus or
  a service's own tables, use cases or routers — directly or through any module it imports;
- an ``api/`` module executes a query (routers call ``service/``; they hold no SQL);
- modules import each other in a circle at import time;
- a module grows past 500 lines, or reads the clock other than through ``shared.clock``.

Imports are read from the source with ``ast``; nothing is imported.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("services", "shared")
SERVICES = ("registry", "funding", "referrals", "evaluation", "gateway")
#: Modules that put the five services together (the embedded run, the suite, the CLI).
COMPOSITION = {"services.run", "services.suite", "services.manage", "services"}
#: What a pure rule must not reach: database, web framework, HTTP client, bus, server.
IMPURE_LIBRARIES = ("sqlalchemy", "alembic", "fastapi", "starlette", "httpx", "nats", "uvicorn")
IMPURE_SERVICE_PARTS = ("models", "service", "api", "consumers", "app", "migrations")
#: Session methods that run or stage SQL.
QUERY_METHODS = {
    "execute",
    "scalar",
    "scalars",
    "stream",
    "get",
    "add",
    "add_all",
    "delete",
    "flush",
    "refresh",
    "merge",
}
MAX_LINES = 500


@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    #: every import, wherever it is (module level, functions); TYPE_CHECKING blocks excluded
    imports: set[str] = field(default_factory=set)
    #: imports executed when the module is imported (module level, not TYPE_CHECKING)
    load_time_imports: set[str] = field(default_factory=set)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_names(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    # ``from a import b`` loads ``a`` and, when ``b`` is a module, ``a.b``
    return {base} | {f"{base}.{alias.name}" for alias in node.names}


def _walk_imports(
    node: ast.AST, module: str, is_package: bool, load_time: bool
) -> Iterator[tuple[str, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for orelse in child.orelse:
                yield from _walk_imports(orelse, module, is_package, load_time)
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            for name in _imported_names(child, module, is_package):
                yield name, load_time
            continue
        inner = load_time and not isinstance(
            child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
        )
        yield from _walk_imports(child, module, is_package, inner)


@cache
def modules() -> dict[str, Module]:
    found: dict[str, Module] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = _module_name(path)
            module = Module(name, path, ast.parse(path.read_text(encoding="utf-8")))
            for imported, load_time in _walk_imports(
                module.tree, name, path.name == "__init__.py", True
            ):
                module.imports.add(imported)
                if load_time:
                    module.load_time_imports.add(imported)
            found[name] = module
    return found


def _project(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


def _known(names: set[str]) -> set[str]:
    """The project modules among ``names`` (``from a import b`` also names the function b)."""
    return {n for n in names if n in modules()}


def _service_of(name: str) -> str | None:
    parts = name.split(".")
    if parts[0] == "services" and len(parts) > 1 and parts[1] in SERVICES:
        return parts[1]
    return None


def _relative(module: Module) -> str:
    return str(module.path.relative_to(ROOT))


def test_the_modules_are_found() -> None:
    names = modules()
    for service in SERVICES:
        assert f"services.{service}.app" in names
    assert "shared.events.catalog" in names


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_same_layout(service: str) -> None:
    folder = ROOT / "services" / service
    for part in ("app.py", "settings.py", "models.py", "consumers.py"):
        assert (folder / part).is_file(), f"services/{service}/{part} is missing"
    for part in ("api", "service", "rules", "schemas", "migrations"):
        assert (folder / part).is_dir(), f"services/{service}/{part}/ is missing"


def test_no_service_imports_another_and_shared_imports_none() -> None:
    wrong = []
    for module in modules().values():
        if module.name in COMPOSITION:
            continue
        own = _service_of(module.name)
        for imported in module.imports:
            other = _service_of(imported)
            if imported.startswith("services") and module.name.startswith("shared"):
                wrong.append(f"{_relative(module)} (shared) imports {imported}")
            elif other is not None and own is not None and other != own:
                wrong.append(f"{_relative(module)} imports {imported}")
    assert not wrong, "services know each other only through events and HTTP:\n" + "\n".join(
        sorted(wrong)
    )


def _reach(start: str) -> dict[str, str]:
    """Every project module ``start`` reaches by importing, with the module that imports it."""
    seen: dict[str, str] = {}
    todo = [start]
    while todo:
        current = todo.pop()
        for imported in _known(modules()[current].imports):
            if imported not in seen and imported != start:
                seen[imported] = current
                todo.append(imported)
    return seen


def _impure(name: str) -> bool:
    parts = name.split(".")
    if parts[0] in IMPURE_LIBRARIES:
        return True
    return _service_of(name) is not None and len(parts) > 2 and parts[2] in IMPURE_SERVICE_PARTS


def test_rules_are_pure() -> None:
    wrong = []
    for module in modules().values():
        if ".rules" not in module.name or _service_of(module.name) is None:
            continue
        reached = _reach(module.name)
        for source in [module.name, *reached]:
            for imported in modules()[source].imports:
                if _impure(imported):
                    via = "" if source == module.name else f" (through {source})"
                    what = imported if _project(imported) else imported.split(".")[0]
                    wrong.append(f"{_relative(module)} reaches {what}{via}")
    wrong = sorted(set(wrong))
    assert not wrong, "rules/ hold the paper's rules without I/O:\n" + "\n".join(wrong)


def _names_sqlalchemy(node: ast.Import) -> bool:
    return any(alias.name.split(".")[0] == "sqlalchemy" for alias in node.names)


def _query_calls(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            names = {alias.name for alias in node.names}
            if node.module != "sqlalchemy.ext.asyncio" or names - {"AsyncSession"}:
                yield node.lineno, f"from {node.module} import {', '.join(sorted(names))}"
        if isinstance(node, ast.Import) and any(
            a.name.startswith("sqlalchemy") for a in node.names
        ):
            yield node.lineno, "import sqlalchemy"
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in QUERY_METHODS
        ):
            receiver = node.func.value
            name = receiver.id if isinstance(receiver, ast.Name) else getattr(receiver, "attr", "")
            if "session" in name.lower():
                yield node.lineno, f"{name}.{node.func.attr}(…)"


def test_routers_run_no_queries() -> None:
    wrong = []
    for module in modules().values():
        if ".api" not in module.name or _service_of(module.name) is None:
            continue
        for line, what in _query_calls(module.tree):
            wrong.append(f"{_relative(module)}:{line}: {what}")
    assert not wrong, "api/ routers call service/, which runs the queries:\n" + "\n".join(wrong)


def _cycles() -> list[list[str]]:
    """Strongly connected components of the load-time import graph with more than one module
    (Tarjan)."""
    graph = {name: _known(m.load_time_imports) - {name} for name, m in modules().items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _is_package_edge(a: str, b: str) -> bool:
    """A package's ``__init__`` and its own submodules are one unit for this check."""
    return b.startswith(a + ".") or a.startswith(b + ".")


def test_no_import_circles() -> None:
    circles = []
    for component in _cycles():
        members = set(component)
        real = [
            (a, b)
            for a in component
            for b in _known(modules()[a].load_time_imports) & members
            if a != b and not _is_package_edge(a, b)
        ]
        if real:
            circles.append(" ↔ ".join(component))
    assert not circles, "modules import each other in a circle:\n" + "\n".join(circles)


def test_no_module_is_over_500_lines() -> None:
    long = {
        _relative(m): n
        for m in modules().values()
        if (n := len(m.path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these along their sections (over {MAX_LINES} lines): {long}"


def test_the_clock_is_read_through_shared_clock() -> None:
    wrong = []
    for module in modules().values():
        if module.name == "shared.clock":
            continue
        for node in ast.walk(module.tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"now", "today", "utcnow"}
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in {"datetime", "date"}
            ):
                wrong.append(
                    f"{_relative(module)}:{node.lineno}: {node.func.value.id}.{node.func.attr}()"
                )
    assert not wrong, "read the time through shared.clock (one clock, one test switch):\n" + (
        "\n".join(wrong)
    )


ARCHITECTURE_DOC = ROOT / "docs" / "architecture.md"
TOP_FOLDERS = ("services/", "shared/", "tests/", "bench/", "deploy/", "docs/")


def test_the_architecture_page_names_only_what_exists() -> None:
    text = ARCHITECTURE_DOC.read_text(encoding="utf-8")
    named = {
        token.split(" ")[0]
        for token in re.findall(r"`([^`\n]+)`", text)
        if token.startswith(TOP_FOLDERS) and "<" not in token
    }
    missing = sorted(path for path in named if not (ROOT / path.rstrip("/")).exists())
    assert not missing, f"docs/architecture.md names what is not in the tree: {missing}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_architecture_page_lists_every_rule_and_use_case_module(service: str) -> None:
    text = ARCHITECTURE_DOC.read_text(encoding="utf-8")
    entry = re.search(rf"^- \*\*{service}\*\* —(.*?)(?=^- \*\*|^## )", text, re.M | re.S)
    assert entry, f"docs/architecture.md lists no modules for {service}"
    listed = set(re.findall(r"`([a-z_]+)/?`", entry.group(1)))
    folder = ROOT / "services" / service
    present = set()
    for part in ("rules", "service"):
        for path in (folder / part).iterdir():
            if path.suffix == ".py" and path.name != "__init__.py":
                present.add(path.stem)
            elif (path / "__init__.py").exists():
                present.add(path.name)
    unlisted = sorted(present - listed)
    assert not unlisted, f"docs/architecture.md does not list {service}'s {unlisted}"
