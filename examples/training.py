"""The training loop shared by the MNIST and CIFAR-10 examples.

Public API only. It trains, evaluates each epoch, prints one line per epoch, writes
``metrics.jsonl``, a checkpoint each epoch (and on Ctrl-C) through ``autograd_np.save``,
and at the end plots (when matplotlib is installed) and a summary. ``--resume`` continues
exactly where the checkpoint left off: the same seed gives the same numbers, interrupted or
not.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import autograd_np as ag
import autograd_np.nn as nn
import autograd_np.nn.functional as F
from autograd_np import optim
from autograd_np.data import DataLoader, Subset
from autograd_np.optim import lr_scheduler
from examples import reporting

CHECKPOINT = "checkpoint.npz"


@dataclass
class Recipe:
    """A dataset's defaults: what the bare command runs."""

    model: str
    epochs: int
    batch_size: int
    lr: float
    optimizer: str
    schedule: str
    weight_decay: float
    label_smoothing: float = 0.0
    momentum: float = 0.9
    warmup: float = 0.2
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Task:
    """What a dataset example supplies to the loop."""

    name: str
    classes: Sequence[str]
    models: dict[str, Callable[[int, int, np.random.Generator], nn.Module]]
    recipe: Recipe
    # (root, train, generator) -> dataset; the generator drives augmentation
    load: Callable[[str | None, bool, np.random.Generator | None, argparse.Namespace], Any]
    in_channels: int
    size: int
    mean_std: tuple[Sequence[float], Sequence[float]]
    tta_flip: bool = False


def make_parser(task: Task) -> argparse.ArgumentParser:
    """Command-line options, with the task's recipe as defaults."""
    r = task.recipe
    p = argparse.ArgumentParser(
        description=f"Train a CNN on {task.name} with autograd_np.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--model", default=r.model, choices=sorted(task.models))
    p.add_argument("--epochs", type=int, default=r.epochs)
    p.add_argument("--batch-size", type=int, default=r.batch_size)
    p.add_argument("--lr", type=float, default=r.lr, help="peak learning rate")
    p.add_argument("--optimizer", default=r.optimizer, choices=["sgd", "adam", "adamw"])
    p.add_argument("--momentum", type=float, default=r.momentum)
    p.add_argument("--weight-decay", type=float, default=r.weight_decay)
    p.add_argument(
        "--schedule", default=r.schedule, choices=["onecycle", "cosine", "step", "constant"]
    )
    p.add_argument("--warmup", type=float, default=r.warmup, help="warm-up fraction (onecycle)")
    p.add_argument("--label-smoothing", type=float, default=r.label_smoothing)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--data-root",
        default=None,
        help="dataset root (default: $AUTOGRAD_NP_DATA, else a per-user cache)",
    )
    p.add_argument(
        "--download",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="download the dataset when it is not on disk",
    )
    p.add_argument("--out", default=f"runs/{task.name.lower()}", help="output directory")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.npz")
    p.add_argument("--no-augment", action="store_true", help="train without augmentation")
    p.add_argument("--train-limit", type=int, default=None, help="use the first N train images")
    p.add_argument("--test-limit", type=int, default=None, help="use the first N test images")
    p.add_argument("--max-steps", type=int, default=None, help="stop after N steps in total")
    p.add_argument("--eval-batch-size", type=int, default=500)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    return p


def build_optimizer(args: argparse.Namespace, params: list[ag.Tensor]) -> optim.Optimizer:
    """The optimizer named by ``--optimizer``; no weight decay on biases and norms."""
    decay = [p for p in params if p.ndim > 1]
    rest = [p for p in params if p.ndim <= 1]
    groups = [
        {"params": decay, "weight_decay": args.weight_decay},
        {"params": rest, "weight_decay": 0.0},
    ]
    if args.optimizer == "sgd":
        return optim.SGD(groups, lr=args.lr, momentum=args.momentum, nesterov=args.momentum > 0)
    if args.optimizer == "adam":
        return optim.Adam(groups, lr=args.lr)
    return optim.AdamW(groups, lr=args.lr)


