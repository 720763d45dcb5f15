"""The char-level GPT example trains on a slice of Tiny Shakespeare, writes its files,
samples, and resumes with the same numbers. Needs the real file: set AUTOGRAD_NP_DATA."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from examples import shakespeare

DATA = os.environ.get("AUTOGRAD_NP_DATA")
needs_data = pytest.mark.skipif(
    not DATA, reason="AUTOGRAD_NP_DATA is not set; the example needs Tiny Shakespeare"
)

SMALL = [
    "--text-limit", "20000", "--iters", "6", "--eval-interval", "3", "--eval-iters", "2",
    "--batch-size", "4", "--block-size", "16", "--n-layer", "2", "--n-embd", "32",
    "--warmup-iters", "2", "--sample-len", "20", "--no-progress", "--no-plots",
]  # fmt: skip


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _losses(out: Path) -> list[tuple]:
    return [
        (r["iter"], r["train_loss"], r["val_loss"], r["lr"]) for r in _lines(out / "metrics.jsonl")
    ]


@needs_data
def test_example_trains_writes_files_and_samples(tmp_path, capsys):
    out = tmp_path / "run"
    final = shakespeare.main([*SMALL, "--out", str(out)])
    history = _losses(out)
    assert [h[0] for h in history] == [0, 3, 6]
    assert final["val_loss"] == history[-1][2] and history[-1][1] < history[0][1]
    assert len(_lines(out / "train_loss.jsonl")) == 6
    assert (out / "checkpoint.npz").exists()
    samples = (out / "samples.txt").read_text().split("\n---\n")
    assert len(samples) == 2 and all(len(s) == 21 for s in samples)  # "\n" + 20 characters
    assert "tok/s" in capsys.readouterr().out


@needs_data
def test_lstm_baseline_trains(tmp_path):
    out = tmp_path / "lstm"
    small = [*SMALL, "--lstm-hidden", "32", "--lstm-layers", "1"]
    final = shakespeare.main([*small, "--model", "lstm", "--out", str(out)])
    history = _losses(out)
    assert [h[0] for h in history] == [0, 3, 6] and history[-1][1] < history[0][1]
    assert final["val_loss"] == history[-1][2]


@needs_data
def test_resume_gives_identical_metrics(tmp_path):
    whole, split = tmp_path / "whole", tmp_path / "split"
    shakespeare.main([*SMALL, "--out", str(whole)])
    shakespeare.main([*SMALL, "--out", str(split), "--max-steps", "4"])
    assert [h[0] for h in _losses(split)] == [0, 3]
    shakespeare.main([*SMALL, "--out", str(split), "--resume"])
    assert _losses(split) == _losses(whole)
    assert _lines(split / "train_loss.jsonl") == _lines(whole / "train_loss.jsonl")
    assert (split / "samples.txt").read_text() == (whole / "samples.txt").read_text()
