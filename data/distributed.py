"""``DistributedSampler``: each rank of a data-parallel job visits its own share of a
dataset, a different share every epoch."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

import numpy as np

from autograd_np.data.sampler import Sampler

__all__ = ["DistributedSampler"]


def _group_default(num_replicas: int | None, rank: int | None) -> tuple[int, int]:
    if num_replicas is not None and rank is not None:
        return num_replicas, rank
    import autograd_np.distributed as dist  # the engine's process group, when one exists

    if not dist.is_initialized():
        raise RuntimeError(
            "DistributedSampler: pass num_replicas and rank, or call "
            "autograd_np.distributed.init_process_group first"
        )
    return (
        dist.get_world_size() if num_replicas is None else num_replicas,
        dist.get_rank() if rank is None else rank,
    )


class DistributedSampler(Sampler[int]):
    """The indices of one rank's share of ``dataset``, as PyTorch's DistributedSampler.

    Every rank draws the same permutation (seeded by ``seed + epoch``), pads it by
    repeating its start until it divides evenly (or drops the tail with ``drop_last``), and
    takes every ``num_replicas``-th index from position ``rank``. Call :meth:`set_epoch`
    at the start of each epoch so the shuffle changes.

    Parameters
    ----------
    dataset : Sized
        The dataset (only its length is used).
    num_replicas, rank : int, optional
        The world size and this rank; taken from the default process group when None.
    shuffle : bool, optional
        Permute the indices (default True).
    seed : int, optional
        The same on every rank (default 0).
    drop_last : bool, optional
        Drop the tail that does not divide evenly instead of padding.
    """

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        num_replicas, rank = _group_default(num_replicas, rank)
        if isinstance(num_replicas, bool) or not isinstance(num_replicas, int) or num_replicas < 1:
            raise ValueError(
                f"DistributedSampler: num_replicas must be a positive int, got {num_replicas!r}"
            )
        if isinstance(rank, bool) or not isinstance(rank, int) or not 0 <= rank < num_replicas:
            raise ValueError(
                f"DistributedSampler: invalid rank {rank!r}, rank should be in the interval "
                f"[0, {num_replicas - 1}]"
            )
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.shuffle = shuffle
        self.seed = int(seed)
        self.drop_last = drop_last
        self.epoch = 0
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            rng = np.random.default_rng(self.seed + self.epoch)
            indices = rng.permutation(n)
        else:
            indices = np.arange(n)
        if not self.drop_last:
            padding = self.total_size - n
            if padding > 0:
                # repeat the start as often as needed (PyTorch's rule for small datasets)
                reps = math.ceil(padding / max(n, 1))
                indices = np.concatenate([indices, np.tile(indices, reps)[:padding]])
        else:
            indices = indices[: self.total_size]
        return iter(indices[self.rank : self.total_size : self.num_replicas].tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use ``epoch`` in the shuffle's seed, so each epoch visits a new order."""
        self.epoch = int(epoch)
