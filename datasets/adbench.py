"""The 43 classical tabular datasets of ADBench (Han et al., NeurIPS 2022 Datasets and Benchmarks)
that the suite runs beyond the paper.

Each registry entry is one ADBench file ``adbench-classical/<number>_<Name>.npz`` (arrays ``X`` and
``y``, ``y`` = 1 for anomalies), byte for byte from the ADBench repository at a pinned commit
(``Minqi824/ADBench``, :data:`ADBENCH_COMMIT`, folder ``adbench/datasets/Classical/``; BSD
2-Clause), with its sha256, size, shape and anomaly count. Four of ADBench's 47 classical sets are
not registered (``3_backdoor``, ``9_census``, ``13_fraud``, ``36_speech``: not in the data
snapshot the project works from).

Names. Every ADBench dataset is registered as ``adbench-<name>``: ADBench's name without its
number, lower-cased (``22_magic.gamma`` -> ``adbench-magic.gamma``, ``35_SpamBase`` ->
``adbench-spambase``), with ADBench's file stem (``35_SpamBase``) as an alias. The prefix is on all
43 names, not only on the 15 that are also ODDS datasets of the paper (``cardio`` is ODDS's file,
``adbench-cardio`` ADBench's, sometimes another version of the same source): one rule, no name that
changes meaning if the ODDS kind grows (ODDS also has cover, http, smtp, wine, ...), and a kind
filter is never needed to tell them apart. :attr:`AdbenchFile.odds_name` links the 15 to their ODDS
counterpart.

Splits follow the ODDS protocol (:func:`datasets.splits.split_and_preprocess`: stratified 60/40,
constant training columns dropped, min-max fitted on the training part), plus one option of this
kind, ``max_train_rows``: a seeded, label-stratified cap on the training part that never touches
the test part (:func:`datasets.splits.cap_training_rows`; ``None``, the default, is no cap).
Duplicate rows are kept, as for ODDS.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from datasets import fetch
from datasets.arrays import checked_arrays, labelled_file_entry, load_labelled_file
from datasets.odds import OddsOptions
from datasets.options import ComputeContext
from datasets.registry import register, register_kind
from datasets.splits import check_max_train_rows, split_and_preprocess
from datasets.types import Dataset, DatasetKind, RegisteredDataset, Split
from rrnvp.files import PathLike

ADBENCH_COMMIT = "3dac8221081e190f157d78e93bfa8867f90d0965"
"""The commit of ``Minqi824/ADBench`` whose files are registered (their sha256 below)."""

FOLDER = "adbench-classical"
"""The files' folder under the data root (``RRNVP_DATA``)."""

_URL = (
    "https://github.com/Minqi824/ADBench/raw/"
    + ADBENCH_COMMIT
    + "/adbench/datasets/Classical/{file}"
)

PREFIX = "adbench-"
"""The prefix of every ADBench dataset name (see the module docstring)."""


@dataclass(frozen=True)
class AdbenchFile:
    """Registry facts about one ADBench file.

    Attributes
    ----------
    number : int
        ADBench's number of the dataset (the file name's prefix).
    adbench_name : str
        ADBench's spelling without the number (``"SpamBase"``).
    n_samples, n_features, n_anomalies : int
        Expected shape of ``X`` and count of ``y == 1``.
    sha256 : str
    size : int
        File size in bytes.
    odds_name : str or None
        The ODDS dataset of the suite from the same source (another version, sometimes), or None.
    """

    number: int
    adbench_name: str
    n_samples: int
    n_features: int
    n_anomalies: int
    sha256: str
    size: int
    odds_name: str | None = None

    @property
    def name(self) -> str:
        """The registered name: ``adbench-`` + ADBench's name, lower-cased."""
        return PREFIX + self.adbench_name.lower()

    @property
    def file_name(self) -> str:
        """ADBench's file name, ``<number>_<Name>.npz``."""
        return f"{self.number}_{self.adbench_name}.npz"

    @property
    def remote(self) -> fetch.RemoteFile:
        """The file as :mod:`datasets.fetch` sees it."""
        return fetch.RemoteFile(
            name=self.name,
            relpath=f"{FOLDER}/{self.file_name}",
            sha256=self.sha256,
            urls=(_URL.format(file=self.file_name),),
            size=self.size,
        )


def _adbench(
    number: int,
    name: str,
    shape: tuple[int, int],
    anomalies: int,
    size: int,
    sha256: str,
    odds: str | None = None,
) -> AdbenchFile:
    return AdbenchFile(number, name, shape[0], shape[1], anomalies, sha256, size, odds)


