"""CIFAR-10 image sources: ImageFolder trees (digest, counts, verification cache), torchvision."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from datasets.cifar10 import images
from datasets.cifar10.images import CIFAR10_CLASSES, ImageFolderSource
from datasets.fetch import DatasetFileError, DatasetUnavailableError
from tests import cifar10_fixtures

PER_CLASS = {"train": 3, "test": 2}


def make_tree(root: Path, per_class: dict[str, int] = PER_CLASS, seed: int = 0) -> Path:
    """The shared tiny tree, with this module's images per class by default."""
    return cifar10_fixtures.make_tree(root, per_class, seed)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "tree")


@pytest.fixture(autouse=True)
def _fresh_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "_FOLDER_DIGESTS", {})


def readme_digest(root: Path) -> str:
    """The JPEG copy README's recipe, run by the shell tools it names."""
    command = "find train test -type f -name '*.jpg' | LC_ALL=C sort | xargs sha256sum | sha256sum"
    output = subprocess.run(
        ["bash", "-c", command], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    return output.split()[0]


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils sha256sum")
def test_folder_digest_follows_the_readme_recipe(tree: Path, tmp_path: Path) -> None:
    collection = ImageFolderSource(tree).load(cache_dir=tmp_path / "cache")
    assert collection.digest == readme_digest(tree)


def test_collection_layout_labels_and_pixels(tree: Path, tmp_path: Path) -> None:
    collection = ImageFolderSource(tree).load(cache_dir=tmp_path / "cache")
    assert (len(collection), collection.n_train, collection.n_test) == (50, 30, 20)
    np.testing.assert_array_equal(collection.labels[:30], np.repeat(np.arange(10), 3))
    np.testing.assert_array_equal(collection.labels[30:], np.repeat(np.arange(10), 2))
    pixels = collection.read([0, 29, 30, 49])
    assert pixels.shape == (4, 16, 16, 3) and pixels.dtype == np.uint8
    expected = np.asarray(Image.open(tree / "test" / "truck" / "0001.jpg").convert("RGB"))
    np.testing.assert_array_equal(pixels[3], expected)
    assert "unverified" in collection.describe()["verification"]
    with pytest.raises(IndexError):
        collection.read([50])


def test_subset_keeps_order_and_gets_its_own_digest(tree: Path, tmp_path: Path) -> None:
    collection = ImageFolderSource(tree).load(cache_dir=tmp_path / "cache")
    sub = collection.subset([1, 5, 31, 40])
    assert (len(sub), sub.n_train) == (4, 2)
    np.testing.assert_array_equal(sub.labels, collection.labels[[1, 5, 31, 40]])
    np.testing.assert_array_equal(sub.read([2, 3]), collection.read([31, 40]))
    assert sub.digest != collection.digest
    assert sub.digest != collection.subset([1, 5, 31, 41]).digest
    with pytest.raises(ValueError, match="increasing"):
        collection.subset([5, 1])


def test_expected_digest_and_counts_are_enforced(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    good = ImageFolderSource(tree).load(cache_dir=cache).digest
    verified = ImageFolderSource(tree, expected_sha256=good, expected_per_class=PER_CLASS)
    assert "matches the expected digest" in verified.load(cache_dir=cache).verification
    with pytest.raises(DatasetFileError, match="do not match the expected digest"):
        ImageFolderSource(tree, expected_sha256="0" * 64).load(cache_dir=cache)
    wrong_counts = {"train": 5000, "test": 1000}
    with pytest.raises(DatasetFileError, match="expected 5000 images per class"):
        ImageFolderSource(tree, expected_per_class=wrong_counts).load(cache_dir=cache)


def test_changed_file_changes_the_digest(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    before = ImageFolderSource(tree).load(cache_dir=cache).digest
    target = tree / "train" / "cat" / "0000.jpg"
    stat = target.stat()
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(target)
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert ImageFolderSource(tree).load(cache_dir=cache).digest != before


def test_verification_record_is_reused(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = ImageFolderSource(tree).load(cache_dir=cache).digest
    assert len(list((cache / "verified").glob("*.json"))) == 1
    monkeypatch.setattr(images, "_FOLDER_DIGESTS", {})  # a new process: only the disk record

    def no_hashing(*args: object) -> str:
        raise AssertionError("the files were hashed again")

    monkeypatch.setattr(images, "listing_digest", no_hashing)
    assert ImageFolderSource(tree).load(cache_dir=cache).digest == first


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda t: shutil.rmtree(t / "test" / "dog"), "missing: dog"),
        (lambda t: (t / "train" / "zebra").mkdir(), "unexpected: zebra"),
        (lambda t: shutil.rmtree(t / "test"), "missing folder test/"),
        (
            lambda t: [p.unlink() for p in (t / "train" / "frog").iterdir()],
            "frog: no image files",
        ),
        (lambda t: (t / "train" / "cat" / "0000.jpg").write_bytes(b"junk"), "cannot be read"),
    ],
)
def test_damaged_trees_are_rejected(tree: Path, tmp_path: Path, damage, message: str) -> None:
    damage(tree)
    with pytest.raises(DatasetFileError, match=message):
        collection = ImageFolderSource(tree).load(cache_dir=tmp_path / "cache")
        collection.read(np.arange(len(collection)))


def test_the_jpeg_copy_source_checks_counts_and_the_readme_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(tmp_path / "data" / images.JPEG_COPY_DIR)
    source = images.resolve_image_source("jpeg", tmp_path / "data")
    with pytest.raises(DatasetFileError, match="expected 5000 images per class"):
        source.load(cache_dir=tmp_path / "cache")
    monkeypatch.setattr(images, "N_PER_CLASS", PER_CLASS)  # right counts, wrong files
    with pytest.raises(DatasetFileError, match=f"expected {images.JPEG_COPY_SHA256}"):
        images.load_images("jpeg", tmp_path / "data", cache_dir=tmp_path / "cache")


def test_missing_folder_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(DatasetUnavailableError, match="does not exist"):
        ImageFolderSource(tmp_path / "nope").load(cache_dir=tmp_path)


# ------------------------------------------------------------------------------------------
# torchvision's original batches (md5 checks patched out for fake files)


def write_fake_batches(root: Path, per_batch: int = 4) -> np.ndarray:
    """torchvision's cifar-10-batches-py layout with ``per_batch`` random images per file."""
    folder = root / images.TORCHVISION_DIR
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    pixels = []
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        data = rng.integers(0, 256, (per_batch, 3 * 32 * 32), dtype=np.uint8)
        labels = rng.integers(0, 10, per_batch).tolist()
        with (folder / name).open("wb") as handle:
            pickle.dump({"data": data, "labels": labels}, handle)
        pixels.append(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    with (folder / "batches.meta").open("wb") as handle:
        pickle.dump({"label_names": list(CIFAR10_CLASSES)}, handle)
    return np.concatenate(pixels)


def test_torchvision_source_reads_the_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torchvision.datasets.cifar as tv_cifar

    monkeypatch.setattr(tv_cifar, "check_integrity", lambda *args, **kwargs: True)
    monkeypatch.setenv("RRNVP_OFFLINE", "1")
    expected = write_fake_batches(tmp_path)
    collection = images.TorchvisionSource(tmp_path).load()
    assert (len(collection), collection.n_train, collection.source) == (24, 20, "torchvision")
    np.testing.assert_array_equal(collection.read(np.arange(24)), expected)
    assert "original pixels" in collection.verification
    assert collection.digest == images.TorchvisionSource(tmp_path).load().digest


def test_torchvision_source_rejects_files_failing_md5(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RRNVP_OFFLINE", "1")
    write_fake_batches(tmp_path)
    with pytest.raises(DatasetFileError, match="torchvision's check"):
        images.TorchvisionSource(tmp_path).load()


def test_torchvision_source_offline_and_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RRNVP_OFFLINE", "1")
    with pytest.raises(
        DatasetUnavailableError, match="downloads are disabled.*image_source='jpeg'"
    ):
        images.load_images("torchvision", data_dir=tmp_path)


def test_auto_source_prefers_the_original_then_the_jpeg_copy(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    assert isinstance(images.resolve_image_source("auto", data), images.TorchvisionSource)
    (data / images.JPEG_COPY_DIR).mkdir()
    jpeg = images.resolve_image_source("auto", data)
    assert isinstance(jpeg, ImageFolderSource)
    assert jpeg.expected_sha256 == images.JPEG_COPY_SHA256
    (data / images.TORCHVISION_DIR).mkdir()
    assert isinstance(images.resolve_image_source("auto", data), images.TorchvisionSource)
    assert isinstance(images.resolve_image_source("jpeg", data), ImageFolderSource)
    with pytest.raises(ValueError, match="valid: auto, torchvision, jpeg"):
        images.resolve_image_source("png", data)


def test_shared_jpeg_copy_has_the_cifar10_layout() -> None:
    root = os.environ.get("RRNVP_DATA")
    if not root:
        pytest.skip("RRNVP_DATA is not set: no local copy of the CIFAR-10 JPEG folder")
    listing = images._list_folder(Path(root) / images.JPEG_COPY_DIR)
    assert [len(files) for files in listing["train"]] == [5000] * 10
    assert [len(files) for files in listing["test"]] == [1000] * 10


@pytest.mark.slow
def test_shared_jpeg_copy_matches_its_readme_digest(tmp_path: Path) -> None:
    root = os.environ.get("RRNVP_DATA")
    if not root:
        pytest.skip("RRNVP_DATA is not set: no local copy of the CIFAR-10 JPEG folder")
    collection = images.jpeg_copy_source(root).load(cache_dir=tmp_path)  # hashes 60,000 files
    assert collection.digest == images.JPEG_COPY_SHA256
    assert (collection.n_train, collection.n_test) == (50000, 10000)
