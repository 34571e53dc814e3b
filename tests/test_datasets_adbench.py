"""ADBench registry entries and .npz loading: tiny generated files, and the 43 real ones."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pytest

import datasets
from datasets import adbench, fetch, odds
from datasets.splits import split_and_preprocess

N_FILES, N_OVERLAP, N_NEW = 43, 15, 28


def real_data_dir() -> Path:
    root = os.environ.get("RRNVP_DATA")
    if not root:
        pytest.skip("RRNVP_DATA is not set: no local copy of the ADBench files")
    return Path(root)


def write_npz(
    root: Path, X: np.ndarray, y: np.ndarray, number: int = 99, name: str = "Tiny", **extra
) -> adbench.AdbenchFile:
    """Save a small ADBench-style file under root/adbench-classical and return its registry
    facts (with its sha256)."""
    path = root / adbench.FOLDER / f"{number}_{name}.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        np.savez(handle, X=X, y=y, **extra)
    data = path.read_bytes()
    return adbench.AdbenchFile(
        number=number,
        adbench_name=name,
        n_samples=X.shape[0],
        n_features=X.shape[1],
        n_anomalies=int(np.asarray(y).sum()),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )


def tiny_xy(dtype: type = np.float64, n: int = 60, d: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.integers(0, 200, size=(n, d)).astype(dtype)
    y = np.zeros(n, dtype=np.int32)
    y[::6] = 1
    return X, y


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(fetch.OFFLINE_ENV, "1")


# ---------------------------------------------------------------------- names
def test_registry_has_43_prefixed_datasets_in_adbench_order() -> None:
    names = datasets.list_datasets("adbench")
    assert len(names) == N_FILES == len(adbench.ADBENCH_FILES)
    assert names == [spec.name for spec in adbench.ADBENCH_FILES]
    numbers = [spec.number for spec in adbench.ADBENCH_FILES]
    assert numbers == sorted(numbers) and len(set(numbers)) == N_FILES
    assert all(name.startswith("adbench-") and name == name.lower() for name in names)
    assert datasets.list_kinds()[:4] == ["odds", "cifar10", "synthetic", "adbench"]


def test_clashing_names_are_prefixed_and_linked_to_their_odds_dataset() -> None:
    overlap = adbench.odds_counterparts()
    assert len(overlap) == N_OVERLAP and len(adbench.new_datasets()) == N_NEW
    assert set(overlap.values()) <= set(datasets.list_datasets("odds"))
    for name, odds_name in overlap.items():
        assert name == f"adbench-{odds_name}"
        assert datasets.kind_of(name).name == "adbench"
        assert datasets.kind_of(odds_name).name == "odds", "the plain name stays ODDS's file"
    assert datasets.get_entry("cardio").load.func is odds.load_odds
    assert datasets.get_entry("adbench-cardio").load.func is adbench.load_adbench
    every_other_name = set(datasets.list_datasets()) - set(datasets.list_datasets("adbench"))
    assert not {spec.adbench_name.lower() for spec in adbench.ADBENCH_FILES} - (
        set(overlap.values()) | {n.removeprefix("adbench-") for n in adbench.new_datasets()}
    )
    assert not set(datasets.list_datasets("adbench")) & every_other_name


def test_adbench_file_stem_is_an_alias() -> None:
    assert datasets.get_entry("22_magic.gamma").name == "adbench-magic.gamma"
    assert datasets.get_entry("35_SpamBase").name == "adbench-spambase"
    assert "35_SpamBase" not in datasets.list_datasets(), "aliases are not listed"


def test_remote_is_the_pinned_adbench_url() -> None:
    spec = adbench.ADBENCH_BY_NAME["adbench-cover"]
    remote = spec.remote
    assert remote.relpath == "adbench-classical/10_cover.npz"
    assert remote.urls == (
        "https://github.com/Minqi824/ADBench/raw/3dac8221081e190f157d78e93bfa8867f90d0965/"
        "adbench/datasets/Classical/10_cover.npz",
    )
    for spec in adbench.ADBENCH_FILES:
        assert re.fullmatch(r"[0-9a-f]{64}", spec.sha256) and spec.size > 0


# ---------------------------------------------------------------------- reading
@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int64, np.float64])
def test_files_are_read_as_float64_x_and_int64_y(dtype: type, tmp_path: Path) -> None:
    X, y = tiny_xy(dtype)
    spec = write_npz(tmp_path, X, y)
    data = adbench.load_adbench(spec, tmp_path)
    assert data.X.dtype == np.float64 and data.y.dtype == np.int64
    np.testing.assert_array_equal(data.X, X.astype(np.float64))
    np.testing.assert_array_equal(data.y, y)
    assert data.name == "adbench-tiny"


def test_shape_and_anomaly_count_are_checked_against_the_registry(tmp_path: Path) -> None:
    X, y = tiny_xy()
    spec = write_npz(tmp_path, X, y)
    wrong_shape = adbench.AdbenchFile(**{**spec.__dict__, "n_features": 5})
    with pytest.raises(datasets.DatasetFileError, match=r"shape \(60, 4\).*\(60, 5\)"):
        adbench.load_adbench(wrong_shape, tmp_path)
    wrong_count = adbench.AdbenchFile(**{**spec.__dict__, "n_anomalies": 4})
    with pytest.raises(datasets.DatasetFileError, match="10 anomalies.*expects 4"):
        adbench.load_adbench(wrong_count, tmp_path)


def test_sha256_mismatch_is_an_error_and_the_file_is_kept(tmp_path: Path) -> None:
    X, y = tiny_xy()
    spec = write_npz(tmp_path, X, y)
    path = tmp_path / spec.remote.relpath
    other = adbench.AdbenchFile(**{**spec.__dict__, "sha256": "0" * 64})
    with pytest.raises(datasets.DatasetFileError, match="sha256 mismatch.*adbench-tiny") as info:
        adbench.load_adbench(other, tmp_path)
    assert str(path) in str(info.value)
    assert path.is_file(), "a file with the wrong hash is never deleted or overwritten"
    assert fetch.file_status(other.remote, tmp_path) == fetch.STATUS_BAD_HASH


def test_missing_file_offline_names_the_path_and_the_pinned_url(tmp_path: Path) -> None:
    spec = adbench.ADBENCH_BY_NAME["adbench-wine"]
    with pytest.raises(datasets.DatasetUnavailableError) as info:
        adbench.load_adbench(spec, tmp_path)
    message = str(info.value)
    assert str(tmp_path / "adbench-classical" / "45_wine.npz") in message
    assert adbench.ADBENCH_COMMIT in message and spec.sha256 in message


@pytest.mark.parametrize(
    ("contents", "message"),
    [
        ({"X": np.ones((4, 2)), "y": np.array([0, 1, 2, 0])}, r"only 0 .*\[0, 1, 2\]"),
        ({"X": np.ones((4, 2)), "labels": np.zeros(4)}, "missing.*y.*found X, labels"),
        ({"X": np.ones((4, 2)), "y": np.zeros(3)}, "one label per row"),
        ({"X": np.array([[1.0, np.nan]]), "y": np.zeros(1)}, "NaN"),
        ({"X": np.array([[1.0, np.inf]]), "y": np.zeros(1)}, "infinite"),
        ({"X": np.array([["a", "b"]]), "y": np.zeros(1)}, "2-D numeric"),
        ({"X": np.ones((2, 2)), "y": np.array(["0", "1"])}, "y must be numeric"),
        ({"X": np.array([[1.0], [2.0]], dtype=object), "y": np.zeros(2)}, "object arrays"),
    ],
)
def test_bad_contents_are_clear_errors(contents: dict, message: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    with path.open("wb") as handle:
        np.savez(handle, **contents)
    with pytest.raises(datasets.DatasetFileError, match=message) as info:
        adbench.read_npz(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "damage",
    [lambda good: good[: len(good) // 2], lambda good: b"", lambda good: b"<html>404</html>"],
    ids=["half", "empty", "html-page"],
)
def test_truncated_or_foreign_file_names_the_file(damage, tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    X, y = tiny_xy()
    with path.open("wb") as handle:
        np.savez(handle, X=X, y=y)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(datasets.DatasetFileError, match="not a readable .npz") as info:
        adbench.read_npz(path)
    assert str(path) in str(info.value)


# ---------------------------------------------------------------------- splits and options
def test_split_is_the_odds_protocol(tmp_path: Path) -> None:
    X, y = tiny_xy(n=120)
    spec = write_npz(tmp_path, X, y)
    split = adbench.load_adbench_split(spec, 3, tmp_path)
    same = split_and_preprocess(adbench.load_adbench(spec, tmp_path), 3)
    np.testing.assert_array_equal(split.train_index, same.train_index)
    np.testing.assert_array_equal(split.X_test, same.X_test)
    assert split.preprocessing == same.preprocessing
    assert "train_cap" not in split.preprocessing, "no cap unless asked"


def test_options_are_odds_options_plus_the_cap() -> None:
    kind = datasets.get_kind("adbench")
    assert kind.options.names() == (*odds.OddsOptions.names(), "max_train_rows")
    assert kind.parse_options({}).max_train_rows is None
    assert kind.parse_options({"max_train_rows": 20_000}).max_train_rows == 20_000
    for bad in (0, 1, -5, 2.5, True, "20000"):
        with pytest.raises(ValueError, match="max_train_rows must be None.*integer >= 2"):
            kind.parse_options({"max_train_rows": bad})
    with pytest.raises(TypeError, match="unknown option.*max_train_rows"):
        datasets.get_kind("odds").parse_options({"max_train_rows": 100})


# ---------------------------------------------------------------------- the real files
def test_registry_hashes_equal_the_shared_sha256sums() -> None:
    sums = real_data_dir() / adbench.FOLDER / "SHA256SUMS"
    listed = dict(reversed(line.split()) for line in sums.read_text().splitlines() if line)
    assert {spec.file_name: spec.sha256 for spec in adbench.ADBENCH_FILES} == listed


@pytest.mark.parametrize("name", [spec.name for spec in adbench.ADBENCH_FILES])
def test_real_file_loads_with_registry_shape_count_and_hash(name: str) -> None:
    root = real_data_dir()
    spec = adbench.ADBENCH_BY_NAME[name]
    path = root / spec.remote.relpath
    assert path.stat().st_size == spec.size
    data = datasets.load_dataset(name, data_dir=root)
    assert data.source == str(path)
    assert data.X.shape == (spec.n_samples, spec.n_features) and data.X.dtype == np.float64
    assert int(data.y.sum()) == spec.n_anomalies and set(np.unique(data.y)) == {0, 1}
    assert 0 < data.contamination < 0.5


def test_real_large_file_capped_split(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(fetch.DATA_ENV, str(real_data_dir()))
    split = datasets.load_split("adbench-smtp", 0, max_train_rows=20_000)
    cap = split.preprocessing["train_cap"]
    assert split.X_train.shape[0] == 20_000 == cap["n_train"] and cap["applied"]
    assert cap["n_train_before_cap"] == 57_093 and cap["n_anomalies_before_cap"] == 18
    assert split.y_train.sum() == cap["n_anomalies"] == 6
    assert split.X_test.shape[0] == 95_156 - 57_093 and split.y_test.sum() == 12
