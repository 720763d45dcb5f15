"""Train a character-level GPT on Tiny Shakespeare: ``python -m examples.shakespeare``
(``--model lstm`` for an LSTM baseline).

The default recipe is nanoGPT's published CPU run of ``train_shakespeare_char``: context 64,
batch 12, 4 layers, 4 heads, width 128, no dropout, 2000 iterations; AdamW at lr 1e-3,
betas (0.9, 0.99), weight decay 0.1 on matrices and embeddings only; 100 warm-up
iterations then cosine decay to 1e-4; gradients clipped at 1.0; every 250 iterations the
loss on 20 random batches of each split.

Writes into ``--out``: ``metrics.jsonl`` (one line per evaluation), ``train_loss.jsonl``
(every iteration), ``checkpoint.npz`` (at each evaluation, at ``--max-steps`` and on
Ctrl-C), ``loss_curve.png`` (with matplotlib) and ``samples.txt``. ``--resume``
continues from the checkpoint with the same numbers as an uninterrupted run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import autograd_np as ag
import autograd_np.nn.functional as F
from autograd_np import nn, optim
from autograd_np.data import CharTextDataset, TinyShakespeare, read_text
from autograd_np.nn.utils import clip_grad_norm_
from examples.shakespeare_model import GPT, CharLSTM, weight_decay_groups

CHECKPOINT = "checkpoint.npz"


def make_parser() -> argparse.ArgumentParser:
    """The command-line options; the defaults are the recipe."""
    p = argparse.ArgumentParser(
        description="Train a character-level GPT on Tiny Shakespeare with autograd_np.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--model", default="gpt", choices=["gpt", "lstm"])
    p.add_argument("--iters", type=int, default=2000, help="training iterations")
    p.add_argument("--batch-size", type=int, default=12)
    p.add_argument("--block-size", type=int, default=64, help="context length")
    p.add_argument("--n-layer", type=int, default=4)
    p.add_argument("--n-head", type=int, default=4)
    p.add_argument("--n-embd", type=int, default=128, help="width (lstm: embedding size)")
    p.add_argument("--lstm-hidden", type=int, default=256, help="lstm: hidden units")
    p.add_argument("--lstm-layers", type=int, default=2, help="lstm: layers")
    p.add_argument("--lr", type=float, default=1e-3, help="peak learning rate")
    p.add_argument("--min-lr", type=float, default=1e-4)
    p.add_argument("--warmup-iters", type=int, default=100)
    p.add_argument("--lr-decay-iters", type=int, default=None, help="default: --iters")
    p.add_argument("--beta1", type=float, default=0.9)
    p.add_argument("--beta2", type=float, default=0.99)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--grad-clip", type=float, default=1.0)
    p.add_argument("--eval-interval", type=int, default=250)
    p.add_argument("--eval-iters", type=int, default=20, help="batches per split and evaluation")
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--data-root", default=None, help="default: $AUTOGRAD_NP_DATA or the cache")
    p.add_argument("--download", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--text-limit", type=int, default=None, help="use the first N characters")
    p.add_argument("--out", default="runs/shakespeare", help="output directory")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.npz")
    p.add_argument("--max-steps", type=int, default=None, help="stop (with a checkpoint) here")
    p.add_argument("--num-samples", type=int, default=2)
    p.add_argument("--sample-len", type=int, default=300, help="characters per sample")
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--top-k", type=int, default=200)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG")
    return p


def lr_at(it: int, args: argparse.Namespace) -> float:
    """nanoGPT's schedule: linear warm-up, then cosine decay to ``min_lr``."""
    decay_iters = args.lr_decay_iters or args.iters
    if it < args.warmup_iters:
        return float(args.lr * (it + 1) / (args.warmup_iters + 1))
    if it > decay_iters:
        return float(args.min_lr)
    ratio = (it - args.warmup_iters) / max(decay_iters - args.warmup_iters, 1)
    return float(args.min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (args.lr - args.min_lr))


def load_splits(args: argparse.Namespace) -> tuple[CharTextDataset, CharTextDataset]:
    """The train and validation splits (90% / 10%), sharing the whole file's vocabulary."""
    full = TinyShakespeare(
        args.data_root, split="all", block_size=args.block_size, download=args.download
    )
    text = read_text(full.path)
    if args.text_limit is not None:
        text = text[: args.text_limit]
    train = CharTextDataset(text, args.block_size, "train", vocab=full.vocab)
    val = CharTextDataset(text, args.block_size, "val", vocab=full.vocab)
    return train, val


