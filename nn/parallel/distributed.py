"""``DistributedDataParallel``: one model replica per rank, gradients averaged over ranks.

Each rank runs its own forward and backward on its share of the batch. Parameters are
grouped into buckets (in reverse registration order, about the order backward produces
their gradients); a hook on each parameter sees when its gradient has been accumulated,
and when a bucket is complete its gradients are flattened into one buffer whose
non-blocking all-reduce starts at once, while backward goes on with the rest. Buckets are
started in the same order on every rank; the last hook waits for all of them and writes
the averaged gradients back into ``.grad``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import numpy as np

import autograd_np.distributed as dist
from autograd_np.autograd import increment_version
from autograd_np.autograd.grad_mode import no_grad
from autograd_np.distributed.process_group import ProcessGroup, default_group
from autograd_np.nn.modules.module import Module
from autograd_np.nn.parameter import Parameter
from autograd_np.tensor import Tensor

__all__ = ["DistributedDataParallel"]

_UNUSED_HINT = (
    "Expected to have finished reduction in the prior iteration before starting a new one. "
    "This error indicates that your module has parameters that were not used in producing "
    "loss. You can enable unused parameter detection by passing the keyword argument "
    "`find_unused_parameters=True` to `DistributedDataParallel`, and by making sure all "
    "`forward` function outputs participate in calculating loss. Parameters that did not "
    "receive a gradient on rank {rank}: {names}"
)


class _Bucket:
    """Parameters whose gradients are reduced together in one flat buffer."""

    def __init__(self, params: list[tuple[str, Parameter]]) -> None:
        self.params = params
        dtype = np.result_type(*[p.array.dtype for _, p in params])
        sizes = [p.array.size for _, p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int).tolist()
        self.buffer = np.zeros(self.offsets[-1], dtype=dtype)
        self.pending = len(params)
        self.work: dist.Work | None = None

    def flatten(self) -> None:
        """Copy every gradient into the buffer (zeros for a parameter without one)."""
        for i, (_, p) in enumerate(self.params):
            view = self.buffer[self.offsets[i] : self.offsets[i + 1]]
            if p.grad is None:
                view[...] = 0
            else:
                view[...] = p.grad.array.reshape(-1)

    def unflatten(self, world: int, unused: set[int]) -> None:
        """Write the averaged buffer back into the gradients."""
        self.buffer /= world
        for i, (_, p) in enumerate(self.params):
            if id(p) in unused:
                continue
            avg = self.buffer[self.offsets[i] : self.offsets[i + 1]].reshape(p.array.shape)
            if p.grad is None:
                p.grad = Tensor.from_array(avg.astype(p.array.dtype, copy=True))
            else:
                p.grad.array[...] = avg
                increment_version(p.grad)


def _named_tensors(module: Module) -> list[tuple[str, Tensor]]:
    named: list[tuple[str, Tensor]] = [(n, p) for n, p in module.named_parameters()]
    named += [(n, b) for n, b in module.named_buffers() if b is not None]
    return named


def _check_same_layout(group: ProcessGroup, module: Module) -> None:
    """Raise on every rank, with the first difference, when the ranks' models differ in
    their parameters' or buffers' names, shapes or dtypes."""
    layout = [[n, list(t.shape), str(t.dtype)] for n, t in _named_tensors(module)]
    mine = np.frombuffer(json.dumps(layout).encode(), dtype=np.uint8)
    lengths = np.zeros(group.size(), dtype=np.int64)
    dist.all_gather(list(lengths.reshape(-1, 1)), np.array([mine.size], dtype=np.int64), group)
    layouts = []
    for r, n in enumerate(lengths.tolist()):  # every rank takes part in every broadcast
        other = np.zeros(n, dtype=np.uint8)
        if r == group.rank():
            other[...] = mine
        dist.broadcast(other, src=r, group=group)
        layouts.append(json.loads(other.tobytes().decode()))
    for r, theirs in enumerate(layouts):
        if theirs != layout:
            diff = next(
                (
                    f"{a} on rank {group.rank()} but {b} on rank {r}"
                    for a, b in zip(layout, theirs)
                    if a != b
                ),
                f"{len(layout)} tensors on rank {group.rank()} but {len(theirs)} on rank {r}",
            )
            raise RuntimeError(
                "DistributedDataParallel: the model's parameters and buffers differ across "
                f"ranks (name, shape, dtype): {diff}"
            )


def _reachable_leaves(outputs: Any) -> set[int]:
    """The ids of the leaf tensors that ``outputs`` were computed from."""
    roots: list[Tensor] = []
    stack: list[Any] = [outputs]
    while stack:
        o = stack.pop()
        if isinstance(o, Tensor):
            roots.append(o)
        elif isinstance(o, (list, tuple)):
            stack.extend(o)
        elif isinstance(o, dict):
            stack.extend(o.values())
    seen_nodes: set[int] = set()
    leaves: set[int] = set()
    nodes = []
    for t in roots:
        if t.grad_fn is None:
            leaves.add(id(t))
        else:
            nodes.append(t.grad_fn)
    while nodes:
        node = nodes.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        for edge in node.edges:
            if edge is None:
                continue
            if isinstance(edge, Tensor):
                leaves.add(id(edge))
            else:
                nodes.append(edge)
    return leaves


class DistributedDataParallel(Module):
    """Data-parallel training of ``module`` over the ranks of a process group.

    Construct it on every rank after :func:`~autograd_np.distributed.init_process_group`,
    then train the wrapper as the model: after ``loss.backward()`` every rank holds the
    average over ranks of the gradients, so identical optimizers keep identical models.
    Parameters and buffers are broadcast from rank 0 at construction (and buffers again
    before each forward with ``broadcast_buffers``). ``state_dict`` keys get the
    ``module.`` prefix, as PyTorch's.

    Parameters
    ----------
    module : Module
        The model; the same architecture on every rank (checked at construction).
    device_ids, output_device, dim
        Accepted for PyTorch compatibility; must be None / 0 (CPU only).
    broadcast_buffers : bool, optional
        Copy rank 0's buffers (batch-norm statistics) to all ranks before each forward.
    process_group : ProcessGroup, optional
        The ranks to train over; the default group when None.
    bucket_cap_mb : float, optional
        The size of a gradient bucket in MiB (default 25, as PyTorch's).
    find_unused_parameters : bool, optional
        Walk the graph of each forward's outputs to find parameters that will get no
        gradient, and reduce zeros for them (a parameter unused on every rank keeps
        ``grad`` None). Without it, a parameter that gets no gradient is an error at the
        next forward, as in PyTorch.
    gradient_as_bucket_view : bool, optional
        Make each ``.grad`` a view of its bucket (saves one copy of the gradients).
    static_graph, check_reduction
        Accepted for PyTorch compatibility.

    Examples
    --------
    >>> import autograd_np.distributed as dist                     # doctest: +SKIP
    >>> dist.init_process_group("mpi")                              # doctest: +SKIP
    >>> ddp = nn.parallel.DistributedDataParallel(model)            # doctest: +SKIP
    >>> loss = loss_fn(ddp(x), y); loss.backward(); opt.step()      # doctest: +SKIP
    """

    def __init__(
        self,
        module: Module,
        device_ids: Any = None,
        output_device: Any = None,
        dim: int = 0,
        broadcast_buffers: bool = True,
        process_group: ProcessGroup | None = None,
        bucket_cap_mb: float | None = None,
        find_unused_parameters: bool = False,
        check_reduction: bool = False,
        gradient_as_bucket_view: bool = False,
        static_graph: bool = False,
    ) -> None:
        super().__init__()
        if device_ids not in (None, [], ["cpu"]) or output_device not in (None, "cpu"):
            raise ValueError(
                "DistributedDataParallel: device_ids and output_device must be None on a CPU "
                f"(autograd_np has no GPU), got device_ids={device_ids!r}, "
                f"output_device={output_device!r}"
            )
        if dim != 0:
            raise ValueError(f"DistributedDataParallel: only dim=0 is supported, got {dim}")
        self.module = module
        group = default_group(process_group)
        self.process_group = group
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        cap = 25.0 if bucket_cap_mb is None else float(bucket_cap_mb)
        if cap <= 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be > 0, got {cap}")
        _check_same_layout(group, module)
        with no_grad():
            for _, t in _named_tensors(module):
                dist.broadcast(t, src=0, group=group)
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        self._buckets = self._make_buckets(named, int(cap * 2**20))
        self._bucket_of = {
            id(p): b for b, bucket in enumerate(self._buckets) for _, p in bucket.params
        }
        self._require_sync = True
        self._next_bucket = 0
        self._unused: set[int] = set()
        self._in_progress = False
        self._handles = [p.register_post_accumulate_grad_hook(self._grad_ready) for _, p in named]

    @staticmethod
    def _make_buckets(named: list[tuple[str, Parameter]], cap_bytes: int) -> list[_Bucket]:
        buckets: list[_Bucket] = []
        current: list[tuple[str, Parameter]] = []
        size = 0
        for name, p in reversed(named):
            if current and (
                size + p.array.nbytes > cap_bytes or p.array.dtype != current[0][1].array.dtype
            ):
                buckets.append(_Bucket(current))
                current, size = [], 0
            current.append((name, p))
            size += p.array.nbytes
        if current:
            buckets.append(_Bucket(current))
        return buckets

    # ------------------------------------------------------------------ forward
    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """Run the wrapped module (after the checks and the buffer broadcast)."""
        if self._in_progress and self._require_sync:
            missing = [
                n
                for b in self._buckets
                if b.pending
                for n, p in b.params
                if b.work is None and p.grad is None
            ] or [n for b in self._buckets if b.work is None for n, _ in b.params]
            self._reset()
            raise RuntimeError(
                _UNUSED_HINT.format(rank=self.process_group.rank(), names=", ".join(missing))
            )
        if self.broadcast_buffers and self.module.training:
            with no_grad():
                for _, b in self.module.named_buffers():
                    if b is not None:
                        dist.broadcast(b, src=0, group=self.process_group)
        out = self.module(*inputs, **kwargs)
        if self._require_sync:
            self._reset()
            self._in_progress = True
            if self.find_unused_parameters:
                reached = _reachable_leaves(out)
                self._unused = {
                    id(p) for b in self._buckets for _, p in b.params if id(p) not in reached
                }
                for pid in self._unused:
                    self._buckets[self._bucket_of[pid]].pending -= 1
                self._launch_ready()
        return out

    # ------------------------------------------------------------------ reduction
    def _reset(self) -> None:
        for b in self._buckets:
            b.pending = len(b.params)
            b.work = None
        self._next_bucket = 0
        self._unused = set()
        self._in_progress = False

    def _grad_ready(self, p: Tensor) -> None:
        """The hook: ``p.grad`` is complete for this backward pass."""
        if not (self._require_sync and self._in_progress) or id(p) in self._unused:
            return
        self._buckets[self._bucket_of[id(p)]].pending -= 1
        self._launch_ready()

    def _launch_ready(self) -> None:
        """Start the all-reduce of every complete bucket, in bucket order; finish the
        iteration when all are started."""
        while self._next_bucket < len(self._buckets):
            bucket = self._buckets[self._next_bucket]
            if bucket.pending > 0:
                return
            bucket.flatten()
            bucket.work = dist.all_reduce(bucket.buffer, group=self.process_group, async_op=True)
            self._next_bucket += 1
        self._finish()

    def _finish(self) -> None:
        world = self.process_group.size()
        globally_unused: set[int] = set()
        if self.find_unused_parameters:
            ordered = [p for b in self._buckets for _, p in b.params]
            used = np.array([id(p) not in self._unused for p in ordered], dtype=np.int32)
            dist.all_reduce(used, op=dist.ReduceOp.MAX, group=self.process_group)
            globally_unused = {id(p) for p, u in zip(ordered, used) if not u}
        for b in self._buckets:
            assert b.work is not None
            b.work.wait()
            b.unflatten(world, globally_unused)
        self._reset()

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Within this context gradients accumulate locally without being reduced; the
        first backward after it reduces the accumulated gradients."""
        previous = self._require_sync
        self._require_sync = False
        try:
            yield
        finally:
            self._require_sync = previous
