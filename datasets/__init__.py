"""Dataset registry of the rrnvp benchmark suite: ODDS, two-moons, CIFAR-10 and ADBench.

Every experiment gets its data through three calls::

    from datasets import list_datasets, load_dataset, load_split

    list_datasets("odds")                   # the 16 ODDS names (canonical = ODDS file names)
    X, y = load_dataset("mammo")            # alias of "mammography"; float64 X, 0/1 int y
    split = load_split("cardio", seed=0)    # stratified 60/40, min-max fitted on train
    split.X_train, split.y_train, split.contamination

Data files are found under ``data_dir`` / env ``RRNVP_DATA`` / the user cache directory
(``<root>/odds/<name>.mat``, ``<root>/adbench-classical/<number>_<Name>.npz``; CIFAR-10's images
in ``<root>/cifar-10-batches-py`` or ``<root>/cifar10-jpeg``), hash-checked, and downloaded when
missing unless ``RRNVP_OFFLINE=1``. ``python -m datasets`` lists them with their status and
fetches them.

Kinds of datasets and the datasets themselves are registered (:mod:`datasets.registry`): the
built-in kinds below, in this order (the listing order), and any kind a plug-in adds with
``register_kind`` and ``register``.
"""

from datasets import adbench, cifar10, odds, synthetic
from datasets.fetch import DatasetFileError, DatasetUnavailableError, data_root
from datasets.options import EXECUTION_SETTINGS, ComputeContext, DataOptions
from datasets.registry import (
    SplitLoader,
    get_entry,
    get_kind,
    kind_of,
    list_datasets,
    list_kinds,
    load_dataset,
    load_split,
    register,
    register_kind,
    split_loader,
    unregister,
    unregister_kind,
)
from datasets.splits import make_split, split_and_preprocess
from datasets.synthetic import make_two_moons
from datasets.types import Dataset, DatasetKind, RegisteredDataset, Split

# The built-in kinds, registered here rather than on import, so that their order (the order of
# list_kinds() and list_datasets(): registration order) is stated once: odds, cifar10, synthetic,
# then adbench (beyond the paper).
for _module in (odds, cifar10, synthetic, adbench):
    _module.register_datasets()

__all__ = [
    "EXECUTION_SETTINGS",
    "ComputeContext",
    "DataOptions",
    "Dataset",
    "DatasetFileError",
    "DatasetKind",
    "DatasetUnavailableError",
    "RegisteredDataset",
    "Split",
    "SplitLoader",
    "data_root",
    "get_entry",
    "get_kind",
    "kind_of",
    "list_datasets",
    "list_kinds",
    "load_dataset",
    "load_split",
    "make_split",
    "make_two_moons",
    "register",
    "register_kind",
    "split_and_preprocess",
    "split_loader",
    "unregister",
    "unregister_kind",
]
