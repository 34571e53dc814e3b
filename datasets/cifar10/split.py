"""The CIFAR-10 datasets and their splits (the paper's Table 2 and Figures 5-6;
``reproduce/protocol.md``).

Twenty datasets, named as in the paper's Table 2: ``<class>-u`` (uniform contamination) and
``<class>-c`` (clustered), for the classes airplane, auto, bird, cat, deer, dog, frog, horse,
ship, truck (CIFAR-10 labels 0-9; ``automobile-u``/``automobile-c`` are aliases).

Data flow: images (:mod:`datasets.cifar10.images`: the original batches via torchvision, or the
verified JPEG copy) -> pretrained features (:mod:`datasets.cifar10.features`, cached on disk) ->
PCA to 128 components fitted on the 50,000 CIFAR-10 training images only (no labels, no test
images) -> row selection below -> min-max scaling of the 128 PCA features
(``scale_features=True``, the default). Every step is recorded in ``Split.preprocessing``.

Splits for normal class ``c`` (``load_split(name, seed, ratio=0.1, ...)``):

- train = the training images of ``c`` (5,000) + ``round(ratio x 5,000)`` anomalies, drawn
  without replacement from the training images of the nine other classes pooled (*uniform*) or
  of class ``(c + 1) mod 10`` only (*clustered*). The draw uses its own random stream,
  ``SeedSequence(seed, spawn_key=(c, mode))``, so it depends only on (c, mode, ratio, seed); the
  anomalies are the first ``n`` of one seeded permutation of the candidates, so for a given seed
  a larger ratio adds anomalies to those of a smaller one (nested contamination levels).
- test (``test_protocol="balanced"``, the paper's text and the project's choice) = the CIFAR-10
  test split, 1,000 images per class: ``c`` normal, the other 9,000 anomalous.
- ``test_protocol="authors_80_20"`` (the authors' code): the contaminated training set is split
  80/20 instead, stratified (20 % of its normals and 20 % of its anomalies, rounded, go to the
  test part; stream ``SeedSequence(seed, spawn_key=(c, mode, 1))``). The PCA has then seen the
  test images (unlabelled), as in the authors' code.

Scaling (``scale_features``): the authors min-max scale the PCA features (``CIFARVGGDataset`` of
their ``data_process.py``), fitted on the contaminated set they build (normals + anomalies, before
their 80/20 split). Here, with ``test_protocol="balanced"``, each column is min-max scaled with the
minimum and maximum of the split's training part only, and the same map is applied to the test part
(test rows may fall outside [0, 1]; they are not clipped); with ``test_protocol="authors_80_20"``
the map is fitted on the whole contaminated set (training and test parts pooled), as theirs. A
column constant on the fitted rows is kept, shifted to 0 (scale 1). The PCA itself is unchanged.
``scale_features=False`` returns the unscaled PCA features (the splits stored before the option
existed).
"""

from __future__ import annotations

import logging
import math
import numbers
from collections import OrderedDict
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from datasets.cifar10.images import (
    CIFAR10_CLASSES,
    SOURCE_NAMES,
    ImageCollection,
    ImageSource,
    TorchvisionSource,
    load_images,
    resolve_image_source,
)
from datasets.fetch import DatasetUnavailableError, data_root
from datasets.options import ComputeContext, DataOptions
from datasets.preprocessing import fit_preprocessing
from datasets.registry import register, register_kind
from datasets.types import Dataset, DatasetKind, RegisteredDataset, Split, check_seed
from rrnvp.files import PathLike

if TYPE_CHECKING:
    from datasets.cifar10.extractors import FeatureExtractor

logger = logging.getLogger(__name__)


PAPER_CLASS_NAMES: tuple[str, ...] = tuple(
    "auto" if name == "automobile" else name for name in CIFAR10_CLASSES
)
"""The paper's class names, in CIFAR-10 label order (its table lists truck before ship)."""

MODES: dict[str, str] = {"u": "uniform", "c": "clustered"}
"""Name suffix -> contamination mode."""
_MODE_INDEX = {"uniform": 0, "clustered": 1}

