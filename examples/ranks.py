"""Data-parallel runs of the examples: ``mpiexec -n N python -m examples.mnist``.

A run is data-parallel when MPI's launcher started it with more than one rank (it sets
``PMI_SIZE`` (MPICH, Intel MPI), ``OMPI_COMM_WORLD_SIZE`` (Open MPI) or
``MV2_COMM_WORLD_SIZE`` (MVAPICH)); a plain ``python -m examples.mnist`` never imports
mpi4py. Every rank runs the same loop on its share of each global batch: the ranks agree
on the batches (one shared shuffle), each takes a contiguous slice of the batch, and
``DistributedDataParallel`` with ``SyncBatchNorm`` makes N ranks compute what one process
computes at the same global batch. Rank 0 alone prints and writes files.

:class:`Ranks` is what the loop needs from the group: who writes, the collectives on
counts, agreement on stopping and on expected errors, and a checkpoint read once and sent
to every rank.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

import autograd_np as ag
from autograd_np.data import Dataset
from examples.cli import AgreedUserError, UserError

__all__ = ["RankShare", "Ranks", "launched_size"]

T = TypeVar("T")

# the world size each MPI launcher puts in the environment of its processes
SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")
RANK_VARIABLES = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "MV2_COMM_WORLD_RANK")


def _first_int(names: tuple[str, ...]) -> int | None:
    for name in names:
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return None


def launched_size() -> int:
    """The number of ranks MPI's launcher started (1 when not started by one)."""
    return _first_int(SIZE_VARIABLES) or 1


