"""Where the bytes of module images are kept: Django's default storage (``storages["default"]``).

With ``PATHWISE_STORAGE=local`` that is the folder ``MEDIA_ROOT`` of this host; with
``PATHWISE_STORAGE=s3`` it is the ``media/`` prefix of the bucket that every node reads
(``lms/settings.py``, docs/deployment.md). Each image is stored under its module, its content hash and
its package name, ``module-images/<module id>/<sha256>/<filename>``: two modules' ``figure.png`` never
share an object, a changed image gets a new name (so no cache serves the old bytes), and writing the
same bytes again finds the object already there instead of writing a copy.

The database row is the reference. A row written in a transaction that rolls back may leave its object
behind; the name is content-addressed, so a retry reuses it. A row deleted removes its object once the
deletion is committed (``image_file_delete_on_commit``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction
from storages.backends.s3 import S3Storage  # type: ignore[import-untyped]  # django-storages ships no types

logger = logging.getLogger(__name__)

FOLDER = "module-images"


def image_storage() -> Storage:
    return storages["default"]


def image_file_name(*, module_id: int, sha256: str, filename: str) -> str:
    return f"{FOLDER}/{module_id}/{sha256}/{filename}"


@dataclass(frozen=True)
class StoredImage:
    name: str
    sha256: str
    size: int
    written: bool  # False when the same bytes were already stored under that name


def image_bytes_put(*, module_id: int, filename: str, data: bytes, write: bool = True) -> StoredImage:
    """Store an image's bytes under its content-addressed name, once. ``write=False`` only names the
    object, for a preview whose rows are rolled back."""
    sha256 = hashlib.sha256(data).hexdigest()
    name = image_file_name(module_id=module_id, sha256=sha256, filename=filename)
    storage = image_storage()
    if not write or storage.exists(name):
        return StoredImage(name, sha256, len(data), written=False)
    saved = storage.save(name, ContentFile(data))
    if saved != name:  # a concurrent writer stored the same bytes between exists() and save()
        storage.delete(saved)
    return StoredImage(name, sha256, len(data), written=True)


def image_bytes_read(name: str) -> bytes:
    with image_storage().open(name, "rb") as file:
        return bytes(file.read())


def image_signed_url(name: str, *, content_type: str, cache_control: str) -> str | None:
    """A time-limited address of the object in the bucket, with the headers it is to be served with;
    None when the storage is a local folder (the view streams it then)."""
    storage = image_storage()
    if not isinstance(storage, S3Storage):
        return None
    params = {"ResponseContentType": content_type, "ResponseCacheControl": cache_control}
    return str(storage.url(name, parameters=params, expire=settings.PATHWISE_IMAGE_URL_EXPIRY_S))


def image_file_delete(name: str) -> None:
    """Remove a stored object. A failure is logged, not raised: the row is already gone, and an object
    left behind costs only space."""
    try:
        image_storage().delete(name)
    except Exception:  # noqa: BLE001  # S3 or the disk refused: the deletion is committed regardless
        logger.warning("could not remove the stored image %s", name, exc_info=True)


def image_file_delete_on_commit(name: str) -> None:
    if name:
        transaction.on_commit(lambda: image_file_delete(name))
