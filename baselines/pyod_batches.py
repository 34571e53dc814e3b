"""PyOD's deep detectors (AE, VAE) without the per-row ``DataLoader``: same batches, same results.

PyOD's ``BaseDeepLearningDetector`` feeds its networks through a ``torch.utils.data.DataLoader``
over a ``TorchDataset`` that standardises and converts **one row at a time** and collates each
batch from Python lists. At the paper's batch sizes (128 for AE, PyOD's 32 for VAE) that costs
more than the small networks themselves: profiled on shuttle-sized data, most of a training step
went to ``__getitem__`` and ``default_collate``.

The classes here keep PyOD's models, losses, optimisers and training/evaluation loops and replace
only the data path: the training matrix is standardised and converted to float32 once, and each
epoch yields ``data[permutation[i*b:(i+1)*b]]``. The permutation and every draw from torch's
global RNG are made exactly as the ``DataLoader`` makes them (per iterator: one int64 draw for
its base seed, then, for a shuffling sampler, one draw that seeds a private generator for
``randperm``), so dropout masks, VAE noise and batch order are the same and the fitted model and
its scores are **bit-identical** to PyOD's (tested in ``tests/test_baselines_pyod_batches.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from pyod.models.auto_encoder import AutoEncoder
from pyod.models.vae import VAE
from sklearn.utils import check_array

#: ``pyod.utils.torch_utility.TorchDataset``'s default epsilon in ``(x - mean) / (std + eps)``.
PYOD_STD_EPS = 1e-8


def _draw_global_int64() -> int:
    """One draw from torch's global CPU generator, as ``DataLoader`` and ``RandomSampler`` do."""
    return int(torch.empty((), dtype=torch.int64).random_().item())


class ShuffledBatches:
    """Epoch iterator equal to ``DataLoader(data, batch_size, shuffle=True, drop_last=True)``.

    Parameters
    ----------
    data : torch.Tensor
        The whole (already standardised, float32) training matrix.
    batch_size : int
    """

    def __init__(self, data: torch.Tensor, batch_size: int) -> None:
        self.data = data
        self.batch_size = int(batch_size)

    def __len__(self) -> int:
        return len(self.data) // self.batch_size

    def __iter__(self) -> Iterator[torch.Tensor]:
        _draw_global_int64()  # the DataLoader iterator's base seed (unused without workers)
        generator = torch.Generator()
        generator.manual_seed(_draw_global_int64())  # RandomSampler's private generator
        order = torch.randperm(len(self.data), generator=generator)
        for i in range(len(self)):
            yield self.data[order[i * self.batch_size : (i + 1) * self.batch_size]]


class SequentialBatches:
    """Iterator equal to ``DataLoader(data, batch_size, shuffle=False, drop_last=False)``."""

    def __init__(self, data: torch.Tensor, batch_size: int) -> None:
        self.data = data
        self.batch_size = int(batch_size)

    def __len__(self) -> int:
        return -(-len(self.data) // self.batch_size)

    def __iter__(self) -> Iterator[torch.Tensor]:
        _draw_global_int64()  # the DataLoader iterator's base seed
        for start in range(0, len(self.data), self.batch_size):
            # A fresh (aligned) copy as collate makes: a view at an unaligned offset can take
            # another MKL kernel path and change the last bit of the scores.
            yield self.data[start : start + self.batch_size].clone()


class WholeMatrixBatchesMixin:
    """Overrides ``fit`` and ``decision_function`` of a PyOD ``BaseDeepLearningDetector``.

    Everything else (model, loss, optimiser, ``train``, ``evaluate``, thresholds) is PyOD's.
    """

    def _as_float32(self, X: np.ndarray) -> torch.Tensor:
        if self.preprocessing:
            X = (X - self.X_mean) / (self.X_std + PYOD_STD_EPS)
        return torch.as_tensor(np.ascontiguousarray(X), dtype=torch.float32)

    def fit(self, X, y=None):
        """Fit as PyOD does (see the module docstring); returns ``self``."""
        X = check_array(X)
        self._set_n_classes(y)
        self.data_num, self.feature_size = X.shape
        self.build_model()
        self.training_prepare()
        if self.preprocessing:
            self.X_mean = np.mean(X, axis=0)
            self.X_std = np.std(X, axis=0)
        self.train(ShuffledBatches(self._as_float32(X), self.batch_size))
        self.decision_scores_ = self.decision_function(X)
        self._process_decision_scores()
        return self

    def decision_function(self, X, batch_size=None):
        """Raw anomaly scores, as PyOD's ``decision_function``."""
        X = check_array(X)
        size = self.batch_size if batch_size is None else batch_size
        scores = self.evaluate(SequentialBatches(self._as_float32(X), size))
        return self.decision_function_update(scores)


class BatchedAutoEncoder(WholeMatrixBatchesMixin, AutoEncoder):
    """PyOD's ``AutoEncoder`` with whole-matrix batching; results bit-identical to PyOD's."""


class BatchedVAE(WholeMatrixBatchesMixin, VAE):
    """PyOD's ``VAE`` with whole-matrix batching; results bit-identical to PyOD's."""
