"""Collectives on Tensors and numpy arrays, with PyTorch's names and in-place semantics.

Every rank of the group calls the same collective in the same order. A Tensor argument is
changed in place (its version counter moves, as an in-place op's would); a contiguous
array is handed to MPI as it is, without a copy.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_np.autograd import increment_version
from autograd_np.distributed.process_group import ProcessGroup, default_group
from autograd_np.tensor import Tensor

__all__ = [
    "ReduceOp",
    "Work",
    "all_gather",
    "all_gather_into_tensor",
    "all_reduce",
    "barrier",
    "broadcast",
    "reduce_scatter",
    "reduce_scatter_tensor",
]

Buffer = Tensor | np.ndarray


class ReduceOp(enum.Enum):
    """How :func:`all_reduce` and :func:`reduce_scatter` combine the ranks' values."""

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"


_MPI_NAMES = {
    ReduceOp.SUM: "SUM",
    ReduceOp.AVG: "SUM",
    ReduceOp.PRODUCT: "PROD",
    ReduceOp.MIN: "MIN",
    ReduceOp.MAX: "MAX",
}


def _mpi_op(g: ProcessGroup, op: ReduceOp) -> Any:
    if not isinstance(op, ReduceOp):
        raise TypeError(f"op must be a distributed.ReduceOp, got {op!r}")
    return g.mpi_op(_MPI_NAMES[op])


class Work:
    """A collective started with ``async_op=True``; :meth:`wait` finishes it."""

    def __init__(self, request: Any, finish: Any = None) -> None:
        self._request = request
        self._finish = finish
        self._done = False

    def wait(self, timeout: Any = None) -> bool:
        """Block until the collective is complete and its results are in place."""
        if not self._done:
            self._request.Wait()
            self._done = True
            if self._finish is not None:
                self._finish()
        return True

    def is_completed(self) -> bool:
        """Whether the collective has finished (finishing it if MPI says it has)."""
        if not self._done and self._request.Test():
            self._done = True
            if self._finish is not None:
                self._finish()
        return self._done


class _Done(Work):
    """A collective that completed before it was returned."""

    def __init__(self) -> None:
        super().__init__(None)
        self._done = True


def _array(name: str, x: Buffer) -> np.ndarray:
    if isinstance(x, Tensor):
        return x.array
    if isinstance(x, np.ndarray):
        return x
    raise TypeError(f"{name}: expected a Tensor or a numpy array, got {type(x).__name__}")


def _contiguous(name: str, x: Buffer) -> tuple[np.ndarray, np.ndarray]:
    """The array of ``x`` and a C-contiguous buffer with its values (the same object when
    the array is contiguous already)."""
    arr = _array(name, x)
    if arr.dtype == np.bool_ or arr.dtype.kind not in "biuf":
        raise TypeError(f"{name}: collectives take numeric tensors, got dtype {arr.dtype}")
    if not arr.flags.writeable:
        raise ValueError(f"{name}: the tensor's memory is read-only")
    return arr, (arr if arr.flags.c_contiguous else np.ascontiguousarray(arr))


def _written(x: Buffer, arr: np.ndarray, buf: np.ndarray) -> None:
    """Copy ``buf`` back into ``arr`` when they differ, and record the in-place change."""
    if buf is not arr:
        arr[...] = buf
    if isinstance(x, Tensor):
        increment_version(x)


