"""The conditions a wrapped baseline model runs under: seed, isolated global RNGs, thread budget.

PyOD's deep detectors seed the *global* RNGs (``random``, ``numpy.random``, ``torch``, and the
``PYTHONHASHSEED`` environment variable) in their ``__init__`` and draw from the global torch RNG
while training and even while scoring (the VAE samples its latent code in ``decision_function``).
The adapter therefore never lets them touch the caller's state: every call into a wrapped model
runs inside :func:`isolated_global_rngs`, which saves all of these states, seeds them from the
detector's own seed, and restores them afterwards, and inside :class:`rrnvp.runtime.ThreadBudget`,
which caps torch's intra-op threads and every BLAS/OpenMP pool that threadpoolctl can see.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import random
from collections.abc import Iterator

import numpy as np
import torch


@contextlib.contextmanager
def isolated_global_rngs(seed: int, *, torch_rng: bool = True) -> Iterator[None]:
    """Seed the global RNGs with ``seed`` for the block and restore the caller's states after it.

    Covers Python's ``random``, NumPy's legacy global ``RandomState``, the ``PYTHONHASHSEED``
    environment variable and, when ``torch_rng`` is true, torch's CPU generator and the generators
    of every visible CUDA device (``torch.random.fork_rng``; PyOD seeds all of them through
    ``torch.manual_seed``). Deterministic by ``seed`` on CPU; on CUDA, kernels without a
    deterministic implementation can still vary between runs.

    Parameters
    ----------
    seed : int
        Seed in ``[0, 2**32)``.
    torch_rng : bool, default=True
        Also fork and seed torch's generators (skip for models that never touch torch).
    """
    python_state = random.getstate()
    numpy_state = np.random.get_state()
    hash_seed = os.environ.get("PYTHONHASHSEED")
    with contextlib.ExitStack() as stack:
        if torch_rng:
            devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
            stack.enter_context(torch.random.fork_rng(devices=devices))
            torch.manual_seed(seed)
        random.seed(seed)
        np.random.seed(seed)
        try:
            yield
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)
            if hash_seed is None:
                os.environ.pop("PYTHONHASHSEED", None)
            else:
                os.environ["PYTHONHASHSEED"] = hash_seed


class _LineLogger(io.TextIOBase):
    """A text stream that forwards each complete line to a logger (for libraries that print)."""

    def __init__(self, logger: logging.Logger, level: int) -> None:
        super().__init__()
        self._logger = logger
        self._level = level
        self._pending = ""

    def writable(self) -> bool:  # noqa: D102
        return True

    def write(self, text: str) -> int:  # noqa: D102
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if line.strip():
                self._logger.log(self._level, "%s", line.rstrip())
        return len(text)

    def flush(self) -> None:  # noqa: D102
        if self._pending.strip():
            self._logger.log(self._level, "%s", self._pending.rstrip())
        self._pending = ""


@contextlib.contextmanager
def stdout_to_log(logger: logging.Logger, *, verbose: int) -> Iterator[None]:
    """Send what a wrapped library prints to ``logger`` (INFO if ``verbose`` else DEBUG).

    PyOD's SO-GAAL prints one line per epoch unconditionally; the project logs instead of printing.
    """
    stream = _LineLogger(logger, logging.INFO if verbose else logging.DEBUG)
    with contextlib.redirect_stdout(stream):
        try:
            yield
        finally:
            stream.flush()