def build_model(args: argparse.Namespace, vocab_size: int, rng: np.random.Generator) -> nn.Module:
    """The GPT of the recipe, or the LSTM baseline with ``--model lstm``."""
    if args.model == "lstm":
        return CharLSTM(vocab_size, args.n_embd, args.lstm_hidden, args.lstm_layers, generator=rng)
    return GPT(vocab_size, args.block_size, args.n_layer, args.n_head, args.n_embd, generator=rng)


def lm_loss(model: nn.Module, x: np.ndarray, y: np.ndarray) -> ag.Tensor:
    """Mean next-character cross-entropy of a batch."""
    logits = model(x)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def estimate_loss(
    model: nn.Module, splits: dict[str, CharTextDataset], args: argparse.Namespace, it: int
) -> dict[str, float]:
    """Mean loss over ``eval_iters`` random batches of each split (seeded by the iteration,
    so a resumed run draws the same batches)."""
    model.eval()
    out = {}
    with ag.no_grad():
        for name, ds in splits.items():
            rng = np.random.default_rng([args.seed, it, len(name)])
            losses = [
                float(lm_loss(model, *ds.sample_batch(args.batch_size, rng)))
                for _ in range(args.eval_iters)
            ]
            out[name] = float(np.mean(losses))
    model.train()
    return out


def generate(
    model: nn.Module,
    start: np.ndarray,
    n: int,
    block_size: int,
    *,
    temperature: float,
    top_k: int | None,
    generator: np.random.Generator,
) -> np.ndarray:
    """Extend ``start`` (1-D int array) by ``n`` sampled characters."""
    idx = list(start.tolist())
    model.eval()
    with ag.no_grad():
        for _ in range(n):
            context = np.asarray(idx[-block_size:], dtype=np.int64)[None, :]
            logits = model(context).array[0, -1].astype(np.float64) / temperature
            if top_k is not None and top_k < logits.size:
                kth = np.partition(logits, -top_k)[-top_k]
                logits[logits < kth] = -np.inf
            p = np.exp(logits - logits.max())
            idx.append(int(generator.choice(p.size, p=p / p.sum())))
    model.train()
    return np.asarray(idx, dtype=np.int64)


