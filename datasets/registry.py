"""The one registry through which every experiment gets its data.

Two :class:`rrnvp.registry.Registry` tables, with the rules of every registry of the suite
(a taken name is an error unless ``replace=True``; listing in registration order; an unknown name
lists the known ones):

- **kinds** (:class:`~datasets.types.DatasetKind`): families of datasets loaded the same way.
  The kinds are open: a plug-in registers its own with :func:`register_kind`.
- **datasets** (:class:`~datasets.types.RegisteredDataset`): one entry per dataset, under a
  canonical name plus optional aliases (such as the paper's spelling), of a registered kind, with
  ``load(data_dir)`` returning the whole :class:`~datasets.types.Dataset` and
  ``load_split(seed, data_dir, options, context)`` the preprocessed
  :class:`~datasets.types.Split`, where ``options`` is the kind's options object (what defines the
  data, :mod:`datasets.options`) and ``context`` a ``ComputeContext`` (where and how it is
  computed).

The built-in kinds and datasets (``odds``, ``cifar10``, ``synthetic``) are registered by
``datasets/__init__.py``, in that order. :func:`load_split` is the one call that the runner (and
everybody else) uses; :func:`split_loader` gives the same loader as a picklable object, for worker
processes where a plug-in's registrations may not have run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from datasets.options import ComputeContext, DataOptions
from datasets.types import Dataset, DatasetKind, RegisteredDataset, Split, check_seed
from rrnvp.files import PathLike
from rrnvp.registry import Registry

__all__ = [
    "Dataset",
    "DatasetKind",
    "RegisteredDataset",
    "SplitLoader",
    "canonical_name",
    "check_seed",
    "get_entry",
    "get_kind",
    "iter_entries",
    "kind_of",
    "list_datasets",
    "list_kinds",
    "load_dataset",
    "load_split",
    "register",
    "register_kind",
    "split_loader",
    "unregister",
    "unregister_kind",
]

_KINDS: Registry[DatasetKind] = Registry("dataset kind")
_DATASETS: Registry[RegisteredDataset] = Registry("dataset")


# ---------------------------------------------------------------------- kinds
def register_kind(kind: DatasetKind, *, replace: bool = False) -> DatasetKind:
    """Add a dataset kind (its datasets are registered with :func:`register` afterwards).

    Raises
    ------
    rrnvp.registry.DuplicateNameError
        The kind's name is taken and ``replace`` is False.
    """
    return _KINDS.register(kind.name, kind, replace=replace)


def unregister_kind(name: str, *, missing_ok: bool = False) -> None:
    """Remove a dataset kind and every dataset of that kind (for tests and plug-ins)."""
    if missing_ok and name not in _KINDS:
        return
    kind = _KINDS.get(name)
    for entry in iter_entries(kind.name):
        _DATASETS.unregister(entry.name)
    _KINDS.unregister(kind.name)


def get_kind(name: str) -> DatasetKind:
    """The registered kind ``name``; an unknown kind is an error listing the known ones."""
    return _KINDS.get(name)


def list_kinds() -> list[str]:
    """Names of the registered dataset kinds, in registration order."""
    return _KINDS.names()


# ---------------------------------------------------------------------- datasets
def register(entry: RegisteredDataset, *, replace: bool = False) -> RegisteredDataset:
    """Add ``entry`` (its kind must be registered).

    Raises
    ------
    rrnvp.registry.UnknownNameError
        The entry's kind is not registered (the message lists the kinds).
    rrnvp.registry.DuplicateNameError
        The name or an alias is taken and ``replace`` is False.
    """
    get_kind(entry.kind)
    return _DATASETS.register(entry.name, entry, aliases=entry.aliases, replace=replace)


def unregister(name: str, *, missing_ok: bool = False) -> None:
    """Remove the entry with canonical ``name`` and its aliases (for tests and plug-ins)."""
    _DATASETS.unregister(name, missing_ok=missing_ok)


def canonical_name(name: str) -> str:
    """Resolve an alias (e.g. the paper's ``mammo``) to the canonical name.

    Raises
    ------
    rrnvp.registry.UnknownNameError
        A ``ValueError`` suggesting close matches and listing the known datasets.
    """
    return _DATASETS.canonical(name)


def get_entry(name: str) -> RegisteredDataset:
    """The registry entry for ``name`` (canonical name or alias)."""
    return _DATASETS.get(name)


def kind_of(name: str) -> DatasetKind:
    """The kind of dataset ``name`` (canonical name or alias)."""
    return get_kind(get_entry(name).kind)


def list_datasets(kind: str | None = None) -> list[str]:
    """Canonical names of the registered datasets, in registration order.

    Parameters
    ----------
    kind : str or None
        Only datasets of this registered kind (see :func:`list_kinds`); None lists all.

    Raises
    ------
    rrnvp.registry.UnknownNameError
        If ``kind`` is not registered (the message lists the kinds).
    """
    if kind is not None:
        kind = get_kind(kind).name
    return [name for name, entry in _DATASETS.items() if kind is None or entry.kind == kind]


def iter_entries(kind: str | None = None) -> list[RegisteredDataset]:
    """Registry entries (optionally of one kind), in registration order."""
    return [get_entry(name) for name in list_datasets(kind)]


def load_dataset(name: str, data_dir: PathLike | None = None) -> Dataset:
    """Load a whole dataset by name.

    Parameters
    ----------
    name : str
        Canonical name or alias (see :func:`list_datasets`).
    data_dir : str or Path, optional
        Folder holding ``odds/<name>.mat`` etc. Default: env ``RRNVP_DATA``, else the user
        cache directory (downloaded on first use unless ``RRNVP_OFFLINE=1``).

    Returns
    -------
    Dataset
        ``.X`` float64 (n, d), ``.y`` int (n,) in {0, 1}; unpacks as ``X, y``.
    """
    return get_entry(name).load(data_dir)


@dataclass(frozen=True)
class SplitLoader:
    """The split loader of one registered dataset, as a picklable value.

    The runner ships it to worker processes inside each job, so a worker loads a plug-in's
    dataset even where the plug-in's registration did not run. Call it as
    ``loader(seed, data_dir, context=None, **options)``, like :func:`load_split` without the name.
    """

    name: str
    kind: DatasetKind
    load_split: Callable[[int, PathLike | None, DataOptions, ComputeContext], Split]

    def options(self, values: Mapping[str, Any]) -> DataOptions:
        """The kind's options object of ``values``; errors name this dataset (see
        :meth:`DatasetKind.parse_options`)."""
        try:
            return self.kind.parse_options(values)
        except (TypeError, ValueError) as exc:
            error = TypeError if isinstance(exc, TypeError) else ValueError
            raise error(f"load_split({self.name!r}): {exc}") from None

    def __call__(
        self,
        seed: int = 0,
        data_dir: PathLike | None = None,
        *,
        context: ComputeContext | None = None,
        **options: Any,
    ) -> Split:
        seed = check_seed(seed)
        return self.load_split(seed, data_dir, self.options(options), context or ComputeContext())


def split_loader(name: str) -> SplitLoader:
    """The picklable loader of the splits of dataset ``name`` (canonical name or alias)."""
    entry = get_entry(name)
    return SplitLoader(entry.name, get_kind(entry.kind), entry.load_split)


def load_split(
    name: str,
    seed: int = 0,
    data_dir: PathLike | None = None,
    *,
    context: ComputeContext | None = None,
    **options: Any,
) -> Split:
    """The preprocessed train/test split of a dataset: the one call the runner uses.

    Parameters
    ----------
    name : str
        Canonical name or alias.
    seed : int, default=0
        Drives the split (or the generation, for synthetic data).
    data_dir : str or Path, optional
        As in :func:`load_dataset`.
    context : ComputeContext, optional
        Where and how the split is computed (device, batch size and threads of feature
        extraction, progress bars, cache folder); never changes the data. Default:
        ``ComputeContext()``.
    **options
        The options that define the data, those of the dataset's kind (its options class:
        :class:`datasets.odds.OddsOptions`, :class:`datasets.cifar10.Cifar10Options`,
        :class:`datasets.synthetic.TwoMoonsOptions`, :class:`datasets.adbench.AdbenchOptions`, or
        a plug-in kind's). ODDS: ``train_fraction=0.6``, ``stratify=True``,
        ``scaler="minmax"|"zscore"|None``, ``protocol="inductive"|"transductive"``,
        ``drop_constant=True``. ADBench: those of ODDS and ``max_train_rows=None``. Two-moons:
        ``n_normal``, ``n_anomalies``, ``noise``, ``scaler``. CIFAR-10: ``ratio``, ``features``,
        ``test_protocol``, ``image_source``, ``pca_components``, ``scale_features``.

    Returns
    -------
    Split

    Raises
    ------
    TypeError
        If an option is not one of this dataset's kind (all unknown options are named with the
        valid ones), or is an execution setting (which belongs in ``context``).
    ValueError
        An invalid option value.
    """
    return split_loader(name)(seed, data_dir, context=context, **options)
