"""The production compose files are valid (checked with Docker Compose when it is installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


@pytest.mark.parametrize("files", [["docker-compose.yml"], ["docker-compose.yml", "docker-compose.gpu.yml"]])
def test_compose_accepts_the_files(files: list[str]) -> None:
    compose = _compose()
    if compose is None:
        pytest.skip("Docker Compose is not installed")
    args = [part for f in files for part in ("-f", f)]
    result = subprocess.run([*compose, *args, "config", "-q"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_compose_runs_the_production_shape() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert {"postgres", "redis", "web", "worker", "worker-default", "beat", "trainer"} <= set(services)
    assert "gunicorn" in " ".join(yaml.safe_load((ROOT / "Dockerfile").read_text().split("CMD", 1)[1]))
    queues = {name: service["command"][service["command"].index("-Q") + 1].split(",")
              for name, service in services.items() if "-Q" in service.get("command", [])}
    # Every queue the app routes to is served, and real-time decisions have a worker to themselves.
    assert queues["worker"] == ["realtime"]
    assert "default" in queues["worker-default"]
    assert "training" in queues["trainer"]
