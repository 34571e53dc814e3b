"""The 16 ODDS benchmark datasets of Table 1 (Rayana 2016, http://odds.cs.stonybrook.edu/).

Each registry entry is the original ODDS MATLAB file ``odds/<name>.mat`` (keys ``X`` and ``y``,
``y`` = 1 for outliers) with its sha256, size, shape and outlier count; the files are the ODDS
downloads byte for byte, also kept in the git history of PyOD (``yzhao062/pyod``,
``notebooks/data/``). Names are the ODDS file names; the paper's spelling
(``mammo``) is an alias. Loading verifies the file's hash, then its shape and outlier count,
and returns float64 ``X`` (letter/satellite are stored as uint8, shuttle as int16) and int ``y``.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from datasets import fetch
from datasets.arrays import checked_arrays, labelled_file_entry, load_labelled_file
from datasets.options import ComputeContext, DataOptions, check_bool
from datasets.preprocessing import check_scaler
from datasets.registry import register, register_kind
from datasets.splits import check_protocol, check_train_fraction, split_and_preprocess
from datasets.types import Dataset, DatasetKind, RegisteredDataset, Split
from rrnvp.files import PathLike

_DROPBOX = "https://www.dropbox.com/s/{key}/{name}.mat?dl=1"
_PYOD_MIRROR = (
    "https://raw.githubusercontent.com/yzhao062/pyod/"
    "ef6d5e8dc828615f498286c1d6a22cbd02fd4cd2/notebooks/data/{name}.mat"
)
"""pyod commit ef6d5e8 serves all 16 files byte-for-byte (the same sha256 as the ODDS links)."""

_NEWER_DROPBOX = {
    "mammography": "https://www.dropbox.com/scl/fi/x36bm1kj7atqrd2/mammography.mat"
    "?rlkey=poytkapk2no64s7yy2ux4nzg8&dl=1",
    "satellite": "https://www.dropbox.com/scl/fi/vmty1xcfhk2bnaz/satellite.mat"
    "?rlkey=13tlpynr63wmcpk323pvb1o40&dl=1",
}


@dataclass(frozen=True)
class OddsFile:
    """Registry facts about one ODDS file.

    Attributes
    ----------
    name : str
        ODDS file name without ``.mat`` (canonical dataset name).
    paper_name : str
        Spelling in the paper's Table 1.
    n_samples, n_features, n_outliers : int
        Expected shape of ``X`` and count of ``y == 1``.
    sha256 : str
    size : int
        File size in bytes.
    urls : tuple of str
        ODDS Dropbox link(s) first, then the commit-pinned GitHub mirror.
    """

    name: str
    paper_name: str
    n_samples: int
    n_features: int
    n_outliers: int
    sha256: str
    size: int
    urls: tuple[str, ...]

    @property
    def remote(self) -> fetch.RemoteFile:
        """The file as :mod:`datasets.fetch` sees it."""
        return fetch.RemoteFile(
            name=self.name,
            relpath=f"odds/{self.name}.mat",
            sha256=self.sha256,
            urls=self.urls,
            size=self.size,
        )


def _odds(
    name: str,
    dropbox_key: str,
    shape: tuple[int, int],
    outliers: int,
    size: int,
    sha256: str,
    paper_name: str | None = None,
) -> OddsFile:
    urls = [_DROPBOX.format(key=dropbox_key, name=name)]
    if name in _NEWER_DROPBOX:
        urls.append(_NEWER_DROPBOX[name])
    urls.append(_PYOD_MIRROR.format(name=name))
    return OddsFile(
        name=name,
        paper_name=paper_name or name,
        n_samples=shape[0],
        n_features=shape[1],
        n_outliers=outliers,
        sha256=sha256,
        size=size,
        urls=tuple(urls),
    )


# In the order of the paper's Table 1.
# fmt: off
ODDS_FILES: tuple[OddsFile, ...] = (
    _odds("vowels", "pa26odoq6atq9vx", (1456, 12), 50, 134107,
          "51d5397bad1ceeda22b7cd44fd58125c5d603c9c2edb53aa59933330e259ac7b"),
    _odds("pima", "mvlwu7p0nyk2a2r", (768, 8), 268, 11320,
          "b6a5be8d548b9293d6958beceb1c77055591714d25d40d957eba87808456468f"),
    _odds("letter", "rt9i95h9jywrtiy", (1600, 32), 100, 23146,
          "f4a229b0e2a6b0c9157ce27fa760bcbac0f948cd690b2f5d51c120e5450f2195"),
    _odds("cardio", "galg3ihvxklf0qi", (1831, 21), 176, 68318,
          "5e568b6a73711012c481fa6cc984ab9c68e9a4fa44d6aeb3b43efa381c3f695b"),
    _odds("arrhythmia", "lmlwuspn1sey48r", (452, 274), 66, 105540,
          "e4d47e499591ae31e5d7f0cd983367092353eac240f48e14c9b36457edb3460d"),
    _odds("musk", "we6aqhb0m38i60t", (3062, 166), 97, 736083,
          "50bbf414caceb66cfe6f6b1eb7c1ff7c6eb1e6d87173f7bb597ba55cd3dc5493"),
    _odds("mnist", "n3wurjt8v9qi6nc", (7603, 100), 700, 541898,
          "9479e221f236684c09f3e11c7ad124725d34ecd301b9450425e8b113368413a6"),
    _odds("satimage-2", "hckgvu9m6fs441p", (5803, 36), 71, 181220,
          "95c37a07cea2cb201f6900d14f521510e10b6b2f0074c06ac46d3157440ec67b"),
    _odds("satellite", "dpzxp8jyr9h93k5", (6435, 36), 2036, 144833,
          "6feac3112b9c14e1c3e60afc437f2f3d29dc1000119c9f950c628078778d6aa0"),
    _odds("mammography", "tq2v4hhwyv17hlk", (11183, 6), 260, 221769,
          "271ebb568314a856666d3504b4882e21b0ea6e1ba9e648ad256d572a36df597e",
          paper_name="mammo"),
    _odds("thyroid", "bih0e15a0fukftb", (3772, 6), 93, 39704,
          "49155d7861b977e90808faf68343ff67a67f63090c2744d514dbb67ac68e7e33"),
    _odds("annthyroid", "aifk51owxbogwav", (7200, 6), 534, 87676,
          "17a1012d005f2179eca3b87c0028eb5ca807794b359c33fa1f8ca5ac846c514f"),
    _odds("ionosphere", "lpn4z73fico4uup", (351, 33), 126, 58517,
          "8ac5dfa6f47db4acdfe10615489b7f7dd015d79d5b381ce641e72baca3cfefb0"),
    _odds("pendigits", "1x8rzb4a0lia6t1", (6870, 16), 156, 658866,
          "7bc32ac83b3d583443acea8b1342a54aaa59eaedb9996af405322f473f3c22bc"),
    _odds("shuttle", "mk8ozgisimfn3dw", (49097, 9), 3511, 345184,
          "b6e396c92354d5dcf5036901e36dc58e2913f2d1a5e138c35a2bedf9c69db899"),
    _odds("glass", "iq3hjxw77gpbl7u", (214, 9), 9, 4967,
          "2c506e6e1e2ca1e82a905d10a90773151ff812c4bd969c71a12db5b2bb6e7921"),
)
# fmt: on

# Everything scipy's MAT reader raises on damaged or foreign files (v7.3/HDF5 files raise
# NotImplementedError), besides its own MatReadError (imported with the reader in read_mat);
# each is re-raised as a DatasetFileError naming the file.
_MAT_READ_ERRORS = (
    ValueError,
    TypeError,
    OSError,
    EOFError,
    IndexError,
    KeyError,
    NotImplementedError,
    zlib.error,
    struct.error,
)


def read_mat(path: PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read ``X`` and ``y`` from an ODDS-style MATLAB v5 file.

    Returns
    -------
    X : ndarray of float64, shape (n, d)
    y : ndarray of int64, shape (n,), values in {0, 1}

    Raises
    ------
    DatasetFileError
        The file is not a readable MATLAB v5 file, lacks ``X`` or ``y``, or holds arrays of the
        wrong shape, non-finite features or labels other than 0/1.
    """
    path = Path(path)
    import scipy.io  # lazy: keeps `import datasets` light
    from scipy.io.matlab import MatReadError

    try:
        contents = scipy.io.loadmat(path)
    except (MatReadError, *_MAT_READ_ERRORS) as exc:
        raise fetch.DatasetFileError(
            f"{path}: not a readable MATLAB v5 .mat file (truncated or another format?): "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    missing = [key for key in ("X", "y") if key not in contents]
    if missing:
        found = sorted(key for key in contents if not key.startswith("__"))
        raise fetch.DatasetFileError(
            f"{path}: missing variable(s) {', '.join(missing)}; found {', '.join(found) or 'none'}"
        )
    return checked_arrays(
        path, np.asarray(contents["X"]), np.asarray(contents["y"]), anomaly="outlier"
    )


def load_odds(spec: OddsFile, data_dir: PathLike | None = None) -> Dataset:
    """Load one ODDS file: locate (download if allowed), verify hash, read, check shape/count.

    Raises
    ------
    DatasetFileError
        Wrong hash, unreadable file, or shape / outlier count different from the registry.
    DatasetUnavailableError
        The file is missing and cannot be downloaded.
    """
    return load_labelled_file(
        spec, data_dir, read_mat, n_anomalies=spec.n_outliers, anomalies="outliers"
    )


@dataclass(frozen=True)
class OddsOptions(DataOptions):
    """The options that define an ODDS split (a config's ``[data]`` table); the defaults are the
    project's protocol: stratified 60/40 split, constant columns dropped and min-max scaling
    fitted on the training part only. Each option is the keyword of the same name of
    :func:`datasets.splits.split_and_preprocess`, which :func:`load_odds_split` passes them to as
    they are."""

    train_fraction: float = 0.6
    stratify: bool = True
    scaler: str | None = "minmax"
    protocol: str = "inductive"
    drop_constant: bool = True

    def __post_init__(self) -> None:
        check_train_fraction(self.train_fraction)
        check_bool("stratify", self.stratify)
        check_scaler(self.scaler)
        check_protocol(self.protocol)
        check_bool("drop_constant", self.drop_constant)


def load_odds_split(
    spec: OddsFile,
    seed: int = 0,
    data_dir: PathLike | None = None,
    options: OddsOptions | None = None,
    context: ComputeContext | None = None,
) -> Split:
    """The seeded, preprocessed split of one ODDS dataset under ``options`` (default: the
    project's protocol, see :class:`OddsOptions`). ``context`` is not used: nothing here depends
    on where it is computed."""
    options = options if options is not None else OddsOptions()
    return split_and_preprocess(load_odds(spec, data_dir), seed, **options.as_dict())


def registered_entry(spec: OddsFile) -> RegisteredDataset:
    """The registry entry for one ODDS file (aliases: its paper spelling, when different)."""
    return labelled_file_entry(
        spec,
        "odds",
        load_odds,
        load_odds_split,
        aliases=(spec.paper_name,) if spec.paper_name != spec.name else (),
        summary=f"{spec.n_samples}x{spec.n_features}, {spec.n_outliers} outliers",
    )


ODDS_BY_NAME: dict[str, OddsFile] = {spec.name: spec for spec in ODDS_FILES}

KIND = DatasetKind(
    "odds",
    options=OddsOptions,
    summary="the 16 ODDS benchmark datasets of Table 1 (MATLAB files, hash-checked)",
)


def register_datasets() -> None:
    """Register the ``odds`` kind and its 16 datasets, in the order of the paper's Table 1
    (``datasets/__init__.py`` calls it)."""
    register_kind(KIND)
    for spec in ODDS_FILES:
        register(registered_entry(spec))
