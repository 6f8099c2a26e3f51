"""The layering contracts of docs (README "How it is built"), checked by importing each layer in a fresh
interpreter and by reading the imports of the `ui` package:

- `api`, `state`, `term` and the root modules (settings, sanitize, actions, …) never import Textual;
- `devagent` never imports the client (`nomad_tui.api`, `.state`, `.ui`) nor Textual;
- `ui` reaches the dev agent only through `nomad_tui.devagent.launcher` (a subprocess, over the wire).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import parse_python

import nomad_tui

PACKAGE = Path(nomad_tui.__file__).parent
ROOT_MODULES = ("actions", "audit", "config_file", "contexts", "sanitize", "settings", "timefmt")


def imported_after(packages: list[str], modules: tuple[str, ...] = ()) -> list[str]:
    """Every module in sys.modules after importing all modules of `packages` (and `modules`) afresh."""
    code = f"""
import importlib, json, pkgutil, sys
for name in {packages!r}:
    package = importlib.import_module(name)
    for info in pkgutil.walk_packages(package.__path__, name + "."):
        importlib.import_module(info.name)
for name in {modules!r}:
    importlib.import_module(name)
print(json.dumps(sorted(sys.modules)))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(result.stdout)


def _textual(modules: list[str]) -> list[str]:
    return [m for m in modules if m == "textual" or m.startswith("textual.")]


@pytest.mark.parametrize("layer", ["api", "state", "term"])
def test_headless_layers_never_import_textual(layer: str) -> None:
    assert _textual(imported_after([f"nomad_tui.{layer}"])) == []


def test_root_modules_never_import_textual() -> None:
    assert _textual(imported_after([], tuple(f"nomad_tui.{m}" for m in ROOT_MODULES))) == []


def test_the_dev_agent_never_imports_the_client() -> None:
    modules = imported_after(["nomad_tui.devagent"])
    client = [m for m in modules if m.startswith(("nomad_tui.api", "nomad_tui.state", "nomad_tui.ui"))]
    assert client == [] and _textual(modules) == []


def test_ui_reaches_the_dev_agent_only_through_its_launcher() -> None:
    allowed = {"nomad_tui.devagent.launcher"}
    found = []
    for path in (PACKAGE / "ui").rglob("*.py"):
        for node in ast.walk(parse_python(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                names = names[:1] if node.module != "nomad_tui" else names[1:]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            found += [f"{path.name}: {n}" for n in names if n.startswith("nomad_tui.devagent") and n not in allowed]
    assert found == []
    assert "nomad_tui.devagent.serve" not in imported_after(["nomad_tui.ui"])  # the agent never runs in the app


def test_the_check_sees_a_textual_import(tmp_path: Path) -> None:
    # The subprocess check is real: a module that imports Textual shows up.
    (tmp_path / "leaky.py").write_text("import textual.widget\n")
    code = (
        f"import sys, json; sys.path.insert(0, {str(tmp_path)!r}); import leaky; print(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert _textual(json.loads(result.stdout))
