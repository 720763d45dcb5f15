"""The native checkpoint format: a JSON structure plus arrays in one ``.npz`` zip, no pickle.

Every array (and Tensor, and numpy scalar) is an entry of its own (``a0``, ``a1``...), and
the structure around them is a JSON document stored in the entry ``__autograd_np__``.
Nothing is pickled: an entry holding Python objects is refused, and a class is named by its
import path, never by code.

The structure is a tree of JSON values; plain ``None``/bool/str/int/float stand for
themselves and every other value is an object ``{"$": tag, ...}``:

- ``int`` (outside int64, as ``hex``), ``float`` (nan/inf, as ``v``), ``complex``
  (``re``, ``im``), ``bytes`` (an array ``key`` of uint8);
- ``array``, ``scalar`` (a numpy scalar), ``tensor`` (``key``, ``requires_grad`` and, for a
  subclass such as Parameter, its ``class``), each an array entry ``key``;
- ``dict``/``odict``/``defaultdict`` (``keys`` and ``values``, two lists of one length,
  and the defaultdict's ``factory``; keys may be Tensors and objects too), ``list``,
  ``tuple``, ``set``, ``frozenset`` (``items``);
- ``dtype`` (a numpy dtype string), ``dtype_type`` (a numpy scalar type such as
  ``np.float32``), ``generator`` (a numpy Generator: bit generator name and state);
- ``global`` (a class or function by ``class`` = [module, qualname]), ``enum`` (a member
  by class and name), ``object`` (an instance: ``id``, ``class`` and ``state``, its
  attributes), ``ref`` (the object with that ``id`` again).
"""

from __future__ import annotations

import enum
import json
import math
import re
import types
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_np.serialization import _archive
from autograd_np.serialization._archive import Archive
from autograd_np.serialization._globals import global_path, is_plain_class, resolve
from autograd_np.tensor import Tensor

__all__ = ["FORMAT", "MAX_JSON_DEPTH", "META", "decode_archive", "encode"]

META = "__autograd_np__"
FORMAT = "autograd_np.save"
VERSION = 2
READABLE_VERSIONS = (1, 2)
MAX_JSON_DEPTH = 400
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
_CALLABLE_TYPES = (
    type,
    types.FunctionType,
    types.BuiltinFunctionType,
    np.ufunc,
)


