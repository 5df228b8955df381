"""How long the migration that moves module images from the database to storage takes, both ways.

Runs in a throwaway ``PATHWISE_VAR_DIR`` (its own SQLite database, and ``var/media`` as the local
storage unless ``PATHWISE_STORAGE=s3`` says otherwise): migrates everything, takes ``content`` back to
0004 (images in a binary column), fills N rows of random bytes, then times the forward migration
(0005-0007) and the reverse one, and checks that the bytes came back.

    PATHWISE_VAR_DIR=$(mktemp -d) DATABASE_URL=sqlite:///$PATHWISE_VAR_DIR/db.sqlite3 \\
        .venv/bin/python benchmarks/image_migration.py --images 500 --size 102400
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings_test")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402

BEFORE = ("content", "0004_question_accepted_wildcards")
AFTER = ("content", "0007_remove_moduleimage_data")


def _migrate(target: tuple[str, str]) -> float:
    start = time.perf_counter()
    MigrationExecutor(connection).migrate([target])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--size", type=int, default=100 * 1024, help="bytes per image")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    _migrate(BEFORE)
    apps = MigrationExecutor(connection).loader.project_state([BEFORE]).apps
    course = apps.get_model("content", "Course").objects.create(slug="bench", title="Bench")
    module = apps.get_model("content", "Module").objects.create(course=course, slug="m", title="M", body="")
    image_model = apps.get_model("content", "ModuleImage")
    written = {image_model.objects.create(module=module, filename=f"f{i}.png", content_type="image/png",
                                          data=os.urandom(args.size), alt="x").pk: i for i in range(args.images)}
    before = {row.pk: bytes(row.data) for row in image_model.objects.all()}
    forward = _migrate(AFTER)
    back = _migrate(BEFORE)
    after = {row.pk: bytes(row.data) for row in image_model.objects.all()}
    assert after == before and len(after) == len(written), "the bytes must come back unchanged"
    print(f"{args.images} images of {args.size} bytes: forward {forward:.2f} s, back {back:.2f} s")
    _migrate(AFTER)


if __name__ == "__main__":
    main()