# In ADBench's order (its numbers); sha256 as in the data folder's SHA256SUMS.
# fmt: off
ADBENCH_FILES: tuple[AdbenchFile, ...] = (
    _adbench(1, "ALOI", (49534, 27), 1508, 2904730,
             "792d0b5bd1147bfc9574a1974f157b39fbd4cbed8ecd04cf983fd554498ed477"),
    _adbench(2, "annthyroid", (7200, 6), 534, 66547,
             "e738f7c58a8740d2c4aac4c71ff49ce5e1d1aa16f44178135fc9c09df05fad1b", odds="annthyroid"),
    _adbench(4, "breastw", (683, 9), 239, 3023,
             "4f37ce07dbc25ddad8178fdc6d664ab46d2d0000ee28c2787c3c7ff3c03ef9f6"),
    _adbench(5, "campaign", (41188, 62), 4640, 728999,
             "74dd4d0072d6c6f1aabab63bc102f9633454f32bb936fa9bcfbd38f9f2386bcd"),
    _adbench(6, "cardio", (1831, 21), 176, 68471,
             "bc5009bde6930b4d298b594f31b34485a9a17210cff0e8fb00a8c3068b885a2d", odds="cardio"),
    _adbench(7, "Cardiotocography", (2114, 21), 466, 37911,
             "5ae84910430f05923e11b6f537243263977c9136949dabd891e3570aeec51e29"),
    _adbench(8, "celeba", (202599, 39), 4547, 1700937,
             "1cadfdea14cd8d240eca715a70c09c88af8621d086a7478c63f602d97adef0b5"),
    _adbench(10, "cover", (286048, 10), 2747, 2537258,
             "945a097c3542ae81a551bf1c06dcad78a755d94f84fcaf1d60687e42d1a656df"),
    _adbench(11, "donors", (619326, 10), 36710, 2938691,
             "5824ec854465f2763b4bfe3da1ae9f25ed5433b5c6e265d42e37da4f82a58679"),
    _adbench(12, "fault", (1941, 27), 673, 192040,
             "ec27301f9a4cf7c5d8b22c360cf37ddb043b7fb062465723dfd8b34e2771e5dd"),
    _adbench(14, "glass", (214, 7), 9, 10755,
             "aa7a8db1d475ba01a10488af454bc15220a3d5951b010b03b7020567d8152cdc", odds="glass"),
    _adbench(15, "Hepatitis", (80, 19), 13, 1644,
             "4a87a2f7d8013e5bfde63294fae61ec7a612322de72f338a7f9491749025ad98"),
    _adbench(16, "http", (567498, 3), 2211, 2179269,
             "9d98710091551587f4740cfc851a6b064fff6319a337c2dc77ee6da4bcc2e02c"),
    _adbench(17, "InternetAds", (1966, 1555), 368, 78157,
             "bdd8ad5cf5bf2cb96cba53dde30d522d0f6a279083a8e2bc7efbac5981b04385"),
    _adbench(18, "Ionosphere", (351, 32), 126, 42913,
             "bca46cb0cfd1bf9ddef6cde5ad2215d54fb0189508d0d4c4eb98e788cad69001", odds="ionosphere"),
    _adbench(19, "landsat", (6435, 36), 1333, 223827,
             "ba17e2158c07469597b89db49d3982c874c6b713ff6670721ddc88969da77987"),
    _adbench(20, "letter", (1600, 32), 100, 23946,
             "f986d3da80cf1fa2aea83a5ebe73b7d4800e0d4c01fdd1ae074b58d20f10d039", odds="letter"),
    _adbench(21, "Lymphography", (148, 18), 6, 1895,
             "dad977b04f4ea65b78ccd0e9f76b45175bad605165b37e63f3cc177845e67037"),
    _adbench(22, "magic.gamma", (19020, 10), 6688, 1296704,
             "0be375984d7af9ea7a63b12206c240840d8b7daa3607021c5fb8756407dd86f1"),
    _adbench(23, "mammography", (11183, 6), 260, 166764,
             "a0308ac9712d78321073b1c2dc98dc37665c0f35c1cc33019416fe8f8d7de7ea",
             odds="mammography"),
    _adbench(24, "mnist", (7603, 100), 700, 455359,
             "be7706272325fdd3592c1be555ae1a82f916a2f8545f4f8cbaa548ab102cc44c", odds="mnist"),
    _adbench(25, "musk", (3062, 166), 97, 736255,
             "2ed3f4392197b76a1e59116ff880c7720a4b026cf4842073a53b56fdea265017", odds="musk"),
    _adbench(26, "optdigits", (5216, 64), 150, 197633,
             "60de17a375a278ba220a7849727d998aa02b5e2f9fd17732a004bba28de4656e"),
    _adbench(27, "PageBlocks", (5393, 10), 510, 102998,
             "10a9b4d5bb5d3b9083caab4c4062f665610eada703c3d927bf7c34b1f2d0d223"),
    _adbench(28, "pendigits", (6870, 16), 156, 653509,
             "c4936b89dcdad59d303020e492f763a0f54170080d787c77497609acbb9c2d79", odds="pendigits"),
    _adbench(29, "Pima", (768, 8), 268, 11023,
             "215454bb263a2f040945c9ea7bd7f06f1e89a61a3143bdb6f196e3887e801a7d", odds="pima"),
    _adbench(30, "satellite", (6435, 36), 2036, 129874,
             "1f048f5686f1b8c16a227fdfa3c81a62cd9a92715714a6b24c69b1c5ad96b46e", odds="satellite"),
    _adbench(31, "satimage-2", (5803, 36), 71, 181405,
             "1b056e357f801b8b20c3f380a30224a3c4088d7ed764ec5a24828dc9b1918d6f", odds="satimage-2"),
    _adbench(32, "shuttle", (49097, 9), 3511, 332929,
             "26900b0f6be45d9ddb7a402c9b2f956ceda42d23a8ca4cf4406b8bc1352823d1", odds="shuttle"),
    _adbench(33, "skin", (245057, 3), 50859, 618680,
             "d02aa01ffc1b6bf2b8b1ac250c90e8a8eacd0cefc962940ed5cc4bf5deac9c95"),
    _adbench(34, "smtp", (95156, 3), 30, 496392,
             "d2569fc9bc12115419e3f5b37d19921e10e6c26e5ad1e61064cfb0fbc402dfdd"),
    _adbench(35, "SpamBase", (4207, 57), 1679, 152038,
             "d0c46c7928e43f6496bcd06e09de0b70f6bc8143792dfa0a43f450263d254e9b"),
    _adbench(37, "Stamps", (340, 9), 31, 20569,
             "99fe739447284f613fa54bf2dccdb51c5120175ce6260adec6dad77576c42509"),
    _adbench(38, "thyroid", (3772, 6), 93, 39882,
             "8de161b3f235b7647bb0b39a836d983ff61d67bf234edac461da2d71e889cb87", odds="thyroid"),
    _adbench(39, "vertebral", (240, 6), 30, 4868,
             "0816286f92b96fe6867664a41a031ac7228dcfbf1a5feefe50ca3883b2e9073d"),
    _adbench(40, "vowels", (1456, 12), 50, 134268,
             "4bfc4244d1c882773bbbc50d4a5db5e52276e53506e46b2d45e02d074cfcb1b6", odds="vowels"),
    _adbench(41, "Waveform", (3443, 21), 100, 145028,
             "6c9d867337ad1a2f8372c1d27f4c032f0401237e2041b7c45f00de8d319ff30f"),
    _adbench(42, "WBC", (223, 9), 10, 1444,
             "650f9dcb129248f67a291be0974f533ef259fcbde50fce5c8ad2a1cb2652d03b"),
    _adbench(43, "WDBC", (367, 30), 10, 46770,
             "78d4606a1ab516f5b60b00c196497f3bbd6bd5e4548fd04cf5f2475209b34b85"),
    _adbench(44, "Wilt", (4819, 5), 257, 134531,
             "c70b72aa611ec87b20efb400943ef3ce4f8bf7aa58fcef825fbd28cc5cee3cc9"),
    _adbench(45, "wine", (129, 13), 10, 4072,
             "d5ad8965d92cc57122fe1e6572bb301adbaf795b3e166d187ae00a704d8f6e20"),
    _adbench(46, "WPBC", (198, 33), 47, 44367,
             "68a6d67242643855713bcdad07d89ecc472bd00000dccc17ba87916eb2693d19"),
    _adbench(47, "yeast", (1484, 8), 507, 14707,
             "bbb15c873d78a4f6a589f46d0f75814595e2282d2ae7ce7779c750f276c3770d"),
)
# fmt: on

