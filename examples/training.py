"""The training loop shared by the MNIST and CIFAR-10 examples.

Public API only. It trains, evaluates each epoch, prints one line per epoch, writes
``metrics.jsonl``, a checkpoint each epoch (and on Ctrl-C) through ``autograd_np.save``,
and at the end plots (when matplotlib is installed) and a summary. ``--resume`` continues
exactly where the checkpoint left off: the same seed gives the same numbers, interrupted or
not; a complete run has nothing to do, and a larger ``--epochs`` extends it (the
learning-rate schedule is rebuilt for the new length).

Under ``mpiexec -n N`` the run is data-parallel (see :mod:`examples.ranks`): the same
global batch and learning-rate recipe, each rank on its slice of every batch, with
``DistributedDataParallel`` and ``SyncBatchNorm``; rank 0 alone prints and writes. The
checkpoint holds the unwrapped model and rank-independent state, so ``--resume`` works
with any number of ranks.

Everything the command line can get wrong is checked before anything is printed or
written: options at parse time (exit code 2), then the checkpoint to resume, the output
folder and the data (exit code 1, see :mod:`examples.cli`). The output folder is created
when training starts.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import autograd_np as ag
import autograd_np.nn as nn
import autograd_np.nn.functional as F
from autograd_np import optim
from autograd_np.data import ENV_VAR, DataLoader, Subset
from autograd_np.optim import lr_scheduler
from examples import reporting
from examples.checks import load_data, read_checkpoint, report_complete
from examples.cli import (
    AgreedUserError,
    ArgumentParser,
    HelpFormatter,
    UserError,
    check_writable_folder,
    fraction,
    nonnegative_float,
    nonnegative_int,
    positive_float,
    positive_int,
    run_cli,
)
from examples.evaluation import as_numpy, evaluate
from examples.ranks import Ranks, RankShare

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
    # how the example is started, for --help and messages ("python -m examples.mnist")
    prog: str | None = None
    # the dataset's folder under the data root, and the files missing from it (train and
    # test), given that folder; used to explain missing data before loading it
    data_folder: str = ""
    missing_files: Callable[[Path], list[str]] | None = None
    download_size: str = ""


def make_parser(task: Task, *, quiet: bool = False) -> argparse.ArgumentParser:
    """Command-line options, with the task's recipe as defaults; each option's type checks
    its value (``--epochs 0`` exits with code 2 and says why). A ``quiet`` parser prints
    no help or errors (ranks other than 0)."""
    r = task.recipe
    p = ArgumentParser(
        quiet=quiet,
        prog=task.prog,
        usage="%(prog)s [options]",
        description=f"Train a CNN on {task.name} with autograd_np.",
        formatter_class=HelpFormatter,
    )
    models = ", ".join(f"{k} ({_first_line(f.__doc__)})" for k, f in sorted(task.models.items()))
    p.add_argument("--model", default=r.model, choices=sorted(task.models), help=models)
    p.add_argument("--epochs", type=positive_int, default=r.epochs, help="epochs to train")
    p.add_argument("--batch-size", type=positive_int, default=r.batch_size, help="batch size")
    p.add_argument("--lr", type=positive_float, default=r.lr, help="peak learning rate")
    p.add_argument(
        "--optimizer", default=r.optimizer, choices=["sgd", "adam", "adamw"], help="optimizer"
    )
    p.add_argument(
        "--momentum",
        type=fraction(False, True),
        default=r.momentum,
        help="SGD momentum, Nesterov when > 0",
    )
    p.add_argument(
        "--weight-decay",
        type=nonnegative_float,
        default=r.weight_decay,
        help="weight decay of the weights (not of biases and norms)",
    )
    p.add_argument(
        "--schedule",
        default=r.schedule,
        choices=["onecycle", "cosine", "step", "constant"],
        help="learning-rate schedule, stepped every batch",
    )
    p.add_argument(
        "--warmup",
        type=fraction(True, True),
        default=r.warmup,
        help="warm-up fraction of the run (onecycle)",
    )
    p.add_argument(
        "--label-smoothing",
        type=fraction(False, True),
        default=r.label_smoothing,
        help="label smoothing of the cross-entropy loss",
    )
    p.add_argument(
        "--seed", type=nonnegative_int, default=0, help="random seed (init, order, augmentation)"
    )
    p.add_argument(
        "--data-root",
        default=None,
        help=f"dataset root (default: ${ENV_VAR} when set, else a per-user cache)",
    )
    p.add_argument(
        "--download",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="download the dataset when it is not on disk",
    )
    p.add_argument("--out", default=f"runs/{task.name.lower()}", help="output folder")
    p.add_argument("--resume", action="store_true", help="continue the run saved in --out")
    p.add_argument("--no-augment", action="store_true", help="train without augmentation")
    p.add_argument(
        "--train-limit", type=positive_int, default=None, help="use the first N train images"
    )
    p.add_argument(
        "--test-limit", type=positive_int, default=None, help="use the first N test images"
    )
    p.add_argument(
        "--max-steps", type=positive_int, default=None, help="stop after N steps in total"
    )
    p.add_argument(
        "--eval-batch-size", type=positive_int, default=500, help="batch size of evaluation"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument("--debug", action="store_true", help="show tracebacks of user errors")
    return p


def _first_line(doc: str | None) -> str:
    """A model's docstring up to its first colon, as a phrase ("a small ResNet")."""
    line = (doc or "").strip().splitlines()[0] if doc else ""
    phrase = line.split(":")[0].rstrip(".")
    first = phrase.split(" ")[0]
    return phrase[0].lower() + phrase[1:] if first in ("A", "An", "The") else phrase


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


