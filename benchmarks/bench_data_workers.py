"""Seconds per epoch of a DataLoader with worker processes, and PyTorch's on the same dataset.

Usage::

    AUTOGRAD_NP_DATA=/path/to/data python benchmarks/bench_data_workers.py \\
        [--limit 10000] [--epochs 2] [--workers 0 1 2]

The dataset is the first ``--limit`` CIFAR-10 training images, each augmented in
``__getitem__`` by the single-image transforms (random crop with reflect padding,
flip, ToFloat, Normalize): Python work per item, as in a torchvision pipeline, which is
what worker processes parallelise. ``DataLoader(batch_size=128, shuffle=True,
num_workers=k)`` iterates it (workers are started every epoch, as by default), and the
best epoch is printed. Where torch is importable, ``torch.utils.data.DataLoader`` runs
the same dataset object with the same settings and the ratio (ours / torch's) is
printed side by side.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import numpy as np

from autograd_np.data import CIFAR10, DataLoader, Dataset
from autograd_np.data import transforms as T

CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)


class PerItem(Dataset[tuple[np.ndarray, int]]):
    """CIFAR-10 images augmented one at a time in ``__getitem__`` (no batch fast path)."""

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.images = images
        self.labels = labels
        self.augment = T.Compose(
            [
                T.RandomCrop(32, padding=4, padding_mode="reflect"),
                T.RandomHorizontalFlip(),
                T.ToFloat(),
                T.Normalize(CIFAR_MEAN, CIFAR_STD),
            ]
        )

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        return self.augment(self.images[index]), int(self.labels[index])


def _import_torch() -> Any:
    try:
        import torch
        import torch.utils.data
    except ImportError:
        return None
    return torch


def best_epoch(loader: Any, epochs: int, n: int) -> float:
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        seen = 0
        for _x, y in loader:
            seen += len(y)
        times.append(time.perf_counter() - start)
        assert seen == n, (seen, n)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=10000, help="images in the dataset")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per configuration")
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--root", default=None, help="dataset root (default $AUTOGRAD_NP_DATA)")
    args = parser.parse_args()
    if args.root is None and not os.environ.get("AUTOGRAD_NP_DATA"):
        parser.error("set AUTOGRAD_NP_DATA or pass --root")
    torch = _import_torch()

    cifar = CIFAR10(root=args.root, train=True)
    dataset = PerItem(cifar.data[: args.limit], cifar.targets[: args.limit])
    n = len(dataset)
    print(
        f"numpy {np.__version__}, {os.cpu_count()} CPUs"
        + (f", torch {torch.__version__}" if torch is not None else ", torch not importable")
        + f"; {n} CIFAR-10 images augmented per item, batch 128, best of {args.epochs} epochs"
    )
    for k in args.workers:
        ours = best_epoch(
            DataLoader(dataset, batch_size=128, shuffle=True, num_workers=k), args.epochs, n
        )
        line = f"  num_workers={k}: {ours:6.3f} s/epoch"
        if torch is not None:
            theirs = best_epoch(
                torch.utils.data.DataLoader(dataset, batch_size=128, shuffle=True, num_workers=k),
                args.epochs,
                n,
            )
            line += f"   torch {theirs:6.3f} s/epoch   ratio {ours / theirs:5.2f}x"
        print(line)


if __name__ == "__main__":
    main()
