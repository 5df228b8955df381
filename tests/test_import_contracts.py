"""Which code may import which: the import contracts in ``.importlinter`` (dependencies between
apps point one way; ``adaptive.core`` is plain Python; content never imports adaptive), and no
import hidden inside a function to dodge a cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Imports that may sit inside a function, each with why. Nothing else may: an import that needs to
# hide in a function to break a cycle means the dependency points the wrong way.
LAZY_MODULES = {
    # The lazy torch import (adaptive/core/__init__.py, PATHWISE_SERVE_WITH_TORCH): the web process
    # serves a model that runs on NumPy alone and never loads torch; workers and training do.
    "torch": "only the processes that train or serve a torch model load torch",
    # Not a requirement of Pathwise: the tagger uses it only when an installation provides it.
    "sentence_transformers": "an optional dependency, absent unless installed by hand",
}
LAZY_FUNCTIONS = {
    # The same lazy torch import: the model modules it names are built on torch.
    ("adaptive/core/learners/base.py", "register_all"): "imports the learner models built on torch",
}
# Django imports an app's apps.py before any model can be: AppConfig.ready and the receivers it
# connects import models and receivers when the registry is ready, as Django documents.
APP_CONFIG_MODULE = "apps.py"


def _lint_output() -> tuple[int, str]:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint_imports), "--no-cache", "--config", str(ROOT / ".importlinter")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


def test_it_keeps_every_import_contract() -> None:
    code, output = _lint_output()
    broken = output[output.find("Broken contracts"):] if "Broken contracts" in output else output
    assert code == 0, f"an import contract is broken (.importlinter):\n{broken}"


def _imports_in_functions(path: Path) -> list[tuple[int, str, str]]:
    """(line, enclosing function, imported module) of each import statement inside a function."""
    found: list[tuple[int, str, str]] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if function is not None and isinstance(child, ast.Import):
                found.extend((child.lineno, function, alias.name) for alias in child.names)
            elif function is not None and isinstance(child, ast.ImportFrom):
                found.append((child.lineno, function, "." * child.level + (child.module or "")))
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), None)
    return found


def _allowed(relative: str, function: str, module: str) -> bool:
    if module.split(".")[0] in LAZY_MODULES:
        return True
    return (relative, function) in LAZY_FUNCTIONS or Path(relative).name == APP_CONFIG_MODULE


def test_it_finds_no_import_inside_a_function_but_the_allowed_ones() -> None:
    hidden = [
        f"{relative}:{line} in {function}(): import {module}"
        for package in ("lms", "adaptive")
        for path in sorted((ROOT / package).rglob("*.py"))
        for relative in [path.relative_to(ROOT).as_posix()]
        for line, function, module in _imports_in_functions(path)
        if not _allowed(relative, function, module)
    ]
    assert not hidden, "imports inside functions (move them to the top; if that makes a cycle, the " \
                       "dependency points the wrong way):\n" + "\n".join(hidden)


def test_it_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    source = tmp_path / "example.py"
    source.write_text("import os\n\ndef f():\n    from lms import queueing\n    import torch\n\n"
                      "class A:\n    async def g(self):\n        import json\n")
    found = _imports_in_functions(source)
    assert found == [(4, "f", "lms"), (5, "f", "torch"), (9, "g", "json")]
    assert [m for _, f, m in found if not _allowed("lms/example.py", f, m)] == ["lms", "json"]


def test_it_reports_a_broken_contract(tmp_path: Path) -> None:
    """The check fails, naming the contract and the import, when a lower layer imports a higher one."""
    config = tmp_path / "contracts.ini"
    config.write_text("[importlinter]\nroot_packages =\n    lms\n\n[importlinter:contract:probe]\n"
                      "name = accounts below learning\ntype = layers\nlayers =\n    lms.accounts\n    lms.learning\n")
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint_imports), "--no-cache", "--config", str(config)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "accounts below learning BROKEN" in done.stdout
    assert "lms.learning is not allowed to import lms.accounts" in done.stdout
