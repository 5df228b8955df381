"""The Kubernetes manifests under deploy/k8s are valid and hold together.

Every document is validated offline against the API schemas of Kubernetes 1.33 (kubernetes-validate,
strict: an unknown field is an error), the GPU patch after merging it into the trainer as
``kubectl patch --type strategic`` does; KEDA's ScaledObject, whose schema kubernetes-validate does not
have, is checked field by field. Then what the pods need from each other: references that resolve,
probes, graceful stops, one beat, migrations before the app, no secret committed, and settings that
refuse to load until the operator has filled in the Secret.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.33.0"
APP_IMAGE = "registry.example.org/pathwise:1.0.0"
WEB_IMAGE = "registry.example.org/pathwise-web:1.0.0"  # the Dockerfile's "web" stage: no torch
GUNICORN_GRACEFUL_TIMEOUT_S = 30  # gunicorn's default, which the Dockerfile's command keeps
APPLIED = [*sorted((K8S / "base").glob("*.yaml")), K8S / "migrate-job.yaml", K8S / "secrets.example.yaml"]


def _documents(*paths: Path) -> list[dict[str, Any]]:
    return [doc for path in paths for doc in yaml.safe_load_all(path.read_text()) if doc]


def _base() -> dict[tuple[str, str], dict[str, Any]]:
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in _documents(*APPLIED)}


def _pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def _app_workloads() -> dict[str, dict[str, Any]]:
    return {name: doc for (kind, name), doc in _base().items()
            if kind in {"Deployment", "Job"} and _pod_spec(doc)["containers"][0]["image"] in {APP_IMAGE, WEB_IMAGE}}


def _strategic_merge(base: Any, patch: Any) -> Any:
    """``kubectl patch --type strategic`` for what the GPU patch holds: mappings merge key by key,
    lists of named items (containers, env) merge by name, other lists (tolerations) are replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = _strategic_merge(merged[key], value) if key in merged else copy.deepcopy(value)
        return merged
    if (isinstance(base, list) and isinstance(patch, list) and patch
            and all(isinstance(item, dict) and "name" in item for item in base + patch)):
        by_name = {item["name"]: item for item in base}
        merged_list = [_strategic_merge(item, next((p for p in patch if p["name"] == item["name"]), {}))
                       for item in base]
        return merged_list + [copy.deepcopy(item) for item in patch if item["name"] not in by_name]
    return copy.deepcopy(patch)


@pytest.mark.parametrize("path", APPLIED, ids=lambda path: str(path.relative_to(K8S)))
def test_it_follows_the_kubernetes_schemas(path: Path) -> None:
    documents = _documents(path)
    assert documents
    for document in documents:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_schema_check_catches_a_mistake() -> None:
    web = copy.deepcopy(_base()[("Deployment", "pathwise-web")])
    _pod_spec(web)["containers"][0]["readinessProbe"]["httpGet"]["paht"] = "/readyz"
    with pytest.raises(kubernetes_validate.ValidationError, match="paht"):
        kubernetes_validate.validate(web, KUBERNETES_VERSION, strict=True)


