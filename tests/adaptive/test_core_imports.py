"""The core must run where Django and Celery are not installed (GPU trainers, notebooks, CI jobs)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_core_and_benchmark_import_without_django_or_celery() -> None:
    script = textwrap.dedent(
        """
        import importlib.abc, sys

        class Refuse(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {"django", "celery", "rest_framework"}:
                    raise ImportError(f"{name} must not be imported by the core")
                return None

        sys.meta_path.insert(0, Refuse())
        import adaptive, adaptive.core, adaptive.benchmark, adaptive.core.simulate
        assert not any(m.split(".")[0] in {"django", "celery"} for m in sys.modules)
        print("ok")
        """
    )
    completed = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "ok"
