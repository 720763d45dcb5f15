"""The examples as command-line programs: invalid options exit 2 naming the option, user
errors exit 1 with one message and command-line advice (a traceback only with --debug),
--help shows every option with its default, resuming a complete run exits 0, a larger
--epochs extends a run with its schedule rebuilt, no folder appears before a run starts,
the progress bar covers the whole run, and misclassified.png says which label is the truth.

Only the extension test trains (a few steps on a small subset of the real data); the
others stop before any data is read."""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import pytest

import autograd_np as ag
from examples import cifar10, mnist, reporting
from examples.cli import positive_int
from examples.training import make_parser, run_main

DATA = os.environ.get("AUTOGRAD_NP_DATA")
EXAMPLES = {"mnist": mnist, "cifar10": cifar10}


def run(module, argv, capsys):
    code = module.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------- invalid options
BAD_OPTIONS = [
    (["--epochs", "0"], "--epochs must be a positive integer, got 0"),
    (["--epochs", "-1"], "--epochs must be a positive integer, got -1"),
    (["--epochs", "two"], "--epochs must be a positive integer, got 'two'"),
    (["--batch-size", "0"], "--batch-size must be a positive integer, got 0"),
    (["--lr", "0"], "--lr must be a positive number, got 0"),
    (["--lr", "-0.1"], "--lr must be a positive number, got -0.1"),
    (["--lr", "nan"], "--lr must be a positive number, got 'nan'"),
    (["--lr", "inf"], "--lr must be a positive number, got inf"),
    (["--momentum", "1"], "--momentum must be a number in [0, 1), got 1"),
    (["--weight-decay", "-0.1"], "--weight-decay must be a number >= 0, got -0.1"),
    (["--weight-decay=-1e-4"], "--weight-decay must be a number >= 0, got -1e-4"),
    (["--warmup", "0"], "--warmup must be a number in (0, 1), got 0"),
    (["--warmup", "1.5"], "--warmup must be a number in (0, 1), got 1.5"),
    (["--label-smoothing", "1"], "--label-smoothing must be a number in [0, 1), got 1"),
    (["--seed", "-1"], "--seed must be an integer >= 0, got -1"),
    (["--eval-batch-size", "0"], "--eval-batch-size must be a positive integer, got 0"),
    (["--train-limit", "0"], "--train-limit must be a positive integer, got 0"),
    (["--test-limit", "-5"], "--test-limit must be a positive integer, got -5"),
    (["--max-steps", "0"], "--max-steps must be a positive integer, got 0"),
    (["--optimizer", "lbfgs"], "argument --optimizer: invalid choice: 'lbfgs'"),
]


@pytest.mark.parametrize("name", list(EXAMPLES))
@pytest.mark.parametrize(
    ("argv", "message"), BAD_OPTIONS, ids=[" ".join(a) for a, _ in BAD_OPTIONS]
)
def test_invalid_options_exit_2_naming_the_option(name, argv, message, tmp_path, capsys):
    out_dir = tmp_path / "run"
    code, out, err = run(EXAMPLES[name], [*argv, "--out", out_dir], capsys)
    assert code == 2
    assert message in err
    assert f"python -m examples.{name}: error:" in err
    assert "Traceback" not in err and out == ""
    assert not out_dir.exists()


@pytest.mark.parametrize(
    ("name", "model", "offered"),
    [("mnist", "resnet", "'bncnn', 'lenet', 'seed'"), ("cifar10", "bncnn", "'lenet', 'resnet'")],
)
def test_each_example_offers_only_its_models(name, model, offered, capsys):
    code, _, err = run(EXAMPLES[name], ["--model", model], capsys)
    assert code == 2
    assert f"argument --model: invalid choice: '{model}'" in err and offered in err


def test_the_option_types_accept_good_values():
    assert positive_int("3") == 3
    parser = make_parser(mnist.TASK)
    args = parser.parse_args(["--lr", "1e-3", "--momentum", "0", "--warmup", "0.5"])
    assert (args.lr, args.momentum, args.warmup) == (1e-3, 0.0, 0.5)


# ---------------------------------------------------------------------- --help
@pytest.mark.parametrize(
    ("name", "epochs", "model"), [("mnist", 4, "bncnn"), ("cifar10", 10, "resnet")]
)
def test_help_shows_every_option_with_its_default_once(name, epochs, model, capsys):
    code, out, _ = run(EXAMPLES[name], ["--help"], capsys)
    assert code == 0
    assert out.startswith(f"usage: python -m examples.{name} [options]")
    text = " ".join(out.split())  # undo argparse's line wrapping
    assert f"--epochs EPOCHS epochs to train (default: {epochs})" in text
    assert f"(default: {model})" in text
    assert "(default: None)" not in text
    assert "default: $AUTOGRAD_NP_DATA when set, else a per-user cache)" in text
    data_root = text[text.index("--data-root DATA_ROOT") : text.index("--download,")]
    assert data_root.count("default") == 1  # stated once
    parser = make_parser(EXAMPLES[name].TASK)
    for action in parser._actions:
        assert action.help, action.option_strings
        if action.default not in (None, False, "==SUPPRESS=="):
            shown = str(action.default)
            assert f"(default: {shown})" in text, action.option_strings


