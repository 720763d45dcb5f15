"""Train a CNN on CIFAR-10 with autograd_np.

    python -m examples.cifar10                # the default recipe
    python -m examples.cifar10 --model seed   # the original notebook's network
    python -m examples.cifar10 --help         # every option, with its default
    mpiexec -n 2 python -m examples.cifar10   # data-parallel on 2 ranks (the distributed extra)

The data is found under ``--data-root``, else ``$AUTOGRAD_NP_DATA``, else a per-user cache,
in ``cifar10/``; it is downloaded there when missing (``--no-download`` to refuse).
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

from autograd_np.data import CIFAR10
from autograd_np.data import transforms as T
from examples.models import CIFAR10_MODELS
from examples.training import Recipe, Task, run_main

MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)
CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
RECIPE = Recipe(
    model="resnet",
    epochs=10,
    batch_size=256,
    lr=0.2,
    optimizer="sgd",
    schedule="onecycle",
    weight_decay=5e-4,
    label_smoothing=0.2,
)


def load(
    root: str | None, train: bool, generator: np.random.Generator | None, args: argparse.Namespace
) -> Any:
    """CIFAR-10 with the example's transforms: random crop and flip when training."""
    steps: list[Any] = []
    if train and not args.no_augment:
        steps += [
            T.RandomCrop(32, padding=4, padding_mode="reflect", generator=generator),
            T.RandomHorizontalFlip(generator=generator),
        ]
    steps += [T.ToFloat(), T.Normalize(MEAN, STD)]
    return CIFAR10(root, train=train, transform=T.Compose(steps), download=args.download)


def missing_files(folder: Path) -> list[str]:
    """The CIFAR-10 archive's path when ``folder`` holds none of the layouts CIFAR10 reads
    (the python or binary version, as an archive or extracted)."""
    layouts = [
        folder / CIFAR10.python_dir,
        folder / CIFAR10.archive_name,
        folder / CIFAR10.binary_dir,
        folder / CIFAR10.binary_archive_name,
    ]
    if any(p.exists() for p in layouts):
        return []
    return [f"{folder / CIFAR10.archive_name} (or the extracted {CIFAR10.python_dir}/)"]


TASK = Task(
    name="CIFAR-10",
    classes=CLASSES,
    models=CIFAR10_MODELS,
    recipe=RECIPE,
    load=load,
    in_channels=3,
    size=32,
    mean_std=(MEAN, STD),
    tta_flip=True,
    prog="python -m examples.cifar10",
    data_folder=CIFAR10.folder_name,
    missing_files=missing_files,
    download_size="163 MB",
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the example with ``argv`` (default: the command line); returns the exit code."""
    return run_main(TASK, argv)


if __name__ == "__main__":
    sys.exit(main())
