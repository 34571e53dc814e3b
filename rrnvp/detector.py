"""Scikit-learn/PyOD-style anomaly detector built on a Real NVP density.

:class:`FlowDetector` trains a :class:`rrnvp.flow.RealNVPFlow` by maximum likelihood on data that
already contains anomalies, optionally with trimming (Algorithm 1) and k-Lipschitz spectral
normalisation, and scores points by their negative log-density. :class:`RealNVP`,
:class:`TrimRealNVP` and :class:`RobustRealNVP` are presets of it.
"""

from __future__ import annotations

import inspect
import logging
import numbers
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import TransformerTags
from sklearn.utils.validation import check_is_fitted, validate_data

from rrnvp.base import ThresholdLabelsMixin
from rrnvp.coupling_layout import MASK_SCHEMES
from rrnvp.coupling_ops import COUPLING_FORMS
from rrnvp.flow import RealNVPFlow
from rrnvp.linear import SPECTRAL_NORM_MODES
from rrnvp.params import BOOL, Constraint, integer, none_or, one_of, real, validate_params
from rrnvp.runtime import derive_seed, resolve_device
from rrnvp.training import make_optimizer, train_step
from rrnvp.trimming import trim_ratio_at_epoch

logger = logging.getLogger(__name__)

_DTYPES = {"float32": torch.float32, "float64": torch.float64}
_SCORE_CHUNK = 8192


class TrainingDivergedError(FloatingPointError, ValueError):
    """Raised when the training loss or the fitted model's scores become non-finite.

    Also a ``ValueError``: the cause is a value the model cannot handle (unscaled data, an
    absurd learning rate), so ``except ValueError`` catches it like any other bad input.
    """


