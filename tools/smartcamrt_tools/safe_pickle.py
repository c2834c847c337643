"""A pickle reader for PyTorch checkpoints that never executes code from the file.

A ``.pt`` file is a pickle, and a pickle can name any importable callable (``os.system``,
``builtins.eval``) and have the unpickler call it. ``torch.load(weights_only=False)`` would therefore
run whatever the file asks for, and ``weights_only=True`` refuses the YOLOv5 module classes the
checkpoint is made of. This module resolves every global the pickle names through an explicit table:

* harmless containers (``collections.OrderedDict``, ``builtins.set``, ...) are returned as themselves;
* tensor rebuilding (``torch._utils._rebuild_tensor_v2`` / ``_rebuild_parameter``) and the storage
  types map to our own functions, which only read bytes out of the zip archive;
* classes under an allow-listed module prefix (``models.``, ``torch.nn.modules.`` ...) become inert
  :class:`StubObject` subclasses that record their pickled state and can run nothing;
* anything else raises :class:`ForbiddenGlobalError` naming the global.

The only callables a file can reach are therefore the entries of these tables, and each of them only
builds data; malformed tensor metadata fails inside torch's bounds checks, never outside the storage.
"""

from __future__ import annotations

import _compat_pickle  # stdlib: the Python 2 <-> 3 name tables pickle itself uses
import collections
import io
import pickle
from collections.abc import Callable
from typing import Any

import torch

from .errors import ToolError

# Module prefixes whose classes are replaced by inert stubs. These are the classes a YOLOv5 checkpoint
# pickles whole (model graph, layers). A stub never imports or calls the real class, so allowing a
# prefix only lets the file build plain records, not run code.
STUB_MODULE_PREFIXES = (
    "models.",
    "utils.",
    "torch.nn.modules.",
    "torch.nn.parameter",
    "ultralytics.",
)

# Globals that are returned as the real object. Each is a pure data constructor: it builds a container
# from its arguments and has no side effects.
_SAFE_BUILTINS: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "dict"): dict,
    ("builtins", "list"): list,
    ("builtins", "tuple"): tuple,
    ("builtins", "slice"): slice,
    ("builtins", "complex"): complex,
    ("torch", "Size"): torch.Size,
}


# torch.<Name>Storage -> element dtype. Storages carry no code, only a dtype and the key of the raw
# bytes in the archive.
_STORAGE_DTYPES = {
    "HalfStorage": torch.float16,
    "FloatStorage": torch.float32,
    "DoubleStorage": torch.float64,
    "BFloat16Storage": torch.bfloat16,
    "LongStorage": torch.int64,
    "IntStorage": torch.int32,
    "ShortStorage": torch.int16,
    "CharStorage": torch.int8,
    "ByteStorage": torch.uint8,
    "BoolStorage": torch.bool,
}

# torch.<dtype> globals (pickled dtypes are plain enum-like values).
_TORCH_DTYPES = {str(dtype).removeprefix("torch."): dtype for dtype in _STORAGE_DTYPES.values()}


class ForbiddenGlobalError(pickle.UnpicklingError, ToolError):
    """The pickle names a global outside the allow-list; nothing from it was called.

    Also a :class:`ToolError`, so the CLI reports it as one line instead of a traceback."""


class StubObject:
    """Base of the inert stand-ins for pickled classes.

    Pickle builds an object with ``cls.__new__`` (NEWOBJ) or ``cls(*args)`` (REDUCE), then hands it its
    state (BUILD -> ``__setstate__``). A stub keeps the arguments and the state as data and defines no
    other behaviour, so a pickle can only ever produce a tree of records.
    """

    _stub_module = ""
    _stub_name = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.__dict__["_stub_args"] = args
        self.__dict__["_stub_kwargs"] = kwargs

    def __setstate__(self, state: Any) -> None:
        # torch modules pickle their __dict__; some objects pickle (dict_state, slot_state) pairs.
        if isinstance(state, tuple) and len(state) == 2 and isinstance(state[0], dict | type(None)):
            state = {**(state[0] or {}), **(state[1] or {})}
        if isinstance(state, dict):
            self.__dict__.update(state)
        else:
            self.__dict__["_stub_state"] = state

    @classmethod
    def qualified_name(cls) -> str:
        return f"{cls._stub_module}.{cls._stub_name}"

    def __repr__(self) -> str:
        return f"<stub {self.qualified_name()}>"


