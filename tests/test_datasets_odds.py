"""ODDS registry entries and .mat loading: tiny generated files, and the 16 real ones."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pytest
import scipy.io

import datasets
from datasets import fetch, odds

PAPER_ORDER = [
    "vowels",
    "pima",
    "letter",
    "cardio",
    "arrhythmia",
    "musk",
    "mnist",
    "satimage-2",
    "satellite",
    "mammography",
    "thyroid",
    "annthyroid",
    "ionosphere",
    "pendigits",
    "shuttle",
    "glass",
]
# Columns constant over the whole file (0-based indices); no other dataset has any.
CONSTANT_COLUMNS = {
    "arrhythmia": [14, 62, 64, 78, 126, 127, 134, 136, 138, 140, 146, 151, 152, 159, 199, 259, 269],
    "mnist": [0, 3, 6, 21, 26, 28, 37, 40, 50, 52, 53, 60, 61, 70, 72, 78, 86, 87, 88, 89, 91, 99],
}


def real_data_dir() -> Path:
    root = os.environ.get("RRNVP_DATA")
    if not root:
        pytest.skip("RRNVP_DATA is not set: no local copy of the ODDS files")
    return Path(root)


def write_mat(
    root: Path, X: np.ndarray, y: np.ndarray, name: str = "tiny", **extra: np.ndarray
) -> odds.OddsFile:
    """Save a small ODDS-style file under root/odds and return a registry spec matching it."""
    path = root / "odds" / f"{name}.mat"
    path.parent.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(path, {"X": X, "y": y, **extra})
    return spec_for(path, X.shape, int(np.asarray(y).sum()))


def spec_for(path: Path, shape: tuple[int, ...], n_outliers: int) -> odds.OddsFile:
    data = path.read_bytes()
    return odds.OddsFile(
        name=path.stem,
        paper_name=path.stem,
        n_samples=shape[0],
        n_features=shape[1],
        n_outliers=n_outliers,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        urls=(),
    )


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(fetch.OFFLINE_ENV, "1")


def tiny_xy(dtype: type = np.float64, n: int = 30, d: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.integers(0, 200, size=(n, d)).astype(dtype)
    y = np.zeros((n, 1), dtype=np.uint8)
    y[::6] = 1
    return X, y


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float64])
def test_integer_files_are_cast_to_float64(dtype: type, tmp_path: Path) -> None:
    X, y = tiny_xy(dtype)
    spec = write_mat(tmp_path, X, y)
    data = odds.load_odds(spec, tmp_path)
    assert data.X.dtype == np.float64 and data.y.dtype == np.int64
    assert data.y.shape == (X.shape[0],)
    np.testing.assert_array_equal(data.X, X.astype(np.float64))
    np.testing.assert_array_equal(data.y, y.ravel())
    X_loaded, y_loaded = data
    assert X_loaded is data.X and y_loaded is data.y


def test_shape_and_outlier_count_are_checked_against_the_registry(tmp_path: Path) -> None:
    X, y = tiny_xy()
    spec = write_mat(tmp_path, X, y)
    wrong_shape = odds.OddsFile(**{**spec.__dict__, "n_features": 5})
    with pytest.raises(datasets.DatasetFileError, match=r"shape \(30, 4\).*\(30, 5\)"):
        odds.load_odds(wrong_shape, tmp_path)
    wrong_count = odds.OddsFile(**{**spec.__dict__, "n_outliers": 4})
    with pytest.raises(datasets.DatasetFileError, match="5 outliers.*expects 4"):
        odds.load_odds(wrong_count, tmp_path)


@pytest.mark.parametrize(
    ("contents", "message"),
    [
        ({"X": np.ones((4, 2)), "y": np.array([[0], [1], [2], [0]])}, r"only 0 .*\[0, 1, 2\]"),
        ({"X": np.ones((4, 2)), "labels": np.zeros((4, 1))}, "missing.*y.*found X, labels"),
        ({"X": np.ones((4, 2)), "y": np.zeros((3, 1))}, "one label per row"),
        ({"X": np.array([[1.0, np.nan]]), "y": np.zeros((1, 1))}, "NaN"),
    ],
)
def test_bad_contents_are_clear_errors(contents: dict, message: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.mat"
    scipy.io.savemat(path, contents)
    with pytest.raises(datasets.DatasetFileError, match=message) as info:
        odds.read_mat(path)
    assert str(path) in str(info.value)


def _hdf5_header(good: bytes) -> bytes:
    """A MAT v7.3 (HDF5) look-alike: the v5 header with the version field set to 0x0200."""
    return good[:124] + b"\x00\x02IM" + good[128:]


@pytest.mark.parametrize(
    "damage",
    [
        lambda good: good[: len(good) // 2],
        lambda good: good[:100],
        lambda good: b"",
        lambda good: b"<html>Dropbox: this file is not available</html>" * 10,
        _hdf5_header,
    ],
    ids=["half", "header-only", "empty", "html-page", "v7.3"],
)
def test_truncated_or_foreign_file_names_the_file(damage, tmp_path: Path) -> None:
    X, y = tiny_xy()
    write_mat(tmp_path, X, y)
    path = tmp_path / "odds" / "tiny.mat"
    path.write_bytes(damage(path.read_bytes()))
    # The registry hash matches the damaged bytes here, so the .mat reader itself must object.
    spec = spec_for(path, X.shape, 5)
    with pytest.raises(datasets.DatasetFileError, match="not a readable MATLAB") as info:
        odds.load_odds(spec, tmp_path)
    assert str(path) in str(info.value)


def test_registry_has_the_16_datasets_in_paper_order() -> None:
    assert datasets.list_datasets("odds") == PAPER_ORDER
    assert [spec.name for spec in odds.ODDS_FILES] == PAPER_ORDER
    for spec in odds.ODDS_FILES:
        assert re.fullmatch(r"[0-9a-f]{64}", spec.sha256)
        assert spec.urls[0].startswith("https://www.dropbox.com/")
        assert spec.urls[-1].startswith("https://raw.githubusercontent.com/yzhao062/pyod/")
        assert spec.urls[-1].endswith(f"/{spec.name}.mat")
    assert datasets.get_entry("mammo") is datasets.get_entry("mammography")
    assert odds.ODDS_BY_NAME["mammography"].paper_name == "mammo"


def test_registry_hashes_equal_the_shared_sha256sums() -> None:
    sums = real_data_dir() / "odds" / "SHA256SUMS"
    listed = dict(reversed(line.split()) for line in sums.read_text().splitlines() if line)
    assert {f"{spec.name}.mat": spec.sha256 for spec in odds.ODDS_FILES} == listed


@pytest.mark.parametrize("name", PAPER_ORDER)
def test_real_file_loads_with_registry_shape_count_and_hash(name: str) -> None:
    root = real_data_dir()
    spec = odds.ODDS_BY_NAME[name]
    path = root / "odds" / f"{name}.mat"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == spec.sha256
    data = datasets.load_dataset(name, data_dir=root)
    assert data.name == name and data.source == str(path)
    assert data.X.shape == (spec.n_samples, spec.n_features) and data.X.dtype == np.float64
    assert data.y.dtype == np.int64 and int(data.y.sum()) == spec.n_outliers
    assert set(np.unique(data.y)) <= {0, 1}
    raw = scipy.io.loadmat(path)
    np.testing.assert_array_equal(data.X, raw["X"].astype(np.float64))
    constant = np.flatnonzero(data.X.max(axis=0) == data.X.min(axis=0)).tolist()
    assert constant == CONSTANT_COLUMNS.get(name, [])


@pytest.mark.parametrize(
    ("name", "stored"), [("letter", "uint8"), ("satellite", "uint8"), ("shuttle", "int16")]
)
def test_real_integer_files_are_cast(name: str, stored: str) -> None:
    root = real_data_dir()
    assert scipy.io.loadmat(root / "odds" / f"{name}.mat")["X"].dtype == np.dtype(stored)
    assert datasets.load_dataset(name, data_dir=root).X.dtype == np.float64


def test_real_files_found_through_env_and_paper_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    root = real_data_dir()
    monkeypatch.setenv(fetch.DATA_ENV, str(root))
    X, y = datasets.load_dataset("mammo")
    assert X.shape == (11183, 6) and int(y.sum()) == 260
    assert all(datasets.get_entry(name).status(None) == fetch.STATUS_CACHED for name in PAPER_ORDER)
