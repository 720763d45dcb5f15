"""Reading PyTorch's own ``.pt``/``.pth`` files (the zip format of ``torch.save``) without torch.

Layout (PyTorch >= 1.6): a zip whose entries share one top folder ``<name>/``:
``data.pkl`` (the object, pickled with protocol 2, tensors referring to their storages by
persistent ids ``('storage', torch.<Type>Storage, key, location, numel)``),
``data/<key>`` (each storage's raw bytes), ``byteorder`` (``little`` or ``big``) and
``version``. The pickle is run by :mod:`._pickle_vm` with the globals a state dict needs
and nothing else: ``torch._utils._rebuild_tensor_v2`` / ``_rebuild_parameter``, storage
types, ``collections.OrderedDict``, ``torch.Size``, ``set``, ``complex``, bytes, dtypes;
the same rule as torch's ``weights_only=True``. Tensors come back as autograd_np Tensors
(Parameters as Parameters) on the CPU.
"""

from __future__ import annotations

import importlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_np.serialization import _archive
from autograd_np.serialization._archive import Archive
from autograd_np.serialization._globals import WeightsOnlyError, allowed_by_user
from autograd_np.serialization._pickle_vm import Allowed, restricted_loads
from autograd_np.tensor import Tensor

__all__ = ["is_torch_zip", "load_torch_zip"]

_STORAGE_DTYPES: dict[str, np.dtype[Any] | None] = {
    "DoubleStorage": np.dtype("<f8"),
    "FloatStorage": np.dtype("<f4"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
    "ComplexFloatStorage": np.dtype("<c8"),
    "ComplexDoubleStorage": np.dtype("<c16"),
    "UntypedStorage": np.dtype("u1"),
    "BFloat16Storage": None,  # numpy has no bfloat16
}
_TORCH_DTYPES = {
    "float64": np.float64,
    "double": np.float64,
    "float32": np.float32,
    "float": np.float32,
    "float16": np.float16,
    "half": np.float16,
    "int64": np.int64,
    "long": np.int64,
    "int32": np.int32,
    "int": np.int32,
    "int16": np.int16,
    "short": np.int16,
    "int8": np.int8,
    "uint8": np.uint8,
    "bool": np.bool_,
    "complex64": np.complex64,
    "complex128": np.complex128,
}


class _Marker:
    """A name from the file that may only be passed as an argument (never called)."""

    def __init__(self, path: str, dtype: np.dtype[Any] | None = None) -> None:
        self.path = path
        self.dtype = dtype

    def __repr__(self) -> str:
        return self.path


class _Storage:
    def __init__(self, array: np.ndarray, location: str) -> None:
        self.array = array  # one-dimensional, native byte order
        self.location = location


class _callable:  # lower case: reads as a decorator
    """A function the pickle may call with ``REDUCE``."""

    _pickle_callable = True

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)

    def __repr__(self) -> str:
        return getattr(self.fn, "__name__", "function")


def is_torch_zip(archive: Archive) -> str | None:
    """The entry-name prefix of a torch.save zip (``'archive/'``), or None."""
    prefixes = {name[: -len("data.pkl")] for name in archive.infos if name.endswith("data.pkl")}
    prefixes = {p for p in prefixes if p.count("/") == 1 and p.endswith("/")}
    return prefixes.pop() if len(prefixes) == 1 else None


