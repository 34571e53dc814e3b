"""Where and how computations run: device resolution, seeds from ``random_state``, thread budgets.

One home for what the detector, the baselines, the CIFAR-10 feature extraction and the runner
all need, so that each rule is written once.
"""

from __future__ import annotations

import numbers
import sys
from typing import Any, Literal

import numpy as np

__all__ = ["ThreadBudget", "derive_seed", "resolve_device"]


def resolve_device(device: Any) -> Any:
    """Turn ``"auto"`` into ``cuda`` when available (else ``cpu``); validate anything else.

    Parameters
    ----------
    device : str or torch.device
        ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or a ``torch.device``.

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        For an invalid device, or a CUDA device when CUDA is not available.
    """
    import torch

    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}"
        ) from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available")
    return resolved


def derive_seed(random_state: Any, *, bits: Literal[32, 63] = 32) -> int:
    """A seed for one fit, drawn from a scikit-learn style ``random_state``.

    Parameters
    ----------
    random_state : int, numpy.random.RandomState or None
        A non-negative int gives the same seed every time (hashed through ``SeedSequence`` so that
        neighbouring ints give unrelated streams); a ``RandomState`` is advanced (one draw for 32
        bits, two for 63); None draws fresh OS entropy.
    bits : {32, 63}, default=32
        32: a seed in ``[0, 2**32)`` (what ``np.random.seed`` takes, e.g. for PyOD); 63: a seed in
        ``[0, 2**63)`` for ``torch.Generator.manual_seed``.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        For a negative int or any other type.
    """
    if bits not in (32, 63):
        raise ValueError(f"bits must be 32 or 63, got {bits!r}")
    if isinstance(random_state, np.random.RandomState):
        if bits == 32:
            return int(random_state.randint(2**32 - 1, dtype=np.uint32))
        high = int(random_state.randint(0, 2**31 - 1))
        return high * 2**31 + int(random_state.randint(0, 2**31 - 1))
    if random_state is None:
        sequence = np.random.SeedSequence()
    elif isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be non-negative, got {random_state}")
        sequence = np.random.SeedSequence(int(random_state))
    else:
        raise ValueError(
            "random_state must be None, a non-negative int or a numpy RandomState, "
            f"got {random_state!r}"
        )
    if bits == 32:
        return int(sequence.generate_state(1)[0])
    return int(sequence.generate_state(1, np.uint64)[0] >> 1)


class ThreadBudget:
    """At most ``n_threads`` compute threads inside the block; the previous limits after it.

    Caps every BLAS and OpenMP pool that threadpoolctl sees (OpenBLAS, MKL, libgomp, torch's own)
    and torch's intra-op pool. Torch is only touched once something has imported it, so a block
    of torch-free work does not pay for importing it; :meth:`apply_to_torch` applies the budget to
    a torch imported inside the block. Thread counts are process-wide: the budget is meant for one
    task per process (the runner's workers), not for threads of one process.

    Parameters
    ----------
    n_threads : int or None
        Thread budget (>= 1), or None for no limit (the block runs as it is).

    Raises
    ------
    ValueError
        When ``n_threads`` is neither None nor a positive integer.
    """

    def __init__(self, n_threads: int | None) -> None:
        if n_threads is not None and (
            isinstance(n_threads, bool)
            or not isinstance(n_threads, numbers.Integral)
            or n_threads < 1
        ):
            raise ValueError(f"n_threads must be a positive integer or None, got {n_threads!r}")
        self.n_threads = None if n_threads is None else int(n_threads)
        self._previous_torch: int | None = None
        self._limits: Any = None

    def apply_to_torch(self) -> None:
        """Set torch's intra-op threads if torch is loaded (remembering the old value once)."""
        torch = sys.modules.get("torch")
        if self.n_threads is None or torch is None:
            return
        if self._previous_torch is None:
            self._previous_torch = torch.get_num_threads()
        torch.set_num_threads(self.n_threads)

    def __enter__(self) -> ThreadBudget:
        if self.n_threads is not None:
            from threadpoolctl import threadpool_limits

            torch = sys.modules.get("torch")
            if torch is not None:
                # Before threadpoolctl: where it sees torch's OpenMP runtime, capping that pool
                # also changes what torch.get_num_threads() returns.
                self._previous_torch = torch.get_num_threads()
            self._limits = threadpool_limits(limits=self.n_threads)
            self.apply_to_torch()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._limits is not None:
            self._limits.restore_original_limits()
            self._limits = None
        torch = sys.modules.get("torch")
        if torch is not None and self._previous_torch is not None:
            torch.set_num_threads(self._previous_torch)
            self._previous_torch = None