def rebuild_schedule(
    args: argparse.Namespace, opt: optim.Optimizer, steps_per_epoch: int, step: int
) -> lr_scheduler.LRScheduler | None:
    """The schedule of a run of ``args.epochs`` epochs, advanced to ``step``: what a run
    extended by a larger ``--epochs`` continues with."""
    sched = build_schedule(args, opt, steps_per_epoch)
    if sched is not None:
        with warnings.catch_warnings():  # no optimizer step in between: intended here
            warnings.simplefilter("ignore", UserWarning)
            for _ in range(step):
                sched.step()
    return sched


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


# ---------------------------------------------------------------------- the run
def train(
    task: Task, argv: Sequence[str] | None = None, ranks: Ranks | None = None
) -> dict[str, Any]:
    """Parse options, train, evaluate, checkpoint and report. Returns the final metrics.

    Raises :class:`~examples.cli.UserError` for the command line's expected errors, and
    ``SystemExit`` (code 2) for invalid options, before anything is printed or written.
    ``ranks`` is this process's place in a data-parallel run (one process when None).
    """
    ranks = Ranks() if ranks is None else ranks
    args = make_parser(task, quiet=not ranks.main).parse_args(argv)
    out = Path(args.out)
    ckpt_path = out / CHECKPOINT
    # rank 0 reads the checkpoint and checks the folder; every rank gets the outcome
    ckpt = ranks.on_main(lambda: read_checkpoint(ckpt_path, args)) if args.resume else None
    if ckpt is not None and int(ckpt["epoch"]) >= args.epochs:
        return report_complete(task, ckpt_path, ckpt, args.epochs)
    ranks.on_main(lambda: check_writable_folder(out))

    root = np.random.default_rng(args.seed)
    init_gen, shuffle_gen, augment_gen = (np.random.default_rng(s) for s in root.spawn(3))
    gens = {"shuffle": shuffle_gen, "augment": augment_gen}
    train_set, test_set = ranks.agree(lambda: load_data(task, args, augment_gen))
    train_set, test_set = limited(train_set, args.train_limit), limited(test_set, args.test_limit)
    ranks.check_split(args.batch_size, len(train_set), len(test_set))
    # every rank draws the same global batches; RankShare hands each its slice
    train_loader = DataLoader(
        RankShare(train_set, ranks) if ranks.world > 1 else train_set,
        batch_size=args.batch_size,
        shuffle=True,
        generator=shuffle_gen,
        prefetch=2,
    )
    test_share = (
        Subset(test_set, ranks.eval_indices(len(test_set))) if ranks.world > 1 else test_set
    )
    test_loader = DataLoader(test_share, batch_size=args.eval_batch_size, prefetch=2)

    model = task.models[args.model](task.in_channels, task.size, init_gen)
    if ranks.world > 1:  # batch statistics over the global batch, as one process has them
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    opt = build_optimizer(args, list(model.parameters()))
    steps_per_epoch = len(train_loader)
    state = State()
    if ckpt is None:
        sched = build_schedule(args, opt, steps_per_epoch)
    else:
        model.load_state_dict(ckpt["model"])
        state = State(
            epoch=ckpt["epoch"],
            step=ckpt["step"],
            batches_done=ckpt["batches_done"],
            running=tuple(ckpt["running"]),
            history=list(ckpt["history"]),
            elapsed=ckpt["elapsed"],
        )
        saved_epochs = ckpt["args"].get("epochs", args.epochs)
        if saved_epochs == args.epochs:  # continue exactly
            sched = build_schedule(args, opt, steps_per_epoch)
            opt.load_state_dict(ckpt["optimizer"])
            if sched is not None and ckpt["schedule"] is not None:
                sched.load_state_dict(ckpt["schedule"])
        else:  # a longer run: its schedule, at the step reached, sets the rates
            saved = ckpt["optimizer"]
            # (the saved rate may be the old schedule's value one step past its end,
            # which a linear one-cycle takes below 0 on a short run)
            groups = [{**g, "lr": args.lr} for g in saved["param_groups"]]
            opt.load_state_dict({"state": saved["state"], "param_groups": groups})
            sched = rebuild_schedule(args, opt, steps_per_epoch, state.step)
        _set_rng_states(gens, ckpt["rng"])
    # the forward of training: the wrapper averages the gradients over the ranks
    net = nn.parallel.DistributedDataParallel(model) if ranks.world > 1 else model

    n_params = sum(p.numel() for p in model.parameters())
    print(
        f"{task.name}: model {args.model} ({n_params:,} parameters), {len(train_set):,} train / "
        f"{len(test_set):,} test images, {args.epochs} epochs of {steps_per_epoch} steps, "
        f"batch {args.batch_size}, {args.optimizer} lr {args.lr} ({args.schedule})"
        + (
            f", {ranks.world} ranks of {args.batch_size / ranks.world:g} each"
            if ranks.world > 1
            else ""
        )
    )
    if ckpt is not None:
        where = f"epoch {state.epoch + 1}" + (
            f", batch {state.batches_done + 1}" if state.batches_done else ""
        )
        print(f"resumed from {ckpt_path} at {where}")
        if saved_epochs != args.epochs:
            print(
                f"the run now has {args.epochs} epochs instead of {saved_epochs}: its "
                f"learning-rate schedule ({args.schedule}) is rebuilt for {args.epochs} epochs"
            )
    metrics_path = out / "metrics.jsonl"
    history = state.history if ckpt is not None else None
    ranks.on_main(lambda: _make_folder(out, metrics_path, history))

    total_steps = args.epochs * steps_per_epoch
    bar = reporting.progress_factory(disable=args.no_progress or not ranks.main)(
        total=total_steps,
        desc=f"epoch {state.epoch + 1}/{args.epochs}",
        initial=state.epoch * steps_per_epoch + state.batches_done,
    )
    stopped = False
    lr = opt.param_groups[0]["lr"]
    with _Interrupt() as interrupt:
        while state.epoch < args.epochs and not stopped:
            epoch_rngs = _rng_states(gens)  # resuming mid-epoch replays from here
            model.train()
            # the interrupted epoch's totals (over all ranks) count once, on rank 0
            resumed = state.batches_done and ranks.main
            seen, correct, loss_sum = state.running if resumed else (0, 0, 0.0)
            seen_at_start = seen
            t0 = time.perf_counter()
            bar.set_description(f"epoch {state.epoch + 1}/{args.epochs}")
            batches: Iterator[Any] = iter(train_loader)
            for i, (x, y) in enumerate(batches):
                if i < state.batches_done:  # replay the data order of an interrupted epoch
                    continue
                logits = net(x)
                loss = F.cross_entropy(logits, y, label_smoothing=args.label_smoothing)
                opt.zero_grad()
                if ranks.world == 1:
                    loss.backward()
                else:  # this share's part of the global batch's mean, times the ranks
                    m = min(args.batch_size, len(train_set) - i * args.batch_size)
                    (loss * (len(y) * ranks.world / m)).backward()
                opt.step()
                lr = opt.param_groups[0]["lr"]  # the rate of this step
                if sched is not None:
                    sched.step()
                state.step += 1
                state.batches_done = i + 1
                n = len(y)
                seen += n
                loss_sum += float(loss) * n
                correct += int((logits.array.argmax(axis=1) == as_numpy(y)).sum())
                rate = ranks.world * (seen - seen_at_start) / (time.perf_counter() - t0)
                bar.update(1, loss=loss_sum / seen, acc=correct / seen, rate=rate)
                # every rank stops at the same step (Ctrl-C may reach them apart)
                requested = (
                    ranks.any(interrupt.requested) if ranks.world > 1 else interrupt.requested
                )
                if requested or (args.max_steps is not None and state.step >= args.max_steps):
                    stopped = True
                    break
            if hasattr(batches, "close"):
                batches.close()
            epoch_time = time.perf_counter() - t0
            seen, correct, loss_sum = ranks.totals(seen, correct, loss_sum)
            if stopped and state.batches_done < steps_per_epoch:
                bar.close()
                state.elapsed += epoch_time
                state.running = (seen, correct, loss_sum)
                if ranks.main:
                    save_checkpoint(ckpt_path, model, opt, sched, state, epoch_rngs, args)
                ranks.barrier()  # the others wait until the checkpoint is written
                why = "interrupted" if requested else f"stopped at step {state.step}"
                print(
                    f"{why}: checkpoint saved to {ckpt_path} (epoch {state.epoch + 1}, "
                    f"batch {state.batches_done}); continue with --resume"
                )
                return {}
            test_loss, test_acc, preds, labels = evaluate(model, test_loader, task.tta_flip, ranks)
            epoch_time = time.perf_counter() - t0
            state.elapsed += epoch_time
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
                "lr": lr,  # of the epoch's last step
                "elapsed_s": round(state.elapsed, 1),
            }
            state.history.append(record)
            if ranks.main:
                with metrics_path.open("a") as f:
                    f.write(json.dumps(record) + "\n")
            bar.write(
                f"epoch {state.epoch:>3}/{args.epochs}  train loss {record['train_loss']:.4f} "
                f"acc {100 * record['train_acc']:.2f}%  test loss {test_loss:.4f} acc "
                f"{100 * test_acc:.2f}%  epoch time {_clock(epoch_time)}, total time "
                f"{_clock(state.elapsed)}"
            )
            if ranks.main:
                save_checkpoint(ckpt_path, model, opt, sched, state, _rng_states(gens), args)
            ranks.barrier()  # the others wait until the checkpoint is written
    bar.close()

    final = state.history[-1] if state.history else {}
    if state.history and not args.no_plots:
        test_loss, test_acc, preds, labels = evaluate(model, test_loader, task.tta_flip, ranks)
        if ranks.main:
            notes = reporting.write_plots(
                out, state.history, preds, labels, test_set, task.classes, task.mean_std
            )
            for note in notes:
                print(note)
        ranks.barrier()
    if final:
        print(
            f"done: test accuracy {100 * final['test_acc']:.2f}% after {state.epoch} "
            f"epoch{'s' if state.epoch != 1 else ''} in "
            f"{_clock(state.elapsed)}; outputs in {out}"
        )
    return final