class FlowDetector(ThresholdLabelsMixin, TransformerMixin, BaseEstimator):
    """Real NVP anomaly detector with optional trimming and spectral normalisation.

    Scores are negative log-densities under a Real NVP flow trained on the (contaminated) training
    data. ``trim_ratio > 0`` gives TrimRealNVP; adding ``spectral_norm=True`` gives RobustRealNVP
    (Liu, Tan & Zhou, AAAI 2022). Defaults are the authors' ODDS settings.

    Parameters
    ----------
    n_couplings : int, default=6
        Number of affine couplings (alternating complementary masks).
    hidden_features : int, default=256
        Hidden width of the scale and translation nets.
    n_hidden_layers : int, default=2
        Hidden layers of each net (2 means Linear-LeakyReLU-Linear-LeakyReLU-Linear).
    epochs : int, default=20
        Passes over the training data.
    batch_size : int, default=128
        Mini-batch size. The last incomplete batch of an epoch is dropped; a training set smaller
        than one batch is used as a single batch.
    learning_rate : float, default=3e-4
        Adam learning rate.
    max_steps : int or None, default=None
        If set, training stops after this many optimiser steps (before ``epochs`` is reached).
    trim_ratio : float, default=0.0
        Fraction ``eps`` in ``[0, 0.5)`` of each mini-batch with the highest NLL that is dropped
        from the loss (Algorithm 1). 0 disables trimming.
    trim_warmup_epochs : int, default=1
        The trimmed fraction ramps linearly from 0 to ``trim_ratio`` over this many epochs
        (``eps * min(1, epoch / w)``); 0 trims fully from the first step.
    spectral_norm : bool, default=False
        k-Lipschitz spectral normalisation of every Linear layer of the coupling nets.
    lipschitz_k : float, default=1.5
        The Lipschitz bound ``k`` of each normalised layer (must be > 0).
    sn_mode : {"clip", "divide"}, default="clip"
        ``"clip"``: ``W / max(sigma/k, 1)`` (the authors' code); ``"divide"``: ``W / (sigma/k)``
        (the paper's formula).
    n_power_iterations : int, default=1
        Power iterations per training step for the spectral norm estimate.
    coupling_form : {"shift-scale", "scale-shift"}, default="shift-scale"
        How a coupling maps data to latent on its transformed dimensions: ``"shift-scale"``,
        ``z = (x - t) * exp(-s)`` with ``log|det| = -sum(s)``, is the authors' code;
        ``"scale-shift"``, ``z = x * exp(s) + t``, was the default before 2026-12-01. With
        spectral normalisation the two are different models (see :mod:`rrnvp.flow`).
    masks : {"partition", "authors"}, default="partition"
        ``"partition"``: the two masks split the dimensions into the first ``ceil(d/2)`` and the
        rest, so every dimension is transformed. ``"authors"``: the authors' masks, which for odd
        ``d`` overlap on dimension ``floor(d/2)`` and never transform it (identical for even d).
        See :mod:`rrnvp.coupling_layout`.
    contamination : float, default=0.1
        Expected anomaly fraction in ``(0, 0.5]``; sets ``threshold_`` for :meth:`predict` only.
    snapshot_epochs : sequence of int or None, default=None
        Epochs (each in ``[1, epochs]``) after which a copy of the model's parameters is kept in
        ``snapshots_``, to score the model as it was then with
        :meth:`staged_decision_function`. Training is unchanged (the final model is bit-identical
        with or without snapshots); the cost is one parameter copy per listed epoch.
    dtype : {"float32", "float64"}, default="float32"
        Floating point precision of the model.
    device : str, default="auto"
        ``"auto"`` (CUDA when available, else CPU, resolved in :meth:`fit`), ``"cpu"``,
        ``"cuda"`` or ``"cuda:N"``.
    random_state : int, RandomState instance or None, default=None
        Controls initialisation and mini-batch order. The global RNGs are never touched.
    verbose : int, default=0
        0: silent; 1: log one line per epoch at INFO level on the ``rrnvp`` logger.

    Attributes
    ----------
    flow_ : rrnvp.flow.RealNVPFlow
        The trained flow (in eval mode).
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    device_ : torch.device
        The device the model lives on.
    history_ : dict of list
        Per-epoch ``loss`` (mean trimmed NLL), ``trim_ratio`` and ``seconds``.
    n_steps_ : int
        Optimiser steps taken.
    snapshots_ : dict of int to dict
        Parameter copies (CPU tensors) after each epoch of ``snapshot_epochs`` that training
        completed, keyed by epoch; empty without ``snapshot_epochs``.
    decision_scores_ : ndarray of shape (n_samples,)
        Anomaly scores (negative log-density) of the training data.
    threshold_ : float
        The ``1 - contamination`` quantile of ``decision_scores_``.
    labels_ : ndarray of shape (n_samples,)
        :meth:`predict` labels of the training data (1 = anomaly).
    """

    def __init__(
        self,
        *,
        n_couplings: int = 6,
        hidden_features: int = 256,
        n_hidden_layers: int = 2,
        epochs: int = 20,
        batch_size: int = 128,
        learning_rate: float = 3e-4,
        max_steps: int | None = None,
        trim_ratio: float = 0.0,
        trim_warmup_epochs: int = 1,
        spectral_norm: bool = False,
        lipschitz_k: float = 1.5,
        sn_mode: str = "clip",
        n_power_iterations: int = 1,
        coupling_form: str = "shift-scale",
        masks: str = "partition",
        contamination: float = 0.1,
        snapshot_epochs: Sequence[int] | None = None,
        dtype: str = "float32",
        device: str = "auto",
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
    ) -> None:
        self.n_couplings = n_couplings
        self.hidden_features = hidden_features
        self.n_hidden_layers = n_hidden_layers
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.max_steps = max_steps
        self.trim_ratio = trim_ratio
        self.trim_warmup_epochs = trim_warmup_epochs
        self.spectral_norm = spectral_norm
        self.lipschitz_k = lipschitz_k
        self.sn_mode = sn_mode
        self.n_power_iterations = n_power_iterations
        self.coupling_form = coupling_form
        self.masks = masks
        self.contamination = contamination
        self.snapshot_epochs = snapshot_epochs
        self.dtype = dtype
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ validation
    #: What each parameter of ``__init__`` must be (None: checked where it is used:
    #: ``snapshot_epochs`` against ``epochs`` in :meth:`_snapshot_epoch_set`, ``device`` by
    #: :func:`rrnvp.runtime.resolve_device`, ``random_state`` by :func:`rrnvp.runtime.derive_seed`).
    _constraints: ClassVar[Mapping[str, Constraint | None]] = MappingProxyType(
        {
            "n_couplings": integer(ge=1),
            "hidden_features": integer(ge=1),
            "n_hidden_layers": integer(ge=1),
            "epochs": integer(ge=1),
            "batch_size": integer(ge=1),
            "learning_rate": real(gt=0),
            "max_steps": none_or(integer(ge=1)),
            "trim_ratio": real(ge=0, lt=0.5),
            "trim_warmup_epochs": integer(ge=0),
            "spectral_norm": BOOL,
            "lipschitz_k": real(gt=0),
            "sn_mode": one_of(*SPECTRAL_NORM_MODES),
            "n_power_iterations": integer(ge=1),
            "coupling_form": one_of(*COUPLING_FORMS),
            "masks": one_of(*MASK_SCHEMES),
            "contamination": real(gt=0, le=0.5),
            "snapshot_epochs": None,
            "dtype": one_of(*_DTYPES),
            "device": None,
            "random_state": None,
            "verbose": integer(ge=0),
        }
    )

    def _validate_params(self) -> None:
        validate_params(self._constraints, self.get_params(deep=False), caller=type(self).__name__)
        self._snapshot_epoch_set()

    def _snapshot_epoch_set(self) -> frozenset[int]:
        """The validated ``snapshot_epochs`` as a set (empty for None)."""
        if self.snapshot_epochs is None:
            return frozenset()
        if isinstance(self.snapshot_epochs, str | bytes) or not isinstance(
            self.snapshot_epochs, Iterable
        ):
            raise ValueError(
                "snapshot_epochs must be None or a sequence of epochs, "
                f"got {self.snapshot_epochs!r}"
            )
        epochs = list(self.snapshot_epochs)
        bad = [
            e
            for e in epochs
            if not isinstance(e, numbers.Integral)
            or isinstance(e, bool)
            or not 1 <= e <= self.epochs
        ]
        if bad:
            raise ValueError(
                f"snapshot_epochs must be integers in [1, epochs={self.epochs}], got {bad!r}"
            )
        return frozenset(int(e) for e in epochs)

    def _validate_X(self, X: Any, *, reset: bool) -> np.ndarray:
        X = validate_data(
            self,
            X,
            reset=reset,
            dtype=np.float64,
            ensure_min_samples=2 if reset else 1,
            ensure_all_finite=True,
        )
        if self.dtype == "float32":
            limit = float(np.finfo(np.float32).max)
            if X.size and np.abs(X).max() > limit:
                raise ValueError(
                    f"X contains values with magnitude above {limit:.3g}, which overflow "
                    "float32; rescale the data or use dtype='float64'"
                )
        return X

    # ------------------------------------------------------------------ training
    def _build_flow(self, n_features: int, generator: torch.Generator) -> RealNVPFlow:
        return RealNVPFlow(
            n_features,
            n_couplings=self.n_couplings,
            hidden_features=self.hidden_features,
            n_hidden_layers=self.n_hidden_layers,
            spectral_norm=bool(self.spectral_norm),
            lipschitz_k=float(self.lipschitz_k),
            sn_mode=self.sn_mode,
            n_power_iterations=self.n_power_iterations,
            coupling_form=self.coupling_form,
            masks=self.masks,
            generator=generator,
            dtype=_DTYPES[self.dtype],
        )

    def fit(self, X: Any, y: Any = None) -> FlowDetector:
        """Train the flow on ``X`` (which may contain anomalies).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, at least two samples, all finite.
        y : ignored
            Present for API consistency.

        Returns
        -------
        self : FlowDetector
            The fitted detector.

        Raises
        ------
        ValueError
            On invalid parameters or input data.
        TrainingDivergedError
            When the training loss becomes non-finite; the message names the epoch and step.
            Like any failed fit, it leaves the detector unfitted.
        """
        self._mark_unfitted()
        self._validate_params()
        X = self._validate_X(X, reset=True)
        device = resolve_device(self.device)
        torch_dtype = _DTYPES[self.dtype]
        generator = torch.Generator().manual_seed(derive_seed(self.random_state, bits=63))

        flow = self._build_flow(X.shape[1], generator).to(device)
        optimizer = make_optimizer(flow, float(self.learning_rate))
        data = torch.tensor(X, dtype=torch_dtype, device=device)
        n_samples = data.shape[0]
        batch_size = min(self.batch_size, n_samples)
        n_batches = n_samples // batch_size

        history: dict[str, list[float]] = {"loss": [], "trim_ratio": [], "seconds": []}
        snapshot_at = self._snapshot_epoch_set()
        snapshots: dict[int, dict[str, torch.Tensor]] = {}
        step = 0
        flow.train()
        for epoch in range(self.epochs):
            started = time.perf_counter()
            eps = trim_ratio_at_epoch(epoch, float(self.trim_ratio), self.trim_warmup_epochs)
            order = torch.randperm(n_samples, generator=generator).to(device)
            epoch_loss = torch.zeros((), dtype=torch_dtype, device=device)
            n_taken = 0
            for batch in range(n_batches):
                if self.max_steps is not None and step >= self.max_steps:
                    break
                index = order[batch * batch_size : (batch + 1) * batch_size]
                loss = train_step(flow, optimizer, data[index], eps)
                if not torch.isfinite(loss):
                    raise TrainingDivergedError(
                        f"training loss became {loss.item()} at epoch {epoch}, step {batch} "
                        f"(global step {step}); lower learning_rate (now {self.learning_rate}) "
                        "or check the input scaling"
                    )
                epoch_loss += loss
                n_taken += 1
                step += 1
            if n_taken == 0:
                break
            history["loss"].append(float(epoch_loss) / n_taken)
            history["trim_ratio"].append(eps)
            history["seconds"].append(time.perf_counter() - started)
            if epoch + 1 in snapshot_at:
                snapshots[epoch + 1] = {
                    name: value.detach().to("cpu", copy=True)
                    for name, value in flow.state_dict().items()
                }
            if self.verbose:
                logger.info(
                    "epoch %d/%d  loss %.4f  trim %.3f  %.2fs",
                    epoch + 1,
                    self.epochs,
                    history["loss"][-1],
                    eps,
                    history["seconds"][-1],
                )

        flow.eval()
        self.flow_ = flow
        self.device_ = device
        self.history_ = history
        self.n_steps_ = step
        self.snapshots_ = snapshots
        scores = self._decision_scores(X)
        if not np.all(np.isfinite(scores)):
            raise TrainingDivergedError(
                f"the trained model gives non-finite scores on {int((~np.isfinite(scores)).sum())} "
                f"training samples after {step} steps; lower learning_rate"
            )
        self._set_training_scores(scores)
        return self

    # ------------------------------------------------------------------ scoring
    def _to_tensor(self, X: np.ndarray) -> torch.Tensor:
        return torch.tensor(X, dtype=_DTYPES[self.dtype], device=self.device_)

    @torch.no_grad()
    def _log_density(self, X: np.ndarray, flow: RealNVPFlow | None = None) -> np.ndarray:
        flow = self.flow_ if flow is None else flow
        out = np.empty(X.shape[0], dtype=np.float64)
        for start in range(0, X.shape[0], _SCORE_CHUNK):
            z, log_det = flow(self._to_tensor(X[start : start + _SCORE_CHUNK]))
            # The prior term is accumulated in float64 so large |z| cannot overflow to -inf.
            log_p = RealNVPFlow.prior_log_prob(z.double()) + log_det.double()
            out[start : start + _SCORE_CHUNK] = log_p.cpu().numpy()
        return out

    def _decision_scores(self, X: np.ndarray) -> np.ndarray:
        return -self._log_density(X)

    def score_samples(self, X: Any) -> np.ndarray:
        """Log-density of each sample under the fitted flow (higher = more normal).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
            Always finite.

        Raises
        ------
        ValueError
            On invalid input, including finite values too large for the model to evaluate.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return -self._checked_scores(X, self._log_density(X))

    def _checked_scores(self, X: np.ndarray, log_density: np.ndarray) -> np.ndarray:
        """``-log_density``, after checking that every value is finite."""
        bad = ~np.isfinite(log_density)
        if bad.any():
            raise ValueError(
                f"{int(bad.sum())} of {bad.size} samples have a non-finite log-density under the "
                f"fitted {self.dtype} model: their values (largest magnitude "
                f"{np.abs(X[bad]).max():.3g}) are too large for it; rescale the data"
                + (" or use dtype='float64'" if self.dtype == "float32" else "")
            )
        return -log_density

    def decision_function(self, X: Any) -> np.ndarray:
        """Anomaly score: negative log-density (higher = more anomalous).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return -self.score_samples(X)

    def staged_decision_function(self, X: Any) -> Iterator[tuple[int, np.ndarray]]:
        """Anomaly scores of the model after each snapshot epoch, then of the final model.

        Like scikit-learn's ``staged_decision_function``: it shows how the scores evolved during
        the one fit, without refitting. It never changes the fitted model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Yields
        ------
        epoch : int
            The epochs completed when the scored model was taken (the last pair is the final
            model, after ``len(history_["loss"])`` epochs).
        scores : ndarray of shape (n_samples,)
            Negative log-density under that model (higher = more anomalous).

        Raises
        ------
        ValueError
            On invalid input, or when a model gives a non-finite log-density.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        n_epochs_run = len(self.history_["loss"])
        for epoch in sorted(self.snapshots_):
            if epoch == n_epochs_run:
                continue  # the final model, scored below
            flow = self._build_flow(self.n_features_in_, torch.Generator().manual_seed(0))
            flow.load_state_dict(self.snapshots_[epoch])
            flow.to(self.device_).eval()
            yield epoch, self._checked_scores(X, self._log_density(X, flow))
        yield n_epochs_run, self._checked_scores(X, self._log_density(X))

    # ------------------------------------------------------------------ the flow as a map
    @torch.no_grad()
    def transform(self, X: Any) -> np.ndarray:
        """Map data to the flow's latent space ``z = f(x)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self.flow_(self._to_tensor(X))[0].cpu().numpy().astype(np.float64)

    @torch.no_grad()
    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Exact inverse of :meth:`transform`: ``x = f^{-1}(z)``.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        Z = self._validate_X(Z, reset=False)
        return self.flow_.inverse(self._to_tensor(Z))[0].cpu().numpy().astype(np.float64)

    @torch.no_grad()
    def sample(self, n_samples: int = 1, random_state: Any = None) -> np.ndarray:
        """Draw samples from the fitted density.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        random_state : int, RandomState instance or None, default=None
            Seed of the draw.

        Returns
        -------
        ndarray of shape (n_samples, n_features_in_)
        """
        check_is_fitted(self)
        if not isinstance(n_samples, numbers.Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
        generator = torch.Generator().manual_seed(derive_seed(random_state, bits=63))
        return self.flow_.sample(int(n_samples), generator).cpu().numpy().astype(np.float64)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # transform / inverse_transform map to and from the latent space (float64 output).
        tags.transformer_tags = TransformerTags(preserves_dtype=["float64"])
        return tags


def _preset(name: str, summary: str, **defaults: Any) -> type[FlowDetector]:
    """A subclass of :class:`FlowDetector` that differs only in some default parameters.

    The generated ``__init__`` carries the full keyword signature (with the new defaults), so
    ``get_params``, ``set_params``, ``clone`` and ``repr`` behave as for any scikit-learn estimator.
    """
    base = inspect.signature(FlowDetector.__init__)
    unknown = set(defaults) - set(base.parameters)
    if unknown:
        raise TypeError(f"unknown FlowDetector parameters {sorted(unknown)}")
    signature = base.replace(
        parameters=[
            p.replace(default=defaults[p.name]) if p.name in defaults else p
            for p in base.parameters.values()
        ]
    )

    def __init__(self, **params: Any) -> None:
        bound = signature.bind(self, **params)
        bound.apply_defaults()
        bound.arguments.pop("self")
        FlowDetector.__init__(self, **bound.arguments)

    __init__.__signature__ = signature  # type: ignore[attr-defined]
    __init__.__qualname__ = f"{name}.__init__"
    changed = ", ".join(f"``{k}={v!r}``" for k, v in defaults.items())
    doc = (
        f"{summary}\n\n    A preset of :class:`FlowDetector` with {changed}; all other "
        "parameters and\n    attributes are those of :class:`FlowDetector`.\n"
    )
    return type(
        name, (FlowDetector,), {"__init__": __init__, "__doc__": doc, "__module__": __name__}
    )


RealNVP = _preset(
    "RealNVP",
    "Plain Real NVP anomaly detector: no trimming, no spectral normalisation.",
    trim_ratio=0.0,
    spectral_norm=False,
)
TrimRealNVP = _preset(
    "TrimRealNVP",
    "TrimRealNVP: Real NVP trained with the trimmed likelihood (Algorithm 1), no spectral norm.",
    trim_ratio=0.1,
    spectral_norm=False,
)
RobustRealNVP = _preset(
    "RobustRealNVP",
    "RobustRealNVP: trimmed likelihood plus k-Lipschitz spectral normalisation (k = 1.5).",
    trim_ratio=0.1,
    spectral_norm=True,
)
