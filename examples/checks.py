"""What the examples check before a run starts: the checkpoint that ``--resume`` continues
and the data, each failure a :class:`~examples.cli.UserError` whose message says what to do
on the command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import autograd_np as ag
from autograd_np.data import DatasetNotFoundError, DownloadError
from examples.cli import UserError, data_root_origin

if TYPE_CHECKING:
    from examples.training import Task

__all__ = ["RUN_SHAPE", "load_data", "read_checkpoint", "report_complete"]

# options that shape the run: a checkpoint continues only with the values it was made with
RUN_SHAPE = ("model", "optimizer", "schedule", "batch_size", "train_limit", "no_augment")


def read_checkpoint(path: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The checkpoint ``--resume`` continues; a :class:`UserError` when there is none, it
    cannot be read, or it was made with other options that shape the run."""
    if not path.is_file():
        raise UserError(
            f"--resume: there is no checkpoint at {path}. Give --out the folder of the run "
            "to continue, or start a new run without --resume."
        )
    try:
        ckpt = ag.load(path)
    except Exception as exc:  # a truncated or foreign file
        raise UserError(
            f"--resume: cannot read the checkpoint {path} ({type(exc).__name__}: {exc}). "
            "Start a new run without --resume, or in another --out."
        ) from exc
    keys = {"model", "optimizer", "epoch", "step", "batches_done", "history", "args", "rng"}
    if not isinstance(ckpt, dict) or not keys <= set(ckpt):
        raise UserError(
            f"--resume: {path} is not a checkpoint of this example. Start a new run without "
            "--resume, or in another --out."
        )
    saved = ckpt["args"]
    changed = [k for k in RUN_SHAPE if k in saved and saved[k] != getattr(args, k)]
    if changed:
        was = ", ".join(_option(k, saved[k]) for k in changed)
        raise UserError(
            f"--resume: the run in {path.parent} was made with {was}. Resume with the same "
            "options, or start a new run in another --out."
        )
    return ckpt


def _option(key: str, value: Any) -> str:
    name = "--" + key.replace("_", "-")
    if isinstance(value, bool):
        return name if value else f"no {name}"
    return f"{name} {value}" if value is not None else f"no {name}"


def report_complete(task: Task, path: Path, ckpt: dict[str, Any], epochs: int) -> dict[str, Any]:
    """Say that the run saved at ``path`` needs no more training; its last metrics."""
    done = int(ckpt["epoch"])
    final = ckpt["history"][-1] if ckpt["history"] else {}
    acc = f", test accuracy {100 * final['test_acc']:.2f}%" if "test_acc" in final else ""
    more = f"; --epochs is {epochs}" if done > epochs else ""
    print(
        f"{task.name}: the run in {path.parent} is complete ({done} epochs{acc}{more}); "
        f"nothing to do. To train it further, resume with a larger --epochs "
        f"(e.g. --resume --epochs {done + 2})."
    )
    return dict(final)


def load_data(
    task: Task, args: argparse.Namespace, generator: np.random.Generator
) -> tuple[Any, Any]:
    """The train and test sets; a
    :class:`UserError` that says where the data was looked for, what is missing and what to
    do on the command line, when they are not there or cannot be downloaded."""
    root, origin = data_root_origin(args.data_root)
    folder = root / task.data_folder if task.data_folder else root
    missing = task.missing_files(folder) if task.missing_files is not None else []
    if missing and not args.download:
        raise UserError(_missing_data(task, root, origin, folder, missing))
    try:
        train_set = task.load(args.data_root, True, generator, args)
        test_set = task.load(args.data_root, False, None, args)
    except DatasetNotFoundError as exc:  # a task that does not list its files
        raise UserError(_missing_data(task, root, origin, folder, [str(exc)])) from exc
    except DownloadError as exc:
        raise UserError(
            f"could not download {task.name} into {folder} (the data root {root}: {origin}):\n"
            f"{exc}\nCheck the network connection and run the command again, or put the "
            "files there yourself."
        ) from exc
    return train_set, test_set


def _missing_data(task: Task, root: Path, origin: str, folder: Path, missing: list[str]) -> str:
    files = "\n".join(f"  {m}" for m in missing)
    size = f" (about {task.download_size})" if task.download_size else ""
    return (
        f"{task.name} is not on disk: the data root {root} ({origin}) lacks\n"
        f"{files}\nDrop --no-download to download it there{size}, or give --data-root the "
        f"folder that holds {folder.name}/."
    )
