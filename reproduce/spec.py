"""What one run is: :class:`RunSpec` and its stable identifier.

A run is a pure function of its spec (dataset, method, method parameters, seed, data options and
requested outputs); where and how it is computed (device, threads, caches) is not part of it.
The run id hashes the spec together with the package version and :data:`RUN_PROTOCOL`, never the
experiment that asked for it, so two experiments that need the same run (Table 1 and Figure 4
share the RobustRealNVP runs) share one stored result.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

#: Bumped when the meaning of a stored run changes without a package version change (metrics,
#: artifact layout, how parameters are resolved). Part of every run id.
RUN_PROTOCOL = 1

#: Parameter value replaced, inside the worker, by the training split's true anomaly ratio.
ORACLE_CONTAMINATION = "contamination"

#: Parameter value replaced, inside the worker, by the true anomaly ratio of the training and test
#: parts pooled (for ODDS, whose 60/40 split uses every row: the whole dataset's ratio, which is
#: what the authors' code trimmed).
ORACLE_DATASET_CONTAMINATION = "dataset_contamination"

#: Options added after runs had been stored, each with the value that reproduces those runs. A spec
#: holding one of them at that value hashes as if the option were absent, so the stored runs keep
#: their ids; the code path of that value is kept bit-identical to the one that computed them. Any
#: other value is hashed (a different computation, a different id). Records store every option.
HASH_OMITTED_AT_LEGACY_VALUE: Mapping[str, Mapping[str, Any]] = {
    # rrnvp 0.1.0 flows mapped data to latent with x * exp(s) + t over partitioning masks;
    # baselines took the split's features without a per-method input scaling.
    "params": {"coupling_form": "scale-shift", "masks": "partition", "input_scaling": "none"},
    # CIFAR-10 splits were not min-max scaled before the option existed.
    "data_options": {"scale_features": False},
}

#: Like :data:`HASH_OMITTED_AT_LEGACY_VALUE`, for parameters whose legacy value depends on the
#: method: method -> {parameter: value}. Before the authors' networks were rebuilt, ``AE`` ran
#: PyOD's AutoEncoder and ``Deep-SVDD`` the Ruff-style model (both kept bit-identical); before
#: PyOD 0.8's VAE was rebuilt (Table 2's VAE since), ``VAE`` had one implementation, PyOD 3.6's
#: (``"pyod"``, still its default: a VAE spec records no implementation unless it asks for one).
HASH_OMITTED_AT_LEGACY_VALUE_OF_METHOD: Mapping[str, Mapping[str, Any]] = {
    "AE": {"implementation": "pyod"},
    "Deep-SVDD": {"implementation": "ruff"},
    "VAE": {"implementation": "pyod"},
}

#: Outputs a run can be asked to store beside its metrics.
KNOWN_OUTPUTS = ("density_grid",)

_SAFE = re.compile(r"[^A-Za-z0-9.-]+")

Scalar = str | int | float | bool


def freeze(value: Any, where: str = "value") -> Any:
    """Return ``value`` as an immutable, JSON-compatible value: lists become tuples.

    Raises
    ------
    ValueError
        For values that cannot be stored in a spec (``None``, non-finite floats, nested tables,
        objects).
    """
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where} must be finite, got {value!r}")
        return value
    if isinstance(value, list | tuple):
        return tuple(freeze(item, f"{where}[{i}]") for i, item in enumerate(value))
    raise ValueError(
        f"{where} must be a string, number, boolean or a list of them, got {type(value).__name__} "
        f"{value!r}"
    )


def _frozen_items(mapping: Mapping[str, Any], where: str) -> tuple[tuple[str, Any], ...]:
    items = []
    for key, value in mapping.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"{where} keys must be non-empty strings, got {key!r}")
        items.append((key, freeze(value, f"{where}.{key}")))
    return tuple(sorted(items))


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_thaw(item) for item in value]
    return value


def canonical_json(obj: Any) -> str:
    """Deterministic JSON text (sorted keys, no spaces, tuples as lists) used for hashing."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


@cache
def package_version() -> str:
    """Version of the installed ``rrnvp`` package (part of every run id)."""
    try:
        return version("rrnvp")
    except PackageNotFoundError:  # a checkout used without installation
        import rrnvp

        return str(rrnvp.__version__)