class _Progress:
    """tqdm when installed and on a terminal; else a status line every ~10% of the run."""

    def __init__(self, total: int, start: int, disable: bool) -> None:
        self.total, self.n = total, start
        self.bar: Any = None
        self.disable = disable
        self.every = max(total // 10, 1)
        if not disable and sys.stderr.isatty():
            try:
                from tqdm import tqdm

                self.bar = tqdm(total=total, initial=start, leave=False, dynamic_ncols=True)
            except ImportError:
                pass

    def update(self, loss: float, tokens_per_s: float) -> None:
        self.n += 1
        text = f"loss {loss:.4f} {tokens_per_s:,.0f} tok/s"
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=False)
            self.bar.update(1)
        elif not self.disable and self.n % self.every == 0:
            print(f"  iter {self.n}/{self.total}: {text}", flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _save(
    path: Path,
    model: nn.Module,
    opt: optim.Optimizer,
    it: int,
    last_eval: int,
    rng: np.random.Generator,
    history: list[dict[str, Any]],
    elapsed: float,
    args: argparse.Namespace,
) -> None:
    ag.save(
        {
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "iter": it,
            "last_eval": last_eval,
            "rng": rng.bit_generator.state,
            "history": history,
            "elapsed": elapsed,
            "args": {k: v for k, v in vars(args).items() if k not in ("resume", "max_steps")},
        },
        path,
    )


def _truncate(path: Path, keep: Callable[[dict[str, Any]], bool]) -> None:
    """Keep the JSON lines of ``path`` for which ``keep`` is true."""
    if path.exists():
        lines = [ln for ln in path.read_text().splitlines() if ln and keep(json.loads(ln))]
        path.write_text("".join(ln + "\n" for ln in lines))


def _plot(out: Path, train_losses: list[float], history: list[dict[str, Any]]) -> str:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install matplotlib): skipped loss_curve.png"
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(range(len(train_losses)), train_losses, lw=0.6, alpha=0.5, label="train (batch)")
    ax.plot([h["iter"] for h in history], [h["train_loss"] for h in history], "o-", label="train")
    ax.plot([h["iter"] for h in history], [h["val_loss"] for h in history], "o-", label="val")
    ax.set_xlabel("iteration")
    ax.set_ylabel("cross-entropy (nats/char)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "loss_curve.png", dpi=100)
    plt.close(fig)
    return f"plot: {out / 'loss_curve.png'}"


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Train, evaluate, checkpoint, sample. Returns the last evaluation's metrics."""
    args = make_parser().parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path = out / CHECKPOINT
    train_set, val_set = load_splits(args)
    splits = {"train": train_set, "val": val_set}
    vocab = train_set.vocab
    init_rng, data_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(args.seed).spawn(2)
    )
    model = build_model(args, len(vocab), init_rng)
    opt = optim.AdamW(
        weight_decay_groups(model, args.weight_decay),
        lr=args.lr,
        betas=(args.beta1, args.beta2),
    )
    start, last_eval, elapsed = 0, -1, 0.0
    history: list[dict[str, Any]] = []
    if args.resume:
        if not ckpt_path.exists():
            raise SystemExit(f"--resume: no checkpoint at {ckpt_path}")
        ck = ag.load(ckpt_path)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        data_rng.bit_generator.state = ck["rng"]
        start, last_eval, elapsed = int(ck["iter"]), int(ck["last_eval"]), float(ck["elapsed"])
        history = list(ck["history"])
        # drop what a run killed after its last checkpoint wrote
        _truncate(out / "train_loss.jsonl", lambda r: r["iter"] < start)
        _truncate(out / "metrics.jsonl", lambda r: r["iter"] <= last_eval)
        print(f"resumed from {ckpt_path} at iteration {start}")
    else:
        for name in ("metrics.jsonl", "train_loss.jsonl"):
            (out / name).unlink(missing_ok=True)
    n_params = sum(p.numel() for p in model.parameters())
    print(
        f"{args.model}: {n_params / 1e6:.2f}M parameters, vocabulary {len(vocab)}, "
        f"{len(train_set.data):,} train / {len(val_set.data):,} val characters"
    )
    tokens = args.batch_size * args.block_size
    bar = _Progress(args.iters, start, args.no_progress)
    with (
        open(out / "metrics.jsonl", "a") as metrics_file,
        open(out / "train_loss.jsonl", "a") as losses_file,
    ):
        it = start
        try:
            while True:
                if (it % args.eval_interval == 0 or it == args.iters) and last_eval != it:
                    losses = estimate_loss(model, splits, args, it)
                    record = {
                        "iter": it,
                        "train_loss": losses["train"],
                        "val_loss": losses["val"],
                        "lr": lr_at(min(it, args.iters - 1), args),
                        "elapsed": round(elapsed, 3),
                    }
                    history.append(record)
                    metrics_file.write(json.dumps(record) + "\n")
                    metrics_file.flush()
                    last_eval = it
                    print(
                        f"iter {it}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}"
                        f" ({elapsed:.0f} s)",
                        flush=True,
                    )
                    _save(ckpt_path, model, opt, it, last_eval, data_rng, history, elapsed, args)
                if it >= args.iters:
                    break
                if args.max_steps is not None and it >= args.max_steps:
                    _save(ckpt_path, model, opt, it, last_eval, data_rng, history, elapsed, args)
                    print(f"stopped at iteration {it} (--max-steps); continue with --resume")
                    break
                t0 = time.perf_counter()
                lr = lr_at(it, args)
                for group in opt.param_groups:
                    group["lr"] = lr
                x, y = train_set.sample_batch(args.batch_size, data_rng)
                loss = lm_loss(model, x, y)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                if args.grad_clip > 0:
                    clip_grad_norm_(model.parameters(), args.grad_clip)
                opt.step()
                lval = float(loss)
                dt = time.perf_counter() - t0
                elapsed += dt
                losses_file.write(json.dumps({"iter": it, "loss": lval}) + "\n")
                bar.update(lval, tokens / dt)
                it += 1
        except KeyboardInterrupt:
            _save(ckpt_path, model, opt, it, last_eval, data_rng, history, elapsed, args)
            print(f"\ninterrupted at iteration {it}; checkpoint in {ckpt_path} (--resume)")
            raise SystemExit(130) from None
        finally:
            bar.close()
    final = history[-1] if history else {}
    if it < args.iters:
        return final
    train_steps = max(args.iters, 1)
    print(
        f"done: val loss {final['val_loss']:.4f} after {args.iters} iterations, "
        f"{elapsed:.0f} s of training ({train_steps * tokens / max(elapsed, 1e-9):,.0f} tok/s)"
    )
    train_losses = [
        json.loads(line)["loss"] for line in (out / "train_loss.jsonl").read_text().splitlines()
    ]
    if not args.no_plots:
        print(_plot(out, train_losses, history))
    rng = np.random.default_rng(args.seed)
    samples = []
    for k in range(args.num_samples):
        ids = generate(
            model,
            vocab.encode("\n"),
            args.sample_len,
            args.block_size,
            temperature=args.temperature,
            top_k=args.top_k,
            generator=rng,
        )
        samples.append(vocab.decode(ids))
        print(f"--- sample {k + 1} (temperature {args.temperature}, top-k {args.top_k})")
        print(samples[-1])
    (out / "samples.txt").write_text("\n---\n".join(samples))
    return final


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