def _make_folder(out: Path, metrics_path: Path, history: list[dict[str, Any]] | None) -> None:
    """Create the output folder and start the metrics file: empty for a new run, the
    checkpoint's ``history`` for a resumed one (dropping any epoch recorded after the
    checkpoint was written, e.g. by a run killed while saving)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # raced, or a permission check os.access could not see
        raise UserError(f"cannot create {out} ({exc}); choose another folder with --out") from exc
    if history is None:
        metrics_path.unlink(missing_ok=True)
    else:
        metrics_path.write_text("".join(json.dumps(r) + "\n" for r in history))


def _clock(seconds: float) -> str:
    m, s = divmod(math.floor(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def run_main(task: Task, argv: Sequence[str] | None = None) -> int:
    """Entry point of an example: train with the command line's options (``sys.argv``
    when ``argv`` is None) and return the exit code (0 done, 1 a user error, printed as
    one message, 2 an invalid option)."""
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    try:
        ranks = Ranks.launch()
    except AgreedUserError as exc:
        if exc.show:
            print(f"error: {exc}", file=sys.stderr)
        return 1
    if not ranks.main:  # rank 0 alone prints; the others' errors still reach stderr
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the rest of the process
    return run_cli(lambda a: train(task, a, ranks), argv, abort=ranks.abort)
