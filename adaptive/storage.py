"""Where learner-model checkpoints are kept: ``storages["models"]``.

With ``PATHWISE_STORAGE=local`` that is the folder ``PATHWISE_MODEL_DIR`` on this machine (a volume
shared by the processes of one host); with ``PATHWISE_STORAGE=s3`` it is the ``models/`` prefix of a
bucket, which every node reads (``lms/settings.py``, docs/deployment.md).
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages


class ModelFolderStorage(FileSystemStorage):
    """The local model folder, read from the settings at each use, so that a process (or a test)
    that changes ``PATHWISE_MODEL_DIR`` writes and reads where it says."""

    @property
    def base_location(self) -> str:
        return str(settings.PATHWISE_MODEL_DIR)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def model_storage() -> Storage:
    return storages["models"]
