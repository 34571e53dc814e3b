"""rrnvp: RobustRealNVP anomaly detection (Liu, Tan & Zhou, AAAI 2022).

Detectors follow scikit-learn/PyOD conventions: ``fit(X)`` returns the detector,
``decision_function(X)`` is higher for more anomalous points, ``score_samples(X)`` is the
log-density.
"""

from importlib.metadata import PackageNotFoundError, version

from rrnvp.detector import (
    FlowDetector,
    RealNVP,
    RobustRealNVP,
    TrainingDivergedError,
    TrimRealNVP,
)
from rrnvp.flow import RealNVPFlow, partition_masks
from rrnvp.trimming import trimmed_mean

try:
    __version__ = version("rrnvp")
except PackageNotFoundError:  # running from a checkout without installation
    __version__ = "0.1.0"

__all__ = [
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
