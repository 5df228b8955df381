"""Read a learner-model checkpoint without torch.

Checkpoints are written by ``torch.save`` (:meth:`LearnerModel.save`): a zip archive holding a pickle
of plain values and tensors, each tensor's bytes in a file of its own. This reads that archive into
the same values with NumPy arrays in place of tensors, so a process that never imports torch (the
web server) can rebuild the models that need none (``skill_elo``). Like ``torch.load(...,
weights_only=True)`` it builds nothing but numbers, strings, lists, dicts and arrays: any other class
named in the pickle is refused.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

#: torch's storage types and the NumPy types of their bytes (checkpoints are little-endian).
_STORAGE_DTYPES = {
    "DoubleStorage": "<f8", "FloatStorage": "<f4", "HalfStorage": "<f2", "LongStorage": "<i8",
    "IntStorage": "<i4", "ShortStorage": "<i2", "CharStorage": "<i1", "ByteStorage": "<u1", "BoolStorage": "|b1",
}


class _StorageType:
    def __init__(self, name: str) -> None:
        self.dtype = np.dtype(_STORAGE_DTYPES[name])


def _rebuild_tensor(storage: np.ndarray, offset: int, size: tuple[int, ...], stride: tuple[int, ...],
                    requires_grad: bool = False, hooks: Any = None, metadata: Any = None) -> np.ndarray:
    """torch._utils._rebuild_tensor_v2's counterpart: a view of the storage, copied."""
    view = np.lib.stride_tricks.as_strided(
        storage[offset:], shape=tuple(size), strides=tuple(s * storage.itemsize for s in stride), writeable=False)
    return np.array(view)


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, archive: zipfile.ZipFile, prefix: str) -> None:
        super().__init__(io.BytesIO(data))
        self.archive, self.prefix = archive, prefix
        self.storages: dict[str, np.ndarray] = {}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        raise pickle.UnpicklingError(f"a learner-model checkpoint may not hold {module}.{name}")

    def persistent_load(self, pid: Any) -> np.ndarray:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage" and isinstance(pid[1], _StorageType)):
            raise pickle.UnpicklingError(f"unexpected reference in a learner-model checkpoint: {pid!r}")
        _, storage_type, key, _location, numel = pid
        if key not in self.storages:
            raw = self.archive.read(f"{self.prefix}data/{key}")
            self.storages[key] = np.frombuffer(raw, dtype=storage_type.dtype, count=int(numel))
        return self.storages[key]


def read_checkpoint(source: str | Path | BinaryIO) -> dict[str, Any]:
    """The values a checkpoint holds, tensors as NumPy arrays; ``ValueError`` for anything that is
    not a checkpoint in torch's zip format."""
    try:
        with zipfile.ZipFile(source) as archive:
            names = archive.namelist()
            pickles = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
            if len(pickles) != 1:
                raise ValueError("not a checkpoint in torch's zip format (no single data.pkl)")
            prefix = pickles[0][: -len("data.pkl")]
            if f"{prefix}byteorder" in names and archive.read(f"{prefix}byteorder").strip() != b"little":
                raise ValueError("a big-endian checkpoint cannot be read without torch")
            checkpoint = _Unpickler(archive.read(pickles[0]), archive, prefix).load()
    except (zipfile.BadZipFile, pickle.UnpicklingError, KeyError, EOFError) as exc:
        raise ValueError(f"not a readable learner-model checkpoint ({exc})") from exc
    if not isinstance(checkpoint, dict):
        raise ValueError("not a learner-model checkpoint (it holds no dict)")
    return checkpoint
