"""The shape of the package, read from its source with `ast`: no import cycles, and each layer
imports only the ones below it (gui, cli -> runtime -> pipeline -> engines, audio, ...)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "voicebuddy"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """Every voicebuddy module `path` imports, at the top or inside a function."""
    own = module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(name for name in names if name in modules and name != own)
    return found


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: imports_of(path, set(files)) for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_back() -> None:
    graph = import_graph()
    assert len(graph) > 80 and graph["voicebuddy.runtime.runtime"]  # the walk found imports
    assert cycles(graph) == []


def depends_on(graph: dict[str, set[str]], prefix: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module == prefix or module.startswith(prefix + ".")
        for target in targets
        if any(target == f or target.startswith(f + ".") for f in forbidden)
    )


def test_each_layer_imports_only_what_is_below_it() -> None:
    graph = import_graph()
    front_ends = ("voicebuddy.gui", "voicebuddy.cli", "voicebuddy.bench")
    assert depends_on(graph, "voicebuddy.engines", ("voicebuddy.characters",)) == []
    for lower in ("voicebuddy.engines", "voicebuddy.audio", "voicebuddy.characters"):
        assert depends_on(graph, lower, ("voicebuddy.pipeline", "voicebuddy.runtime")) == []
    assert depends_on(graph, "voicebuddy.pipeline", ("voicebuddy.runtime", *front_ends)) == []
    assert depends_on(graph, "voicebuddy.runtime", front_ends) == []
    qt_users = sorted(
        name
        for name, path in ((n, PACKAGE.parent / (n.replace(".", "/") + ".py")) for n in graph)
        if path.is_file() and "PySide6" in path.read_text(encoding="utf-8")
    )
    assert all(name.startswith("voicebuddy.gui.") for name in qt_users), qt_users
