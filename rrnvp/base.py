"""What every detector of the suite shares: PyOD-style labels from a training-score threshold."""

from __future__ import annotations

from typing import Any

import numpy as np


class ThresholdLabelsMixin:
    """``threshold_``, ``labels_`` and ``predict`` on top of ``decision_function``.

    PyOD's convention: scores are higher for more anomalous points; ``threshold_`` is the
    ``1 - contamination`` quantile of the training scores and ``predict`` returns 1 for points
    scored above it. Subclasses call :meth:`_mark_unfitted` at the start of ``fit`` and
    :meth:`_set_training_scores` at its end.
    """

    contamination: float

    def _mark_unfitted(self) -> None:
        """Forget a previous fit; called first in ``fit`` so a failed fit leaves no stale model."""
        self.__dict__.pop("decision_scores_", None)

    def __sklearn_is_fitted__(self) -> bool:
        """Fitted once a fit has completed (``decision_scores_`` is set last)."""
        return hasattr(self, "decision_scores_")

    def _set_training_scores(self, scores: np.ndarray) -> None:
        """Store the training scores and derive ``threshold_`` and ``labels_`` from them."""
        self.decision_scores_ = scores
        self.threshold_ = float(np.quantile(scores, 1.0 - float(self.contamination)))
        self.labels_ = (scores > self.threshold_).astype(int)

    def predict(self, X: Any) -> np.ndarray:
        """Binary labels, 1 = anomaly, by comparing the score with ``threshold_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of int of shape (n_samples,)
        """
        return (self.decision_function(X) > self.threshold_).astype(int)

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        """Fit on ``X`` and return its labels (1 = anomaly)."""
        return self.fit(X).labels_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.target_tags.required = False
        return tags