TEST_PROTOCOLS = ("balanced", "authors_80_20")
DEFAULT_FEATURES = "efficientnet_lite0"
"""The default extractor: its weights ship with pip (VGG19, the paper's, must be asked for)."""
DEFAULT_RATIO = 0.1
PCA_COMPONENTS = 128
AUTHORS_TEST_FRACTION = 0.2
FEATURE_SCALER = "minmax"
"""The scaler of ``scale_features=True`` (the authors' choice)."""


def dataset_name(normal_class: int, mode: str) -> str:
    """Registry name, e.g. ``dataset_name(1, "clustered") == "auto-c"``."""
    suffix = {value: key for key, value in MODES.items()}[mode]
    return f"{PAPER_CLASS_NAMES[normal_class]}-{suffix}"


def check_ratio(ratio: Any) -> float:
    """Validate a contamination ratio: a finite real number >= 0."""
    if isinstance(ratio, bool) or not isinstance(ratio, numbers.Real) or not math.isfinite(ratio):
        raise ValueError(f"ratio must be a finite number >= 0, got {ratio!r}")
    if ratio < 0:
        raise ValueError(f"ratio must be >= 0, got {ratio}")
    return float(ratio)


def check_scale_features(scale_features: Any) -> bool:
    """Validate ``scale_features``: a bool (Python or NumPy); 0, 1, None or strings are refused."""
    if not isinstance(scale_features, bool | np.bool_):
        raise ValueError(f"scale_features must be True or False, got {scale_features!r}")
    return bool(scale_features)


def check_test_protocol(test_protocol: Any) -> str:
    """Validate a ``test_protocol``: one of :data:`TEST_PROTOCOLS`."""
    if test_protocol not in TEST_PROTOCOLS:
        raise ValueError(
            f"unknown test_protocol {test_protocol!r}; valid: {', '.join(TEST_PROTOCOLS)}"
        )
    return test_protocol


def _check_mode(mode: str) -> str:
    if mode not in _MODE_INDEX:
        raise ValueError(f"unknown contamination mode {mode!r}; valid: uniform, clustered")
    return mode


def anomaly_classes(normal_class: int, mode: str) -> tuple[int, ...]:
    """Labels the anomalies are drawn from: the nine others (uniform) or ``(c+1) mod 10``."""
    _check_mode(mode)
    if mode == "clustered":
        return ((normal_class + 1) % len(CIFAR10_CLASSES),)
    return tuple(label for label in range(len(CIFAR10_CLASSES)) if label != normal_class)


def n_anomalies_for(n_normal: int, ratio: float) -> int:
    """``round(ratio * n_normal)``, halves rounded up."""
    return int(math.floor(check_ratio(ratio) * n_normal + 0.5))


