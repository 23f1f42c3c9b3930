"""Read a PyTorch state dict into NumPy arrays, without PyTorch and without running pickle code.

`torch.save` writes a pickle, and `torch.load` of an untrusted pickle can run
any code it names. `read_state_dict` reads the legacy (pre-1.6) format, a run
of pickles followed by the raw tensor bytes, with an unpickler that resolves
only the few names a state dict of float tensors is made of (an ordered dict,
a tensor rebuild, the storage types) to functions of this module. Any other
name stops the read with `pickle.UnpicklingError`; nothing from the file is
imported or called. The zip format of newer PyTorch releases is refused with
a message that says so.
"""

from __future__ import annotations

import collections
import io
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # the first pickle of a legacy torch.save file
_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class _StorageType:
    """Stands for `torch.<Kind>Storage` inside the pickle: only its dtype is kept."""

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)


class _Storage:
    """A storage named by the pickle; its bytes come after the pickles."""

    def __init__(self, key, dtype, numel):
        self.key, self.dtype, self.numel = key, dtype, numel
        self.array = None


class _TensorView:
    """A tensor waiting for its storage: offset, shape and strides in elements."""

    def __init__(self, storage, offset, shape, strides):
        self.storage, self.offset = storage, int(offset)
        self.shape, self.strides = tuple(shape), tuple(strides)

    def materialize(self) -> np.ndarray:
        flat = self.storage.array
        if not self.shape:
            return flat[self.offset].copy()
        needed = self.offset + sum((n - 1) * s for n, s in zip(self.shape, self.strides)) + 1
        if min(self.shape) > 0 and needed > len(flat):
            raise ValueError(
                f"A tensor of shape {self.shape} reaches past its storage "
                f"({needed} > {len(flat)} elements): the file is damaged"
            )
        item = flat.itemsize
        view = np.lib.stride_tricks.as_strided(
            flat[self.offset :],
            shape=self.shape,
            strides=tuple(s * item for s in self.strides),
            writeable=False,
        )
        return np.array(view)  # a contiguous copy


def _rebuild_tensor(storage, offset, shape, strides, *unused):
    if not isinstance(storage, _Storage):
        raise pickle.UnpicklingError("A tensor in the file is not backed by a storage")
    return _TensorView(storage, offset, shape, strides)


_ALLOWED = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
}


class _SafeUnpickler(pickle.Unpickler):
    def __init__(self, handle, storages):
        super().__init__(handle)
        self.storages = storages

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name])
        raise pickle.UnpicklingError(
            f"The file names {module}.{name}, which a state dict of tensors does not need; "
            "it was not loaded (only ordered dicts, tensors and storages are read)"
        )

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"Unknown persistent id in the file: {pid!r}")
        kind, key, numel = pid[1], str(pid[2]), int(pid[4])
        if not isinstance(kind, _StorageType):
            raise pickle.UnpicklingError(f"Unknown storage type in the file: {kind!r}")
        if key not in self.storages:
            self.storages[key] = _Storage(key, kind.dtype, numel)
        return self.storages[key]


def _materialize(value):
    if isinstance(value, _TensorView):
        return value.materialize()
    if isinstance(value, dict):
        return collections.OrderedDict((k, _materialize(v)) for k, v in value.items())
    return value


def read_state_dict(path) -> dict[str, np.ndarray]:
    """The tensors of a legacy-format `torch.save` file, as NumPy arrays by name.

    Args:
        path: the `.pth` file.

    Returns:
        An ordered dict name -> array (contiguous copies, in the file's dtypes).
        Integer counters such as BatchNorm's `num_batches_tracked` are kept.

    Raises:
        FileNotFoundError: if `path` is not a file.
        ValueError: for a zip-format file (PyTorch 1.6 and later), a file that
            is not a torch.save file, or one whose data are cut short.
        pickle.UnpicklingError: when the file names anything but a state
            dict's parts (nothing it names is imported or run).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No PyTorch weights file at {str(path)!r}")
    if zipfile.is_zipfile(path):
        raise ValueError(
            f"{str(path)!r} is a zip-format torch.save file (PyTorch 1.6+); this reader takes "
            "the legacy format only"
        )
    data = path.read_bytes()
    handle = io.BytesIO(data)
    storages: dict[str, _Storage] = {}
    try:
        magic = _SafeUnpickler(handle, storages).load()
        if magic != LEGACY_MAGIC:
            raise ValueError
        _SafeUnpickler(handle, storages).load()  # protocol version
        _SafeUnpickler(handle, storages).load()  # system info
    except (ValueError, EOFError, pickle.UnpicklingError, IndexError) as error:
        raise ValueError(f"{str(path)!r} is not a legacy torch.save file ({error!r})") from None
    result = _SafeUnpickler(handle, storages).load()
    keys = _SafeUnpickler(handle, storages).load()
    for key in keys:
        storage = storages.get(str(key))
        header = handle.read(8)
        if storage is None or len(header) < 8:
            raise ValueError(f"{str(path)!r} ends before the data of storage {key!r}")
        (count,) = struct.unpack("<q", header)
        raw = handle.read(count * storage.dtype.itemsize)
        if len(raw) < count * storage.dtype.itemsize:
            raise ValueError(f"{str(path)!r} ends inside the data of storage {key!r}")
        storage.array = np.frombuffer(raw, dtype=storage.dtype)
    missing = [k for k, s in storages.items() if s.array is None]
    if missing:
        raise ValueError(f"{str(path)!r} holds no data for storages {missing[:5]}")
    if not isinstance(result, dict):
        raise ValueError(f"{str(path)!r} holds a {type(result).__name__}, not a state dict")
    return _materialize(result)
