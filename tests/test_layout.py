"""The folder tree reads like the pipeline: a package per stage, imports running downwards
(top -> stages -> safety -> shared), no import circle, short modules."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = {"schema", "settings", "text", "embeddings"}
STAGES = {"indexing", "question", "search", "compose", "plain", "chat_model", "records"}
TOP = {"rag", "__init__", "__main__", "cli", "commands", "pipeline", "answering", "draft", "finisher", "prompts", "ui"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def rag_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((ROOT / "rag").rglob("*.py"))}


def imports_of(path: Path) -> set[str]:
    """Every ``rag`` module ``path`` imports, at any depth of the file (function-level too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {name for name in found if name.split(".")[0] == "rag"}


def layer(module: str) -> str:
    """The package (or top-level module) a module belongs to: ``rag.compose.extract`` -> compose."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "rag"


def allowed(src: str, dst: str) -> bool:
    if src == dst or dst in SHARED or src in TOP:
        return True
    if src in STAGES:
        return dst == "safety"
    return False  # shared and safety import only the shared layer and themselves


def test_imports_run_down_from_the_pipeline_never_sideways_between_stages():
    modules = rag_modules()
    wrong = [f"{m} imports {d}" for m, p in modules.items() for d in imports_of(p)
             if d in modules and not allowed(layer(m), layer(d))]
    assert wrong == []


def test_the_rule_itself_refuses_a_sideways_import():
    assert not allowed("compose", "plain") and not allowed("safety", "question")
    assert not allowed("text", "safety") and allowed("search", "safety") and allowed("pipeline", "compose")


def test_there_is_no_import_circle():
    modules = rag_modules()
    graph = {m: {d for d in imports_of(p) if d in modules and d != m} for m, p in modules.items()}
    # a package's __init__ is not an edge to its modules: rag.compose imports nothing of rag.compose.extract
    seen, on_path, circles = set(), [], []

    def visit(m):
        if m in on_path:
            circles.append(on_path[on_path.index(m):] + [m])
            return
        if m in seen:
            return
        seen.add(m)
        on_path.append(m)
        for d in sorted(graph[m]):
            visit(d)
        on_path.pop()

    for m in sorted(graph):
        visit(m)
    assert circles == []


def test_every_stage_package_says_what_it_is_for_and_what_it_may_import():
    for pkg in sorted(STAGES | SHARED | {"safety"}):
        init = ROOT / "rag" / pkg / "__init__.py"
        if not init.exists():
            continue  # schema and settings are modules
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "May import" in doc or "may import" in doc, pkg
        assert "Left out" in doc or "left out" in doc, pkg


def test_few_modules_sit_directly_in_rag():
    assert len(list((ROOT / "rag").glob("*.py"))) <= 14


@pytest.mark.parametrize("folder,most", [("rag", 350), ("eval", 400), ("bench", 400)])
def test_modules_stay_short(folder, most):
    long = {str(p.relative_to(ROOT)): n for p in sorted((ROOT / folder).rglob("*.py"))
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > most}
    assert long == {}