def test_the_gpu_patch_puts_the_trainer_on_a_gpu_node() -> None:
    trainer = _base()[("Deployment", "pathwise-trainer")]
    patch = yaml.safe_load((K8S / "gpu" / "trainer-gpu-patch.yaml").read_text())
    patched = _strategic_merge(trainer, patch)
    kubernetes_validate.validate(patched, KUBERNETES_VERSION, strict=True)
    spec = _pod_spec(patched)
    assert spec["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in spec["tolerations"]
    [worker] = spec["containers"]  # the patch merged into the trainer's container, not beside it
    assert worker["resources"]["limits"] == {**_pod_spec(trainer)["containers"][0]["resources"]["limits"],
                                             "nvidia.com/gpu": 1}
    assert {"name": "PATHWISE_TRAINING_DEVICE", "value": "cuda"} in worker["env"]
    assert worker["command"] == _pod_spec(trainer)["containers"][0]["command"]
    assert worker["image"] != APP_IMAGE and worker["image"].startswith("registry.example.org/pathwise-trainer-gpu:")
    assert patched["spec"]["strategy"] == {"type": "Recreate"}


def test_keda_scales_the_realtime_workers_on_their_queue() -> None:
    [scaled] = _documents(K8S / "keda" / "realtime-scaledobject.yaml")
    base = _base()
    assert (scaled["apiVersion"], scaled["kind"]) == ("keda.sh/v1alpha1", "ScaledObject")
    spec = scaled["spec"]
    assert set(spec) <= {"scaleTargetRef", "minReplicaCount", "maxReplicaCount", "pollingInterval",
                         "cooldownPeriod", "triggers"}
    target = base[("Deployment", spec["scaleTargetRef"]["name"])]
    assert set(spec["scaleTargetRef"]) == {"name"}  # KEDA's default kind is a Deployment
    command = _pod_spec(target)["containers"][0]["command"]
    assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
    assert all(isinstance(spec[key], int) for key in ("minReplicaCount", "maxReplicaCount", "pollingInterval",
                                                      "cooldownPeriod"))
    [trigger] = spec["triggers"]
    assert trigger["type"] == "redis"
    metadata = trigger["metadata"]
    assert set(metadata) <= {"address", "databaseIndex", "listName", "listLength", "activationListLength",
                             "enableTLS", "username"}
    # KEDA reads metadata as strings.
    assert all(isinstance(value, str) for value in metadata.values())
    assert metadata["listName"] == command[command.index("-Q") + 1] == "realtime"
    assert int(metadata["listLength"]) > 0
    host, port = metadata["address"].rsplit(":", 1)
    service = base[("Service", host.split(".")[0])]
    assert re.fullmatch(r"redis-broker\.[a-z0-9-]+\.svc\.cluster\.local", host)
    assert int(port) == service["spec"]["ports"][0]["port"]
    broker_url = base[("ConfigMap", "pathwise-config")]["data"]["CELERY_BROKER_URL"]
    assert broker_url == f"redis://{host.split('.')[0]}:{port}/{metadata['databaseIndex']}"


def test_references_between_the_manifests_resolve() -> None:
    base = _base()
    secret_keys = set(base[("Secret", "pathwise-secrets")]["stringData"])
    workloads = {name: doc for (kind, name), doc in base.items() if kind in {"Deployment", "StatefulSet", "Job"}}
    for name, workload in workloads.items():
        template_labels = workload["spec"]["template"]["metadata"]["labels"]
        if workload["kind"] != "Job":
            assert workload["spec"]["selector"]["matchLabels"].items() <= template_labels.items(), name
        spec = _pod_spec(workload)
        for container in spec.get("initContainers", []) + spec["containers"]:
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert ("ConfigMap", source["configMapRef"]["name"]) in base, name
                else:
                    assert ("Secret", source["secretRef"]["name"]) in base, name
            for variable in container.get("env", []):
                ref = variable.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] == "pathwise-secrets" and ref["key"] in secret_keys, name
            volumes = {volume["name"] for volume in spec.get("volumes", [])}
            claims = {claim["metadata"]["name"] for claim in workload["spec"].get("volumeClaimTemplates", [])}
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in volumes | claims, (name, mount)
    for (kind, name), service in base.items():
        if kind != "Service":
            continue
        selected = [workload for workload in workloads.values()
                    if service["spec"]["selector"].items() <= workload["spec"]["template"]["metadata"]["labels"].items()]
        assert len(selected) == 1, name
        ports = {port["name"] for container in _pod_spec(selected[0])["containers"] for port in container["ports"]}
        assert {port["targetPort"] for port in service["spec"]["ports"]} <= ports, name
    hpa = base[("HorizontalPodAutoscaler", "pathwise-web")]
    assert ("Deployment", hpa["spec"]["scaleTargetRef"]["name"]) in base
    # The HPA owns the web's replica count: a number in the Deployment would reset it at every apply.
    assert "replicas" not in base[("Deployment", "pathwise-web")]["spec"]


def test_the_web_is_probed_and_stops_without_dropping_requests() -> None:
    web = _base()[("Deployment", "pathwise-web")]
    spec = _pod_spec(web)
    [container] = spec["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep" and int(pre_stop[1]) >= 5
    assert spec["terminationGracePeriodSeconds"] >= int(pre_stop[1]) + GUNICORN_GRACEFUL_TIMEOUT_S
    assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert _base()[("PodDisruptionBudget", "pathwise-web")]["spec"]["minAvailable"] >= 1


def test_each_queue_has_its_workers_and_beat_runs_alone() -> None:
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} | {settings.CELERY_TASK_DEFAULT_QUEUE}
    served: dict[str, str] = {}
    for name, workload in _app_workloads().items():
        command = _pod_spec(workload)["containers"][0].get("command", [])
        if "worker" in command:
            queue = command[command.index("-Q") + 1]
            assert queue not in served, (queue, name)
            served[queue] = name
            assert command[command.index("-n") + 1] == f"{queue}@%h"
            probe = _pod_spec(workload)["containers"][0]["livenessProbe"]["exec"]["command"]
            assert probe == ["sh", "-c", f"celery -A lms inspect ping -d {queue}@$HOSTNAME --timeout 10"]
    assert set(served) == routed
    beats = [workload for workload in _app_workloads().values()
             if "beat" in _pod_spec(workload)["containers"][0].get("command", [])]
    assert len(beats) == 1
    assert beats[0]["spec"]["replicas"] == 1 and beats[0]["spec"]["strategy"] == {"type": "Recreate"}
    assert _pod_spec(beats[0])["containers"][0]["livenessProbe"]["exec"]["command"] == ["python", "-m", "lms.ops.broker"]


