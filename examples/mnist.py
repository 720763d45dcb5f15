"""Train a CNN on MNIST with autograd_np.

    python -m examples.mnist                # the default recipe
    python -m examples.mnist --model seed   # the original notebook's network
    python -m examples.mnist --help         # every option, with its default
    mpiexec -n 2 python -m examples.mnist   # data-parallel on 2 ranks (the distributed extra)

The data is found under ``--data-root``, else ``$AUTOGRAD_NP_DATA``, else a per-user cache,
in ``mnist/``; it is downloaded there when missing (``--no-download`` to refuse).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script: make `examples` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograd_np.data import MNIST
from autograd_np.data import transforms as T
from examples.models import MNIST_MODELS
from examples.training import Recipe, Task, run_main

MEAN, STD = (0.1307,), (0.3081,)
RECIPE = Recipe(
    model="bncnn",
    epochs=4,
    batch_size=128,
    lr=0.05,
    optimizer="sgd",
    schedule="onecycle",
    weight_decay=5e-4,
    label_smoothing=0.0,
)


def load(
    root: str | None, train: bool, generator: np.random.Generator | None, args: argparse.Namespace
) -> Any:
    """MNIST with the example's transforms: small random shifts when training."""
    steps: list[Any] = []
    if train and not args.no_augment:
        steps.append(T.RandomCrop(28, padding=2, generator=generator))
    steps += [T.ToFloat(), T.Normalize(MEAN, STD)]
    return MNIST(root, train=train, transform=T.Compose(steps), download=args.download)


def missing_files(folder: Path) -> list[str]:
    """The MNIST files (train and test) not in ``folder``, each as its path."""
    return [
        str(folder / name)
        for name in MNIST.resources
        if not (folder / name).is_file() and not (folder / name.removesuffix(".gz")).is_file()
    ]


TASK = Task(
    name="MNIST",
    classes=[str(d) for d in range(10)],
    models=MNIST_MODELS,
    recipe=RECIPE,
    load=load,
    in_channels=1,
    size=28,
    mean_std=(MEAN, STD),
    prog="python -m examples.mnist",
    data_folder=MNIST.folder_name,
    missing_files=missing_files,
    download_size="11 MB",
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the example with ``argv`` (default: the command line); returns the exit code."""
    return run_main(TASK, argv)


if __name__ == "__main__":
    sys.exit(main())
