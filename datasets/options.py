"""What defines a split (a kind's options) apart from where and how it is computed (the context).

Every dataset kind has one options class: a frozen dataclass derived from :class:`DataOptions`
whose fields are the options that define the data (for CIFAR-10 the contamination ratio, the
feature extractor, the test protocol, ...). A config's ``[data]`` table and the keyword options of
``datasets.load_split`` are turned into that object with :meth:`DataOptions.from_mapping`, which
refuses unknown keys naming them and the valid ones. These options, as written in the config, go
into the run spec and its hashed id.

:class:`ComputeContext` holds the execution settings: the device, batch size and threads of the
feature extraction, progress bars, the cache folder and where the extractor's weights file is.
They change where and how fast the data is computed, never what it is, so they are not options:
given as options they are refused (pointing here), they are never part of a run id, and the
runner fills them from its command line (``--device``, its per-run thread budget,
``--no-progress``).
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

import numpy as np

from rrnvp.files import PathLike


@dataclass(frozen=True)
class ComputeContext:
    """Where and how a split is computed; never part of the data's definition or of a run id.

    Attributes
    ----------
    device : str, default="auto"
        Torch device of feature extraction (``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"``).
        The runner passes its ``--device``.
    batch_size : int, default=64
        Images per batch of feature extraction (the features do not depend on it).
    num_threads : int or None, default=None
        Torch threads of feature extraction on the CPU (None: leave torch's setting; the runner
        passes its per-run thread budget).
    progress : bool, default=True
        Show progress bars of long steps (feature extraction).
    cache_dir : str or Path, optional
        Cache root for features and folder verification (default: the user cache directory).
    weights_path : str or Path, optional
        A local copy of the feature extractor's weights; the file is verified against the
        extractor's pinned sha256, so it is the same weights wherever it lies.
    """

    device: str = "auto"
    batch_size: int = 64
    num_threads: int | None = None
    progress: bool = True
    cache_dir: PathLike | None = None
    weights_path: PathLike | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.device, str) or not self.device:
            raise ValueError(f"device must be a non-empty string, got {self.device!r}")
        if not _positive_int(self.batch_size):
            raise ValueError(f"batch_size must be a positive integer, got {self.batch_size!r}")
        if self.num_threads is not None and not _positive_int(self.num_threads):
            raise ValueError(
                f"num_threads must be None or a positive integer, got {self.num_threads!r}"
            )
        if not isinstance(self.progress, bool | np.bool_):
            raise ValueError(f"progress must be True or False, got {self.progress!r}")


#: The execution settings (fields of :class:`ComputeContext`), refused as data options.
EXECUTION_SETTINGS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ComputeContext))

#: Where each execution setting comes from when the runner computes a split.
_RUNNER_SOURCE = {
    "device": "the runner's --device",
    "num_threads": "the runner's per-run thread budget",
    "progress": "the runner's --no-progress",
}


def _positive_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1


def check_bool(name: str, value: Any) -> bool:
    """Validate a boolean option (Python or NumPy bool; 0, 1, None or strings are refused)."""
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


@dataclass(frozen=True)
class DataOptions:
    """Base of the options classes of the dataset kinds (itself: a kind without options).

    A subclass is a frozen dataclass; its fields are the options, their defaults the project's
    protocol, and its ``__post_init__`` validates (and may normalise) the values.
    """

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The option names, in declaration order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], *, kind: str | None = None) -> Self:
        """The options object of ``values`` (missing options take their defaults).

        Parameters
        ----------
        values : mapping
            Option name -> value, e.g. a config's ``[data]`` table.
        kind : str, optional
            The kind's name, for messages.

        Raises
        ------
        TypeError
            A key is an execution setting (the message says where it belongs) or unknown (the
            message names it and the valid options).
        ValueError
            A value is invalid (from the class's validation).
        """
        valid = cls.names()
        unknown = sorted(set(values) - set(valid))
        datasets_of = f"{kind} datasets" if kind else "these datasets"
        execution = [key for key in unknown if key in EXECUTION_SETTINGS]
        if execution:
            sources = "; ".join(
                f"{key}: {_RUNNER_SOURCE[key]}" for key in execution if key in _RUNNER_SOURCE
            )
            raise TypeError(
                f"{', '.join(execution)}: execution setting(s), not data option(s) of "
                f"{datasets_of}: they do not define the data and are not part of a run id; give "
                f"them in the compute context (datasets.ComputeContext, load_split(..., "
                f"context=...))" + (f"; the runner sets {sources}" if sources else "")
            )
        if unknown:
            raise TypeError(
                f"unknown option(s) {', '.join(unknown)}; valid options for {datasets_of}: "
                f"{', '.join(sorted(valid)) or 'none'}"
            )
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """Every option with its value (defaults included)."""
        return {name: getattr(self, name) for name in self.names()}
