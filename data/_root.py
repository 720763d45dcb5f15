"""Where datasets live on disk: explicit root, ``$AUTOGRAD_NP_DATA``, or a user cache."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ENV_VAR", "default_data_root", "resolve_root"]

ENV_VAR = "AUTOGRAD_NP_DATA"
"""Name of the environment variable that points at the dataset root."""


def default_data_root() -> Path:
    """Return the dataset root used when no ``root`` argument is given.

    Resolution order: the environment variable ``AUTOGRAD_NP_DATA`` when set and
    non-empty, else ``$XDG_CACHE_HOME/autograd_np`` when ``XDG_CACHE_HOME`` is set, else
    ``~/.cache/autograd_np``. The directory is not created.

    Returns
    -------
    pathlib.Path
        The root directory; datasets live in subdirectories (``mnist/``,
        ``fashion-mnist/``, ``cifar10/``).

    Examples
    --------
    >>> default_data_root()  # doctest: +SKIP
    PosixPath('/home/me/.cache/autograd_np')
    """
    env = os.environ.get(ENV_VAR, "")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(cache).expanduser() if cache else Path.home() / ".cache"
    return base / "autograd_np"


def resolve_root(root: str | os.PathLike[str] | None) -> Path:
    """Return ``root`` as a :class:`~pathlib.Path`, or :func:`default_data_root` if ``None``.

    Parameters
    ----------
    root : str or os.PathLike or None
        An explicit dataset root; ``~`` is expanded.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> resolve_root("~/data").name
    'data'
    """
    if root is None:
        return default_data_root()
    return Path(os.fspath(root)).expanduser()