def test_migrations_run_as_a_job_before_the_app_starts() -> None:
    workloads = _app_workloads()
    job = workloads.pop("pathwise-migrate")
    assert job["kind"] == "Job"
    assert _pod_spec(job)["containers"][0]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert _pod_spec(job)["restartPolicy"] == "Never"
    assert set(workloads) == {"pathwise-web", "pathwise-worker-realtime", "pathwise-worker-default",
                              "pathwise-trainer", "pathwise-beat"}
    for name, workload in workloads.items():
        [wait] = _pod_spec(workload)["initContainers"]
        image = _pod_spec(workload)["containers"][0]["image"]
        assert image == (WEB_IMAGE if name == "pathwise-web" else APP_IMAGE), name
        assert wait["image"] == image, name  # migrate --check needs no torch
        assert "python manage.py migrate --check" in wait["command"][-1], name


def test_every_container_has_requests_and_limits() -> None:
    for (kind, name), doc in _base().items():
        if kind not in {"Deployment", "StatefulSet", "Job"}:
            continue
        spec = _pod_spec(doc)
        for container in spec.get("initContainers", []) + spec["containers"]:
            resources = container["resources"]
            for part in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources[part]), (name, container["name"], part)


def test_images_are_the_app_or_pinned_releases() -> None:
    pinned = re.compile(r"[a-z0-9./-]+:\d+\.\d+(\.\d+)?(-[a-z0-9.-]+)?(@sha256:[0-9a-f]{64})?")
    for (kind, name), doc in _base().items():
        if kind in {"Deployment", "StatefulSet", "Job"}:
            spec = _pod_spec(doc)
            for container in spec.get("initContainers", []) + spec["containers"]:
                assert container["image"] in {APP_IMAGE, WEB_IMAGE} or pinned.fullmatch(container["image"]), (
                    name, container["image"])


def test_broker_and_cache_are_separate_redis_servers() -> None:
    base = _base()
    broker = _pod_spec(base[("StatefulSet", "redis-broker")])["containers"][0]["args"]
    cache = _pod_spec(base[("Deployment", "redis-cache")])["containers"][0]["args"]
    assert broker[broker.index("--maxmemory-policy") + 1] == "noeviction"
    assert broker[broker.index("--appendonly") + 1] == "yes"
    assert base[("StatefulSet", "redis-broker")]["spec"]["volumeClaimTemplates"]
    assert cache[cache.index("--maxmemory-policy") + 1] == "allkeys-lru"
    assert re.fullmatch(r"\d+mb", cache[cache.index("--maxmemory") + 1])
    config = base[("ConfigMap", "pathwise-config")]["data"]
    assert config["CELERY_BROKER_URL"].startswith("redis://redis-broker:")
    assert config["REDIS_URL"].startswith("redis://redis-cache:")


def test_no_secret_value_is_committed() -> None:
    base = _base()
    assert all(value == "" for value in base[("Secret", "pathwise-secrets")]["stringData"].values())
    assert not any(re.search(r"SECRET|PASSWORD|TOKEN|DSN", key) for key in base[("ConfigMap", "pathwise-config")]["data"])
    for path in [*APPLIED, *K8S.glob("*/*.yaml")]:
        for document in _documents(path):
            if document.get("kind") == "Secret":
                assert path == K8S / "secrets.example.yaml"
    # Applying base/ never overwrites the operator's Secret.
    assert not any(doc.get("kind") == "Secret" for doc in _documents(*(K8S / "base").glob("*.yaml")))


def _settings_load(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "import lms.settings"], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", **env})


def test_the_app_refuses_to_start_until_the_operator_sets_the_secrets() -> None:
    base = _base()
    env = {**base[("ConfigMap", "pathwise-config")]["data"], **base[("Secret", "pathwise-secrets")]["stringData"]}
    result = _settings_load(env)
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr, result.stderr
    env.update(SECRET_KEY="k" * 50, POSTGRES_PASSWORD="abc123",
               DATABASE_URL="postgres://pathwise:abc123@postgres:5432/pathwise")
    result = _settings_load(env)
    assert result.returncode != 0 and "needs AWS_STORAGE_BUCKET_NAME" in result.stderr, result.stderr
    env["AWS_STORAGE_BUCKET_NAME"] = "pathwise"
    result = _settings_load(env)
    assert result.returncode == 0, result.stderr