# ---------------------------------------------------------------------- missing data
@pytest.mark.parametrize("how", ["--data-root", "env", "default"])
def test_missing_data_is_one_message_with_command_line_advice(how, tmp_path, capsys, monkeypatch):
    empty, out_dir = tmp_path / "empty", tmp_path / "run"
    empty.mkdir()
    argv = ["--no-download", "--out", out_dir]
    monkeypatch.delenv("AUTOGRAD_NP_DATA", raising=False)
    if how == "--data-root":
        argv += ["--data-root", empty]
        root, origin = empty, "given by --data-root"
    elif how == "env":
        monkeypatch.setenv("AUTOGRAD_NP_DATA", str(empty))
        root, origin = empty, "given by the environment variable AUTOGRAD_NP_DATA"
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", str(empty))
        root, origin = empty / "autograd_np", "the default per-user cache"
    code, out, err = run(mnist, argv, capsys)
    assert code == 1
    assert out == ""  # no header: nothing started
    assert err.startswith(f"error: MNIST is not on disk: the data root {root} ({origin}")
    for name in mnist.MNIST.resources:  # the test files too
        assert str(root / "mnist" / name) in err
    assert "Drop --no-download" in err and "--data-root" in err
    assert "download=True" not in err and "Traceback" not in err
    assert not out_dir.exists()


def test_missing_cifar10_names_the_archive(tmp_path, capsys):
    code, _, err = run(cifar10, ["--data-root", tmp_path, "--no-download"], capsys)
    assert code == 1
    assert str(tmp_path / "cifar10" / "cifar-10-python.tar.gz") in err
    assert "Drop --no-download" in err and "Traceback" not in err


def test_debug_shows_the_traceback_of_a_user_error(tmp_path, capsys):
    argv = ["--data-root", tmp_path, "--no-download", "--out", tmp_path / "run", "--debug"]
    code, _, err = run(mnist, argv, capsys)
    assert code == 1
    assert "Traceback" in err and "UserError" in err
    assert err.rstrip().splitlines()[-1].startswith("Drop --no-download")


def test_unexpected_errors_keep_their_traceback(tmp_path):
    def broken(*args):
        raise RuntimeError("a bug")

    task = dataclasses.replace(mnist.TASK, load=broken, missing_files=None)
    with pytest.raises(RuntimeError, match="a bug"):
        run_main(task, ["--out", str(tmp_path / "run")])


def test_an_unwritable_output_folder_is_a_user_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, out, err = run(mnist, ["--out", blocker / "run"], capsys)
    assert code == 1 and out == ""
    assert f"cannot write the run's files to {blocker / 'run'}: {blocker} is a file" in err
    assert "--out" in err and "Traceback" not in err


# ---------------------------------------------------------------------- resume
def fake_checkpoint(folder, *, epoch, model="bncnn", test_acc=0.9943):
    """What a finished run leaves, as far as deciding to resume needs."""
    folder.mkdir(parents=True, exist_ok=True)
    ag.save(
        {
            "model": {},
            "optimizer": {},
            "schedule": None,
            "rng": {},
            "epoch": epoch,
            "step": epoch * 469,
            "batches_done": 0,
            "running": [0, 0, 0.0],
            "history": [{"epoch": e + 1, "test_acc": test_acc} for e in range(epoch)],
            "elapsed": 1.0,
            "args": {"model": model, "epochs": epoch, "batch_size": 128},
        },
        folder / "checkpoint.npz",
    )


def test_resume_without_a_checkpoint_is_a_user_error(tmp_path, capsys):
    out_dir = tmp_path / "run"
    code, out, err = run(mnist, ["--resume", "--out", out_dir], capsys)
    assert code == 1
    assert out == ""  # not even the header
    assert f"no checkpoint at {out_dir / 'checkpoint.npz'}" in err
    assert "without --resume" in err and "Traceback" not in err
    assert not out_dir.exists()