class StorageType:
    """Stand-in for ``torch.<X>Storage`` in a pickle: only remembers the element dtype."""

    def __init__(self, dtype: torch.dtype) -> None:
        self.dtype = dtype


def _python3_name(module: str, name: str, protocol: int) -> tuple[str, str]:
    """Protocol < 3 pickles use Python 2 names ("__builtin__.set", "commands.call"); translate them the
    way pickle's own find_class does, so the allow-list and error messages see the real Python 3 names."""
    if protocol >= 3:
        return module, name
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def rebuild_tensor(storage: torch.Tensor, storage_offset: int, size, stride, *_ignored) -> torch.Tensor:
    """Safe ``torch._utils._rebuild_tensor_v2``: a strided view of a flat storage, copied out."""
    return torch.as_strided(storage, tuple(size), tuple(stride), storage_offset).clone()


def rebuild_parameter(data: torch.Tensor, requires_grad: bool = False, *_ignored) -> torch.Tensor:
    """Safe ``torch._utils._rebuild_parameter``: the weights are all we need, as a plain tensor."""
    return data


_TENSOR_REBUILDERS: dict[tuple[str, str], Callable[..., torch.Tensor]] = {
    ("torch._utils", "_rebuild_tensor_v2"): rebuild_tensor,
    ("torch._utils", "_rebuild_tensor"): rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): rebuild_parameter,
}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles a torch checkpoint's ``data.pkl`` (``data``) into stubs, containers and tensors only.

    ``read_storage(key)`` returns the raw bytes of ``data/<key>`` from the archive; ``source_name`` is
    used in error messages.
    """

    def __init__(self, data: bytes, read_storage: Callable[[str], bytes], source_name: str) -> None:
        super().__init__(io.BytesIO(data))
        # The C unpickler does not expose the protocol; it is the PROTO opcode's argument (0-1 if absent).
        self._protocol = data[1] if len(data) > 1 and data[0] == pickle.PROTO[0] else 1
        self._read_storage = read_storage
        self._source_name = source_name
        self._storages: dict[str, torch.Tensor] = {}
        self._stub_classes: dict[tuple[str, str], type[StubObject]] = {}

    def find_class(self, module: str, name: str) -> Any:
        module, name = _python3_name(module, name, self._protocol)
        key = (module, name)
        if key in _SAFE_BUILTINS:
            return _SAFE_BUILTINS[key]
        if key in _TENSOR_REBUILDERS:
            return _TENSOR_REBUILDERS[key]
        if module == "torch" and name in _STORAGE_DTYPES:
            return StorageType(_STORAGE_DTYPES[name])
        if module == "torch" and name in _TORCH_DTYPES:
            return _TORCH_DTYPES[name]
        if any(module.startswith(prefix) or module == prefix.rstrip(".") for prefix in STUB_MODULE_PREFIXES):
            return self._stub_class(module, name)
        raise ForbiddenGlobalError(f"refusing to load global '{module}.{name}' from {self._source_name}")

    def persistent_load(self, pid: Any) -> torch.Tensor:
        # torch's zip format: ('storage', storage_type, key, location, numel)
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r} in {self._source_name}")
        storage_type, key = pid[1], str(pid[2])
        if not isinstance(storage_type, StorageType):
            raise pickle.UnpicklingError(f"storage {key} has no known storage type in {self._source_name}")
        if key not in self._storages:
            raw = bytearray(self._read_storage(key))  # bytearray: writable, so torch.frombuffer is happy
            if len(raw) == 0:
                self._storages[key] = torch.empty(0, dtype=storage_type.dtype)
            else:
                self._storages[key] = torch.frombuffer(raw, dtype=storage_type.dtype)
        return self._storages[key]

    def _stub_class(self, module: str, name: str) -> type[StubObject]:
        key = (module, name)
        if key not in self._stub_classes:
            self._stub_classes[key] = type(name, (StubObject,), {"_stub_module": module, "_stub_name": name})
        return self._stub_classes[key]
