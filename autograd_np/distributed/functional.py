"""Differentiable collectives (``torch.distributed.nn.functional``).

``all_reduce`` here returns a new Tensor and is recorded in the graph: if every rank
computes ``y = x_0 + ... + x_{N-1}`` and goes on with ``y``, the gradient of the sum of
the ranks' losses with respect to each rank's ``x`` is the sum over ranks of the
gradients that reached ``y``, so the VJP of a sum-all-reduce is itself a sum-all-reduce.
Synchronised batch norm is built on it.
"""

from __future__ import annotations

import numpy as np

from autograd_np.autograd import primitive
from autograd_np.distributed.collectives import ReduceOp
from autograd_np.distributed.process_group import ProcessGroup, default_group
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sample, Sampler

__all__ = ["all_reduce"]

_SELF = ProcessGroup()  # a group of this process alone, for the property tests


def _all_reduce_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=0, max_dims=3)
    return Sample((s.array(shape),), {"group": _SELF, "average": s.boolean()})


def _all_reduce_ref(x: np.ndarray, group: ProcessGroup, average: bool) -> np.ndarray:
    return x.copy()  # on a group of one process, the all-reduce of x is x


@primitive("distributed.all_reduce", spec=_all_reduce_spec, ref=_all_reduce_ref, saves=())
def _all_reduce(x: np.ndarray, *, group: ProcessGroup, average: bool) -> np.ndarray:
    """The elementwise sum (or mean) of ``x`` over the ranks of ``group``."""
    out = np.array(x, copy=True, order="C")
    group.comm.Allreduce(group.in_place, out, op=group.mpi_op("SUM"))
    if average:
        out /= group.size()
    return out


@_all_reduce.defvjp
def _all_reduce_vjp(
    g: Tensor, out: Tensor, x: Tensor, *, group: ProcessGroup, average: bool
) -> Tensor:
    # d(sum_r L_r)/dx_k = sum_r g_r: the all-reduce of the incoming gradients (mean: / N)
    return _all_reduce(g, group=group, average=average)


def all_reduce(
    tensor: TensorLike, op: ReduceOp = ReduceOp.SUM, group: ProcessGroup | None = None
) -> Tensor:
    """The sum (or mean, with ``op=ReduceOp.AVG``) of ``tensor`` over all ranks, as a new
    Tensor that gradients flow through.

    Parameters
    ----------
    tensor : Tensor
        The same shape and dtype on every rank.
    op : ReduceOp, optional
        SUM or AVG; the others have no useful gradient and are refused.
    group : ProcessGroup, optional
        The default group when None.

    Returns
    -------
    Tensor
        The reduced values, identical on every rank.
    """
    if op not in (ReduceOp.SUM, ReduceOp.AVG):
        raise ValueError(f"distributed.nn.functional.all_reduce: op must be SUM or AVG, got {op}")
    return _all_reduce(tensor, group=default_group(group), average=op is ReduceOp.AVG)
