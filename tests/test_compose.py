"""The production compose files work as written.

Docker Compose checks them when it is installed; everywhere, the files are validated against the
Compose Specification's JSON schema (the copy check-jsonschema ships), before and after compose's
variable interpolation and merged with the GPU override, and the properties a production start
depends on are asserted: migrations first, no secret with a default, limits, pinned images, a broker
Redis that never evicts and a cache Redis that does.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BASE = "docker-compose.yml"
GPU = "docker-compose.gpu.yml"
# The processes of the app: each needs the database, so each waits for migrate.
APP_SERVICES = {"web", "worker", "worker-default", "trainer", "beat"}
REQUIRED_SECRETS = {"SECRET_KEY", "POSTGRES_PASSWORD"}


def _compose() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / name).read_text())


@cache
def _schema_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _schema_errors(document: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _schema_validator().iter_errors(document)]


_VARIABLE = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*))")
_BRACED = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:-|-|:\?|\?)(?P<arg>.*))?$", re.S)


class MissingVariable(Exception):
    pass


def _interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's interpolation of ``$$``, ``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``,
    ``${VAR:?error}`` and ``${VAR?error}``; any other form fails the test rather than passing unread."""
    if isinstance(value, dict):
        return {key: _interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [_interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        if match["named"]:
            return env.get(match["named"], "")
        parts = _BRACED.match(match["braced"])
        assert parts, f"unsupported interpolation: {match[0]}"
        name, op, arg = parts["name"], parts["op"], parts["arg"]
        present = name in env
        empty = not env.get(name)
        if op in (":?", "?") and (empty if op == ":?" else not present):
            raise MissingVariable(f"{name}: {arg}")
        if op in (":-", "-") and (empty if op == ":-" else not present):
            return arg
        return env.get(name, "")

    return _VARIABLE.sub(replace, value)


def _merge(base: Any, override: Any) -> Any:
    """Compose's merge of an override file, for what these files use: mappings merge key by key, the
    override's scalars and sequences replace the base's, and ``build: .`` is ``build: {context: .}``."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            if key == "build" and isinstance(merged.get(key), str):
                merged[key] = {"context": merged[key]}
            merged[key] = _merge(merged[key], value) if key in merged else copy.deepcopy(value)
        return merged
    return copy.deepcopy(override)


SECRETS_SET = {"SECRET_KEY": "k" * 50, "POSTGRES_PASSWORD": "0123abcd"}


@pytest.mark.parametrize("files", [[BASE], [BASE, GPU]])
def test_compose_accepts_the_files(files: list[str]) -> None:
    compose = _compose()
    if compose is None:
        pytest.skip("Docker Compose is not installed")
    args = [part for f in files for part in ("-f", f)]
    result = subprocess.run([*compose, *args, "config", "-q"], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, **SECRETS_SET})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", [BASE, GPU])
def test_it_follows_the_compose_specification(name: str) -> None:
    assert _schema_errors(_load(name)) == []
    assert _schema_errors(_interpolate(_load(name), SECRETS_SET)) == []


def test_the_schema_check_catches_a_mistake() -> None:
    broken = _load(BASE)
    broken["services"]["web"]["depends_on"]["migrate"]["condition"] = "service_finished"
    broken["services"]["trainer"]["deploy"]["resources"]["limits"]["memroy"] = "1G"
    errors = _schema_errors(broken)
    assert any("service_finished" in error for error in errors), errors
    assert any("memroy" in error for error in errors), errors


def test_it_refuses_to_start_without_each_secret() -> None:
    for missing in REQUIRED_SECRETS:
        env = {name: value for name, value in SECRETS_SET.items() if name != missing}
        with pytest.raises(MissingVariable, match=missing):
            _interpolate(_load(BASE), env)
        # An empty value is refused as well (":?" rather than "?").
        with pytest.raises(MissingVariable, match=missing):
            _interpolate(_load(BASE), {**env, missing: ""})
    services = _interpolate(_load(BASE), SECRETS_SET)["services"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "0123abcd"
    for name in APP_SERVICES | {"migrate"}:
        environment = services[name]["environment"]
        assert environment["SECRET_KEY"] == "k" * 50, name
        assert environment["DATABASE_URL"] == "postgres://pathwise:0123abcd@postgres:5432/pathwise", name


def test_no_secret_has_a_default() -> None:
    text = (ROOT / BASE).read_text()
    for name in REQUIRED_SECRETS:
        uses = re.findall(r"\$\{" + name + r"([^}]*)\}", text)
        assert uses, name
        assert all(use.startswith(":?") for use in uses), (name, uses)
    # Optional secrets default to empty (the feature is off), never to a value.
    services = _load(BASE)["services"]
    for service_name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"SECRET|PASSWORD|TOKEN|DSN", key):
                assert re.fullmatch(r"\$\{" + key + r"(:\?[^}]*|:-)\}", value), (service_name, key, value)


def test_migrations_run_once_before_everything_that_uses_the_database() -> None:
    services = _load(BASE)["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    # A one-shot: restarting it after it exits would never let it be "completed".
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert migrate["image"] == services["worker"]["image"]  # the full image: migrations may need any app's code
    uses_database = {name for name, service in services.items() if "DATABASE_URL" in (service.get("environment") or {})}
    assert uses_database == APP_SERVICES | {"migrate"}
    for name in APP_SERVICES:
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
        assert services[name]["restart"] == "unless-stopped", name


def test_every_service_has_resource_limits() -> None:
    services = _load(BASE)["services"]
    for name, service in services.items():
        limits = service["deploy"]["resources"]["limits"]
        assert float(limits["cpus"]) > 0 and re.fullmatch(r"\d+[MG]", limits["memory"]), name
    # Training cannot take the CPUs the web server needs.
    assert float(services["trainer"]["deploy"]["resources"]["limits"]["cpus"]) <= 1.0


def test_images_are_pinned_to_exact_versions() -> None:
    # An exact release (MAJOR.MINOR[.PATCH]) and, once filled in at release, a digest.
    pinned = re.compile(r"[a-z0-9./-]+:\d+\.\d+(\.\d+)?(-[a-z0-9.-]+)?(@sha256:[0-9a-f]{64})?")
    services = _load(BASE)["services"]
    for name, service in services.items():
        if "build" not in service:
            assert pinned.fullmatch(service["image"]), (name, service["image"])
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", (ROOT / "Dockerfile").read_text(), re.M)
    named = {name for _, name in stages if name}
    base_images = [image for image, _ in stages if image not in named]  # not a stage built on an earlier one
    assert base_images and all(pinned.fullmatch(image) for image in base_images), base_images


def test_broker_and_cache_are_separate_redis_servers() -> None:
    services = _load(BASE)["services"]
    broker, cache_ = services["redis-broker"]["command"], services["redis-cache"]["command"]
    assert broker[broker.index("--maxmemory-policy") + 1] == "noeviction"
    assert broker[broker.index("--appendonly") + 1] == "yes"
    assert services["redis-broker"]["volumes"] == ["redis-broker-data:/data"]
    assert cache_[cache_.index("--maxmemory-policy") + 1] == "allkeys-lru"
    assert re.fullmatch(r"\d+mb", cache_[cache_.index("--maxmemory") + 1])
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis-broker:6379/"), name
        assert environment["REDIS_URL"].startswith("redis://redis-cache:6379/"), name
        for server in ("redis-broker", "redis-cache"):
            assert services[name]["depends_on"][server] == {"condition": "service_healthy"}, name


def test_the_gpu_override_merges_into_the_trainer() -> None:
    base, gpu = _load(BASE), _load(GPU)
    # An override naming a service the base does not have would start a new, incomplete one.
    assert set(gpu["services"]) <= set(base["services"])
    merged = _merge(base, gpu)
    assert _schema_errors(merged) == []
    assert _schema_errors(_interpolate(merged, SECRETS_SET)) == []
    trainer = merged["services"]["trainer"]
    resources = trainer["deploy"]["resources"]
    assert resources["reservations"]["devices"] == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
    assert resources["limits"] == base["services"]["trainer"]["deploy"]["resources"]["limits"]
    assert trainer["environment"]["PATHWISE_TRAINING_DEVICE"] == "cuda"
    assert trainer["environment"]["SECRET_KEY"] == base["services"]["trainer"]["environment"]["SECRET_KEY"]
    assert trainer["build"] == {"context": ".", "target": "app",
                                "args": {"TORCH_INDEX_URL": "https://download.pytorch.org/whl/cu126"}}
    assert trainer["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert trainer["command"] == base["services"]["trainer"]["command"]
    assert {name: service for name, service in merged["services"].items() if name != "trainer"} == {
        name: service for name, service in base["services"].items() if name != "trainer"}


def test_the_image_owns_its_model_folder() -> None:
    steps = re.findall(r"^(FROM|RUN|USER|VOLUME|COPY)\s+(.*?)(?<!\\)$", (ROOT / "Dockerfile").read_text(), re.M | re.S)
    runs = [(index, body) for index, (kind, body) in enumerate(steps) if kind == "RUN"]
    users = [(index, body.strip()) for index, (kind, body) in enumerate(steps) if kind == "USER"]
    made = [index for index, body in runs
            if "mkdir -p /app/var/models" in body and "chown -R pathwise:pathwise /app/var" in body]
    assert made, "the Dockerfile must create /app/var/models owned by pathwise"
    assert users and users[-1][1] not in {"root", "0"} and users[-1][0] > made[0]
    # A VOLUME line discards later changes to its folder: any must come after the chown.
    assert all(index > made[0] for index, (kind, _) in enumerate(steps) if kind == "VOLUME")


def test_the_image_build_can_load_the_production_settings() -> None:
    # collectstatic runs during the build under DEBUG=0, so the settings' refusals apply to it.
    dockerfile = (ROOT / "Dockerfile").read_text()
    build_step = re.search(r"^RUN ((?:\w+=\S+\s+(?:\\\s+)?)+)python manage.py collectstatic", dockerfile, re.M)
    assert build_step, "the Dockerfile must run collectstatic"
    env = dict(pair.split("=", 1) for pair in build_step[1].replace("\\", " ").split())
    assert env["DEBUG"] == "0"
    clean = {key: value for key, value in os.environ.items()
             if key not in {"SECRET_KEY", "CELERY_BROKER_URL", "DATABASE_URL", "REDIS_URL", "DEBUG"}}
    result = subprocess.run([sys.executable, "-c", "import lms.settings"], cwd=ROOT, capture_output=True, text=True,
                            env={**clean, **env})
    assert result.returncode == 0, result.stderr


def test_compose_runs_the_production_shape() -> None:
    services = _load(BASE)["services"]
    assert {"postgres", "redis-broker", "redis-cache", "migrate", *APP_SERVICES} == set(services)
    command = re.search(r"^CMD\s+(.*)$", (ROOT / "Dockerfile").read_text(), re.M)
    assert command and "gunicorn" in " ".join(yaml.safe_load(command[1]))
    queues = {name: service["command"][service["command"].index("-Q") + 1].split(",")
              for name, service in services.items() if "-Q" in service.get("command", [])}
    # Every queue the app routes to is served, and real-time decisions have a worker to themselves.
    assert queues["worker"] == ["realtime"]
    assert "default" in queues["worker-default"]
    assert "training" in queues["trainer"]


def test_every_process_has_a_healthcheck_that_asks_the_right_thing() -> None:
    services = _load(BASE)["services"]
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    workers = {name: service for name, service in services.items() if "worker" in service.get("command", [])}
    assert set(workers) == {"worker", "worker-default", "trainer"}
    for name, service in workers.items():
        command = service["command"]
        node = command[command.index("-n") + 1].replace("%h", "$$HOSTNAME")
        # Each worker pings itself by the name it runs under: a ping through the broker fails when the
        # broker is unreachable, as well as when the worker is stuck.
        assert service["healthcheck"]["test"] == ["CMD-SHELL", f"celery -A lms inspect ping -d {node} --timeout 10"], name
    assert services["beat"]["healthcheck"]["test"] == ["CMD", "python", "-m", "lms.ops.broker"]
    for name in ("web", "worker", "worker-default", "trainer", "beat"):
        environment = services[name].get("environment") or {}
        assert environment.get("PROMETHEUS_MULTIPROC_DIR") == "/tmp/prometheus", name
    for name in ("postgres", "redis-broker", "redis-cache"):
        assert services[name]["healthcheck"]["test"], name


def test_every_app_container_shares_the_model_and_media_volumes() -> None:
    # Module images live in the default storage (a folder with PATHWISE_STORAGE=local): the import in
    # migrate or a worker and the web server that serves them must see the same files.
    services = _load(BASE)["services"]
    for name in APP_SERVICES | {"migrate"}:
        volumes = services[name]["volumes"]
        assert "models:/app/var/models" in volumes and "media:/app/var/media" in volumes, name
    assert {"models", "media"} <= set(_load(BASE)["volumes"])
    steps = (ROOT / "Dockerfile").read_text()
    assert "mkdir -p /app/var/models /app/var/media" in steps


def test_the_web_image_is_built_without_torch() -> None:
    # Two stages: "web" installs requirements-web.txt (no torch); "app", built on it and last (what a
    # plain build makes), adds requirements.txt. Compose builds web from the first, the rest from the second.
    stages = re.split(r"^FROM\s+", (ROOT / "Dockerfile").read_text(), flags=re.M)[1:]
    named = {stage.split(None, 3)[2]: stage for stage in stages}
    assert list(named) == ["web", "app"] and stages[1].startswith("web AS app")
    assert "-r requirements-web.txt" in named["web"] and "requirements.txt" not in named["web"].replace(
        "requirements-web.txt", "")
    assert "torch" not in named["web"].lower() and "-r requirements.txt" in named["app"]
    assert "CMD" in named["web"] and "USER 1000" in named["app"].strip().splitlines()[-1]
    services = _load(BASE)["services"]
    assert services["web"]["build"] == {"context": ".", "target": "web"}
    assert services["web"]["image"] != services["worker"]["image"]
    for name in (APP_SERVICES - {"web"}) | {"migrate"}:
        assert services[name]["build"] == {"context": ".", "target": "app"}, name
