"""Dataset registry of the rrnvp benchmark suite: ODDS, two-moons and CIFAR-10.

Every experiment gets its data through three calls::

    from datasets import list_datasets, load_dataset, load_split

    list_datasets("odds")                   # the 16 ODDS names (canonical = ODDS file names)
    X, y = load_dataset("mammo")            # alias of "mammography"; float64 X, 0/1 int y
    split = load_split("cardio", seed=0)    # stratified 60/40, min-max fitted on train
    split.X_train, split.y_train, split.contamination

Data files are found under ``data_dir`` / env ``RRNVP_DATA`` / the user cache directory
(``<root>/odds/<name>.mat``), hash-checked, and downloaded when missing unless
``RRNVP_OFFLINE=1``. ``python -m datasets`` lists them with their status and fetches them.

A data module registers its datasets when imported (see :mod:`datasets.registry`); a new one
plugs in by adding its import below.
"""

from datasets import odds, synthetic  # noqa: F401  (importing registers the datasets)

# isort: split
from datasets import cifar10  # noqa: F401  (after odds: the ODDS names list first)
from datasets.fetch import DatasetFileError, DatasetUnavailableError, data_root
from datasets.registry import (
    KINDS,
    Dataset,
    RegisteredDataset,
    get_entry,
    list_datasets,
    load_dataset,
    load_split,
    register,
)
from datasets.splits import Split, make_split, split_and_preprocess
from datasets.synthetic import make_two_moons

__all__ = [
    "KINDS",
    "Dataset",
    "DatasetFileError",
    "DatasetUnavailableError",
    "RegisteredDataset",
    "Split",
    "data_root",
    "get_entry",
    "list_datasets",
    "load_dataset",
    "load_split",
    "make_split",
    "make_two_moons",
    "register",
    "split_and_preprocess",
]
