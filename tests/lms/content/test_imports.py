"""Content is below the learner model: ``adaptive`` depends on it, so content never imports ``adaptive``
(skill suggestions come through the tagger adaptive registers), and no import hides inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from lms.content.skill_tagger import SkillTagger, skill_tagger

CONTENT = Path(__file__).resolve().parents[3] / "lms" / "content"
SOURCES = sorted(p for p in CONTENT.rglob("*.py") if "migrations" not in p.parts)


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
    return found


def test_it_finds_the_content_sources() -> None:
    assert CONTENT / "packages" / "writing.py" in SOURCES and len(SOURCES) > 20


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(CONTENT)))
def test_content_never_imports_adaptive(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    upward = [(line, name) for line, name in imported_modules(tree) if name.split(".")[0] == "adaptive"]
    assert upward == [], f"{path.name} imports adaptive: {upward}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(CONTENT)))
def test_content_imports_only_at_the_top_of_a_module(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside = [node.lineno for function in ast.walk(tree)
              if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
              for node in ast.walk(function) if isinstance(node, ast.Import | ast.ImportFrom)]
    assert inside == [], f"{path.name}: imports inside functions at lines {inside}"


def test_the_adaptive_app_registers_its_tagger_when_ready() -> None:
    tagger = skill_tagger()
    assert isinstance(tagger, SkillTagger)
    assert tagger.suggest.__module__ == "adaptive.tagging" and 0 < tagger.min_confidence < 1