def all_reduce(
    tensor: Buffer,
    op: ReduceOp = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Combine ``tensor`` across all ranks with ``op``; every rank gets the result in place.

    Parameters
    ----------
    tensor : Tensor or ndarray
        The same shape and dtype on every rank. Overwritten with the result.
    op : ReduceOp, optional
        SUM (default), AVG (the mean over ranks), PRODUCT, MIN or MAX.
    group : ProcessGroup, optional
        The default group when None.
    async_op : bool, optional
        Start the collective and return a :class:`Work` whose ``wait()`` completes it.

    Returns
    -------
    Work or None
        A handle when ``async_op`` is true, else None.
    """
    g = default_group(group)
    arr, buf = _contiguous("all_reduce", tensor)
    world = g.size()

    def finish() -> None:
        if op is ReduceOp.AVG:
            if buf.dtype.kind == "f":
                buf[...] /= world
            else:
                buf[...] //= world
        _written(tensor, arr, buf)

    if async_op:
        return Work(g.comm.Iallreduce(g.in_place, buf, op=_mpi_op(g, op)), finish)
    g.comm.Allreduce(g.in_place, buf, op=_mpi_op(g, op))
    finish()
    return None


def broadcast(
    tensor: Buffer, src: int = 0, group: ProcessGroup | None = None, async_op: bool = False
) -> Work | None:
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every other rank, in place."""
    g = default_group(group)
    if not 0 <= src < g.size():
        raise ValueError(f"broadcast: src must be a rank in [0, {g.size()}), got {src}")
    arr, buf = _contiguous("broadcast", tensor)

    def finish() -> None:
        if g.rank() != src:
            _written(tensor, arr, buf)

    if async_op:
        return Work(g.comm.Ibcast(buf, root=src), finish)
    g.comm.Bcast(buf, root=src)
    finish()
    return None


def all_gather(
    tensor_list: Sequence[Buffer],
    tensor: Buffer,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Fill ``tensor_list[i]`` with rank i's ``tensor`` on every rank."""
    g = default_group(group)
    world = g.size()
    if len(tensor_list) != world:
        raise ValueError(
            f"all_gather: tensor_list has {len(tensor_list)} entries; the group has {world} ranks"
        )
    _, send = _contiguous("all_gather", tensor)
    for i, out in enumerate(tensor_list):
        o = _array(f"all_gather (tensor_list[{i}])", out)
        if o.shape != send.shape or o.dtype != send.dtype:
            raise ValueError(
                f"all_gather: tensor_list[{i}] has shape {o.shape} and dtype {o.dtype}; "
                f"expected {send.shape} and {send.dtype}, as the input"
            )
    recv = np.empty((world, *send.shape), dtype=send.dtype)

    def finish() -> None:
        for i, out in enumerate(tensor_list):
            _written(out, _array("all_gather", out), recv[i])

    if async_op:
        return Work(g.comm.Iallgather(send, recv), finish)
    g.comm.Allgather(send, recv)
    finish()
    return None


def all_gather_into_tensor(
    output_tensor: Buffer,
    input_tensor: Buffer,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Concatenate every rank's ``input_tensor`` along dim 0 into ``output_tensor``.

    Shapes
    ------
    input_tensor: (N, *) on every rank; output_tensor: (world_size * N, *).
    """
    g = default_group(group)
    _, send = _contiguous("all_gather_into_tensor", input_tensor)
    out, recv = _contiguous("all_gather_into_tensor", output_tensor)
    if recv.size != send.size * g.size() or recv.dtype != send.dtype:
        raise ValueError(
            f"all_gather_into_tensor: output has {recv.size} {recv.dtype} elements; expected "
            f"{send.size * g.size()} {send.dtype} (world size x input)"
        )

    def finish() -> None:
        _written(output_tensor, out, recv)

    if async_op:
        return Work(g.comm.Iallgather(send, recv), finish)
    g.comm.Allgather(send, recv)
    finish()
    return None


def reduce_scatter(
    output: Buffer,
    input_list: Sequence[Buffer],
    op: ReduceOp = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Reduce ``input_list[i]`` over all ranks with ``op`` and put the result in rank i's
    ``output``."""
    g = default_group(group)
    world = g.size()
    if len(input_list) != world:
        raise ValueError(
            f"reduce_scatter: input_list has {len(input_list)} entries; the group has {world} ranks"
        )
    out, recv = _contiguous("reduce_scatter", output)
    parts = [_array(f"reduce_scatter (input_list[{i}])", x) for i, x in enumerate(input_list)]
    for i, p in enumerate(parts):
        if p.shape != recv.shape or p.dtype != recv.dtype:
            raise ValueError(
                f"reduce_scatter: input_list[{i}] has shape {p.shape} and dtype {p.dtype}; "
                f"expected {recv.shape} and {recv.dtype}, as the output"
            )
    send = np.stack(parts) if parts else np.empty((0,), recv.dtype)
    return _reduce_scatter_block(g, output, out, recv, send, op, async_op)


def reduce_scatter_tensor(
    output: Buffer,
    input: Buffer,
    op: ReduceOp = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Like :func:`reduce_scatter`, with the inputs concatenated along dim 0 in one tensor.

    Shapes
    ------
    input: (world_size * N, *); output: (N, *).
    """
    g = default_group(group)
    out, recv = _contiguous("reduce_scatter_tensor", output)
    _, send = _contiguous("reduce_scatter_tensor", input)
    if send.size != recv.size * g.size() or send.dtype != recv.dtype:
        raise ValueError(
            f"reduce_scatter_tensor: input has {send.size} {send.dtype} elements; expected "
            f"{recv.size * g.size()} {recv.dtype} (world size x output)"
        )
    return _reduce_scatter_block(g, output, out, recv, send, op, async_op)


def _reduce_scatter_block(
    g: ProcessGroup,
    output: Buffer,
    out: np.ndarray,
    recv: np.ndarray,
    send: np.ndarray,
    op: ReduceOp,
    async_op: bool,
) -> Work | None:
    world = g.size()

    def finish() -> None:
        if op is ReduceOp.AVG:
            recv[...] = recv / world if recv.dtype.kind == "f" else recv // world
        _written(output, out, recv)

    if async_op:
        return Work(g.comm.Ireduce_scatter_block(send, recv, op=_mpi_op(g, op)), finish)
    g.comm.Reduce_scatter_block(send, recv, op=_mpi_op(g, op))
    finish()
    return None


def barrier(group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Wait until every rank of the group reaches this call."""
    g = default_group(group)
    if async_op:
        return Work(g.comm.Ibarrier())
    g.comm.Barrier()
    return None
