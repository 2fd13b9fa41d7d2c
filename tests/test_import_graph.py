"""The package's import graph: no circles, and imports only go down the layers below.

Every ``import`` of a ``findna_bench`` module counts as an edge: at module level, inside a
function (lazy, for a fast ``--help``) and under ``if TYPE_CHECKING`` alike, because each says
that one module needs the other; a lazy import hides a circle from Python, not from the design.

Each room (a folder of the package) and each top-level module sits on a layer; a module may
import its own layer and the layers below. ``run/`` sits above ``pretrain/`` (fine-tuning starts
from pretrained weights; the loop pieces both use live in ``optim.py`` below them). An edge that
climbs is allowed only where listed in ``UPWARD``, with its reason. A new room or top-level
module gets its layer here. ``python tests/test_import_graph.py`` prints the circles and the
edges that climb.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "findna_bench"
NAME = PACKAGE.name

# lowest first; "findna_bench" is the package's __init__ (the plugin authors' surface)
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "file_modes", "paths", "ui", "dna", "config_tree", "config_rules", "optim"),
    ("config_keys",),  # run ids (runspec) leave out keys added later at their default
    ("types", "runspec", "data"),
    ("hookspecs", NAME, "fingerprint"),
    (
        "plugins",
        "catalog",
        "catalog_index",
        "registry",
        "identity",
        "model",
        "tasks",
        "builtins",
    ),
    ("results",),
    ("pretrain",),
    ("run",),
    ("engine", "validate", "hardware"),  # speed and gpu-check build models through the engine
    ("cli", "__main__"),
)

# hardware/environment.py is the machine-facts leaf of a room that otherwise drives the engine
UPWARD = {
    ("results.certify", "hardware.environment"),
    ("run.runner", "hardware.environment"),
}


def modules() -> dict[str, Path]:
    """Dotted name (without the package prefix; the package itself is ``NAME``) -> file."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts) or NAME] = path
    return out


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement reaches for, with the package prefix."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # relative: resolved against the importing module's package
        here = [NAME, *module.split(".")] if module != NAME else [NAME]
        anchor = here if is_package else here[:-1]
        anchor = anchor[: len(anchor) - node.level + 1]
        base = ".".join([*anchor, base] if base else anchor)
    return [f"{base}.{alias.name}" for alias in node.names]


def _local(name: str, known: dict[str, Path]) -> str | None:
    """The package module ``name`` lies in (its longest known prefix), or None outside it:
    ``findna_bench.results.store`` -> ``results.store``, ``findna_bench.hookimpl`` -> the package."""
    parts = name.split(".")
    if parts[0] != NAME:
        return None
    while len(parts) > 1 and ".".join(parts[1:]) not in known:
        parts.pop()
    return ".".join(parts[1:]) or NAME


def edges() -> dict[tuple[str, str], int]:
    """(importer, imported) -> line of its first import; every kind of import counts."""
    known = modules()
    found: dict[tuple[str, str], int] = {}
    for module, path in known.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for name in _imported(node, module, path.name == "__init__.py"):
                    target = _local(name, known)
                    if target is not None and target != module:
                        found.setdefault((module, target), node.lineno)
    return found


def layer(module: str) -> int:
    room = module.split(".")[0]
    for rank, names in enumerate(LAYERS):
        if room in names:
            return rank
    raise AssertionError(f"{module}: its room '{room}' has no layer in LAYERS; add it")


def circles(graph: dict[tuple[str, str], int]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    succ: dict[str, list[str]] = {}
    for a, b in graph:
        succ.setdefault(a, []).append(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in succ.get(v, []):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(succ):
        if v not in index:
            visit(v)
    return found


def upward(graph: dict[tuple[str, str], int]) -> list[tuple[str, str]]:
    return sorted((a, b) for a, b in graph if layer(b) > layer(a))


def test_no_import_circles():
    graph = edges()
    found = circles(graph)
    lines = [
        f"{a} -> {b} (line {graph[a, b]})"
        for component in found
        for a in component
        for b in component
        if (a, b) in graph
    ]
    assert not found, "import circles; move the shared piece down a layer:\n" + "\n".join(lines)


def test_imports_go_down_the_layers():
    graph = edges()
    climbing = [
        f"{a} -> {b} (line {graph[a, b]})" for a, b in upward(graph) if (a, b) not in UPWARD
    ]
    assert not climbing, "imports that climb a layer (see LAYERS):\n" + "\n".join(climbing)
    assert len(UPWARD) <= 2 and UPWARD.issubset(graph), "UPWARD lists at most 2 edges, all in use"


def test_the_graph_sees_every_kind_of_import():
    graph = edges()
    assert ("engine", "run.suite") in graph  # inside a method
    assert ("hookspecs", "types") in graph  # under TYPE_CHECKING
    assert ("run.runner", "results.predictions") in graph  # `from findna_bench.results import x`
    assert ("cli.exit_codes", NAME) in graph  # `from findna_bench import hookimpl`


if __name__ == "__main__":
    graph = edges()
    print(f"{len(modules())} modules, {len(graph)} edges")
    for component in circles(graph):
        print("circle:", " <-> ".join(component))
    for a, b in upward(graph):
        print(f"upward: {a} -> {b} (line {graph[a, b]})")
