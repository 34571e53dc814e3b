"""One adapter that gives any PyOD / scikit-learn / in-house model the ``rrnvp.FlowDetector`` API.

A :class:`BaselineSpec` declares the detector's parameters (:class:`rrnvp.params.Param`: default,
constraint, documentation), says how to build the wrapped model from them and how to read anomaly
scores from it; :func:`detector_class` turns a spec into a scikit-learn estimator
class whose ``__init__`` carries the spec's parameters (with the authors' defaults) plus the
common ones (``contamination``, ``n_threads``, ``random_state``, ``verbose`` and, for torch
models, ``device``). Every call into the wrapped model runs under a thread budget, with the global
RNGs seeded from the detector's own seed and restored afterwards (:mod:`baselines.runtime`).

Each spec also declares its ``input_scaling`` (``"none"``, ``"standard"`` or ``"minmax"``), a
per-method preprocessing the adapter applies itself: fitted in ``fit`` on the training data only
(``input_scaler_``), applied to every matrix scored afterwards. It is applied on top of whatever
split the caller made (the runner's ODDS split is already min-max scaled on its training part).
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from baselines.runtime import isolated_global_rngs, stdout_to_log
from rrnvp.base import ThresholdLabelsMixin
from rrnvp.detector import TrainingDivergedError
from rrnvp.params import (
    Constraint,
    Param,
    constraints_of,
    integer,
    none_or,
    one_of,
    real,
    validate_params,
)
from rrnvp.runtime import ThreadBudget, derive_seed, resolve_device

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunContext:
    """What the adapter resolved for one fit, handed to a spec's ``build``."""

    seed: int
    device: torch.device | None
    n_threads: int | None
    n_samples: int
    contamination: float
    verbose: int


#: Values of the ``input_scaling`` parameter every spec declares: the per-method preprocessing
#: the adapter fits on the training data (sklearn's ``StandardScaler`` / ``MinMaxScaler``, whose
#: constant features are centred / shifted to 0 and never divided by 0) or none.
INPUT_SCALINGS = ("none", "standard", "minmax")
INPUT_SCALING = one_of(*INPUT_SCALINGS)
#: Spec parameters the adapter consumes itself; they never reach ``build_kwargs``.
ADAPTER_PARAMS = ("input_scaling",)

#: The parameters every baseline takes besides its spec's (documented in full on
#: :class:`BaselineDetector`).
COMMON_PARAMS: Mapping[str, Param] = MappingProxyType(
    {
        "contamination": Param(
            0.1, real(gt=0, le=0.5), "Expected anomaly fraction; sets threshold_ only."
        ),
        "n_threads": Param(1, none_or(integer(ge=1)), "Thread budget of fit and scoring."),
        "random_state": Param(
            None, None, "Seed of everything random in the model (checked by derive_seed)."
        ),
        "verbose": Param(0, integer(ge=0), "0: silent; >= 1: the model's progress, logged."),
    }
)
#: The common parameter of the torch baselines (``BaselineSpec.has_device``).
DEVICE_PARAM = Param("auto", None, "Torch device, resolved in fit (checked by resolve_device).")


def fit_input_scaler(kind: str, X: np.ndarray) -> StandardScaler | MinMaxScaler | None:
    """The scaler of ``input_scaling = kind`` fitted on ``X`` (None for ``"none"``).

    Raises
    ------
    ValueError
        For an unknown ``kind``, or when the statistics of ``X`` overflow float64.
    """
    if kind == "none":
        return None
    scalers = {"standard": StandardScaler, "minmax": MinMaxScaler}
    if kind not in scalers:
        raise ValueError(f"input_scaling must be one of {list(INPUT_SCALINGS)}, got {kind!r}")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        scaler = scalers[kind]().fit(X)
    statistics = (
        (scaler.mean_, scaler.scale_) if kind == "standard" else (scaler.min_, scaler.scale_)
    )
    if not all(np.all(np.isfinite(s)) for s in statistics):
        raise ValueError(
            f"input_scaling={kind!r}: the training data's statistics overflow float64 (largest "
            f"magnitude {np.abs(X).max():.3g}); rescale the data"
        )
    return scaler


def square_limit(dtype: str, n_features: int) -> float:
    """Largest input magnitude whose squared Euclidean distances stay finite in ``dtype``.

    Two rows within ``[-L, L]^d`` are at most ``4 d L^2`` apart (squared), so
    ``L = sqrt(max / (4 d))``.
    """
    return float(np.sqrt(np.finfo(dtype).max / (4.0 * max(n_features, 1))))


def _reports_non_finite(exc: ValueError) -> bool:
    """Whether a model's ValueError complains about NaN/infinite values (on validated input
    these are the model's own: its computations overflowed or diverged)."""
    message = str(exc)
    return any(word in message for word in ("NaN", "infinity", "not finite"))


