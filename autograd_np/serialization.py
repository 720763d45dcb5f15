"""``save`` and ``load``: nested containers of arrays and Tensors in one ``.npz`` file.

The file is a numpy ``.npz`` archive: every array (and Tensor, and numpy scalar) is an entry
of its own (``a0``, ``a1``...), and the structure around them is a JSON document stored in
the entry ``__autograd_np__``. Nothing is pickled: loading uses
``np.load(..., allow_pickle=False)``, so loading an untrusted file cannot run code, and
entries holding Python objects are refused.

What can be saved: dicts (keys may be str, int, float, bool, None or tuples of those; order
and ``OrderedDict`` kept), lists, tuples, numpy arrays (any dtype without Python objects),
Tensors (restored as Tensors with the same dtype and ``requires_grad``; a Parameter comes
back as a Tensor), numpy scalars (dtype kept), and None, bool, int (any size, e.g. numpy
bit-generator states), float (nan and inf included) and str. The same array or Tensor
object reached twice is stored once and restored as one object.

Saving to a path is atomic: the archive is written to a temporary file in the same
directory, flushed and fsync'ed, then moved over the target with ``os.replace``. A crash
mid-save leaves the previous file intact and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
from collections import OrderedDict
from typing import IO, Any

import numpy as np

from autograd_np.tensor import Tensor

__all__ = ["load", "save"]

_META = "__autograd_np__"
_FORMAT = "autograd_np.save"
_VERSION = 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

PathLike = str | os.PathLike[str]


class _Encoder:
    """Turns an object into a JSON-able tree plus a dict of arrays."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.keys_by_id: dict[int, str] = {}
        self.active: set[int] = set()

    def _store(self, obj: Any, arr: np.ndarray, path: str) -> str:
        if id(obj) in self.keys_by_id:
            return self.keys_by_id[id(obj)]
        if arr.dtype.hasobject:
            raise TypeError(
                f"save: the array at {path} has dtype {arr.dtype}, which holds Python "
                "objects; only numeric, bool and string arrays can be saved (no pickling)"
            )
        key = f"a{len(self.arrays)}"
        self.arrays[key] = arr
        self.keys_by_id[id(obj)] = key
        return key

    def encode(self, obj: Any, path: str) -> Any:
        if isinstance(obj, np.generic):  # before float: np.float64 subclasses float
            if isinstance(obj, np.void) or obj.dtype.hasobject:
                raise TypeError(
                    f"save: cannot save the numpy scalar of dtype {obj.dtype} at {path}"
                )
            return {"$": "scalar", "key": self._store(obj, np.asarray(obj), path)}
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            if _INT64_MIN <= obj <= _INT64_MAX:
                return int(obj)
            return {"$": "int", "hex": hex(obj)}
        if isinstance(obj, float):
            if math.isfinite(obj):
                return float(obj)
            return {"$": "float", "v": repr(float(obj))}  # 'nan', 'inf', '-inf'
        if isinstance(obj, Tensor):
            key = self._store(obj, obj.array, path)
            return {"$": "tensor", "key": key, "requires_grad": obj.requires_grad}
        if isinstance(obj, np.ndarray):
            return {"$": "array", "key": self._store(obj, obj, path)}
        if isinstance(obj, (dict, list, tuple)):
            if id(obj) in self.active:
                raise ValueError(f"save: circular reference at {path}")
            self.active.add(id(obj))
            try:
                return self._container(obj, path)
            finally:
                self.active.discard(id(obj))
        raise TypeError(
            f"save: cannot save an object of type {type(obj).__name__!r} at {path}; "
            "supported: dict, list, tuple, np.ndarray, Tensor, numpy scalars, None, bool, "
            "int, float, str"
        )

    def _container(self, obj: dict[Any, Any] | list[Any] | tuple[Any, ...], path: str) -> Any:
        if isinstance(obj, dict):
            tag = "odict" if isinstance(obj, OrderedDict) else "dict"
            keys = [self.encode_key(k, path) for k in obj]
            values = [self.encode(v, f"{path}[{k!r}]") for k, v in obj.items()]
            return {"$": tag, "keys": keys, "values": values}
        tag = "tuple" if isinstance(obj, tuple) else "list"
        return {"$": tag, "items": [self.encode(v, f"{path}[{i}]") for i, v in enumerate(obj)]}

    def encode_key(self, key: Any, path: str) -> Any:
        if key is None or isinstance(key, (bool, str, int, float)):
            return self.encode(key, path)
        if isinstance(key, tuple):
            return {"$": "tuple", "items": [self.encode_key(k, path) for k in key]}
        raise TypeError(
            f"save: cannot save the dict key {key!r} (type {type(key).__name__!r}) at {path}; "
            "keys must be str, int, float, bool, None or tuples of those"
        )


