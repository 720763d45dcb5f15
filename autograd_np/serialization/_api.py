"""``save`` and ``load``: torch's checkpoint functions, with no pickle anywhere."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import IO, Any

from autograd_np.serialization._archive import Archive, write_archive
from autograd_np.serialization._atomic import atomic_write
from autograd_np.serialization._native import META, decode_archive, encode
from autograd_np.serialization._pt import is_torch_zip, load_torch_zip
from autograd_np.tensor import Tensor

__all__ = ["load", "save"]

PathLike = str | os.PathLike[str]
FileLike = PathLike | IO[bytes]
MapLocation = Any  # None, 'cpu', a device, a dict of locations, or a callable


def save(obj: Any, f: FileLike, *, compress: bool = False) -> None:
    """Save an object to a file, as ``torch.save`` does, but never with pickle.

    What can be saved: Tensors (dtype, ``requires_grad`` and class, so a Parameter comes
    back a Parameter), numpy arrays (any dtype without Python objects) and scalars, None,
    bool, int (any size), float (nan and inf included), complex, str, bytes; dicts (any of
    these as keys, Tensors and objects included; order, ``OrderedDict`` and ``defaultdict``
    kept), lists, tuples, sets; numpy dtypes and Generators; classes and functions defined at module
    level (by import path); and instances of Python classes, such as a whole Module, saved
    as their class's import path and their attributes (``__getstate__`` is used when the
    class defines it). The same Tensor, array or object reached twice is stored once and
    comes back as one object. Anything else raises a TypeError naming where it is
    (``obj['state'][0]['step']``).

    Parameters
    ----------
    obj : object
        What to save.
    f : str, os.PathLike or binary file object
        A path is used as given (no suffix is added) and written atomically: a temporary
        file ``<name>.autograd_np-tmp.<pid>.<random>`` in the same folder is written,
        fsync'ed and renamed over the target, so a crash leaves the previous file intact
        (the next save of the path removes such leftovers of dead processes). An existing
        file keeps its permissions; a symlink is written through. A file object is written
        to directly.
    compress : bool, default False
        Deflate the archive (smaller, slower).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import autograd_np as ag
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.pt")
    >>> ag.save({"w": ag.ones(2), "step": 3, 0: np.float32(1.5)}, path)
    >>> ag.load(path)
    {'w': tensor([1., 1.]), 'step': 3, 0: np.float32(1.5)}
    """
    structure, arrays = encode(obj)

    def write(fh: IO[bytes]) -> None:
        write_archive(fh, structure, arrays, META, compress)

    if hasattr(f, "write"):
        write(f)  # type: ignore[arg-type]
    else:
        atomic_write(f, write)


def load(
    f: FileLike,
    map_location: MapLocation = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
) -> Any:
    """Load what :func:`save` wrote, or the tensors of a PyTorch ``.pt``/``.pth`` file.

    The format is detected from the file: autograd_np's own archive, or the zip format of
    ``torch.save`` (PyTorch >= 1.6), whose pickle is read by a restricted interpreter that
    allows only tensors, Parameters and plain containers (torch's ``weights_only=True``
    rule) and runs no code from the file.

    Parameters
    ----------
    f : str, os.PathLike or binary file object
    map_location : None, 'cpu', device, dict or callable, optional
        Where tensors go. Only the CPU exists here: None, ``'cpu'``, a device whose
        ``str()`` is ``'cpu'``, or a dict mapping saved locations to those, keep them on the
        CPU; CUDA and other devices raise a RuntimeError. A callable is called as
        ``map_location(tensor, location)`` for each tensor and returns the tensor to use
        (None keeps it). Tensors of a PyTorch file saved on a GPU are loaded on the CPU.
    weights_only : bool, optional
        True (the default, as in torch) rebuilds tensors, arrays, numbers, strings and
        plain containers, and objects only of classes allowed with
        :func:`~autograd_np.serialization.add_safe_globals` or inside
        :class:`~autograd_np.serialization.safe_globals`; any other class raises a
        :class:`~autograd_np.serialization.WeightsOnlyError` naming it. False also uses
        the classes and functions the file names that are already imported (never
        importing a module); use it only for files you trust. Objects are made with
        ``cls.__new__`` and their saved attributes; no constructor runs. A PyTorch file is
        always read with the weights-only rule: tensors, containers, and what the safe
        globals allow, as torch's ``weights_only=True`` does.
    mmap : bool, optional
        Accepted for torch's signature; the tensors are always read into memory (never
        memory-mapped), so the result is the same either way.

    Returns
    -------
    object
        The saved object: arrays as np.ndarray, Tensors as Tensors, dict key types and
        order kept.

    Raises
    ------
    ValueError
        If the file is not one of those formats, is truncated or damaged, or holds
        anything that would need unpickling; the message names the file.
    WeightsOnlyError
        A subclass of ValueError and of ``pickle.UnpicklingError``: a class or function
        that is not allowed.
    """
    del mmap  # see the docstring: same result, read into memory
    weights_only = True if weights_only is None else bool(weights_only)
    restore = _restore_location(map_location)
    if hasattr(f, "read"):
        source = "the file object"
        name = getattr(f, "name", None)
        if isinstance(name, str):
            source = repr(name)
        fh: IO[bytes] = f  # type: ignore[assignment]
        if not (hasattr(fh, "seekable") and fh.seekable()):
            fh = io.BytesIO(fh.read())
        start = fh.tell()
        if start:
            fh = io.BytesIO(fh.read())  # zip offsets count from the archive's start
        return _load_from(fh, source, weights_only, restore)
    path = os.fspath(f)
    with open(path, "rb") as fh:
        return _load_from(fh, repr(path), weights_only, restore)


def _load_from(
    fh: IO[bytes],
    source: str,
    weights_only: bool,
    restore: Callable[[Tensor, str], Tensor] | None,
) -> Any:
    head = fh.read(16)
    fh.seek(0)
    if not head:
        raise ValueError(f"load: {source} is empty; it is not a checkpoint")
    if head.startswith(b"\x93NUMPY"):
        raise ValueError(
            f"load: {source} is a single .npy array, not an archive written by "
            "autograd_np.save (read it with np.load)"
        )
    if not head.startswith(b"PK"):
        raise ValueError(
            f"load: {source} is not an archive written by autograd_np.save{_hint(head)}"
        )
    archive = Archive(fh, source)
    try:
        if f"{META}.npy" in archive.infos:
            native_restore = None if restore is None else (lambda t: restore(t, "cpu"))
            return decode_archive(archive, weights_only=weights_only, restore=native_restore)
        prefix = is_torch_zip(archive)
        if prefix is not None:
            return load_torch_zip(archive, prefix, restore)
        raise ValueError(
            f"load: {source} is a zip archive without the {META!r} entry or a PyTorch "
            "data.pkl; it was not written by autograd_np.save or torch.save (an .npz "
            "archive of arrays is read with np.load)"
        )
    finally:
        archive.close()


def _hint(head: bytes) -> str:
    if head[:1] == b"\x80":
        return (
            " (it is a pickle; autograd_np never unpickles, and a PyTorch file in the legacy "
            "format of torch < 1.6 cannot be read: re-save it with a recent torch)"
        )
    if len(head) >= 9 and head[8:9] == b"{":
        return (
            " (it looks like a safetensors file: read it with "
            "autograd_np.serialization.safetensors.load_file)"
        )
    return ""


def _is_cpu(location: Any) -> bool:
    return str(location) in ("cpu", "cpu:0")


def _restore_location(map_location: MapLocation) -> Callable[[Tensor, str], Tensor] | None:
    if map_location is None:
        return None
    if isinstance(map_location, dict):
        for value in map_location.values():
            _check_cpu(value)
        return None
    if callable(map_location) and not isinstance(map_location, str) and not _is_cpu(map_location):
        fn = map_location

        def restore(t: Tensor, location: str) -> Tensor:
            result = fn(t, location)
            if result is None:
                return t
            if not isinstance(result, Tensor):
                raise TypeError(
                    f"load: map_location returned a {type(result).__name__}; expected a Tensor "
                    "or None"
                )
            return result

        return restore
    _check_cpu(map_location)
    return None


def _check_cpu(location: Any) -> None:
    if _is_cpu(location):
        return
    if isinstance(location, str) or hasattr(location, "type"):
        raise RuntimeError(
            f"load: map_location={str(location)!r} asks for a device autograd_np does not "
            "have; only the CPU exists here: use map_location='cpu' (or leave it out)"
        )
    raise TypeError(
        f"load: map_location must be None, 'cpu', a device, a dict or a callable, got "
        f"{type(location).__name__}"
    )
