"""Module images in the default storage, against a local folder and against a real S3 server (moto's,
started here as the checkpoint tests start it): an imported course's images become stored objects, the
image view serves them (streamed, or a redirect to a signed address of the bucket), an export gives the
same bytes back, deleting a row removes its object once committed, and the migration moves existing
bytes into storage and back."""

from __future__ import annotations

import hashlib
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from lms.content.models import Course, Module, ModuleImage
from lms.content.packages.exporting import course_package_export
from lms.content.packages.writing import course_package_import
from lms.content.uploads import package_upload_preview
from tests.lms.conftest import client_for
from tests.lms.content.package_builder import PNG, SVG, write_package, zip_folder
from tests.lms.factories import ModuleFactory
from tests.s3_server import s3_server

BUCKET = "pathwise-test-media"
OTHER_PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64, 0, -1))


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with s3_server() as endpoint:
        yield endpoint


@dataclass
class Media:
    kind: str
    objects: Callable[[], set[str]]  # every stored name, relative to the storage's root


@pytest.fixture(params=["local", "s3"])
def media(request: pytest.FixtureRequest, settings, tmp_path: Path, monkeypatch) -> Iterator[Media]:
    if request.param == "local":
        folder = tmp_path / "uploads"
        settings.STORAGES = {**settings.STORAGES, "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(folder)}}}
        yield Media("local", lambda: {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()})
        return
    endpoint = request.getfixturevalue("s3_endpoint")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": BUCKET, "endpoint_url": endpoint, "region_name": "us-east-1", "file_overwrite": False,
        "location": "media"}}}

    def keys() -> set[str]:
        listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
        assert all(obj["Key"].startswith("media/") for obj in listed), "objects are kept under media/"
        return {obj["Key"].removeprefix("media/") for obj in listed}

    yield Media("s3", keys)
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_it_stores_imported_images_and_serves_them(media: Media, tmp_path: Path, people) -> None:
    course_package_import(path=write_package(tmp_path / "counting"))

    chart, photo = Module.objects.get(slug="intro").images.order_by("order")
    assert media.objects() == {chart.file.name, photo.file.name}
    module_id = chart.module_id
    assert chart.file.name == f"module-images/{module_id}/{hashlib.sha256(SVG).hexdigest()}/chart.svg"
    assert (photo.sha256, photo.size) == (hashlib.sha256(PNG).hexdigest(), len(PNG))

    client = client_for(people.learner)
    svg = client.get(chart.get_absolute_url())
    assert svg.status_code == 200, "SVG is always streamed, so that the sandbox applies to it"
    assert (_body(svg), svg["Content-Type"]) == (SVG, "image/svg+xml")
    assert "sandbox" in svg["Content-Security-Policy"]
    assert svg["Cache-Control"] == "private, max-age=3600"
    assert client.get(chart.get_absolute_url(), HTTP_IF_NONE_MATCH=svg["ETag"]).status_code == 304

    png = client.get(photo.get_absolute_url())
    if media.kind == "local":
        assert png.status_code == 200
        assert (_body(png), png["Content-Type"], png["Content-Length"]) == (PNG, "image/png", str(len(PNG)))
    else:
        assert png.status_code == 302
        assert "Signature=" in png["Location"] or "X-Amz-Signature=" in png["Location"]
        with urllib.request.urlopen(png["Location"], timeout=10) as fetched:
            assert fetched.read() == PNG
            assert fetched.headers["Content-Type"] == "image/png"
            assert fetched.headers["Cache-Control"] == "private, max-age=3600"
    assert png["Cache-Control"] == "private, max-age=3600"

    # Access as before: signed-out people sign in first; an unpublished course's images are hidden.
    assert client_for(people.admin).get(photo.get_absolute_url()).status_code == png.status_code
    assert Client().get(photo.get_absolute_url()).status_code == 302
    Course.objects.filter(slug="counting").update(published=False)
    assert client.get(photo.get_absolute_url()).status_code == 404
    assert client.get(chart.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_it_exports_the_images_back_byte_for_byte(media: Media, tmp_path: Path) -> None:
    package = write_package(tmp_path / "counting")
    course_package_import(path=package)
    before = media.objects()

    out = course_package_export(course=Course.objects.get(slug="counting"), path=tmp_path / "exported")

    assert (out / "images" / "chart.svg").read_bytes() == (package / "images" / "chart.svg").read_bytes()
    assert (out / "images" / "photo.png").read_bytes() == (package / "images" / "photo.png").read_bytes()
    again = course_package_import(path=zip_folder(out, tmp_path / "exported.zip"))
    assert not again.changed
    assert again.unchanged["images"] == 2
    assert media.objects() == before, "an unchanged import writes no object"


@pytest.mark.django_db
def test_two_modules_images_of_the_same_name_never_collide(media: Media) -> None:
    first, second = ModuleFactory(), ModuleFactory()
    images = []
    for module, data in ((first, PNG), (second, OTHER_PNG)):
        image = ModuleImage(module=module, filename="figure.png", content_type="image/png", alt="A figure")
        image.store_bytes(data)
        image.save()
        images.append(image)

    assert len(media.objects()) == 2
    assert [image.read_bytes() for image in images] == [PNG, OTHER_PNG]


@pytest.mark.django_db
def test_a_changed_image_gets_a_new_object_and_the_old_one_goes_after_the_commit(
        media: Media, tmp_path: Path, django_capture_on_commit_callbacks) -> None:
    course_package_import(path=write_package(tmp_path / "v1"))
    old = ModuleImage.objects.get(filename="photo.png").file.name

    with django_capture_on_commit_callbacks() as callbacks:
        report = course_package_import(path=write_package(tmp_path / "v2", files={"images/photo.png": OTHER_PNG}))
        assert report.updated["images"] == 1
        new = ModuleImage.objects.get(filename="photo.png").file.name
        assert new != old and {old, new} <= media.objects(), "the old object stays until the commit"
    for callback in callbacks:
        callback()

    assert old not in media.objects()
    assert ModuleImage.objects.get(filename="photo.png").read_bytes() == OTHER_PNG


@pytest.mark.django_db
def test_deleting_an_image_or_its_module_removes_the_object_after_the_commit(
        media: Media, tmp_path: Path, django_capture_on_commit_callbacks) -> None:
    course_package_import(path=write_package(tmp_path / "counting"))
    chart = ModuleImage.objects.get(filename="chart.svg")
    photo = ModuleImage.objects.get(filename="photo.png")

    with django_capture_on_commit_callbacks() as callbacks:
        chart.delete()
        assert chart.file.name in media.objects()
    for callback in callbacks:
        callback()
    assert media.objects() == {photo.file.name}

    with django_capture_on_commit_callbacks(execute=True):
        Course.objects.get(slug="counting").delete()  # cascades to the modules and their images
    assert media.objects() == set()


@pytest.mark.django_db
def test_a_dry_run_a_preview_or_a_failed_import_leaves_no_object(media: Media, tmp_path: Path, monkeypatch) -> None:
    package = write_package(tmp_path / "counting")
    course_package_import(path=package, dry_run=True)
    assert media.objects() == set()
    package_upload_preview(path=package)
    assert media.objects() == set()
    assert not Course.objects.exists()

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("lms.content.packages.writing._suggest_skills", fail)
    with pytest.raises(RuntimeError, match="went away"):
        course_package_import(path=package)
    assert media.objects() == set()
    assert not ModuleImage.objects.exists()


def _image_inline(prefix: str, **fields: object) -> dict[str, object]:
    return {f"{prefix}-{name}": value for name, value in fields.items()}


def _module_form(module: Module, upload: SimpleUploadedFile) -> dict[str, object]:
    return {
        "course": module.course_id, "title": module.title, "slug": module.slug, "order": 0,
        "estimated_minutes": 5, "body": "Body.", "video_url": "",
        "module_questions-TOTAL_FORMS": 0, "module_questions-INITIAL_FORMS": 0,
        "images-TOTAL_FORMS": 1, "images-INITIAL_FORMS": 0,
        **_image_inline("images-0", upload=upload, filename="", alt="A figure", caption="", order=0),
    }


@pytest.mark.django_db
def test_an_admin_upload_is_stored_and_bad_uploads_are_refused(media: Media, people, settings) -> None:
    module = ModuleFactory()
    client = client_for(people.admin)
    url = reverse("admin:content_module_change", args=[module.pk])

    not_image = client.post(url, _module_form(module, SimpleUploadedFile("notes.txt", b"hello")))
    assert not_image.status_code == 200
    assert "Upload a PNG, JPEG, GIF, WebP or SVG image." in not_image.content.decode()
    settings.MAX_IMAGE_BYTES = 10
    too_large = client.post(url, _module_form(module, SimpleUploadedFile("figure.png", PNG)))
    assert "Images must be at most" in too_large.content.decode()
    assert media.objects() == set() and not ModuleImage.objects.exists()

    settings.MAX_IMAGE_BYTES = 1024 * 1024
    saved = client.post(url, _module_form(module, SimpleUploadedFile("figure.png", PNG)))
    assert saved.status_code == 302
    image = ModuleImage.objects.get()
    assert (image.filename, image.content_type, image.read_bytes()) == ("figure.png", "image/png", PNG)
    assert media.objects() == {image.file.name}


# --- The migration that moved the bytes out of the database ------------------------------------------

BEFORE = ("content", "0004_question_accepted_wildcards")
AFTER = ("content", "0007_remove_moduleimage_data")


def _migrate(target: tuple[str, str]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return MigrationExecutor(connection)


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_bytes_into_storage_and_back(media: Media) -> None:
    try:
        old = _migrate(BEFORE).loader.project_state([BEFORE]).apps
        course = old.get_model("content", "Course").objects.create(slug="old", title="Old")
        modules = [old.get_model("content", "Module").objects.create(course=course, slug=f"m{i}", title="M", body="")
                   for i in range(2)]
        OldImage = old.get_model("content", "ModuleImage")
        # More rows than one batch, and two modules with an image of the same name.
        written = {}
        for i in range(60):
            data = PNG + i.to_bytes(2, "big")
            row = OldImage.objects.create(module=modules[i % 2], filename=f"figure-{i // 2}.png",
                                          content_type="image/png", data=data, alt="A figure")
            written[row.pk] = data

        _migrate(AFTER)
        moved = {image.pk: image for image in ModuleImage.objects.all()}
        assert {pk: image.read_bytes() for pk, image in moved.items()} == written
        assert all(image.sha256 == hashlib.sha256(written[pk]).hexdigest() for pk, image in moved.items())
        assert media.objects() == {image.file.name for image in moved.values()}

        back = _migrate(BEFORE).loader.project_state([BEFORE]).apps
        restored = {row.pk: bytes(row.data) for row in back.get_model("content", "ModuleImage").objects.all()}
        assert restored == written
        assert media.objects() == set(), "moving back removes the objects once committed"
    finally:
        call_command("migrate", "content", verbosity=0)
