"""Checkpoints in an S3-compatible bucket (PATHWISE_STORAGE=s3), against moto's S3 server run
locally: a model trained by one process is written to the bucket, read back by the registry with
its checksum checked, and a damaged object is refused with the learner kept on a model."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from django.core.files.base import ContentFile

from adaptive import registry
from adaptive.services import model_version_train
from adaptive.storage import model_storage
from tests.s3_server import s3_server

BUCKET = "pathwise-test-files"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def bucket_storage(s3_endpoint: str, settings, monkeypatch) -> Iterator[str]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    options = {"bucket_name": BUCKET, "endpoint_url": s3_endpoint, "region_name": "us-east-1",
               "file_overwrite": False}
    settings.STORAGES = {
        **settings.STORAGES,
        "models": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**options, "location": "models"}},
    }
    registry.forget()
    yield s3_endpoint
    registry.forget()
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_a_trained_model_is_kept_in_the_bucket_and_served_from_it(course_with_activity, bucket_storage, settings) -> None:
    version = model_version_train(model_name="skill_elo", promote=True, search=False).version
    keys = {obj["Key"] for obj in boto3.client("s3", endpoint_url=bucket_storage, region_name="us-east-1")
            .list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert f"models/{version.artifact}" in keys
    assert not (settings.PATHWISE_MODEL_DIR / version.artifact).exists(), "nothing written to the local folder"
    registry.forget()
    loaded = registry.champion()
    assert loaded is not None and loaded.version.pk == version.pk


def test_a_damaged_object_in_the_bucket_is_refused(course_with_activity, bucket_storage) -> None:
    first = model_version_train(model_name="skill_elo", promote=True, search=False).version
    second = model_version_train(model_name="skill_elo", promote=False, drift=0.3, search=False).version
    storage = model_storage()
    storage.delete(second.artifact)
    storage.save(second.artifact, ContentFile(b"not a checkpoint"))
    with pytest.raises(ValueError, match="does not match its recorded checksum"):
        registry.load_version(second)
    assert registry.load_version(first).name == "skill_elo"