# What numpy's npz reader raises on damaged or foreign files (object arrays, refused without
# pickle, raise ValueError); each is re-raised as a DatasetFileError naming the file.
_NPZ_READ_ERRORS = (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError)


def read_npz(path: PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read ``X`` and ``y`` from an ADBench-style ``.npz`` file (never unpickles).

    Returns
    -------
    X : ndarray of float64, shape (n, d)
    y : ndarray of int64, shape (n,), values in {0, 1}

    Raises
    ------
    DatasetFileError
        The file is not a readable ``.npz`` archive of plain arrays, lacks ``X`` or ``y``, or
        holds arrays of the wrong shape, non-numeric or non-finite features or labels other than
        0/1.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as contents:
            missing = [key for key in ("X", "y") if key not in contents.files]
            if missing:
                found = ", ".join(sorted(contents.files)) or "none"
                raise fetch.DatasetFileError(
                    f"{path}: missing array(s) {', '.join(missing)}; found {found}"
                )
            X, y = np.asarray(contents["X"]), np.asarray(contents["y"])
    except fetch.DatasetFileError:
        raise
    except _NPZ_READ_ERRORS as exc:
        raise fetch.DatasetFileError(
            f"{path}: not a readable .npz archive of plain arrays (truncated, another format or "
            f"object arrays?): {type(exc).__name__}: {exc}"
        ) from exc
    return checked_arrays(path, X, y)


def load_adbench(spec: AdbenchFile, data_dir: PathLike | None = None) -> Dataset:
    """Load one ADBench file: locate (download if allowed), verify hash, read, check shape/count.

    Raises
    ------
    DatasetFileError
        Wrong hash, unreadable file, or shape / anomaly count different from the registry.
    DatasetUnavailableError
        The file is missing and cannot be downloaded.
    """
    return load_labelled_file(spec, data_dir, read_npz, n_anomalies=spec.n_anomalies)


@dataclass(frozen=True)
class AdbenchOptions(OddsOptions):
    """The options that define an ADBench split (a config's ``[data]`` table): those of ODDS, the
    same protocol (:class:`datasets.odds.OddsOptions`), plus ``max_train_rows``.

    Attributes
    ----------
    max_train_rows : int or None, default=None
        Cap on the rows of the training part: a seeded subsample stratified by label, drawn from
        the training part only (:func:`datasets.splits.cap_training_rows`); None keeps every
        training row. A config that caps writes the value, so it is part of the run ids.
    """

    max_train_rows: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        check_max_train_rows(self.max_train_rows)


def load_adbench_split(
    spec: AdbenchFile,
    seed: int = 0,
    data_dir: PathLike | None = None,
    options: AdbenchOptions | None = None,
    context: ComputeContext | None = None,
) -> Split:
    """The seeded, preprocessed split of one ADBench dataset under ``options`` (default: the ODDS
    protocol without a cap, see :class:`AdbenchOptions`). ``context`` is not used."""
    options = options if options is not None else AdbenchOptions()
    return split_and_preprocess(load_adbench(spec, data_dir), seed, **options.as_dict())


def registered_entry(spec: AdbenchFile) -> RegisteredDataset:
    """The registry entry for one ADBench file (alias: ADBench's file stem)."""
    return labelled_file_entry(
        spec,
        "adbench",
        load_adbench,
        load_adbench_split,
        aliases=(Path(spec.file_name).stem,),
        summary=f"{spec.n_samples}x{spec.n_features}, {spec.n_anomalies} anomalies"
        + (f" (ODDS: {spec.odds_name})" if spec.odds_name else ""),
    )


ADBENCH_BY_NAME: dict[str, AdbenchFile] = {spec.name: spec for spec in ADBENCH_FILES}


def odds_counterparts() -> dict[str, str]:
    """ADBench name -> the ODDS dataset of the suite from the same source (the 15 overlaps)."""
    return {spec.name: spec.odds_name for spec in ADBENCH_FILES if spec.odds_name is not None}


def new_datasets() -> list[str]:
    """The ADBench names without an ODDS counterpart in the suite (the 28 new to the paper)."""
    return [spec.name for spec in ADBENCH_FILES if spec.odds_name is None]


KIND = DatasetKind(
    "adbench",
    options=AdbenchOptions,
    summary="43 classical datasets of ADBench, beyond the paper (.npz files, hash-checked)",
)


def register_datasets() -> None:
    """Register the ``adbench`` kind and its 43 datasets, in ADBench's order
    (``datasets/__init__.py`` calls it)."""
    register_kind(KIND)
    for spec in ADBENCH_FILES:
        register(registered_entry(spec))
