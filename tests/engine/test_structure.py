"""The engine's import structure: no import cycle goes through ``autograd_np/autograd/``.

The engine reaches the Tensor class and the ops it uses through one declared seam
(``autograd_np.autograd.graph.ENGINE``, filled by ``autograd_np.tensor`` and
``autograd_np.ops``), so none of its modules imports an op family or the tensor module.
The graph is read from the source: every import statement, at module level or inside a
function, except those under ``if TYPE_CHECKING:`` (annotations only).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "autograd_np"
ENGINE = "autograd_np.autograd"


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = ["autograd_np", *path.relative_to(ROOT).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(tree: ast.AST) -> list[tuple[str, list[str]]]:
    """(module, names) of every import outside ``if TYPE_CHECKING:`` blocks."""
    out: list[tuple[str, list[str]]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            out.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, [alias.name for alias in node.names]))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


def import_graph() -> dict[str, set[str]]:
    """Module -> the autograd_np modules it imports, with the packages whose ``__init__``
    that runs on the way (below the top-level one; a module's own packages have started
    before it, so importing from them adds no edge)."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        own = {".".join(name.split(".")[:k]) for k in range(1, name.count(".") + 2)}
        for module, names in _imported(ast.parse(path.read_text())):
            for target in [module] + [f"{module}.{n}" for n in names]:
                if target not in modules:
                    continue
                parts = target.split(".")
                for k in range(2, len(parts) + 1):
                    graph[name].add(".".join(parts[:k]))
        graph[name] -= own
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_goes_through_the_engine_package():
    graph = import_graph()
    assert f"{ENGINE}.backward" in graph and f"{ENGINE}.graph" in graph
    through = [c for c in cycles(graph) if any(m.startswith(ENGINE) for m in c)]
    assert not through, f"import cycles through {ENGINE}: {through}"


CORE = ("", ".graph", ".primitive", ".backward", ".views", ".grad_mode")


def test_the_traversal_imports_no_op_family_and_not_the_tensor_module():
    # (autograd_np.autograd.functional, jacobian and the like, is built on the public API)
    graph = import_graph()
    for name in (ENGINE + suffix for suffix in CORE):
        bad = {t for t in graph[name] if t.startswith(("autograd_np.ops", "autograd_np.tensor"))}
        assert not bad, f"{name} imports {sorted(bad)}; use the ENGINE table"


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


# ---------------------------------------------------------------------- private names
REPO = ROOT.parent
PACKAGES = {"autograd_np": "autograd_np", "nn": "nn", "optim": "optim", "data": "data"}
PACKAGES.update({"examples": "examples", "benchmarks": "benchmarks"})


def _package_of_module(module: str) -> str | None:
    """The top-level package a dotted module name belongs to (nn, optim and data install
    under autograd_np but are packages of their own)."""
    parts = module.split(".")
    if parts[0] == "autograd_np":
        return parts[1] if len(parts) > 1 and parts[1] in ("nn", "optim", "data") else "autograd_np"
    return parts[0] if parts[0] in ("examples", "benchmarks") else None


def test_no_package_imports_another_packages_underscored_names():
    offences = []
    for package, folder in PACKAGES.items():
        for path in (REPO / folder).rglob("*.py"):
            for module, names in _imported(ast.parse(path.read_text())):
                target = _package_of_module(module)
                if target is None or target == package:
                    continue
                private = [p for p in module.split(".") if p.startswith("_")]
                private += [n for n in names if n.startswith("_") and not n.startswith("__")]
                if private:
                    offences.append(f"{path.relative_to(REPO)}: {module} {private}")
    assert not offences, "imports of another package's private names:\n" + "\n".join(offences)
