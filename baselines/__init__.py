"""The paper's baselines (Liu, Tan & Zhou, AAAI 2022) behind the ``rrnvp.FlowDetector`` interface.

``BASELINES`` maps each name (``ae``, ``vae``, ``deep_svdd``, ``so_gaal``, ``ocsvm``, ``lof``,
``iforest``) to the scikit-learn estimator class of its paper-faithful configuration (``ae`` and
``deep_svdd``: the authors' ODDS scripts exactly); ``ALTERNATIVES`` holds other implementations of
the same baselines (``ae_rebuilt``, ``deep_svdd_rebuilt``: the authors' networks rebuilt from a
description of their scripts, the defaults until 2026-12-02; ``ae_pyod``, ``deep_svdd_ruff``;
``vae_pyod08``: PyOD 0.8.6's Keras VAE rebuilt in torch, what the authors ran on CIFAR-10);
``make_baseline(name, **params)`` returns an unfitted detector of either with the authors'
settings. Every detector has ``fit(X)``,
``decision_function(X)`` (higher = more anomalous), ``score_samples(X)`` (its negation),
``predict(X)`` in {0, 1}, ``random_state``, a ``n_threads`` budget (default 1) and its
``input_scaling`` (per-method preprocessing fitted on the training data).
"""

from baselines.adapter import BaselineDetector, BaselineSpec
from baselines.registry import (
    ALTERNATIVES,
    BASELINES,
    AutoEncoderDetector,
    DeepSVDDDetector,
    IForestDetector,
    KerasEraVAEDetector,
    LOFDetector,
    OCSVMDetector,
    PyODAutoEncoderDetector,
    RebuiltAutoEncoderDetector,
    RebuiltDeepSVDDDetector,
    RuffDeepSVDDDetector,
    SOGAALDetector,
    VAEDetector,
    baseline_names,
    make_baseline,
    register_baseline,
)
from rrnvp.runtime import ThreadBudget

__all__ = [
    "ALTERNATIVES",
    "BASELINES",
    "AutoEncoderDetector",
    "BaselineDetector",
    "BaselineSpec",
    "DeepSVDDDetector",
    "IForestDetector",
    "KerasEraVAEDetector",
    "LOFDetector",
    "OCSVMDetector",
    "PyODAutoEncoderDetector",
    "RebuiltAutoEncoderDetector",
    "RebuiltDeepSVDDDetector",
    "RuffDeepSVDDDetector",
    "SOGAALDetector",
    "VAEDetector",
    "baseline_names",
    "make_baseline",
    "register_baseline",
    "ThreadBudget",
]