def draw_training_rows(
    train_labels: np.ndarray, normal_class: int, mode: str, ratio: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The normal and anomalous rows of the contaminated training set.

    Parameters
    ----------
    train_labels : ndarray of int, shape (n_train,)
        Labels of the training images (row ``i`` = training image ``i``).
    normal_class : int
    mode : {"uniform", "clustered"}
    ratio : float
        Anomalies per normal image.
    seed : int

    Returns
    -------
    normal_rows, anomaly_rows : ndarray of int64, increasing

    Raises
    ------
    ValueError
        Bad arguments, or fewer candidate anomalies than requested.
    """
    _check_mode(mode)
    seed = check_seed(seed)
    normal_rows = np.flatnonzero(train_labels == normal_class)
    if normal_rows.size == 0:
        raise ValueError(f"no training image of class {normal_class}")
    candidates = np.flatnonzero(np.isin(train_labels, anomaly_classes(normal_class, mode)))
    n_anomalies = n_anomalies_for(normal_rows.size, ratio)
    if n_anomalies > candidates.size:
        raise ValueError(
            f"ratio {ratio} needs {n_anomalies} {mode} anomalies for class "
            f"{CIFAR10_CLASSES[normal_class]}, only {candidates.size} candidate images exist"
        )
    stream = np.random.SeedSequence(seed, spawn_key=(normal_class, _MODE_INDEX[mode]))
    order = np.random.default_rng(stream).permutation(candidates.size)
    anomaly_rows = np.sort(candidates[order[:n_anomalies]])
    return normal_rows.astype(np.int64), anomaly_rows.astype(np.int64)


def _stratified_holdout(
    normal_rows: np.ndarray, anomaly_rows: np.ndarray, seed: int, spawn_key: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=spawn_key))
    train, test = [], []
    for rows in (normal_rows, anomaly_rows):
        n_test = int(math.floor(AUTHORS_TEST_FRACTION * rows.size + 0.5))
        shuffled = rows[rng.permutation(rows.size)]
        test.append(shuffled[:n_test])
        train.append(shuffled[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def split_rows(
    labels: np.ndarray,
    n_train: int,
    normal_class: int,
    mode: str,
    ratio: float,
    seed: int,
    test_protocol: str = "balanced",
) -> tuple[np.ndarray, np.ndarray]:
    """Train and test rows of an image collection (training rows ``< n_train``), increasing.

    See the module docstring for the protocol; labels of the returned rows are then
    ``labels[rows] != normal_class``.
    """
    check_test_protocol(test_protocol)
    normal_rows, anomaly_rows = draw_training_rows(
        labels[:n_train], normal_class, mode, ratio, seed
    )
    if test_protocol == "balanced":
        train_rows = np.union1d(normal_rows, anomaly_rows)
        test_rows = np.arange(n_train, labels.shape[0], dtype=np.int64)
        if test_rows.size == 0:
            raise ValueError("the image collection has no test images")
        return train_rows, test_rows
    return _stratified_holdout(
        normal_rows, anomaly_rows, check_seed(seed), (normal_class, _MODE_INDEX[mode], 1)
    )


# --------------------------------------------------------------------------------------------
# Features: pretrained network -> PCA fitted on the training images

_PCA_MEMO: OrderedDict[tuple, tuple[np.ndarray, dict[str, Any]]] = OrderedDict()
_PCA_MEMO_SIZE = 2


def fit_pca(features: np.ndarray, n_train: int, n_components: int) -> tuple[np.ndarray, dict]:
    """PCA fitted on rows ``< n_train`` (the training images), applied to all rows.

    Returns
    -------
    X : ndarray of float64, shape (n, n_components)
    record : dict
        JSON-able summary (rows fitted on, explained variance, solver).
    """
    if isinstance(n_components, bool) or not isinstance(n_components, numbers.Integral):
        raise ValueError(f"pca_components must be a positive integer, got {n_components!r}")
    limit = min(n_train, features.shape[1])
    if not 1 <= n_components <= limit:
        raise ValueError(
            f"pca_components must be in [1, {limit}] (training images x feature dim = "
            f"{n_train} x {features.shape[1]}), got {n_components}"
        )
    # Exact (eigendecomposition of the feature covariance), deterministic, and fast for
    # n_train >> feature dim; scikit-learn's "auto" would pick the approximate randomized solver.
    from sklearn.decomposition import PCA  # lazy, like the feature modules (torch) below

    pca = PCA(n_components=int(n_components), svd_solver="covariance_eigh")
    pca.fit(features[:n_train].astype(np.float64))
    X = pca.transform(features.astype(np.float64))
    record = {
        "pca_components": int(n_components),
        "pca_fit_on": f"the {n_train} training images (no labels, no test images)",
        "pca_explained_variance_ratio": round(float(pca.explained_variance_ratio_.sum()), 6),
        "pca_solver": "covariance_eigh (exact)",
    }
    return np.ascontiguousarray(X, dtype=np.float64), record


def cifar10_features(
    images: ImageCollection,
    features: str | FeatureExtractor = DEFAULT_FEATURES,
    *,
    pca_components: int = PCA_COMPONENTS,
    context: ComputeContext | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """PCA-reduced pretrained features of every image (row order of ``images``).

    The raw features come from :func:`datasets.cifar10.features.load_features` (disk cache under
    ``context.cache_dir``; when missing they are extracted with the context's device, batch size
    and threads); the result (features after PCA) is also remembered in-process for the last two
    (images, extractor, weights, cache file, size) combinations, so the 20 datasets x seeds of
    one run read the cache and fit the PCA once. The returned array is shared: do not modify it.

    Returns
    -------
    X : ndarray of float64, shape (len(images), pca_components)
    record : dict
        Provenance of the images, the extractor and the PCA.
    """
    context = context if context is not None else ComputeContext()
    # Imported here: they load torch, which `import datasets` (e.g. the runner's main process,
    # which only needs the registry) should not pay for.
    from datasets.cifar10.extractors import get_extractor
    from datasets.cifar10.features import cache_path, load_features

    extractor = get_extractor(features)
    weights = extractor.locate_weights(context.weights_path)
    memo_key = (
        str(cache_path(images, extractor, weights, context.cache_dir)),
        int(pca_components) if isinstance(pca_components, numbers.Integral) else -1,
        images.n_train,
    )
    if memo_key in _PCA_MEMO:
        _PCA_MEMO.move_to_end(memo_key)
        return _PCA_MEMO[memo_key]
    table = load_features(
        images,
        extractor,
        weights_path=context.weights_path,
        cache_dir=context.cache_dir,
        batch_size=context.batch_size,
        device=context.device,
        num_threads=context.num_threads,
        progress=context.progress,
    )
    X, pca_record = fit_pca(table.features, images.n_train, pca_components)
    X.setflags(write=False)  # shared through the memo
    record = {
        "images": table.record["images"],
        "features": table.record["extractor"],
        "feature_cache": table.record["cache_file"],
        "features_sha256": table.record["features_sha256"],
        "feature_extraction": {
            key: table.record.get(key) for key in ("device", "torch_threads", "extraction_seconds")
        },
        **pca_record,
    }
    _PCA_MEMO[memo_key] = (X, record)
    while len(_PCA_MEMO) > _PCA_MEMO_SIZE:
        _PCA_MEMO.popitem(last=False)
    return X, record


# --------------------------------------------------------------------------------------------
# Registry entries


@dataclass(frozen=True)
class Cifar10Options(DataOptions):
    """The options that define a CIFAR-10 split (a config's ``[data]`` table); see the module
    docstring for the protocol. The normal class and the contamination mode are the dataset's
    (its name, e.g. ``bird-u``), not options.

    Attributes
    ----------
    ratio : float, default=0.1
        Training anomalies per training normal (0.1 in Table 2, 0.1-0.4 in Figure 5).
    features : str or FeatureExtractor, default="efficientnet_lite0"
        Registered extractor (``"vgg19"`` is the paper's; it needs its weights).
    test_protocol : {"balanced", "authors_80_20"}, default="balanced"
    image_source : {"auto", "torchvision", "jpeg"} or ImageSource, default="auto"
        See :func:`datasets.cifar10.images.resolve_image_source` (the JPEG copy is lossy: other
        pixels).
    pca_components : int, default=128
    scale_features : bool, default=True
        Min-max scale the PCA features (the authors' preprocessing). Fitted on the training
        part (``test_protocol="balanced"``) or on the training and test parts pooled
        (``"authors_80_20"``, as the authors), and applied to both parts without clipping.
        False returns the unscaled PCA features, bit for bit as before the option existed.
    """

    ratio: float = DEFAULT_RATIO
    features: str | FeatureExtractor = DEFAULT_FEATURES
    test_protocol: str = "balanced"
    image_source: str | ImageSource = "auto"
    pca_components: int = PCA_COMPONENTS
    scale_features: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "ratio", check_ratio(self.ratio))
        object.__setattr__(self, "scale_features", check_scale_features(self.scale_features))
        check_test_protocol(self.test_protocol)
        if isinstance(self.features, str) and not self.features:
            raise ValueError("features must name a registered feature extractor, got ''")
        if isinstance(self.image_source, str) and self.image_source not in SOURCE_NAMES:
            raise ValueError(
                f"unknown image_source {self.image_source!r}; valid: {', '.join(SOURCE_NAMES)} "
                "or an ImageSource"
            )
        components = self.pca_components
        if isinstance(components, bool) or not isinstance(components, numbers.Integral):
            raise ValueError(f"pca_components must be a positive integer, got {components!r}")
        if components < 1:
            raise ValueError(f"pca_components must be a positive integer, got {components!r}")


def load_cifar10_split(
    normal_class: int,
    mode: str,
    seed: int = 0,
    data_dir: PathLike | None = None,
    options: Cifar10Options | None = None,
    context: ComputeContext | None = None,
) -> Split:
    """The contaminated CIFAR-10 split for ``normal_class`` (see the module docstring).

    Parameters
    ----------
    normal_class : int
        CIFAR-10 label of the normal class (0 = airplane ... 9 = truck).
    mode : {"uniform", "clustered"}
    seed : int, default=0
        Drives the anomaly draw (and the 80/20 split).
    data_dir : str or Path, optional
        Data root holding ``cifar10-jpeg/`` or ``cifar-10-batches-py/`` (default: env
        ``RRNVP_DATA``, else the user cache directory).
    options : Cifar10Options, optional
        What defines the split (default: ``Cifar10Options()``, the project's protocol).
    context : ComputeContext, optional
        Where and how features are extracted when they are not cached (device, batch size,
        threads, progress), the cache folder and a local copy of the extractor's weights.

    Returns
    -------
    Split
        float64 features; ``y`` = 1 for images not of ``normal_class``; ``train_index`` and
        ``test_index`` are rows of the image collection (training images first, then test).
        With ``scale_features``, ``transform`` is the fitted
        :class:`~datasets.preprocessing.FittedPreprocessing` (it maps PCA features to the
        split's features) and ``preprocessing`` records it (``"feature_scaler"``,
        ``"scaler_fit_on"``, ``"feature_transform"``); without, they are None.

    Raises
    ------
    ValueError
        Bad arguments (e.g. an unknown contamination mode).
    """
    options = options if options is not None else Cifar10Options()
    context = context if context is not None else ComputeContext()
    seed = check_seed(seed)
    _check_mode(mode)
    ratio, test_protocol = options.ratio, options.test_protocol
    scale_features = options.scale_features
    images = load_images(options.image_source, data_dir, context.cache_dir)
    train_rows, test_rows = split_rows(
        images.labels, images.n_train, normal_class, mode, ratio, seed, test_protocol
    )
    X, record = cifar10_features(
        images, options.features, pca_components=options.pca_components, context=context
    )
    y = (images.labels != normal_class).astype(np.int64)
    y_train = y[train_rows]
    X_train, X_test = X[train_rows], X[test_rows]
    transform = None
    scaler_fit_on = None
    if scale_features:
        if test_protocol == "balanced":
            scaler_fit_on, fit_rows = "train", X_train
        else:  # the authors': fitted on their whole contaminated set, before the 80/20 split
            scaler_fit_on, fit_rows = "train+test", np.concatenate([X_train, X_test])
        transform = fit_preprocessing(fit_rows, scaler=FEATURE_SCALER, drop_constant=False)
        X_train, X_test = transform.transform(X_train), transform.transform(X_test)
        logger.debug(
            "%s: min-max scaled the PCA features, fitted on %d rows (%s)",
            dataset_name(normal_class, mode),
            transform.n_fit_rows,
            scaler_fit_on,
        )
    return Split(
        name=dataset_name(normal_class, mode),
        seed=seed,
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y[test_rows],
        train_index=train_rows,
        test_index=test_rows,
        preprocessing={
            "protocol": "cifar10-contamination",
            "fit_on": record["pca_fit_on"]
            if test_protocol == "balanced"
            else f"{record['pca_fit_on']}; the 80/20 test part is among them",
            "scaler": FEATURE_SCALER if scale_features else None,
            "normal_class": CIFAR10_CLASSES[normal_class],
            "normal_label": int(normal_class),
            "anomaly_mode": mode,
            "anomaly_classes": [CIFAR10_CLASSES[c] for c in anomaly_classes(normal_class, mode)],
            "ratio": ratio,
            "n_train_normal": int(np.count_nonzero(y_train == 0)),
            "n_train_anomalies": int(np.count_nonzero(y_train == 1)),
            "test_protocol": test_protocol,
            "draw": "SeedSequence(seed, spawn_key=(normal_label, mode)); nested in ratio",
            **record,
            "feature_scaler": FEATURE_SCALER if scale_features else None,
            "scaler_fit_on": scaler_fit_on,
            "feature_transform": transform.describe() if transform is not None else None,
        },
        transform=transform,
    )


def load_cifar10(normal_class: int, mode: str, data_dir: PathLike | None = None) -> Dataset:
    """All images (training first, then test) as default-protocol PCA features.

    ``y`` = 1 for images not of ``normal_class`` (the same rows for ``-u`` and ``-c``; the
    contamination mode only matters for splits).
    """
    images = load_images("auto", data_dir)
    X, record = cifar10_features(images, DEFAULT_FEATURES, pca_components=PCA_COMPONENTS)
    y = (images.labels != normal_class).astype(np.int64)
    source = (
        f"{record['images']['source']} images at {record['images']['location']} "
        f"(sha256 {images.digest}); {record['features']['name']} features, "
        f"PCA-{record['pca_components']} fitted on the training images"
    )
    return Dataset(name=dataset_name(normal_class, mode), X=X.copy(), y=y, source=source)


def cifar10_status(data_dir: PathLike | None = None) -> str:
    """``"cached"`` when an image source is present under the data root (checked at load)."""
    return "cached" if resolve_image_source("auto", data_dir).available() else "missing"


def fetch_cifar10(data_dir: PathLike | None = None, *, create_root: bool = False) -> Path:
    """Make CIFAR-10 images available: an existing source, else download the original.

    Raises
    ------
    DatasetUnavailableError
        Offline, the download failed, or an explicit data root does not exist (without
        ``create_root``).
    """
    source = resolve_image_source("auto", data_dir)
    if source.available():
        return Path(source.root)
    root = data_root(data_dir)
    if not root.is_dir():
        if not create_root and data_dir is not None:
            raise DatasetUnavailableError(f"data folder {root} does not exist")
        root.mkdir(parents=True, exist_ok=True)
    TorchvisionSource(root).load()
    return root


KIND = DatasetKind(
    "cifar10",
    options=Cifar10Options,
    summary="CIFAR-10 one-class datasets of Table 2 (pretrained features, PCA-128)",
)


def register_datasets() -> None:
    """Register the ``cifar10`` kind and its 20 datasets, in label order, ``-u`` before ``-c``
    (``datasets/__init__.py`` calls it)."""
    register_kind(KIND)
    for label, paper_name in enumerate(PAPER_CLASS_NAMES):
        for suffix, mode in MODES.items():
            cifar_name = CIFAR10_CLASSES[label]
            aliases = (f"{cifar_name}-{suffix}",) if cifar_name != paper_name else ()
            anomalies = (
                "9 other classes"
                if mode == "uniform"
                else (f"class {CIFAR10_CLASSES[(label + 1) % len(CIFAR10_CLASSES)]}")
            )
            register(
                RegisteredDataset(
                    name=f"{paper_name}-{suffix}",
                    kind=KIND.name,
                    load=partial(load_cifar10, label, mode),
                    load_split=partial(load_cifar10_split, label, mode),
                    aliases=aliases,
                    summary=(
                        f"normal {cifar_name}: 5000 train + ratio x 5000 {mode} anomalies "
                        f"({anomalies}); test 10000 (1000 normal)"
                    ),
                    status=cifar10_status,
                    fetch=fetch_cifar10,
                )
            )
