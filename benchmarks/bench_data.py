"""Seconds per epoch of loading + augmenting CIFAR-10 and MNIST through a DataLoader.

Usage::

    AUTOGRAD_NP_DATA=/path/to/data python benchmarks/bench_data.py [--epochs 3]

For each dataset: the time to construct it (read and validate the files), then seconds
per epoch over the full training split with ``batch_size=128, shuffle=True``, without and
with a prefetch thread. "loader only" iterates and discards the batches, measuring the
data pipeline alone. "with model work" does a fixed numpy matmul per batch (a stand-in
for a training step) to show how much of the pipeline the prefetch thread hides.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_np.data import CIFAR10, MNIST, DataLoader
from autograd_np.data import transforms as T

CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)


def cifar_augment(padding_mode: str) -> T.Compose:
    return T.Compose(
        [
            T.RandomCrop(32, padding=4, padding_mode=padding_mode, generator=1),
            T.RandomHorizontalFlip(generator=2),
            T.ToFloat(),
            T.Normalize(CIFAR_MEAN, CIFAR_STD),
        ]
    )


def mnist_transform() -> T.Compose:
    return T.Compose([T.ToFloat(), T.Normalize(0.1307, 0.3081)])


def make_work(features: int) -> Callable[[np.ndarray], None]:
    """A fixed per-batch cost standing in for the forward/backward pass."""
    weight = np.random.default_rng(0).standard_normal((features, 1024)).astype(np.float32)

    def work(x: np.ndarray) -> None:
        h = x.reshape(x.shape[0], -1) @ weight
        np.maximum(h, 0, out=h)
        _ = h.T @ x.reshape(x.shape[0], -1)

    return work


def epoch_seconds(
    dataset: Any, prefetch: int, epochs: int, work: Callable[[np.ndarray], None] | None
) -> list[float]:
    loader = DataLoader(dataset, batch_size=128, shuffle=True, generator=0, prefetch=prefetch)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        n = 0
        for x, y in loader:
            n += len(y)
            if work is not None:
                work(x.numpy())
        times.append(time.perf_counter() - start)
        assert n == len(dataset), (n, len(dataset))
    return times


def work_seconds(work: Callable[[np.ndarray], None], shape: tuple[int, ...], batches: int) -> float:
    x = np.zeros(shape, np.float32)
    start = time.perf_counter()
    for _ in range(batches):
        work(x)
    return time.perf_counter() - start


def report(name: str, dataset: Any, epochs: int, work: Callable[[np.ndarray], None]) -> None:
    batches = -(-len(dataset) // 128)
    sample = dataset.__getitems__(np.arange(128))[0]
    print(f"  {name}: batches of {sample.shape} {sample.dtype}, {batches} per epoch")
    for label, w in (("loader only", None), ("with model work", work)):
        for prefetch in (0, 2):
            secs = epoch_seconds(dataset, prefetch, epochs, w)
            print(
                f"    {label:<16} prefetch={prefetch}: "
                f"best {min(secs):6.3f} s/epoch, mean {np.mean(secs):6.3f} s/epoch"
            )
    alone = work_seconds(work, sample.shape, batches)
    print(f"    (the model work alone: {alone:6.3f} s/epoch)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs per configuration")
    parser.add_argument("--root", default=None, help="dataset root (default $AUTOGRAD_NP_DATA)")
    args = parser.parse_args()
    if args.root is None and not os.environ.get("AUTOGRAD_NP_DATA"):
        parser.error("set AUTOGRAD_NP_DATA or pass --root")

    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs, {args.epochs} epochs each")

    start = time.perf_counter()
    cifar = CIFAR10(root=args.root, train=True)
    print(f"CIFAR10 train: {len(cifar)} images, read in {time.perf_counter() - start:.2f} s")
    work = make_work(3 * 32 * 32)
    for mode in ("reflect", "constant"):
        cifar.transform = cifar_augment(mode)
        report(f"crop 32 pad 4 ({mode}) + flip + ToFloat + Normalize", cifar, args.epochs, work)

    start = time.perf_counter()
    mnist = MNIST(root=args.root, train=True, transform=mnist_transform())
    print(f"MNIST train: {len(mnist)} images, read in {time.perf_counter() - start:.2f} s")
    report("ToFloat + Normalize", mnist, args.epochs, make_work(28 * 28))


if __name__ == "__main__":
    main()
