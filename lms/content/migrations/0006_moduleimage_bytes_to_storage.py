"""Moves every module image's bytes from the database to the default storage, in batches, and back on
reverse. The object names are those of ``lms.content.storage`` at the time of writing, repeated here so
that a later change there cannot change what this migration does. A forward run stopped half way can be
run again: rows already moved have no bytes left, and an object already stored is found, not copied."""

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import migrations, transaction

BATCH = 50  # images are at most a few MiB each: one batch in memory stays small


def _name(module_id, sha256, filename):
    return f"module-images/{module_id}/{sha256}/{filename}"


def bytes_to_storage(apps, schema_editor):
    ModuleImage = apps.get_model("content", "ModuleImage")
    storage = storages["default"]
    last = 0
    while True:
        batch = list(ModuleImage.objects.filter(pk__gt=last, data__isnull=False).order_by("pk")
                     .only("pk", "module_id", "filename", "data")[:BATCH])
        if not batch:
            return
        for image in batch:
            data = bytes(image.data)
            sha256 = hashlib.sha256(data).hexdigest()
            name = _name(image.module_id, sha256, image.filename)
            if not storage.exists(name):
                saved = storage.save(name, ContentFile(data))
                if saved != name:
                    raise RuntimeError(f"the storage stored {name} as {saved}; an object name must be kept")
            ModuleImage.objects.filter(pk=image.pk).update(file=name, sha256=sha256, size=len(data), data=None)
        last = batch[-1].pk


def bytes_to_database(apps, schema_editor):
    ModuleImage = apps.get_model("content", "ModuleImage")
    storage = storages["default"]
    last = 0
    moved = []
    while True:
        batch = list(ModuleImage.objects.filter(pk__gt=last, data__isnull=True).order_by("pk")
                     .only("pk", "file")[:BATCH])
        if not batch:
            break
        for image in batch:
            with storage.open(image.file.name, "rb") as file:
                data = file.read()
            ModuleImage.objects.filter(pk=image.pk).update(data=data, file="", sha256="", size=0)
            moved.append(image.file.name)
        last = batch[-1].pk
    # The objects go only once the rows hold their bytes for good.
    transaction.on_commit(lambda: [storage.delete(name) for name in moved])


class Migration(migrations.Migration):

    dependencies = [
        ('content', '0005_moduleimage_file'),
    ]

    operations = [
        migrations.RunPython(bytes_to_storage, bytes_to_database, elidable=False),
    ]