class Ranks:
    """This process's place in the run: rank ``rank`` of ``world``, and the collectives
    the training loop uses (each a no-op in a run of one process, which needs no MPI).

    Use :meth:`launch` to make it from the environment.
    """

    def __init__(self, rank: int = 0, world: int = 1) -> None:
        self.rank, self.world = rank, world

    @classmethod
    def launch(cls) -> Ranks:
        """Join the MPI job this process was started in (init the process group), or a
        run of one process when no launcher started it with more than one rank.

        Raises :class:`UserError` when the launch asks for ranks and mpi4py is missing or
        talks to another MPI than the launcher's.
        """
        size = launched_size()
        if size <= 1:
            return cls()
        import autograd_np.distributed as dist

        env_rank = _first_int(RANK_VARIABLES) or 0
        if not dist.is_available():
            raise AgreedUserError(
                f"this run was started by mpiexec with {size} ranks, but mpi4py is not "
                'installed; install the extra with pip install -e ".[distributed]" (mpi4py '
                "and the mpich wheel, which brings mpiexec), or run without mpiexec",
                show=env_rank == 0,
            )
        dist.init_process_group("mpi")
        rank, world = dist.get_rank(), dist.get_world_size()
        if world != size:
            dist.destroy_process_group()
            raise AgreedUserError(
                f"mpiexec started {size} ranks, but mpi4py's MPI sees a job of {world}: the "
                "mpiexec used is not the one of the MPI library mpi4py was built with; use "
                "the mpiexec next to this python (from the mpich wheel)",
                show=env_rank == 0,
            )
        return cls(rank, world)

    @property
    def main(self) -> bool:
        """Whether this is rank 0, the one that prints and writes."""
        return self.rank == 0

    # ------------------------------------------------------------------ collectives
    def barrier(self) -> None:
        """Wait until every rank is here."""
        if self.world > 1:
            import autograd_np.distributed as dist

            dist.barrier()

    def sum(self, values: np.ndarray) -> np.ndarray:
        """The element-wise sum of ``values`` over the ranks (a new float64 array)."""
        out = np.array(values, dtype=np.float64)
        if self.world > 1:
            import autograd_np.distributed as dist

            dist.all_reduce(out)
        return out

    def any(self, flag: bool) -> bool:
        """Whether ``flag`` is true on any rank (every rank gets the same answer)."""
        return bool(self.sum(np.array([float(flag)]))[0] > 0)

    def gather(self, values: np.ndarray, total: int) -> np.ndarray:
        """The arrays of the ranks interleaved back into one of ``total`` items: rank r
        holds the items ``r, r + world, ...`` (as :meth:`eval_indices` gives them)."""
        if self.world == 1:
            return values
        import autograd_np.distributed as dist

        width = -(-total // self.world)
        padded = np.zeros(width, dtype=np.int64)
        padded[: len(values)] = values
        parts = [np.zeros(width, dtype=np.int64) for _ in range(self.world)]
        dist.all_gather(parts, padded)
        out = np.empty(total, dtype=np.int64)
        for r, part in enumerate(parts):
            out[r :: self.world] = part[: len(range(r, total, self.world))]
        return out

    def eval_indices(self, total: int) -> list[int]:
        """This rank's share of a dataset of ``total`` items for evaluation: every
        ``world``-th item from ``rank``, no item twice."""
        return list(range(self.rank, total, self.world))

    def abort(self, code: int) -> None:
        """End every rank with ``code`` (for an error on this rank alone)."""
        if self.world > 1:
            from autograd_np.distributed.process_group import default_group

            sys.stdout.flush()
            sys.stderr.flush()
            default_group().comm.Abort(code)

    def totals(self, seen: int, correct: int, loss_sum: float) -> tuple[int, int, float]:
        """The epoch's images, correct predictions and loss sum over all self."""
        if self.world == 1:
            return seen, correct, loss_sum
        s, c, loss = self.sum(np.array([seen, correct, loss_sum])).tolist()
        return int(s), int(c), float(loss)

    def check_split(self, batch_size: int, n_train: int, n_test: int) -> None:
        """Raise on every rank (printed once) when a batch or the test set has fewer items
        than there are ranks: each rank needs at least one item of each."""
        if self.world == 1:
            return
        last = n_train % batch_size
        smallest = min(batch_size, n_train, last or batch_size)
        if smallest < self.world:
            raise AgreedUserError(
                f"a training batch of {smallest} images cannot be split over {self.world} ranks "
                "(each rank needs at least one image of every batch); use fewer ranks, or "
                "change --batch-size or --train-limit",
                show=self.main,
            )
        if n_test < self.world:
            raise AgreedUserError(
                f"{n_test} test images cannot be split over {self.world} ranks; use fewer "
                "ranks or a larger --test-limit",
                show=self.main,
            )

    # ------------------------------------------------------------------ agreement
    def on_main(self, work: Callable[[], T]) -> T:
        """Run ``work`` on rank 0 alone and send its result (``autograd_np.save``-able:
        dicts, lists, arrays, numbers, strings, None) to every rank. A
        :class:`UserError` it raises is raised on every rank and printed once."""
        if self.world == 1:
            return work()
        import autograd_np.distributed as dist

        payload = b""
        failed = 0
        if self.main:
            try:
                result = work()
            except UserError as exc:
                failed, message = 1, str(exc)
                payload = message.encode()
            else:
                buffer = io.BytesIO()
                ag.save({"result": result}, buffer)
                payload = buffer.getvalue()
        head = np.array([failed, len(payload)], dtype=np.int64)
        dist.broadcast(head, src=0)
        data = np.frombuffer(payload, dtype=np.uint8).copy() if self.main else None
        if data is None:
            data = np.zeros(int(head[1]), dtype=np.uint8)
        if data.size:
            dist.broadcast(data, src=0)
        if head[0]:
            raise AgreedUserError(data.tobytes().decode(), show=self.main)
        return ag.load(io.BytesIO(data.tobytes()))["result"]

    def agree(self, work: Callable[[], T]) -> T:
        """Run ``work`` on every rank, rank 0 first (so that a download happens once),
        and stop every rank with one message when it raised :class:`UserError` on any."""
        if self.world == 1:
            return work()
        result: Any = None
        error: UserError | None = None
        for turn in (True, False):
            if self.main == turn:
                try:
                    result = work()
                except UserError as exc:
                    error = exc
            first = self._first_failed(error is not None)
            if first < self.world:
                shown = self.rank == first
                where = "" if first == 0 else f" (on rank {first})"
                raise AgreedUserError(f"{error}{where}" if shown else "", show=shown)
        return result

    def _first_failed(self, failed: bool) -> int:
        """The lowest rank where ``failed`` is true (``world`` when none)."""
        import autograd_np.distributed as dist

        first = np.array([self.rank if failed else self.world], dtype=np.int64)
        dist.all_reduce(first, op=dist.ReduceOp.MIN)
        return int(first[0])


class RankShare(Dataset[Any]):
    """A training set whose batches are this rank's slice of each global batch.

    The loader samples global batches (the same on every rank, from one shared shuffle);
    ``__getitems__`` loads and transforms the whole global batch, so the augmentation
    draws are those one process makes, and returns the contiguous slice of rank ``rank``:
    items ``[k * m // world, (k + 1) * m // world)`` of a batch of ``m``. The ranks
    together see exactly one process's batch, whatever their number.
    """

    def __init__(self, dataset: Any, ranks: Ranks) -> None:
        self.dataset, self.ranks = dataset, ranks

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitems__(self, indices: Any) -> Any:
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems is not None:
            images, targets = getitems(np.asarray(indices, dtype=np.intp))
        else:
            from autograd_np.data import default_collate

            images, targets = default_collate([self.dataset[int(i)] for i in indices])
        m, r, n = len(indices), self.ranks.rank, self.ranks.world
        share = slice(r * m // n, (r + 1) * m // n)
        return images[share], targets[share]

    def __getitem__(self, index: int) -> Any:
        return self.dataset[index]