@dataclass(frozen=True)
class BaselineSpec:
    """How one baseline is built, run and scored.

    Attributes
    ----------
    name : str
        Registry key (``"ae"``, ``"lof"``, ...).
    summary : str
        One-line description for the generated class docstring.
    model_class : type
        The wrapped implementation (PyOD, scikit-learn or :mod:`baselines`' own).
    params : Mapping[str, rrnvp.params.Param]
        The baseline's own parameters: each one's default (the authors' value; unstated ones:
        the library's), constraint (checked in ``fit`` before the model is built; None: left to
        the wrapped library) and a line saying where the default comes from. Includes
        ``input_scaling`` (see :data:`INPUT_SCALINGS`), which the adapter applies.
    build_kwargs : callable
        ``(params, context) -> kwargs`` of ``model_class``; ``params`` holds the values of
        ``params``' keys except :data:`ADAPTER_PARAMS`.
    anomaly_scores : callable
        ``(fitted model, X) -> scores``, higher = more anomalous.
    training_scores : callable or None
        ``(fitted model, X_train) -> scores`` when the training points need a different reading
        (LOF: leave-self-out scores); None reuses ``anomaly_scores``.
    uses_torch : bool
        The model runs torch code: fork and seed torch's RNGs around it.
    has_device : bool
        The detector takes a ``device`` parameter.
    overflow_dtype : {"float32", "float64"} or None
        Precision in which the model squares its inputs (float32 networks; float64 distances
        and RBF kernels). Inputs whose squared distances would overflow it (after the input
        scaling) are refused with a ``ValueError`` (see :func:`square_limit`); None accepts any
        finite value (trees).
    """

    name: str
    summary: str
    model_class: type
    params: Mapping[str, Param]
    build_kwargs: Callable[[Mapping[str, Any], RunContext], dict[str, Any]]
    anomaly_scores: Callable[[Any, np.ndarray], np.ndarray]
    training_scores: Callable[[Any, np.ndarray], np.ndarray] | None = None
    uses_torch: bool = False
    has_device: bool = False
    overflow_dtype: str | None = None

    @property
    def defaults(self) -> Mapping[str, Any]:
        """Parameter name -> default, of :attr:`params` (read-only)."""
        return MappingProxyType({name: param.default for name, param in self.params.items()})

    @property
    def param_docs(self) -> Mapping[str, str]:
        """Parameter name -> documentation, of :attr:`params` (read-only)."""
        return MappingProxyType({name: param.doc for name, param in self.params.items()})

    @property
    def common_params(self) -> dict[str, Param]:
        """:data:`COMMON_PARAMS`, plus ``device`` (:data:`DEVICE_PARAM`) when ``has_device``."""
        return {**COMMON_PARAMS, **({"device": DEVICE_PARAM} if self.has_device else {})}

    def all_params(self) -> dict[str, Param]:
        """The detector's parameters, in the order of its ``__init__``: :attr:`params`, then
        :attr:`common_params`."""
        return {**self.params, **self.common_params}

    def build(self, params: Mapping[str, Any], context: RunContext) -> Any:
        """An unfitted instance of ``model_class`` for these parameters."""
        return self.model_class(**self.build_kwargs(params, context))