def build_schedule(
    args: argparse.Namespace, opt: optim.Optimizer, steps_per_epoch: int
) -> lr_scheduler.LRScheduler | None:
    """The per-step learning-rate schedule named by ``--schedule``."""
    total = args.epochs * steps_per_epoch
    if args.schedule == "onecycle":
        return lr_scheduler.OneCycleLR(
            opt,
            max_lr=args.lr,
            total_steps=total,
            pct_start=args.warmup,
            anneal_strategy="linear",
            cycle_momentum=False,
            div_factor=10.0,
            final_div_factor=100.0,
        )
    if args.schedule == "cosine":
        return lr_scheduler.CosineAnnealingLR(opt, T_max=total)
    if args.schedule == "step":
        return lr_scheduler.StepLR(opt, step_size=max(1, total // 3), gamma=0.1)
    return None


def limited(dataset: Any, limit: int | None) -> Any:
    """The first ``limit`` items of ``dataset`` (all of it when None)."""
    if limit is None or limit >= len(dataset):
        return dataset
    return Subset(dataset, list(range(limit)))


@dataclass
class State:
    """Everything a checkpoint holds besides model, optimizer and schedule."""

    epoch: int = 0  # completed epochs
    step: int = 0  # optimizer steps in total
    batches_done: int = 0  # batches of the current (interrupted) epoch
    running: tuple[int, int, float] = (0, 0, 0.0)  # its images, correct, loss sum
    history: list[dict[str, Any]] = field(default_factory=list)
    elapsed: float = 0.0


def _rng_states(gens: dict[str, np.random.Generator]) -> dict[str, Any]:
    return {k: g.bit_generator.state for k, g in gens.items()}


def _set_rng_states(gens: dict[str, np.random.Generator], states: dict[str, Any]) -> None:
    for k, g in gens.items():
        g.bit_generator.state = states[k]


def save_checkpoint(
    path: Path,
    model: nn.Module,
    opt: optim.Optimizer,
    sched: Any,
    state: State,
    epoch_start_rngs: dict[str, Any],
    args: argparse.Namespace,
) -> None:
    """Write the checkpoint atomically (``autograd_np.save`` replaces the file in one step)."""
    ag.save(
        {
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "schedule": None if sched is None else sched.state_dict(),
            "rng": epoch_start_rngs,
            "epoch": state.epoch,
            "step": state.step,
            "batches_done": state.batches_done,
            "running": list(state.running),
            "history": state.history,
            "elapsed": state.elapsed,
            "args": {k: v for k, v in vars(args).items() if k not in ("resume",)},
        },
        path,
    )


def evaluate(
    model: nn.Module, loader: DataLoader, tta_flip: bool
) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Mean loss, accuracy, predictions and labels over ``loader``, in eval mode."""
    model.eval()
    total_loss, preds, labels = 0.0, [], []
    with ag.no_grad():
        for x, y in loader:
            logits = model(x)
            if tta_flip:  # average with the horizontally flipped images
                logits = (logits + model(x.flip(-1))) * 0.5
            total_loss += float(F.cross_entropy(logits, y, reduction="sum"))
            preds.append(logits.array.argmax(axis=1))
            labels.append(np.asarray(y))
    p, t = np.concatenate(preds), np.concatenate(labels)
    return total_loss / len(t), float((p == t).mean()), p, t


class _Interrupt:
    """Turns the first Ctrl-C into a flag the loop checks between steps."""

    def __init__(self) -> None:
        self.requested = False
        self._old: Any = None

    def __enter__(self) -> _Interrupt:
        self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:  # a second Ctrl-C stops at once
            signal.signal(signal.SIGINT, self._old)
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc: Any) -> None:
        signal.signal(signal.SIGINT, self._old)


def train(task: Task, argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Parse options, train, evaluate, checkpoint and report. Returns the final metrics."""
    args = make_parser(task).parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    root = np.random.default_rng(args.seed)
    init_gen, shuffle_gen, augment_gen = (np.random.default_rng(s) for s in root.spawn(3))
    gens = {"shuffle": shuffle_gen, "augment": augment_gen}

    train_set = limited(task.load(args.data_root, True, augment_gen, args), args.train_limit)
    test_set = limited(task.load(args.data_root, False, None, args), args.test_limit)
    train_loader = DataLoader(
        train_set, batch_size=args.batch_size, shuffle=True, generator=shuffle_gen, prefetch=2
    )
    test_loader = DataLoader(test_set, batch_size=args.eval_batch_size, prefetch=2)

    model = task.models[args.model](task.in_channels, task.size, init_gen)
    opt = build_optimizer(args, list(model.parameters()))
    steps_per_epoch = len(train_loader)
    sched = build_schedule(args, opt, steps_per_epoch)
    n_params = sum(p.numel() for p in model.parameters())
    print(
        f"{task.name}: model {args.model} ({n_params:,} parameters), {len(train_set):,} train / "
        f"{len(test_set):,} test images, {args.epochs} epochs of {steps_per_epoch} steps, "
        f"batch {args.batch_size}, {args.optimizer} lr {args.lr} ({args.schedule})"
    )

    state = State()
    ckpt_path = out / CHECKPOINT
    if args.resume:
        if not ckpt_path.exists():
            sys.exit(f"--resume: no checkpoint at {ckpt_path}")
        ckpt = ag.load(ckpt_path)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        if sched is not None and ckpt["schedule"] is not None:
            sched.load_state_dict(ckpt["schedule"])
        _set_rng_states(gens, ckpt["rng"])
        state = State(
            epoch=ckpt["epoch"],
            step=ckpt["step"],
            batches_done=ckpt["batches_done"],
            running=tuple(ckpt["running"]),
            history=list(ckpt["history"]),
            elapsed=ckpt["elapsed"],
        )
        where = f"epoch {state.epoch + 1}" + (
            f", batch {state.batches_done + 1}" if state.batches_done else ""
        )
        print(f"resumed from {ckpt_path} at {where}")
    metrics_path = out / "metrics.jsonl"
    if not args.resume and metrics_path.exists():
        metrics_path.unlink()

    bar_factory = reporting.progress_factory(disable=args.no_progress)
    stopped = False
    with _Interrupt() as interrupt:
        while state.epoch < args.epochs and not stopped:
            epoch_rngs = _rng_states(gens)  # resuming mid-epoch replays from here
            model.train()
            seen, correct, loss_sum = state.running if state.batches_done else (0, 0, 0.0)
            seen_at_start = seen
            t0 = time.perf_counter()
            bar = bar_factory(total=steps_per_epoch, desc=f"epoch {state.epoch + 1}/{args.epochs}")
            batches: Iterator[Any] = iter(train_loader)
            for i, (x, y) in enumerate(batches):
                if i < state.batches_done:  # replay the data order of an interrupted epoch
                    bar.update(1)
                    continue
                logits = model(x)
                loss = F.cross_entropy(logits, y, label_smoothing=args.label_smoothing)
                opt.zero_grad()
                loss.backward()
                opt.step()
                if sched is not None:
                    sched.step()
                state.step += 1
                state.batches_done = i + 1
                n = len(y)
                seen += n
                loss_sum += float(loss) * n
                correct += int((logits.array.argmax(axis=1) == np.asarray(y)).sum())
                rate = (seen - seen_at_start) / (time.perf_counter() - t0)
                bar.update(1, loss=loss_sum / seen, acc=correct / seen, rate=rate)
                if interrupt.requested or (
                    args.max_steps is not None and state.step >= args.max_steps
                ):
                    stopped = True
                    break
            bar.close()
            if hasattr(batches, "close"):
                batches.close()
            state.elapsed += time.perf_counter() - t0
            if stopped and state.batches_done < steps_per_epoch:
                state.running = (seen, correct, loss_sum)
                save_checkpoint(ckpt_path, model, opt, sched, state, epoch_rngs, args)
                why = "interrupted" if interrupt.requested else f"stopped at step {state.step}"
                print(
                    f"{why}: checkpoint saved to {ckpt_path} (epoch {state.epoch + 1}, "
                    f"batch {state.batches_done}); continue with --resume"
                )
                return {}
            te = time.perf_counter()
            test_loss, test_acc, preds, labels = evaluate(model, test_loader, task.tta_flip)
            state.elapsed += time.perf_counter() - te
            state.epoch += 1
            state.batches_done = 0
            state.running = (0, 0, 0.0)
            record = {
                "epoch": state.epoch,
                "step": state.step,
                "train_loss": loss_sum / max(seen, 1),
                "train_acc": correct / max(seen, 1),
                "test_loss": test_loss,
                "test_acc": test_acc,
                "lr": opt.param_groups[0]["lr"],
                "elapsed_s": round(state.elapsed, 1),
            }
            state.history.append(record)
            with metrics_path.open("a") as f:
                f.write(json.dumps(record) + "\n")
            print(
                f"epoch {state.epoch:>3}/{args.epochs}  train loss {record['train_loss']:.4f} "
                f"acc {100 * record['train_acc']:.2f}%  test loss {test_loss:.4f} acc "
                f"{100 * test_acc:.2f}%  [{_clock(state.elapsed)}]",
                flush=True,
            )
            save_checkpoint(ckpt_path, model, opt, sched, state, _rng_states(gens), args)

    final = state.history[-1] if state.history else {}
    if state.history and not args.no_plots:
        test_loss, test_acc, preds, labels = evaluate(model, test_loader, task.tta_flip)
        notes = reporting.write_plots(
            out, state.history, preds, labels, test_set, task.classes, task.mean_std
        )
        for note in notes:
            print(note)
    if final:
        print(
            f"done: test accuracy {100 * final['test_acc']:.2f}% after {state.epoch} epochs in "
            f"{_clock(state.elapsed)}; outputs in {out}"
        )
    return final


def _clock(seconds: float) -> str:
    m, s = divmod(math.floor(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def run_main(task: Task) -> None:
    """Entry point of an example script: train, and exit 0."""
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    train(task)