@dataclass(frozen=True)
class RunSpec:
    """Everything that determines the result of one run.

    Parameters
    ----------
    dataset : str
        Dataset name as known to the dataset registry (e.g. ``"mammography"``, ``"auto-c"``).
    method : str
        Method display name as known to the method registry (e.g. ``"RobustRealNVP"``, ``"IF"``).
    seed : int
        Drives the train/test split and the model's ``random_state``.
    params : tuple of (str, value) pairs
        Method parameters (sorted by name). Build from a mapping with :meth:`create`.
    data_options : tuple of (str, value) pairs
        The options that define the data (sorted by name), as the config writes them: keys of
        the dataset kind's options class (``datasets.DataOptions``); a key left out takes the
        kind's default. Execution settings (device, batch size, threads, progress, cache
        folder: ``datasets.ComputeContext``) are never options, so they never enter a run id.
    outputs : tuple of str
        Extra outputs stored beside the metrics (see :data:`KNOWN_OUTPUTS`).
    """

    dataset: str
    method: str
    seed: int
    params: tuple[tuple[str, Any], ...] = ()
    data_options: tuple[tuple[str, Any], ...] = ()
    outputs: tuple[str, ...] = field(default=())

    @classmethod
    def create(
        cls,
        dataset: str,
        method: str,
        seed: int,
        params: Mapping[str, Any] | None = None,
        data_options: Mapping[str, Any] | None = None,
        outputs: tuple[str, ...] | list[str] = (),
    ) -> RunSpec:
        """Build a validated spec from plain mappings."""
        if not isinstance(dataset, str) or not dataset:
            raise ValueError(f"dataset must be a non-empty string, got {dataset!r}")
        if not isinstance(method, str) or not method:
            raise ValueError(f"method must be a non-empty string, got {method!r}")
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        unknown = sorted(set(outputs) - set(KNOWN_OUTPUTS))
        if unknown:
            raise ValueError(f"unknown outputs {unknown}; known: {list(KNOWN_OUTPUTS)}")
        return cls(
            dataset=dataset,
            method=method,
            seed=seed,
            params=_frozen_items(params or {}, "params"),
            data_options=_frozen_items(data_options or {}, "data_options"),
            outputs=tuple(sorted(set(outputs))),
        )

    @property
    def params_dict(self) -> dict[str, Any]:
        """The method parameters as a plain dict (lists for sequences)."""
        return {key: _thaw(value) for key, value in self.params}

    @property
    def data_options_dict(self) -> dict[str, Any]:
        """The data options as a plain dict (lists for sequences)."""
        return {key: _thaw(value) for key, value in self.data_options}

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible description (stored in every run record)."""
        return {
            "dataset": self.dataset,
            "method": self.method,
            "seed": self.seed,
            "params": self.params_dict,
            "data_options": self.data_options_dict,
            "outputs": list(self.outputs),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunSpec:
        """Inverse of :meth:`to_dict`."""
        return cls.create(
            dataset=data["dataset"],
            method=data["method"],
            seed=data["seed"],
            params=data.get("params", {}),
            data_options=data.get("data_options", {}),
            outputs=tuple(data.get("outputs", ())),
        )

    @property
    def run_id(self) -> str:
        """Stable identifier: readable prefix plus a hash of the spec and the package version.

        Example: ``mammography__RobustRealNVP__s0__3f2a9c1b7d40e5a6``.
        """
        return run_id(self)


def hashed_spec(spec: RunSpec) -> dict[str, Any]:
    """What :func:`run_id` hashes: :meth:`RunSpec.to_dict` without options at their legacy value.

    See :data:`HASH_OMITTED_AT_LEGACY_VALUE` and :data:`HASH_OMITTED_AT_LEGACY_VALUE_OF_METHOD`.
    """
    described = spec.to_dict()
    sections = [(described[s], legacy) for s, legacy in HASH_OMITTED_AT_LEGACY_VALUE.items()]
    sections.append(
        (described["params"], HASH_OMITTED_AT_LEGACY_VALUE_OF_METHOD.get(spec.method, {}))
    )
    for options, legacy in sections:
        for key, value in legacy.items():
            # bool is an int subclass: compare types too, so 0 never stands for False.
            if key in options and type(options[key]) is type(value) and options[key] == value:
                del options[key]
    return described


def run_id(spec: RunSpec, package: str | None = None) -> str:
    """The stable id of ``spec`` under package version ``package`` (default: installed one)."""
    payload = {
        "protocol": RUN_PROTOCOL,
        "package_version": package if package is not None else package_version(),
        "spec": hashed_spec(spec),
    }
    digest = hashlib.sha256(canonical_json(payload).encode("ascii")).hexdigest()[:16]
    dataset = _SAFE.sub("_", spec.dataset)
    method = _SAFE.sub("_", spec.method)
    return f"{dataset}__{method}__s{spec.seed}__{digest}"
