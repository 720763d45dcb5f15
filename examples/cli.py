"""The examples' command line: option types that name the option in their errors, a help
formatter that shows each default once, and the entry point that turns expected user
errors into one message with an exit code instead of a traceback.

Exit codes: 0 done (or nothing to do), 1 an expected user error (missing data, no
checkpoint to resume, an output folder that cannot be written), 2 an invalid option.
``--debug`` shows the traceback of a user error; unexpected errors always show theirs.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from autograd_np.data import ENV_VAR, default_data_root

__all__ = [
    "AgreedUserError",
    "ArgumentParser",
    "HelpFormatter",
    "UserError",
    "check_writable_folder",
    "data_root_origin",
    "fraction",
    "nonnegative_float",
    "nonnegative_int",
    "positive_float",
    "positive_int",
    "run_cli",
]


class UserError(Exception):
    """An expected error caused by the command line or the files it names (missing data,
    no checkpoint, an unwritable folder). Its message says what to do on the command line;
    :func:`run_cli` prints it without a traceback and exits with code 1."""


class AgreedUserError(UserError):
    """A :class:`UserError` that every rank of a data-parallel run raises together (the
    ranks agreed on it), so each exits with code 1; only the rank with ``show`` prints it."""

    def __init__(self, message: str, *, show: bool) -> None:
        super().__init__(message)
        self.show = show


# ---------------------------------------------------------------------- option types
def _number(text: str, kind: type[int] | type[float], what: str) -> Any:
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None
    if kind is float and value != value:  # NaN
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """An int > 0 (argparse type)."""
    value = _number(text, int, "a positive integer")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return int(value)


def nonnegative_int(text: str) -> int:
    """An int >= 0 (argparse type)."""
    value = _number(text, int, "an integer >= 0")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {value}")
    return int(value)


def positive_float(text: str) -> float:
    """A finite float > 0 (argparse type)."""
    value = _number(text, float, "a positive number")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return float(value)


def nonnegative_float(text: str) -> float:
    """A finite float >= 0 (argparse type)."""
    value = _number(text, float, "a number >= 0")
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text}")
    return float(value)


def fraction(low_open: bool, high_open: bool) -> Callable[[str], float]:
    """An argparse type for a number in an interval between 0 and 1; ``low_open`` /
    ``high_open`` exclude 0 / 1."""
    interval = f"{'(' if low_open else '['}0, 1{')' if high_open else ']'}"
    what = f"a number in {interval}"

    def parse(text: str) -> float:
        value = float(_number(text, float, what))
        below = value <= 0 if low_open else value < 0
        above = value >= 1 if high_open else value > 1
        if below or above:
            raise argparse.ArgumentTypeError(f"must be {what}, got {text}")
        return value

    parse.__name__ = f"fraction{interval}"
    return parse


# ---------------------------------------------------------------------- parser and help
class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows ``(default: ...)`` once per option: not for options whose help already
    states it, whose default is None, or for on/off flags that are off by default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        help_text = action.help or ""
        if "%(default)" in help_text or "default:" in help_text:
            return help_text
        if action.default is None or action.default is False:
            return help_text
        return super()._get_help_string(action) or help_text


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser with option errors worded as ``--epochs must be a positive
    integer, got 0`` (exit code 2, no traceback, as argparse does). A ``quiet`` parser
    (on the ranks other than 0 of a data-parallel run) exits the same way but prints
    nothing, so that ``--help`` and option errors appear once."""

    def __init__(self, *args: Any, quiet: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.quiet = quiet

    def _print_message(self, message: str, file: Any = None) -> None:
        if not self.quiet:
            super()._print_message(message, file)

    def error(self, message: str) -> NoReturn:
        match = re.fullmatch(r"argument ([^:]+): (must be .*)", message, flags=re.DOTALL)
        if match:
            options = match.group(1).split("/")
            long = next((o for o in options if o.startswith("--")), options[0])
            message = f"{long} {match.group(2)}"
        super().error(message)


# ---------------------------------------------------------------------- checks
def data_root_origin(data_root: str | None) -> tuple[Path, str]:
    """The dataset root the examples use, and what chose it (for messages: "the data root
    ROOT (ORIGIN)")."""
    if data_root is not None:
        return Path(data_root).expanduser(), "given by --data-root"
    if os.environ.get(ENV_VAR, ""):
        return default_data_root(), f"given by the environment variable {ENV_VAR}"
    return default_data_root(), "the default per-user cache; --data-root chooses another"


def check_writable_folder(folder: Path, option: str = "--out") -> None:
    """Raise :class:`UserError` unless ``folder`` is, or can be created as, a writable
    directory. Creates nothing."""
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    advice = f"choose another folder with {option}"
    if probe.exists() and not probe.is_dir():
        raise UserError(
            f"cannot write the run's files to {folder}: {probe} is a file, not a folder; {advice}"
        )
    if probe.exists() and not os.access(probe, os.W_OK | os.X_OK):
        raise UserError(
            f"cannot write the run's files to {folder}: {probe} is not writable; {advice}"
        )


# ---------------------------------------------------------------------- entry point
def run_cli(
    main: Callable[[Sequence[str] | None], Any],
    argv: Sequence[str] | None,
    *,
    abort: Callable[[int], None] | None = None,
) -> int:
    """Run ``main(argv)`` as a command: returns the exit code (0 done, 1 user error, 2
    invalid option, or argparse's code for ``--help``).

    A :class:`UserError` prints ``error: <message>`` on stderr, with its traceback only
    when ``--debug`` is on the command line; any other exception propagates with its
    traceback. An :class:`AgreedUserError` is printed only where its ``show`` is set.
    Any other UserError happened on this rank alone: after printing it, ``abort(1)``
    (when given) ends the other ranks of a data-parallel run, which would otherwise wait
    for this one.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        main(args)
    except SystemExit as exc:  # argparse: --help (0) or an invalid option (2)
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except UserError as exc:
        agreed = isinstance(exc, AgreedUserError)
        if not isinstance(exc, AgreedUserError) or exc.show:
            if "--debug" in args:
                traceback.print_exc()
            print(f"error: {exc}", file=sys.stderr)
        if not agreed and abort is not None:
            abort(1)
        return 1
    return 0
