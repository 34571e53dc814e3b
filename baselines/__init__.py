"""The paper's baselines (REFERENCE §9) behind the ``rrnvp.FlowDetector`` interface.

``BASELINES`` maps each name (``ae``, ``vae``, ``deep_svdd``, ``so_gaal``, ``ocsvm``, ``lof``,
``iforest``) to a scikit-learn estimator class; ``make_baseline(name, **params)`` returns an
unfitted detector with the authors' settings. Every detector has ``fit(X)``,
``decision_function(X)`` (higher = more anomalous), ``score_samples(X)`` (its negation),
``predict(X)`` in {0, 1}, ``random_state`` and a ``n_threads`` budget (default 1).
"""

from baselines.adapter import BaselineDetector, BaselineSpec
from baselines.registry import (
    BASELINES,
    AutoEncoderDetector,
    DeepSVDDDetector,
    IForestDetector,
    LOFDetector,
    OCSVMDetector,
    SOGAALDetector,
    VAEDetector,
    make_baseline,
)
from rrnvp.runtime import ThreadBudget

__all__ = [
    "BASELINES",
    "AutoEncoderDetector",
    "BaselineDetector",
    "BaselineSpec",
    "DeepSVDDDetector",
    "IForestDetector",
    "LOFDetector",
    "OCSVMDetector",
    "SOGAALDetector",
    "VAEDetector",
    "make_baseline",
    "ThreadBudget",
]
