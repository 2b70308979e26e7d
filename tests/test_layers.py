"""The core's layers import only downwards, and nothing in the core imports the UI.

The layers are written in `tothu_core/__init__.py`; this test reads every module's imports
with `ast` (not by importing them), so a lazy import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parent.parent / "tothu_core"
FOUNDATION = {"clock", "errors", "texts", "textnorm", "vietnamese", "settings"}
EDGE = {"cli", "settings_view", "backup", "__main__", "__init__"}
# What each layer may import besides itself and the foundation.
ALLOWED = {
    "foundation": set(),
    "sheet": set(),
    "figures": {"sheet"},
    "people": {"sheet"},
    "entry": {"sheet", "figures", "people"},
    "outputs": {"sheet", "figures", "people"},
    "province": {"sheet", "figures", "people"},
    "edge": {"sheet", "figures", "people", "entry", "outputs", "province", "edge"},
}
UI = {"streamlit", "pages", "app"}


def layer_of(dotted: str) -> str:
    """'tothu_core.sheet.reader' -> 'sheet'; 'tothu_core.clock' -> 'foundation'."""
    parts = dotted.split(".")
    if len(parts) == 1:
        return "edge"
    head = parts[1]
    if head in FOUNDATION:
        return "foundation"
    if head in EDGE:
        return "edge"
    return head


def module_name(path: Path, core: Path = CORE) -> str:
    rel = path.relative_to(core.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 2:
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, core: Path = CORE) -> list[tuple[int, str]]:
    """Every module an import statement names, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path, core).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module == "tothu_core":
                # `from tothu_core import sheet` names the sub-package itself.
                found += [(node.lineno, f"tothu_core.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, module))
    return found


MODULES = sorted(CORE.rglob("*.py"))


def test_every_module_sits_in_a_known_layer():
    layers = {layer_of(module_name(p)) for p in MODULES}
    assert layers <= set(ALLOWED), layers - set(ALLOWED)


def upward_imports(path: Path, core: Path = CORE) -> list[str]:
    own = layer_of(module_name(path, core))
    allowed = ALLOWED[own] | {own, "foundation"}
    return [
        f"line {line}: {module} ({layer_of(module)})"
        for line, module in imported_modules(path, core)
        if module.startswith("tothu_core") and layer_of(module) not in allowed
    ]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(CORE)))
def test_imports_run_down_the_layers(path):
    wrong = upward_imports(path)
    assert not wrong, f"{module_name(path)} imports upwards: {wrong}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(CORE)))
def test_core_never_imports_the_ui(path):
    wrong = [m for _, m in imported_modules(path) if m.split(".")[0] in UI]
    assert not wrong, f"{module_name(path)} imports UI code: {wrong}"


def test_the_checker_sees_an_upward_import(tmp_path):
    """Upward imports in any spelling are caught, so the rule above can fail."""
    core = tmp_path / "tothu_core"
    (core / "sheet").mkdir(parents=True)
    module = core / "sheet" / "planted.py"
    module.write_text(
        "from tothu_core.sheet import contract\n"
        "from tothu_core import clock\n"
        "from tothu_core.figures import figures\n"
        "def later():\n"
        "    from ..outputs.tables import export_table\n"
        "    from tothu_core import entry\n",
        encoding="utf-8",
    )
    wrong = upward_imports(module, core)
    assert wrong == [
        "line 3: tothu_core.figures (figures)",
        "line 5: tothu_core.outputs.tables (outputs)",
        "line 6: tothu_core.entry (entry)",
    ]
