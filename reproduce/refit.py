"""What a diagnostic needs to refit one stored run exactly as the runner fitted it.

The diagnostics (``reproduce.param_sensitivity``, ``reproduce.input_sensitivity``) refit runs
of an experiment with one thing changed; each first rebuilds the run's inputs the way the
runner's worker does (:func:`reproduce.execute._run`): the same split loader and options, one
thread, the parameters resolved against the split's contamination, and the stored record to
compare with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reproduce.execute import resolve_params, split_contaminations
from reproduce.spec import RunSpec
from reproduce.store import RunRecord, RunStore


@dataclass(frozen=True)
class RunInputs:
    """One run's split, resolved parameters and stored record.

    Attributes
    ----------
    spec : RunSpec
        The run.
    split : Any
        The split the run's loader returns for its seed and data options (``X_train``,
        ``y_train``, ``X_test``, ``y_test``).
    params : dict
        The run's parameters with the oracle values (``"contamination"``,
        ``"dataset_contamination"``) replaced by the split's anomaly ratios.
    contamination, dataset_contamination : float
        The training part's anomaly ratio and that of both parts pooled, which resolve the
        oracle values (also those of a diagnostic's own overrides).
    stored : RunRecord or None
        The run store's record of the run, None when the store does not have it.
    """

    spec: RunSpec
    split: Any
    params: dict[str, Any]
    contamination: float
    dataset_contamination: float
    stored: RunRecord | None

    def resolve(self, overrides: dict[str, Any]) -> dict[str, Any]:
        """``overrides`` with oracle values resolved as the run's own parameters are."""
        return resolve_params(overrides, self.contamination, self.dataset_contamination)

    @property
    def stored_roc_auc(self) -> float | None:
        """The stored run's test ROC-AUC, None without a stored record."""
        return self.stored.metrics.get("roc_auc") if self.stored is not None else None


def load_run_inputs(spec: RunSpec, data_dir: str | None, store: RunStore) -> RunInputs:
    """Load ``spec``'s split as a runner worker does (CPU, one thread, no progress bars).

    Parameters
    ----------
    spec : RunSpec
        The run to rebuild.
    data_dir : str or None
        Data root (None: the loaders' own).
    store : RunStore
        Where the run's record is looked up.
    """
    import datasets

    context = datasets.ComputeContext(device="cpu", num_threads=1, progress=False)  # as a worker
    loader = datasets.split_loader(spec.dataset)
    split = loader(spec.seed, data_dir, context=context, **spec.data_options_dict)
    contamination, dataset_contamination = split_contaminations(split)
    return RunInputs(
        spec=spec,
        split=split,
        params=resolve_params(spec.params_dict, contamination, dataset_contamination),
        contamination=contamination,
        dataset_contamination=dataset_contamination,
        stored=store.read(spec.run_id),
    )