class Encoder:
    """Turns an object into a JSON-able tree plus a dict of arrays."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.keys_by_id: dict[int, str] = {}
        self.objects: dict[int, int] = {}
        self.active: set[int] = set()
        self.keep: list[Any] = []  # keeps temporaries alive so that their ids stay unique

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
        self.keep.append(obj)
        return key

    def encode(self, obj: Any, path: str) -> Any:
        if isinstance(obj, np.generic):  # before float: np.float64 subclasses float
            if isinstance(obj, np.void) or obj.dtype.hasobject:
                raise TypeError(
                    f"save: cannot save the numpy scalar of dtype {obj.dtype} at {path}"
                )
            return {"$": "scalar", "key": self._store(obj, np.asarray(obj), path)}
        if isinstance(obj, enum.Enum):
            return {"$": "enum", "class": self._path(type(obj), path), "name": obj.name}
        if obj is None or isinstance(obj, bool):
            return obj
        if isinstance(obj, str):
            return str(obj)
        if isinstance(obj, int):
            if _INT64_MIN <= obj <= _INT64_MAX:
                return int(obj)
            return {"$": "int", "hex": hex(obj)}
        if isinstance(obj, float):
            return _encode_float(float(obj))
        if isinstance(obj, complex):
            return {"$": "complex", "re": _encode_float(obj.real), "im": _encode_float(obj.imag)}
        if isinstance(obj, bytes):
            arr = np.frombuffer(obj, dtype=np.uint8)
            self.keep.append(arr)
            return {"$": "bytes", "key": self._store(arr, arr, path)}
        if isinstance(obj, Tensor):
            return self._tensor(obj, path)
        if isinstance(obj, np.ndarray):
            return {"$": "array", "key": self._store(obj, obj, path)}
        if isinstance(obj, (dict, list, tuple, set, frozenset)):
            if id(obj) in self.active:
                raise ValueError(f"save: circular reference at {path}")
            self.active.add(id(obj))
            try:
                return self._container(obj, path)
            finally:
                self.active.discard(id(obj))
        if isinstance(obj, np.dtype):
            if obj.fields is not None or obj.hasobject or obj.subdtype is not None:
                raise TypeError(f"save: cannot save the structured dtype {obj} at {path}")
            return {"$": "dtype", "str": obj.str}
        if isinstance(obj, type) and issubclass(obj, np.generic) and obj is not np.object_:
            try:
                return {"$": "dtype_type", "name": np.dtype(obj).name}
            except TypeError:
                pass  # abstract types such as np.floating: saved as a global below
        if isinstance(obj, np.random.Generator):
            return self._generator(obj, path)
        if isinstance(obj, _CALLABLE_TYPES) or _is_named_global(obj):
            return {"$": "global", "class": self._path(obj, path)}
        return self._object(obj, path)

    def _path(self, obj: Any, path: str) -> list[str]:
        try:
            return list(global_path(obj))
        except TypeError as e:
            raise TypeError(f"save: cannot save {obj!r} at {path}: {e}") from None

    def _tensor(self, t: Tensor, path: str) -> Any:
        node: dict[str, Any] = {
            "$": "tensor",
            "key": self._store(t, t.array, path),
            "requires_grad": t.requires_grad,
        }
        if type(t) is not Tensor:
            node["class"] = self._path(type(t), path)
        return node

    def _generator(self, gen: np.random.Generator, path: str) -> Any:
        name = type(gen.bit_generator).__name__
        if name not in _BIT_GENERATORS:
            raise TypeError(f"save: cannot save a Generator with bit generator {name} at {path}")
        return {
            "$": "generator",
            "bit_generator": name,
            "state": self.encode(gen.bit_generator.state, f"{path}.bit_generator.state"),
        }

    def _container(self, obj: Any, path: str) -> Any:
        if isinstance(obj, dict):
            tag = "odict" if isinstance(obj, OrderedDict) else "dict"
            keys = [self.encode_key(k, path) for k in obj]
            values = [self.encode(v, f"{path}[{k!r}]") for k, v in obj.items()]
            node = {"$": tag, "keys": keys, "values": values}
            if isinstance(obj, defaultdict):
                node["$"] = "defaultdict"
                node["factory"] = self.encode(obj.default_factory, f"{path}.default_factory")
            return node
        items = obj
        if isinstance(obj, tuple):
            tag = "tuple"
        elif isinstance(obj, list):
            tag = "list"
        else:
            tag = "frozenset" if isinstance(obj, frozenset) else "set"
            for item in obj:
                self.encode_key(item, path)  # hashable plain values only
        return {"$": tag, "items": [self.encode(v, f"{path}[{i}]") for i, v in enumerate(items)]}

    def encode_key(self, key: Any, path: str) -> Any:
        if key is None or isinstance(key, (bool, str, int, float)):
            return self.encode(key, path)
        if isinstance(key, tuple):
            return {"$": "tuple", "items": [self.encode_key(k, path) for k in key]}
        if isinstance(key, Tensor) or not isinstance(key, (dict, list, set, np.ndarray)):
            return self.encode(key, path)  # a Tensor, an object or a class: kept by identity
        raise TypeError(
            f"save: cannot save the dict key or set item {key!r} (type "
            f"{type(key).__name__!r}) at {path}; keys must be hashable"
        )

    def _object(self, obj: Any, path: str) -> Any:
        cls = type(obj)
        if id(obj) in self.objects:
            return {"$": "ref", "id": self.objects[id(obj)]}
        if not is_plain_class(cls) or not (hasattr(obj, "__dict__") or _slot_names(cls)):
            raise TypeError(
                f"save: cannot save an object of type {cls.__name__!r} at {path}; supported: "
                "dict, list, tuple, set, np.ndarray, Tensor, numpy scalars and dtypes, None, "
                "bool, int, float, complex, str, bytes, module-level classes and functions, "
                "and instances of Python classes (saved as their attributes)"
            )
        class_path = self._path(cls, path)
        n = len(self.objects)
        self.objects[id(obj)] = n
        self.keep.append(obj)
        getstate = getattr(cls, "__getstate__", None)
        if getstate is not None and getstate is not getattr(object, "__getstate__", None):
            state = obj.__getstate__()
            self.keep.append(state)
        else:
            state = dict(getattr(obj, "__dict__", {}))
            for name in _slot_names(cls):
                if hasattr(obj, name):
                    state[name] = getattr(obj, name)
        return {"$": "object", "id": n, "class": class_path, "state": self.encode(state, path)}


def _is_named_global(obj: Any) -> bool:
    """Whether ``obj`` (a callable object such as a primitive op) is importable by its own
    ``__module__`` and ``__qualname__``, so that it is saved by reference."""
    if not callable(obj):
        return False
    try:
        global_path(obj)
    except TypeError:
        return False
    return True


def _slot_names(cls: type) -> list[str]:
    names: list[str] = []
    for c in cls.__mro__:
        slots = c.__dict__.get("__slots__", ())
        for name in [slots] if isinstance(slots, str) else slots:
            if name not in ("__dict__", "__weakref__") and name not in names:
                names.append(name)
    return names


def _encode_float(x: float) -> Any:
    if math.isfinite(x):
        return x
    return {"$": "float", "v": repr(x)}  # 'nan', 'inf', '-inf'


def encode(obj: Any) -> tuple[bytes, dict[str, np.ndarray]]:
    """The JSON structure (UTF-8) and the arrays of ``obj``."""
    encoder = Encoder()
    root = encoder.encode(obj, "obj")
    meta = json.dumps({"format": FORMAT, "version": VERSION, "root": root}, allow_nan=False).encode(
        "utf-8"
    )
    return meta, encoder.arrays


# ---------------------------------------------------------------------- decoding
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_FIELDS: dict[str, tuple[str, ...]] = {
    "int": ("hex",),
    "float": ("v",),
    "complex": ("re", "im"),
    "bytes": ("key",),
    "array": ("key",),
    "scalar": ("key",),
    "dict": ("keys", "values"),
    "odict": ("keys", "values"),
    "defaultdict": ("keys", "values", "factory"),
    "list": ("items",),
    "tuple": ("items",),
    "set": ("items",),
    "frozenset": ("items",),
    "dtype": ("str",),
    "dtype_type": ("name",),
    "generator": ("bit_generator", "state"),
    "enum": ("class", "name"),
    "global": ("class",),
    "object": ("id", "class", "state"),
    "ref": ("id",),
    "tensor": ("key", "requires_grad"),
}
_OPTIONAL: dict[str, tuple[str, ...]] = {"tensor": ("class",)}
_UNHASHABLE = ("dict", "odict", "defaultdict", "list", "set", "array", "generator")


def json_depth(text: bytes) -> int:
    """The deepest nesting of ``[``/``{`` in a JSON text (brackets in strings ignored)."""
    stripped = _STRING.sub(b'""', text)
    arr = np.frombuffer(stripped, dtype=np.uint8)
    steps = np.zeros(arr.shape, dtype=np.int64)
    steps[(arr == ord("[")) | (arr == ord("{"))] = 1
    steps[(arr == ord("]")) | (arr == ord("}"))] = -1
    return int(np.cumsum(steps).max()) if steps.size else 0


class Decoder:
    """Rebuilds the object from the JSON tree and the archive's arrays."""

    def __init__(
        self,
        archive: Archive,
        source: str,
        *,
        weights_only: bool,
        restore: Callable[[Tensor], Tensor] | None = None,
    ) -> None:
        self.archive = archive
        self.source = source
        self.weights_only = weights_only
        self.restore = restore
        self.cache: dict[tuple[str, str], Any] = {}
        self.objects: dict[int, Any] = {}

    def malformed(self, what: str) -> ValueError:
        return ValueError(f"load: malformed structure in {self.source}: {what}")

    def field(self, node: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
        value = node[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.malformed(f"the field {name!r} of a {node['$']!r} entry has a bad type")
        return value

    def array(self, key: Any) -> np.ndarray:
        name = f"{key}.npy" if isinstance(key, str) else None
        if name is None or key == META or name not in self.archive.infos:
            raise ValueError(f"load: {self.source} refers to a missing array entry {key!r}")
        return self.archive.read_npy(name)

    def cls(self, node: dict[str, Any]) -> Any:
        path = self.field(node, "class", list)
        if len(path) != 2 or not all(isinstance(p, str) for p in path):
            raise self.malformed("a class path is not [module, qualname]")
        return resolve(path[0], path[1], weights_only=self.weights_only, source=self.source)

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, str, int, float)):
            return node
        if not isinstance(node, dict):
            raise self.malformed(f"a bare {type(node).__name__}")
        tag = node.get("$")
        if not isinstance(tag, str) or tag not in _FIELDS:
            raise ValueError(f"load: unknown entry type {tag!r} in {self.source}")
        expected = {"$", *_FIELDS[tag]}
        if not expected <= node.keys() <= expected | set(_OPTIONAL.get(tag, ())):
            raise self.malformed(f"a {tag!r} entry has the fields {sorted(node)}")
        return getattr(self, "_" + tag)(node)

    def _int(self, node: dict[str, Any]) -> int:
        text = self.field(node, "hex", str)
        if not re.fullmatch(r"-?0x[0-9a-f]+", text):
            raise self.malformed(f"bad integer {text[:40]!r}")
        return int(text, 16)

    def _float(self, node: dict[str, Any]) -> float:
        text = self.field(node, "v", str)
        if text not in ("nan", "inf", "-inf"):
            raise self.malformed(f"bad float {text[:40]!r}")
        return float(text)

    def _complex(self, node: dict[str, Any]) -> complex:
        parts = [self.decode(node[k]) for k in ("re", "im")]
        if not all(isinstance(p, (int, float)) and not isinstance(p, bool) for p in parts):
            raise self.malformed("a complex number with non-float parts")
        return complex(parts[0], parts[1])

    def _cached(self, tag: str, node: dict[str, Any], make: Callable[[np.ndarray], Any]) -> Any:
        key = self.field(node, "key", str)
        if (tag, key) not in self.cache:
            self.cache[(tag, key)] = make(self.array(key))
        return self.cache[(tag, key)]

    def _bytes(self, node: dict[str, Any]) -> bytes:
        def make(arr: np.ndarray) -> bytes:
            if arr.dtype != np.uint8 or arr.ndim != 1:
                raise self.malformed("a bytes entry that is not a uint8 vector")
            return arr.tobytes()

        return self._cached("bytes", node, make)

    def _array(self, node: dict[str, Any]) -> np.ndarray:
        return self._cached("array", node, lambda a: a)

    def _scalar(self, node: dict[str, Any]) -> Any:
        def make(arr: np.ndarray) -> Any:
            if arr.ndim != 0:
                raise self.malformed("a scalar entry that is not 0-d")
            return arr[()]

        return self._cached("scalar", node, make)

    def _tensor(self, node: dict[str, Any]) -> Tensor:
        requires_grad = self.field(node, "requires_grad", bool)
        cls = self.cls(node) if "class" in node else Tensor
        if not (isinstance(cls, type) and issubclass(cls, Tensor)):
            raise self.malformed(f"a tensor of class {cls!r}, which is not a Tensor subclass")

        def make(arr: np.ndarray) -> Tensor:
            if arr.dtype.kind not in "biufc":
                raise self.malformed(f"a tensor of dtype {arr.dtype}")
            if requires_grad and arr.dtype.kind != "f":
                raise self.malformed(f"a {arr.dtype} tensor that requires grad")
            t = cls.from_array(arr)
            if requires_grad:
                t.requires_grad_(True)
            if self.restore is not None:
                t = self.restore(t)
            return t

        return self._cached("tensor", node, make)

    def _pairs(self, node: dict[str, Any]) -> list[tuple[Any, Any]]:
        keys = self.field(node, "keys", list)
        values = self.field(node, "values", list)
        if len(keys) != len(values):
            raise self.malformed(f"a dict with {len(keys)} keys and {len(values)} values")
        decoded = [self.decode_key(k) for k in keys]
        return list(zip(decoded, [self.decode(v) for v in values]))

    def _dict(self, node: dict[str, Any]) -> dict[Any, Any]:
        return dict(self._pairs(node))

    def _defaultdict(self, node: dict[str, Any]) -> defaultdict[Any, Any]:
        factory = self.decode(node["factory"])
        if factory is not None and not callable(factory):
            raise self.malformed("a defaultdict whose factory is not callable")
        return defaultdict(factory, self._pairs(node))

    def _odict(self, node: dict[str, Any]) -> OrderedDict[Any, Any]:
        return OrderedDict(self._pairs(node))

    def _items(self, node: dict[str, Any]) -> list[Any]:
        return [self.decode(v) for v in self.field(node, "items", list)]

    def _list(self, node: dict[str, Any]) -> list[Any]:
        return self._items(node)

    def _tuple(self, node: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(self._items(node))

    def _set(self, node: dict[str, Any]) -> set[Any]:
        return set(self._hashable_items(node))

    def _frozenset(self, node: dict[str, Any]) -> frozenset[Any]:
        return frozenset(self._hashable_items(node))

    def _hashable_items(self, node: dict[str, Any]) -> list[Any]:
        return [self.decode_key(v) for v in self.field(node, "items", list)]

    def decode_key(self, node: Any) -> Any:
        if isinstance(node, dict) and node.get("$") == "tuple" and node.keys() == {"$", "items"}:
            return tuple(self.decode_key(k) for k in self.field(node, "items", list))
        if isinstance(node, dict) and node.get("$") in _UNHASHABLE:
            raise self.malformed(f"a dict key or set item of type {node.get('$')!r}")
        key = self.decode(node)
        try:
            hash(key)
        except TypeError as e:
            raise self.malformed(f"an unhashable dict key or set item ({e})") from e
        return key

    def _dtype(self, node: dict[str, Any]) -> np.dtype[Any]:
        text = self.field(node, "str", str)
        if not re.fullmatch(r"[<>|=]?[biufcSUmM]\d*(\[[a-zA-Z0-9]+\])?", text):
            raise self.malformed(f"bad dtype {text[:40]!r}")
        return np.dtype(text)

    def _dtype_type(self, node: dict[str, Any]) -> type:
        name = self.field(node, "name", str)
        if not re.fullmatch(r"[a-z]+[0-9]*", name):
            raise self.malformed(f"bad dtype name {name[:40]!r}")
        try:
            dt = np.dtype(name)
        except TypeError as e:
            raise self.malformed(f"bad dtype name {name!r}") from e
        if dt.kind not in "biufcSUmM":
            raise self.malformed(f"bad dtype name {name!r}")
        return dt.type

    def _generator(self, node: dict[str, Any]) -> np.random.Generator:
        name = self.field(node, "bit_generator", str)
        if name not in _BIT_GENERATORS:
            raise self.malformed(f"unknown bit generator {name[:40]!r}")
        bit_generator = getattr(np.random, name)()
        try:
            bit_generator.state = self.decode(node["state"])
        except (TypeError, ValueError, KeyError) as e:
            raise self.malformed(f"a bad {name} state ({e})") from e
        return np.random.Generator(bit_generator)

    def _enum(self, node: dict[str, Any]) -> Any:
        cls = self.cls(node)
        name = self.field(node, "name", str)
        if (
            not (isinstance(cls, type) and issubclass(cls, enum.Enum))
            or name not in cls.__members__
        ):
            raise self.malformed(f"{cls!r} has no enum member {name[:40]!r}")
        return cls[name]

    def _global(self, node: dict[str, Any]) -> Any:
        return self.cls(node)

    def _object(self, node: dict[str, Any]) -> Any:
        n = self.field(node, "id", int)
        if n in self.objects:
            raise self.malformed(f"two objects with id {n}")
        cls = self.cls(node)
        if not isinstance(cls, type) or not is_plain_class(cls) or issubclass(cls, Tensor):
            raise ValueError(
                f"load: {self.source} names {cls!r} as the class of an object, which cannot be "
                "rebuilt from attributes"
            )
        obj = cls.__new__(cls)
        self.objects[n] = obj
        state = self.decode(node["state"])
        setstate = getattr(cls, "__setstate__", None)
        if setstate is not None:
            setstate(obj, state)
        else:
            if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
                raise self.malformed(f"the attributes of a {cls.__name__} are not a str dict")
            for name, value in state.items():
                object.__setattr__(obj, name, value)
        return obj

    def _ref(self, node: dict[str, Any]) -> Any:
        n = self.field(node, "id", int)
        if n not in self.objects:
            raise self.malformed(f"a reference to the unknown object {n}")
        return self.objects[n]


def decode_archive(
    archive: Archive,
    *,
    weights_only: bool,
    restore: Callable[[Tensor], Tensor] | None = None,
) -> Any:
    """Read the structure entry of a native archive and rebuild the saved object."""
    source = archive.source
    text = archive.read_npy(f"{META}.npy", limit=_archive.MAX_STRUCTURE_BYTES + 128)
    if text.dtype != np.uint8 or text.ndim != 1:
        raise archive.corrupt("the structure entry is not a byte string")
    data = text.tobytes()
    depth = json_depth(data)
    if depth > MAX_JSON_DEPTH:
        raise ValueError(
            f"load: the structure of {source} is nested {depth} levels deep, more than the "
            f"limit of {MAX_JSON_DEPTH}; refusing it"
        )
    try:
        meta = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as e:  # bad UTF-8, bad JSON, a 5000-digit int
        raise ValueError(f"load: the structure entry of {source} is corrupt ({e})") from e
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"load: {source} has an unknown format")
    if meta.get("version") not in READABLE_VERSIONS:
        raise ValueError(
            f"load: {source} has format version {meta.get('version')!r}; this version of "
            f"autograd_np reads versions {READABLE_VERSIONS}"
        )
    decoder = Decoder(archive, source, weights_only=weights_only, restore=restore)
    try:
        return decoder.decode(meta.get("root"))
    except RecursionError as e:
        raise ValueError(f"load: the structure of {source} is nested too deeply") from e
