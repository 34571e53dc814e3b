"""rrnvp: RobustRealNVP anomaly detection (Liu, Tan & Zhou, AAAI 2022).

Detectors follow scikit-learn/PyOD conventions: ``fit(X)`` returns the detector,
``decision_function(X)`` is higher for more anomalous points, ``score_samples(X)`` is the
log-density.

The public names are loaded on first use (PEP 562), so that the light helpers
(:mod:`rrnvp.files`, :mod:`rrnvp.runtime`) can be imported without torch.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("rrnvp")
except PackageNotFoundError:  # running from a checkout without installation
    __version__ = "0.1.0"

_PUBLIC = {
    "CouplingLayout": "rrnvp.coupling_layout",
    "FlowDetector": "rrnvp.detector",
    "RealNVP": "rrnvp.detector",
    "RobustRealNVP": "rrnvp.detector",
    "TrainingDivergedError": "rrnvp.detector",
    "TrimRealNVP": "rrnvp.detector",
    "RealNVPFlow": "rrnvp.flow",
    "partition_masks": "rrnvp.flow",
    "trimmed_mean": "rrnvp.trimming",
}

__all__ = [
    "CouplingLayout",
    "FlowDetector",
    "RealNVP",
    "RealNVPFlow",
    "RobustRealNVP",
    "TrainingDivergedError",
    "TrimRealNVP",
    "partition_masks",
    "trimmed_mean",
    "__version__",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from rrnvp.coupling_layout import CouplingLayout
    from rrnvp.detector import (
        FlowDetector,
        RealNVP,
        RobustRealNVP,
        TrainingDivergedError,
        TrimRealNVP,
    )
    from rrnvp.flow import RealNVPFlow, partition_masks
    from rrnvp.trimming import trimmed_mean


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'rrnvp' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
