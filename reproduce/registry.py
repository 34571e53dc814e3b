"""Where the runner looks up methods by name.

Methods are registered under the paper's display names (``RobustRealNVP``, ``IF``, ...) with a
picklable factory and the protocol parameters that go into every run spec; tests and plug-ins add
theirs with :func:`register_method`. The registry is a :class:`rrnvp.registry.Registry` (listing
in registration order, a taken name an error unless ``replace=True``). Datasets, of every kind,
come from the ``datasets`` registry alone (``datasets.register_kind``, ``datasets.register``).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from reproduce.spec import ORACLE_CONTAMINATION
from rrnvp.registry import Registry


class EstimatorFactory(Protocol):
    """Builds an unfitted detector (``fit``, ``decision_function`` higher = more anomalous)."""

    def __call__(
        self, params: Mapping[str, Any], *, random_state: int, n_threads: int, device: str
    ) -> Any: ...


@dataclass(frozen=True)
class MethodEntry:
    """A registered method.

    Attributes
    ----------
    name : str
        Display name (the paper's), also used in run ids and tables.
    factory : EstimatorFactory
        Picklable callable building the estimator inside the worker.
    defaults : mapping
        Protocol parameters merged under every experiment's overrides and hashed into run specs.
    """

    name: str
    factory: EstimatorFactory
    defaults: Mapping[str, Any] = field(default_factory=dict)


def _accepted_parameters(estimator: Any) -> set[str]:
    if hasattr(estimator, "get_params"):
        return set(estimator.get_params(deep=False))
    return set(inspect.signature(type(estimator)).parameters)


def configure_execution(estimator: Any, *, random_state: int, n_threads: int, device: str) -> Any:
    """Set ``random_state``, the thread budget and the device on an estimator that accepts them.

    The thread budget goes to whichever of ``n_jobs`` / ``n_threads`` the estimator has.
    """
    accepted = _accepted_parameters(estimator)
    settings: dict[str, Any] = {}
    if "random_state" in accepted:
        settings["random_state"] = random_state
    for name in ("n_jobs", "n_threads"):
        if name in accepted:
            settings[name] = n_threads
    if "device" in accepted:
        settings["device"] = device
    if settings:
        if hasattr(estimator, "set_params"):
            estimator.set_params(**settings)
        else:
            for key, value in settings.items():
                setattr(estimator, key, value)
    return estimator


@dataclass(frozen=True)
class FlowFactory:
    """Factory of the ``rrnvp`` flow presets (``RealNVP``, ``TrimRealNVP``, ``RobustRealNVP``)."""

    preset: str

    def __call__(
        self, params: Mapping[str, Any], *, random_state: int, n_threads: int, device: str
    ) -> Any:
        import rrnvp

        estimator = getattr(rrnvp, self.preset)(**params)
        return configure_execution(
            estimator, random_state=random_state, n_threads=n_threads, device=device
        )


#: The spec parameter that picks one of a baseline method's implementations.
IMPLEMENTATION = "implementation"


@dataclass(frozen=True)
class BaselineFactory:
    """Factory of a ``baselines.make_baseline`` detector.

    Parameters
    ----------
    baseline : str
        The ``baselines`` name built when the parameters name no implementation.
    implementations : tuple of (str, str) pairs, optional
        ``(implementation, baselines name)``: the values the method's ``implementation``
        parameter may take. Without them the method has one implementation and the parameter
        is refused.
    """

    baseline: str
    implementations: tuple[tuple[str, str], ...] = ()

    def baseline_name(self, implementation: str | None) -> str:
        """The ``baselines`` name of ``implementation`` (None: :attr:`baseline`).

        Raises
        ------
        ValueError
            Naming the valid implementations when ``implementation`` is not one of them.
        """
        if implementation is None:
            return self.baseline
        choices = dict(self.implementations)
        if implementation not in choices:
            valid = list(choices) or "none (the method has one implementation)"
            raise ValueError(
                f"unknown {IMPLEMENTATION} {implementation!r} of baseline {self.baseline!r}; "
                f"valid: {valid}"
            )
        return choices[implementation]

    def __call__(
        self, params: Mapping[str, Any], *, random_state: int, n_threads: int, device: str
    ) -> Any:
        import baselines

        params = dict(params)
        name = self.baseline_name(params.pop(IMPLEMENTATION, None))
        estimator = baselines.make_baseline(name, **params)
        return configure_execution(
            estimator, random_state=random_state, n_threads=n_threads, device=device
        )


#: Shared by the three flows. ``coupling_form`` / ``masks``: the authors' data -> latent map
#: z = (x - t) * exp(-s) over partitioning masks (``reproduce/protocol.md``); recorded in every
#: flow run.
_FLOW_TRAINING = {
    "epochs": 20,
    "batch_size": 128,
    "learning_rate": 3e-4,
    "coupling_form": "shift-scale",
    "masks": "partition",
}

_METHODS: Registry[MethodEntry] = Registry("method")


def register_method(
    name: str,
    factory: EstimatorFactory,
    defaults: Mapping[str, Any] | None = None,
    *,
    replace: bool = False,
) -> MethodEntry:
    """Register ``factory`` under display name ``name`` (listed in registration order).

    Raises
    ------
    rrnvp.registry.DuplicateNameError
        If ``name`` is taken and ``replace`` is False.
    """
    entry = MethodEntry(name, factory, MappingProxyType(dict(defaults or {})))
    return _METHODS.register(name, entry, replace=replace)


def unregister_method(name: str, *, missing_ok: bool = False) -> None:
    """Remove a registered method (an error naming the known ones when absent, unless
    ``missing_ok``)."""
    _METHODS.unregister(name, missing_ok=missing_ok)


def get_method(name: str) -> MethodEntry:
    """The entry of method ``name``.

    Raises
    ------
    rrnvp.registry.UnknownNameError
        A ``ValueError`` naming the known methods when ``name`` is unknown.
    """
    return _METHODS.get(name)


def method_names() -> list[str]:
    """Registered method names, in registration order."""
    return _METHODS.names()


register_method(
    "RobustRealNVP",
    FlowFactory("RobustRealNVP"),
    {
        **_FLOW_TRAINING,
        "trim_ratio": ORACLE_CONTAMINATION,
        "trim_warmup_epochs": 1,
        "spectral_norm": True,
        "lipschitz_k": 1.5,
    },
)
register_method("RealNVP", FlowFactory("RealNVP"), dict(_FLOW_TRAINING))
register_method(
    "TrimRealNVP",
    FlowFactory("TrimRealNVP"),
    {
        **_FLOW_TRAINING,
        "trim_ratio": ORACLE_CONTAMINATION,
        "trim_warmup_epochs": 1,
    },
)
#: Per baseline method: its factory and the protocol parameters recorded in every run spec.
#: ``input_scaling`` equals the default of the detector it builds (each spec in
#: ``baselines/registry.py`` gives the reason; a test keeps the two equal): OCSVM standardises its
#: inputs, fitted on the training part; the others take the split's features as they are.
#: ``implementation`` picks one of a method's implementations, each a ``baselines`` name. ``AE``:
#: ``"authors-script"`` (default, ``ae``: the authors' ODDS script exactly, train_ae.py with
#: models/AE_Coteaching.py: its decoder layout and two dropout passes per step) | ``"authors"``
#: (``ae_rebuilt``: the earlier rebuild of their network from a description of the script, the
#: default until 2026-12-02, kept so that its committed runs can be recomputed) | ``"pyod"``
#: (``ae_pyod``: PyOD's AutoEncoder, the suite's earlier AE). ``Deep-SVDD``: ``"authors-script"``
#: (default, ``deep_svdd``: trainSVDD.py with models/SVDD.py exactly: its decoder layout, one Adam
#: for both phases and run.sh's optimiser settings) | ``"authors"`` (``deep_svdd_rebuilt``: the
#: earlier rebuild, default until 2026-12-02, kept likewise) | ``"ruff"`` (``deep_svdd_ruff``:
#: after Ruff et al.'s reference code, the suite's earlier Deep-SVDD). ``VAE``: ``"pyod"`` (``vae``:
#: PyOD 3.6's VAE at the paper's ODDS sizes; Table 1's) | ``"pyod-0.8"`` (``vae_pyod08``: PyOD
#: 0.8.6's Keras VAE with its defaults, rebuilt in torch, what the authors' trainVAECIFAR.py ran;
#: Table 2's, set in table2.toml). VAE records no ``implementation`` by default (it had one when
#: its runs were computed), so its default runs keep their ids, and ``"pyod"`` is hashed as if
#: absent (``reproduce.spec.HASH_OMITTED_AT_LEGACY_VALUE_OF_METHOD``): the default's runs. The
#: values are hashed into run ids as they are written, so ``"authors"`` runs keep their ids.
BASELINE_METHODS: Mapping[str, tuple[BaselineFactory, Mapping[str, Any]]] = MappingProxyType(
    {
        "AE": (
            BaselineFactory(
                "ae",
                (
                    ("authors-script", "ae"),
                    ("authors", "ae_rebuilt"),
                    ("pyod", "ae_pyod"),
                ),
            ),
            {IMPLEMENTATION: "authors-script", "input_scaling": "none"},
        ),
        "VAE": (
            BaselineFactory("vae", (("pyod", "vae"), ("pyod-0.8", "vae_pyod08"))),
            {"input_scaling": "none"},
        ),
        "SO-GAAL": (BaselineFactory("so_gaal"), {"input_scaling": "none"}),
        "Deep-SVDD": (
            BaselineFactory(
                "deep_svdd",
                (
                    ("authors-script", "deep_svdd"),
                    ("authors", "deep_svdd_rebuilt"),
                    ("ruff", "deep_svdd_ruff"),
                ),
            ),
            {IMPLEMENTATION: "authors-script", "input_scaling": "none"},
        ),
        "OCSVM": (BaselineFactory("ocsvm"), {"input_scaling": "standard"}),
        "LOF": (BaselineFactory("lof"), {"input_scaling": "none"}),
        "IF": (BaselineFactory("iforest"), {"input_scaling": "none"}),
    }
)
for _display, (_factory, _defaults) in BASELINE_METHODS.items():
    register_method(_display, _factory, _defaults)