class BaselineDetector(ThresholdLabelsMixin, BaseEstimator):
    """Base of the generated baseline detectors (see :func:`detector_class`); not used directly.

    Parameters
    ----------
    (common to every baseline; each generated class adds its own, see :mod:`baselines.registry`)

    contamination : float, default=0.1
        Expected anomaly fraction in ``(0, 0.5]``; sets ``threshold_`` for :meth:`predict` only.
    n_threads : int or None, default=1
        Thread budget of ``fit`` and scoring: torch intra-op threads and every BLAS/OpenMP pool
        (threadpoolctl), plus ``n_jobs`` of scikit-learn models. 1 suits the runner's one worker
        per core; None leaves the process' settings alone.
    random_state : int, RandomState instance or None, default=None
        Seed of everything random in the model (weights, mini-batches, generated samples, trees,
        the VAE's scoring draws). The caller's global RNG states are restored after every call.
    verbose : int, default=0
        0: silent; >= 1: the wrapped model's progress bar and printed lines (logged at INFO).
    device : str, default="auto" (torch baselines only)
        ``"auto"`` (CUDA when available, resolved in :meth:`fit`), ``"cpu"``, ``"cuda[:N]"``.
    input_scaling : {"none", "standard", "minmax"} (every baseline; its default and the reason
        for it are the spec's)
        Preprocessing of the model's inputs, fitted on the training data in :meth:`fit`.

    Attributes
    ----------
    model_ : object
        The fitted wrapped model.
    input_scaler_ : StandardScaler, MinMaxScaler or None
        The input scaling fitted on the training data (None for ``input_scaling="none"``);
        applied to every matrix the model sees.
    seed_ : int
        The 32-bit seed drawn from ``random_state`` for this fit (also seeds scoring).
    device_ : torch.device or None
        The device of a torch model (None otherwise).
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    decision_scores_ : ndarray of shape (n_samples,)
        Anomaly scores of the training data.
    threshold_ : float
        The ``1 - contamination`` quantile of ``decision_scores_``.
    labels_ : ndarray of shape (n_samples,)
        :meth:`predict` labels of the training data (1 = anomaly).
    """

    spec: ClassVar[BaselineSpec]
    #: What each parameter must be (None: checked where it is used), from the spec's and the
    #: common declarations; set by :func:`detector_class`.
    _constraints: ClassVar[Mapping[str, Constraint | None]]

    # ------------------------------------------------------------------ validation
    def _model_params(self) -> dict[str, Any]:
        return {
            name: getattr(self, name) for name in self.spec.params if name not in ADAPTER_PARAMS
        }

    def _validate_params(self) -> None:
        validate_params(self._constraints, self.get_params(deep=False), caller=self.spec.name)

    def _validate_X(self, X: Any, *, reset: bool) -> np.ndarray:
        return validate_data(
            self,
            X,
            reset=reset,
            dtype=np.float64,
            ensure_min_samples=2 if reset else 1,
            ensure_all_finite=True,
        )

    def _model_input(self, scaler: Any, X: np.ndarray) -> np.ndarray:
        """``X`` as the model sees it: scaled by ``scaler`` (if any), checked for overflow."""
        if scaler is not None:
            with np.errstate(all="ignore"):
                X = scaler.transform(X)
            if not np.all(np.isfinite(X)):
                raise ValueError(
                    f"{self.spec.name}: X has values too large to scale with the training "
                    f"statistics ({type(scaler).__name__}); rescale the data"
                )
        dtype = self.spec.overflow_dtype
        if dtype is not None and X.size:
            limit = square_limit(dtype, X.shape[1])
            if np.abs(X).max() > limit:
                scaled = "" if scaler is None else f" after {type(scaler).__name__}"
                raise ValueError(
                    f"X contains values with magnitude above {limit:.3g}{scaled}, which overflow "
                    f"{dtype} when {self.spec.name!r} squares them; rescale the data"
                )
        return X

    # ------------------------------------------------------------------ running the model
    @contextlib.contextmanager
    def _running(self, seed: int) -> Iterator[None]:
        """Context of every call into the wrapped model: threads, isolated RNGs, prints logged."""
        with (
            ThreadBudget(self.n_threads),
            isolated_global_rngs(seed, torch_rng=self.spec.uses_torch),
            stdout_to_log(logger, verbose=self.verbose),
        ):
            yield

    def _anomaly_scores(
        self, model: Any, seed: int, X: np.ndarray, *, training: bool = False
    ) -> np.ndarray:
        reader = (self.spec.training_scores if training else None) or self.spec.anomaly_scores
        with self._running(seed):
            scores = reader(model, X)
        return np.asarray(scores, dtype=np.float64).reshape(-1)

    def fit(self, X: Any, y: Any = None) -> BaselineDetector:
        """Fit the wrapped model on ``X`` (which may contain anomalies).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, at least two samples, all finite.
        y : ignored
            Present for API consistency; never passed to the model.

        Returns
        -------
        self
            The fitted detector.

        Raises
        ------
        ValueError
            On invalid parameters or input data.
        rrnvp.TrainingDivergedError
            When training or the fitted model's scores on the training data become non-finite.
            Like any failed fit, it leaves the detector unfitted.
        """
        self._mark_unfitted()
        self._validate_params()
        X = self._validate_X(X, reset=True)
        scaler = fit_input_scaler(self.input_scaling, X)
        X = self._model_input(scaler, X)
        seed = derive_seed(self.random_state)
        device = resolve_device(self.device) if self.spec.has_device else None
        context = RunContext(
            seed=seed,
            device=device,
            n_threads=self.n_threads,
            n_samples=X.shape[0],
            contamination=float(self.contamination),
            verbose=int(self.verbose),
        )
        with self._running(seed):
            model = self.spec.build(self._model_params(), context)
            try:
                model.fit(X)
            except ValueError as exc:
                if not _reports_non_finite(exc):
                    raise
                raise TrainingDivergedError(
                    f"{self.spec.name}: training produced non-finite values ({exc}); lower the "
                    "learning rate or rescale the data"
                ) from exc
        scores = self._anomaly_scores(model, seed, X, training=True)
        if not np.all(np.isfinite(scores)):
            raise TrainingDivergedError(
                f"{self.spec.name}: the fitted model gives non-finite scores on "
                f"{int((~np.isfinite(scores)).sum())} training samples"
            )
        self.model_ = model
        self.input_scaler_ = scaler
        self.seed_ = seed
        self.device_ = device
        self._set_training_scores(scores)
        return self

    # ------------------------------------------------------------------ scoring
    def decision_function(self, X: Any) -> np.ndarray:
        """Anomaly score of each sample (higher = more anomalous).

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
            On invalid input, including finite values too large for the fitted model to score.
        """
        check_is_fitted(self)
        X = self._model_input(self.input_scaler_, self._validate_X(X, reset=False))
        try:
            scores = self._anomaly_scores(self.model_, self.seed_, X)
        except ValueError as exc:
            if not _reports_non_finite(exc):
                raise
            raise ValueError(f"{self._too_large_for_the_model(X)} ({exc})") from exc
        n_bad = int(np.count_nonzero(~np.isfinite(scores)))
        if n_bad:
            raise ValueError(
                f"{self._too_large_for_the_model(X)}: {n_bad} of {scores.size} scores are not "
                "finite"
            )
        return scores

    def _too_large_for_the_model(self, X: np.ndarray) -> str:
        scaled = "" if self.input_scaler_ is None else " after input scaling"
        return (
            f"{self.spec.name}: the values of X (largest magnitude {np.abs(X).max():.3g}"
            f"{scaled}) are too large for the fitted model; rescale the data"
        )

    def score_samples(self, X: Any) -> np.ndarray:
        """Normality score: the negated anomaly score (higher = more normal).

        The scikit-learn convention of ``IsolationForest`` / ``LocalOutlierFactor`` /
        ``OneClassSVM``; unlike ``rrnvp.FlowDetector.score_samples`` it is *not* a log-density.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return -self.decision_function(X)


def input_scaling(default: str, reason: str) -> Param:
    """The ``input_scaling`` declaration every spec makes: its default and the reason for it."""
    return Param(default, INPUT_SCALING, reason)


def _class_doc(spec: BaselineSpec) -> str:
    lines = [spec.summary, "", "    Parameters", "    ----------"]
    for name, param in spec.params.items():
        lines.append(f"    {name} : default={param.default!r}")
        lines.append(f"        {param.doc}")
    lines.append("")
    common = "``contamination``, ``n_threads``, ``random_state``, ``verbose``"
    if spec.has_device:
        common += ", ``device``"
    lines.append(f"    Common parameters ({common})")
    lines.append("    and attributes: see :class:`baselines.adapter.BaselineDetector`.")
    return "\n".join(lines) + "\n"


def detector_class(spec: BaselineSpec, class_name: str, module: str) -> type[BaselineDetector]:
    """Generate the estimator class of one baseline.

    Its ``__init__`` takes keyword-only the spec's parameters (authors' defaults) and the common
    ones, and only stores them, so ``get_params``, ``set_params``, ``clone`` and ``repr`` work as
    for any scikit-learn estimator. ``module`` must be the module that binds the class to
    ``class_name`` (so that detectors pickle).

    Raises
    ------
    ValueError
        When the spec does not declare ``input_scaling`` (with :func:`input_scaling`) or one of
        its parameters takes the name of a common one.
    """
    declared = spec.params.get("input_scaling")
    if declared is None or declared.constraint is not INPUT_SCALING:
        raise ValueError(
            f"{spec.name}: the spec must declare its input_scaling and why, with "
            "baselines.adapter.input_scaling(default, reason)"
        )
    clash = set(spec.params) & set(spec.common_params)
    if clash:
        raise ValueError(f"{spec.name}: parameters {sorted(clash)} clash with the common ones")
    params = spec.all_params()
    defaults = {name: param.default for name, param in params.items()}
    keyword = inspect.Parameter.KEYWORD_ONLY
    signature = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(name, keyword, default=value) for name, value in defaults.items()]
    )

    def __init__(self, **params: Any) -> None:
        unknown = sorted(set(params) - set(defaults))
        if unknown:
            raise TypeError(
                f"{class_name} got unknown parameter(s) {unknown}; "
                f"valid parameters: {sorted(defaults)}"
            )
        for name, default in defaults.items():
            setattr(self, name, params.get(name, default))

    __init__.__signature__ = signature  # type: ignore[attr-defined]
    __init__.__qualname__ = f"{class_name}.__init__"
    __init__.__module__ = module
    return type(
        class_name,
        (BaselineDetector,),
        {
            "__init__": __init__,
            "__doc__": _class_doc(spec),
            "__module__": module,
            "spec": spec,
            "_constraints": MappingProxyType(constraints_of(params)),
        },
    )