class _Reader:
    def __init__(
        self,
        archive: Archive,
        prefix: str,
        restore: Callable[[Tensor, str], Tensor] | None,
    ) -> None:
        self.archive = archive
        self.source = archive.source
        self.prefix = prefix
        self.restore = restore
        self.storages: dict[str, _Storage] = {}
        byteorder = "little"
        if f"{prefix}byteorder" in archive.infos:
            byteorder = archive.read_bytes(f"{prefix}byteorder", limit=16).decode(
                "ascii", "replace"
            )
            if byteorder not in ("little", "big"):
                raise archive.corrupt(f"unknown byte order {byteorder!r}")
        self.byteorder = byteorder
        self.globals: dict[tuple[str, str], Any] = {
            ("torch._utils", "_rebuild_tensor_v2"): _callable(self.rebuild_tensor),
            ("torch._utils", "_rebuild_tensor"): _callable(self.rebuild_tensor),
            ("torch._utils", "_rebuild_parameter"): _callable(self.rebuild_parameter),
            ("torch._utils", "_rebuild_parameter_with_state"): _callable(
                self.rebuild_parameter_with_state
            ),
            ("torch._tensor", "_rebuild_from_type_v2"): _callable(self.rebuild_from_type),
            ("collections", "OrderedDict"): _callable(_ordered_dict),
            ("builtins", "set"): _callable(lambda items=(): set(items)),
            ("builtins", "frozenset"): _callable(lambda items=(): frozenset(items)),
            ("builtins", "complex"): _callable(_complex),
            ("builtins", "bytearray"): _callable(_bytearray),
            ("_codecs", "encode"): _callable(_encode_latin1),
            ("torch", "Size"): _callable(_size),
            # protocol 2 spells builtins as Python 2's __builtin__
            ("__builtin__", "set"): _callable(lambda items=(): set(items)),
            ("__builtin__", "frozenset"): _callable(lambda items=(): frozenset(items)),
            ("__builtin__", "complex"): _callable(_complex),
            ("__builtin__", "bytearray"): _callable(_bytearray),
            ("torch", "device"): _callable(_device),
            ("torch", "Tensor"): _Marker("torch.Tensor"),
            ("torch.nn.parameter", "Parameter"): _Marker("torch.nn.parameter.Parameter"),
        }
        for name, dtype in _STORAGE_DTYPES.items():
            self.globals[("torch", name)] = _Marker(f"torch.{name}", dtype)
        self.globals[("torch.storage", "UntypedStorage")] = _Marker(
            "torch.storage.UntypedStorage", np.dtype("u1")
        )
        for name, scalar_type in _TORCH_DTYPES.items():
            self.globals[("torch", name)] = scalar_type
        self.globals[("torch", "bfloat16")] = _Marker("torch.bfloat16")

    def find_global(self, module: str, name: str) -> Any:
        found = self.globals.get((module, name))
        if found is None:
            user = allowed_by_user().get(f"{module}.{name}")
            if user is not None:
                return Allowed(user)
            raise WeightsOnlyError(
                f"Weights only load failed: {self.source} is a PyTorch file that names the "
                f"global {module}.{name}, which is not allowed. autograd_np reads the tensors, "
                "Parameters and plain containers of PyTorch files (what torch.load allows with "
                "weights_only=True) and, like torch, what you allow with "
                f"`autograd_np.serialization.add_safe_globals([...])` (the path "
                f"'{module}.{name}'); it never unpickles anything else. Save a state_dict "
                "(model.state_dict()) with torch rather than the whole object."
            )
        return found

    def persistent_load(self, pid: Any) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise ValueError(f"load: {self.source} has a bad storage record {pid!r:.80}")
        _, kind, key, location, numel = pid
        if not isinstance(kind, _Marker) or not kind.path.endswith("Storage"):
            raise ValueError(f"load: {self.source} has a storage of unknown type {kind!r:.80}")
        if kind.dtype is None:
            raise ValueError(
                f"load: {self.source} holds a {kind.path} (bfloat16) tensor; numpy has no "
                "bfloat16, so autograd_np cannot load it: convert it in torch first "
                "(tensor.float())"
            )
        if not isinstance(key, str) or not isinstance(location, str):
            raise ValueError(f"load: {self.source} has a bad storage record")
        if not isinstance(numel, int) or isinstance(numel, bool) or numel < 0:
            raise ValueError(f"load: {self.source} has a storage of bad size {numel!r:.40}")
        if key not in self.storages:
            name = f"{self.prefix}data/{key}"
            if name not in self.archive.infos:
                raise ValueError(f"load: {self.source} lacks the storage entry {name!r}")
            nbytes = numel * kind.dtype.itemsize
            info = self.archive.info(name)
            if info.file_size != nbytes:
                raise self.archive.corrupt(
                    f"storage {key!r} holds {info.file_size} bytes, its record says {nbytes}"
                )
            raw = self.archive.read_raw(name)
            dtype = kind.dtype.newbyteorder("<" if self.byteorder == "little" else ">")
            if kind.dtype.itemsize == 1:
                dtype = kind.dtype
            array = raw.view(dtype)
            if not dtype.isnative:
                array = array.astype(dtype.newbyteorder("="))
            if dtype.kind == "b":
                array = raw != 0
            self.storages[key] = _Storage(array, location)
        return self.storages[key]

    def rebuild_tensor(
        self,
        storage: Any,
        offset: Any,
        size: Any,
        stride: Any,
        requires_grad: Any = False,
        backward_hooks: Any = None,
        metadata: Any = None,
    ) -> Tensor:
        if not isinstance(storage, _Storage):
            raise ValueError(f"load: {self.source} rebuilds a tensor from a non-storage")
        if not (_is_index(offset) and _index_tuple(size) and _index_tuple(stride)):
            raise ValueError(f"load: {self.source} has a tensor with bad offset/size/stride")
        if len(size) != len(stride):
            raise ValueError(f"load: {self.source} has a tensor whose size and stride differ")
        if backward_hooks not in (None, {}) or metadata not in (None, {}):
            raise ValueError(f"load: {self.source} has a tensor with hooks or metadata")
        base = storage.array
        count = 1
        for n in size:
            count *= n
        last = offset + sum((n - 1) * s for n, s in zip(size, stride)) if count else offset - 1
        if offset > base.size or last >= base.size:
            raise ValueError(
                f"load: {self.source} has a tensor of size {size} and stride {stride} at "
                f"offset {offset} that runs past its storage of {base.size} elements"
            )
        contiguous = [1] * len(size)
        for i in range(len(size) - 2, -1, -1):
            contiguous[i] = contiguous[i + 1] * size[i + 1]
        if count == 0:
            array = np.empty(size, dtype=base.dtype)
        elif all(n == 1 or s == c for n, s, c in zip(size, stride, contiguous)):
            array = base[offset : offset + count].reshape(size)  # shares the storage
        else:
            array = np.lib.stride_tricks.as_strided(
                base[offset:],
                shape=size,
                strides=tuple(s * base.itemsize for s in stride),
                writeable=False,
            ).copy()
        t = Tensor.from_array(array)
        if requires_grad is True and array.dtype.kind == "f":
            t.requires_grad_(True)
        if self.restore is not None:
            t = self.restore(t, storage.location)
        return t

    def rebuild_parameter(self, data: Any, requires_grad: Any, backward_hooks: Any) -> Tensor:
        if not isinstance(data, Tensor) or not isinstance(requires_grad, bool):
            raise ValueError(f"load: {self.source} rebuilds a Parameter from a non-tensor")
        parameter = importlib.import_module("autograd_np.nn.parameter").Parameter
        p: Tensor = parameter.from_array(data.array)
        if requires_grad and data.array.dtype.kind == "f":
            p.requires_grad_(True)
        return p

    def rebuild_parameter_with_state(
        self, data: Any, requires_grad: Any, backward_hooks: Any, state: Any
    ) -> Tensor:
        if state not in (None, {}):
            raise ValueError(f"load: {self.source} has a Parameter with extra attributes")
        return self.rebuild_parameter(data, requires_grad, backward_hooks)

    def rebuild_from_type(self, func: Any, new_type: Any, args: Any, state: Any) -> Any:
        if func not in (self.globals[("torch._utils", "_rebuild_tensor_v2")],):
            raise WeightsOnlyError(f"Weights only load failed: {self.source} rebuilds {func!r}")
        if not isinstance(args, tuple) or state not in (None, {}):
            raise ValueError(f"load: {self.source} has a tensor subclass with state")
        t = func(*args)
        if isinstance(new_type, _Marker) and new_type.path == "torch.Tensor":
            return t
        if isinstance(new_type, _Marker) and new_type.path.endswith("Parameter"):
            return self.rebuild_parameter(t, t.requires_grad, None)
        raise WeightsOnlyError(f"Weights only load failed: {self.source} names {new_type!r}")

    def load(self) -> Any:
        data = self.archive.read_bytes(f"{self.prefix}data.pkl", limit=_archive.MAX_STRUCTURE_BYTES)
        return restricted_loads(
            data,
            source=self.source,
            find_global=self.find_global,
            persistent_load=self.persistent_load,
            buildable=(OrderedDict,),
        )