class _Decoder:
    """Rebuilds the object from the JSON tree and the archive's arrays."""

    def __init__(self, archive: Any, source: str) -> None:
        self.archive = archive
        self.source = source
        self.cache: dict[tuple[str, str], Any] = {}

    def array(self, key: Any) -> np.ndarray:
        if not isinstance(key, str) or key == _META or key not in self.archive.files:
            raise ValueError(f"load: {self.source} refers to a missing array entry {key!r}")
        try:
            arr: np.ndarray = self.archive[key]
        except ValueError as e:
            raise ValueError(
                f"load: entry {key!r} of {self.source} holds pickled Python objects; refusing "
                f"to load it ({e})"
            ) from e
        return arr

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, str, int, float)):
            return node
        if isinstance(node, list):
            raise ValueError(f"load: malformed structure in {self.source} (a bare list)")
        if not isinstance(node, dict):
            raise ValueError(f"load: malformed structure in {self.source}")
        tag = node.get("$")
        if tag == "int":
            return int(node["hex"], 16)
        if tag == "float":
            return float(node["v"])
        if tag in ("array", "tensor", "scalar"):
            memo = (tag, node["key"])
            if memo not in self.cache:
                arr = self.array(node["key"])
                if tag == "array":
                    self.cache[memo] = arr
                elif tag == "scalar":
                    self.cache[memo] = arr[()]
                else:
                    t = Tensor(arr)
                    if node.get("requires_grad"):
                        t.requires_grad_(True)
                    self.cache[memo] = t
            return self.cache[memo]
        if tag in ("dict", "odict"):
            keys = [self.decode_key(k) for k in node["keys"]]
            values = [self.decode(v) for v in node["values"]]
            pairs = zip(keys, values)
            return OrderedDict(pairs) if tag == "odict" else dict(pairs)
        if tag == "list":
            return [self.decode(v) for v in node["items"]]
        if tag == "tuple":
            return tuple(self.decode(v) for v in node["items"])
        raise ValueError(f"load: unknown entry type {tag!r} in {self.source}")

    def decode_key(self, node: Any) -> Any:
        if isinstance(node, dict) and node.get("$") == "tuple":
            return tuple(self.decode_key(k) for k in node["items"])
        return self.decode(node)


def _write_archive(
    fh: IO[bytes], meta: bytes, arrays: dict[str, np.ndarray], compress: bool
) -> None:
    entries = {**arrays, _META: np.frombuffer(meta, dtype=np.uint8)}
    if compress:
        np.savez_compressed(fh, **entries)  # type: ignore[arg-type]
    else:
        np.savez(fh, **entries)  # type: ignore[arg-type]


def _fsync_dir(dirname: str) -> None:
    try:
        fd = os.open(dirname, os.O_RDONLY)
    except OSError:
        return  # e.g. Windows, where directories cannot be opened
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save(obj: Any, f: PathLike | IO[bytes], *, compress: bool = False) -> None:
    """Save nested dicts/lists/tuples of arrays, Tensors and plain values to one file.

    Parameters
    ----------
    obj : object
        See the module docstring for what is supported; anything else raises a TypeError
        naming where it is (``obj['state'][0]['step']``).
    f : str, os.PathLike or binary file object
        A path is used as given (no ``.npz`` suffix is added) and written atomically; a file
        object is written to directly.
    compress : bool, default False
        Deflate the archive (smaller, slower).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import autograd_np as ag
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.npz")
    >>> ag.save({"w": ag.ones(2), "step": 3, 0: np.float32(1.5)}, path)
    >>> ag.load(path)
    {'w': tensor([1., 1.]), 'step': 3, 0: np.float32(1.5)}
    """
    encoder = _Encoder()
    root = encoder.encode(obj, "obj")
    meta = json.dumps(
        {"format": _FORMAT, "version": _VERSION, "root": root}, allow_nan=False
    ).encode("utf-8")
    if hasattr(f, "write"):
        _write_archive(f, meta, encoder.arrays, compress)  # type: ignore[arg-type]
        return
    path = os.fspath(f)
    dirname = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    while True:
        tmp = os.path.join(dirname, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            # 0o666 and the process umask, like any new file (mkstemp would force 0o600).
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_archive(fh, meta, encoder.arrays, compress)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(dirname)


def load(f: PathLike | IO[bytes]) -> Any:
    """Load what :func:`save` wrote.

    Never unpickles: a file that is not an archive written by :func:`save`, or an entry
    holding Python objects, raises a ValueError instead.

    Parameters
    ----------
    f : str, os.PathLike or binary file object

    Returns
    -------
    object
        The saved structure: arrays as np.ndarray, Tensors as Tensors, dict key types and
        order kept.
    """
    source = repr(os.fspath(f)) if not hasattr(f, "read") else "the file object"
    try:
        archive = np.load(f, allow_pickle=False)
    except ValueError as e:
        raise ValueError(
            f"load: {source} is not an archive written by autograd_np.save (numpy says: {e})"
        ) from e
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(
            f"load: {source} is a single .npy array, not an archive written by autograd_np.save"
        )
    with archive:
        if _META not in archive.files:
            raise ValueError(
                f"load: {source} is an .npz archive without the {_META!r} entry; it was not "
                "written by autograd_np.save (read it with np.load)"
            )
        meta_arr = archive[_META]
        try:
            meta = json.loads(meta_arr.tobytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ValueError(f"load: the structure entry of {source} is corrupt ({e})") from e
        if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
            raise ValueError(f"load: {source} has an unknown format")
        if meta.get("version") != _VERSION:
            raise ValueError(
                f"load: {source} has format version {meta.get('version')!r}; this version of "
                f"autograd_np reads version {_VERSION}"
            )
        try:
            return _Decoder(archive, source).decode(meta.get("root"))
        except (KeyError, TypeError) as e:
            raise ValueError(f"load: malformed structure in {source} ({e!r})") from e
