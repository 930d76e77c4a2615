"""The package's shape, as the README draws it: layers that import only downwards, no
import cycle, no module past ~400 lines. A change that breaks one fails here, not in a
reviewer's reading."""

import ast
from pathlib import Path

QA = Path(__file__).resolve().parent.parent / "qa"

# Top to bottom; a module may import from its own layer or any layer below, never above.
LAYERS = [
    {"qa.cli", "qa.__main__", "qa.mcp_server"},
    {"qa.eval"},
    {"qa.answering", "qa.watch"},
    {"qa.ingest"},
    {"qa.retrieval", "qa.paths"},
    {
        "qa.index",
        "qa.reading",
        "qa.embeddings",
        "qa.ranker",
        "qa.llms",
        "qa.local_llm",
        "qa.prompts",
    },
    {"qa.config", "qa.errors", "qa.text", "qa.terminal", "qa"},
]
MAX_LINES = 400


def modules() -> dict[str, Path]:
    out = {}
    for path in QA.rglob("*.py"):
        parts = path.relative_to(QA.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports(name: str, path: Path) -> set[str]:
    """The qa modules `name` imports, at any depth of its code (lazy imports count too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:  # `from . import show` names a module
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {m for m in found if m == "qa" or m.startswith("qa.")}


MODULES = modules()


def layer(name: str) -> int:
    for i, members in enumerate(LAYERS):
        if any(name == m or name.startswith(m + ".") for m in members if m != "qa"):
            return i
    assert name == "qa", f"{name} is in no layer: add it to LAYERS and to the README's map"
    return len(LAYERS) - 1


def test_every_import_goes_down_or_stays_in_its_layer():
    upward = [
        f"{name} imports {target}"
        for name, path in MODULES.items()
        for target in imports(name, path)
        if target in MODULES and layer(target) < layer(name)
    ]
    assert not upward


def test_there_is_no_import_cycle():
    graph = {n: {t for t in imports(n, p) if t in MODULES and t != n} for n, p in MODULES.items()}
    # A package's __init__ re-exporting its modules is not a cycle with them.
    graph = {n: {t for t in ts if not n.startswith(t + ".")} for n, ts in graph.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles


def test_no_module_is_longer_than_a_reader_can_hold():
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long