def _is_index(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def _index_tuple(x: Any) -> bool:
    return isinstance(x, tuple) and all(_is_index(v) for v in x)


def _ordered_dict(items: Any = ()) -> OrderedDict[Any, Any]:
    if not isinstance(items, (list, tuple)):
        raise TypeError("OrderedDict from a non-list")
    return OrderedDict(items)


def _complex(re: Any = 0.0, im: Any = 0.0) -> complex:
    if not all(isinstance(v, (int, float)) for v in (re, im)):
        raise TypeError("complex from non-numbers")
    return complex(re, im)


def _bytearray(data: Any = b"") -> bytearray:
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("bytearray from a non-bytes")
    return bytearray(data)


def _encode_latin1(text: Any, encoding: Any = "latin1") -> bytes:
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise TypeError("_codecs.encode is only allowed on str with latin1")
    return text.encode("latin1")


def _size(dims: Any = ()) -> tuple[int, ...]:
    if not _index_tuple(tuple(dims) if isinstance(dims, (list, tuple)) else None):
        raise TypeError("torch.Size from non-integers")
    return tuple(dims)


def _device(kind: Any, index: Any = None) -> str:
    if not isinstance(kind, str) or not (index is None or _is_index(index)):
        raise TypeError("torch.device from bad arguments")
    return kind if index is None else f"{kind}:{index}"


def load_torch_zip(
    archive: Archive, prefix: str, restore: Callable[[Tensor, str], Tensor] | None = None
) -> Any:
    """The object of a torch.save zip; tensors become Tensors on the CPU."""
    return _Reader(archive, prefix, restore).load()