@pytest.mark.parametrize("epochs", [None, 4, 3])
def test_resuming_a_complete_run_exits_0_with_a_message(epochs, tmp_path, capsys):
    out_dir = tmp_path / "run"
    fake_checkpoint(out_dir, epoch=4)
    argv = ["--resume", "--out", out_dir, "--data-root", tmp_path / "none", "--no-download"]
    if epochs is not None:
        argv += ["--epochs", epochs]
    code, out, err = run(mnist, argv, capsys)
    assert code == 0 and err == ""
    assert f"the run in {out_dir} is complete (4 epochs, test accuracy 99.43%" in out
    assert "--resume --epochs 6" in out
    assert ("--epochs is 3" in out) == (epochs == 3)
    assert sorted(p.name for p in out_dir.iterdir()) == ["checkpoint.npz"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a checkpoint", "cannot read the checkpoint"),
        ({"weights": np.zeros(3)}, "is not a checkpoint of this example"),
    ],
)
def test_a_bad_checkpoint_is_a_user_error(content, message, tmp_path, capsys):
    out_dir = tmp_path / "run"
    out_dir.mkdir()
    if isinstance(content, bytes):
        (out_dir / "checkpoint.npz").write_bytes(content)
    else:
        ag.save(content, out_dir / "checkpoint.npz")
    code, _, err = run(mnist, ["--resume", "--out", out_dir], capsys)
    assert code == 1 and message in err and "Traceback" not in err


def test_resuming_with_another_model_is_a_user_error(tmp_path, capsys):
    out_dir = tmp_path / "run"
    fake_checkpoint(out_dir, epoch=2, model="lenet")
    code, _, err = run(mnist, ["--resume", "--out", out_dir, "--epochs", "5"], capsys)
    assert code == 1
    assert f"the run in {out_dir} was made with --model lenet" in err


@pytest.mark.skipif(not DATA, reason="AUTOGRAD_NP_DATA is not set; this run needs MNIST")
def test_a_larger_epochs_extends_the_run_with_the_schedule_rebuilt(tmp_path, capsys, monkeypatch):
    bars = []
    factory = reporting.progress_factory

    def recording_factory(**kw):
        make = factory(**kw)

        def bar(**opts):
            bars.append(opts)
            return make(**opts)

        return bar

    monkeypatch.setattr(reporting, "progress_factory", recording_factory)
    small = ["--model", "seed", "--train-limit", "128", "--test-limit", "64", "--batch-size", "64"]
    small += ["--no-plots", "--no-progress"]
    extended, straight = tmp_path / "extended", tmp_path / "straight"
    assert mnist.main([*small, "--epochs", "1", "--out", str(extended)]) == 0
    capsys.readouterr()
    assert mnist.main([*small, "--epochs", "2", "--resume", "--out", str(extended)]) == 0
    out, _ = capsys.readouterr()
    assert "resumed from" in out and "its learning-rate schedule (onecycle) is rebuilt" in out
    lines = [line for line in out.splitlines() if line.startswith("epoch ")]
    assert len(lines) == 1 and lines[0].startswith("epoch   2/2")
    assert "epoch time 0:" in lines[0] and ", total time 0:" in lines[0]
    # the bar covers the whole run: 2 epochs of 2 steps, 2 of them done before
    assert bars[-1]["total"] == 4 and bars[-1]["initial"] == 2
    assert mnist.main([*small, "--epochs", "2", "--out", str(straight)]) == 0
    ext = [json.loads(s) for s in (extended / "metrics.jsonl").read_text().splitlines()]
    ref = [json.loads(s) for s in (straight / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in ext] == [1, 2] and ext[-1]["step"] == 4
    assert ext[-1]["lr"] == pytest.approx(ref[-1]["lr"])  # the 2-epoch schedule's end
    assert ext[0]["lr"] != pytest.approx(ref[0]["lr"])  # epoch 1 ran a 1-epoch schedule


# ---------------------------------------------------------------------- progress and plots
def test_the_time_left_covers_the_rest_of_the_run():
    assert reporting.run_eta(30, 10, 110, 40.0) == pytest.approx(160.0)  # 80 steps at 2 s
    assert reporting.run_eta(10, 10, 110, 5.0) is None
    assert reporting.run_eta(110, 0, 110, 55.0) == 0.0


def test_the_tqdm_bar_counts_the_steps_of_the_whole_run():
    pytest.importorskip("tqdm")
    bar = reporting.progress_factory()(total=100, desc="epoch 2/4", initial=25)
    bar.update(5, loss=0.5, acc=0.9, rate=100.0)
    state = bar._bar.format_dict
    assert (state["n"], state["total"], state["initial"]) == (30, 100, 25)
    assert "run time left {remaining}" in bar._bar.bar_format
    bar.close()


def test_misclassified_titles_say_which_label_is_true():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    assert reporting.tile_title("9", "5") == "true: 9, predicted: 5"
    assert reporting.tile_title("automobile", "truck") == "true: automobile,\npredicted: truck"
    images = [np.zeros((28, 28), np.uint8)] * 3
    fig = reporting.misclassified_figure(
        images, np.array([9, 3, 0]), np.array([5, 8, 6]), [str(d) for d in range(10)]
    )
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in titled] == [
        "true: 9, predicted: 5",
        "true: 3, predicted: 8",
        "true: 0, predicted: 6",
    ]
    assert all(ax.title.get_fontsize() >= 9 for ax in titled)
    plt.close(fig)
