"""What the tests of the authors' AE and Deep-SVDD networks share (``baselines.authors_nets``,
both the rebuild and the authors-script variants): tiny settings and a small data set."""

from __future__ import annotations

import numpy as np
import torch

#: Features of :func:`unit_data`; hidden and latent widths of :func:`settings`; rows of the data.
D, H, K, N = 6, 16, 4, 200


def settings(**overrides) -> dict:
    """Keyword arguments for a tiny network on the CPU (3 epochs, seeded), with ``overrides``."""
    params = {
        "hidden_features": H,
        "latent_features": K,
        "epochs": 3,
        "learning_rate": 1e-3,
        "batch_size": 32,
        "weight_decay": 0.0,
        "dropout_rate": 0.5,
        "device": torch.device("cpu"),
        "random_state": 0,
    }
    return {**params, **overrides}


def unit_data() -> np.ndarray:
    """``N`` rows of ``D`` features in [0, 1] around 0.5 (the same draw on every call)."""
    rng = np.random.default_rng(0)
    return np.clip(0.5 + 0.15 * rng.normal(size=(N, D)), 0.0, 1.0)
