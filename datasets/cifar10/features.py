"""Pretrained features of an image collection: extracted in batches, cached on disk.

:func:`extract_features` runs an extractor (:mod:`datasets.cifar10.extractors`) over every image:
uint8 pixels -> [0, 1] -> bilinear resize to the extractor's input size -> per-channel normalisation
-> network, a batch at a time, on ``device`` (``"auto"``: CUDA when available, resolved at call
time), with a tqdm progress bar. Nothing in it is random (networks in eval mode).

:func:`load_features` adds the cache: one ``.npz`` file per (image source, extractor, input size,
weights digest, image digest) under ``<cache_dir>/features`` (default: the user cache directory,
never the data folder, which may be read-only). Files are written to a temporary name and moved
into place, under a lock so that concurrent processes extract once; a second call reads the file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filelock
import numpy as np
import torch
from torch.nn import functional
from tqdm import tqdm

from datasets.cifar10.extractors import FeatureExtractor, Weights, get_extractor
from datasets.cifar10.images import ImageCollection, default_cache_dir
from datasets.fetch import DatasetFileError
from rrnvp.files import PathLike, atomic_write
from rrnvp.runtime import ThreadBudget, resolve_device

logger = logging.getLogger(__name__)


CACHE_FORMAT = 1
LOCK_TIMEOUT_S = 6 * 3600.0
"""How long a process waits for another one extracting the same features."""


@dataclass(frozen=True, eq=False)
class FeatureTable:
    """Features of every image of a collection, in its row order.

    Attributes
    ----------
    features : ndarray of float32, shape (n_images, feature_dim)
    record : dict
        JSON-able provenance: images, extractor, weights, cache file, extraction time.
    from_cache : bool
        Whether the features were read from the cache (False: extracted by this call).
    """

    features: np.ndarray
    record: dict[str, Any]
    from_cache: bool


def _check_batch_size(batch_size: int) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    return batch_size


def prepare_batch(
    pixels: np.ndarray, extractor: FeatureExtractor, device: torch.device
) -> torch.Tensor:
    """uint8 ``(k, H, W, 3)`` pixels -> normalised float ``(k, 3, S, S)`` on ``device``."""
    if pixels.ndim != 4 or pixels.shape[-1] != 3 or pixels.dtype != np.uint8:
        raise ValueError(
            f"expected uint8 images of shape (k, H, W, 3), got {pixels.shape} {pixels.dtype}"
        )
    batch = torch.from_numpy(np.ascontiguousarray(pixels)).to(device)
    batch = batch.permute(0, 3, 1, 2).float().div_(255.0)
    size = extractor.input_size
    if batch.shape[-2:] != (size, size):
        batch = functional.interpolate(
            batch, size=(size, size), mode="bilinear", align_corners=False
        )
    mean = torch.tensor(extractor.mean, device=device).view(1, 3, 1, 1)
    std = torch.tensor(extractor.std, device=device).view(1, 3, 1, 1)
    return (batch - mean) / std


def extract_features(
    images: ImageCollection,
    extractor: str | FeatureExtractor,
    *,
    weights: Weights | None = None,
    weights_path: PathLike | None = None,
    batch_size: int = 64,
    device: str | torch.device = "auto",
    num_threads: int | None = None,
    progress: bool = True,
) -> np.ndarray:
    """Run ``extractor`` over all images (no cache).

    Parameters
    ----------
    images : ImageCollection
    extractor : str or FeatureExtractor
        A registered name (``"efficientnet_lite0"``, ``"vgg19"``) or an extractor.
    weights : Weights, optional
        Already located weights; else ``extractor.locate_weights(weights_path)``.
    weights_path : str or Path, optional
        A local weights file (verified by sha256).
    batch_size : int, default=64
    device : str or torch.device, default="auto"
        ``"auto"`` = CUDA when available, else CPU (resolved now).
    num_threads : int or None, default=None
        torch intra-op threads for the extraction (restored after); None keeps the current
        setting.
    progress : bool, default=True
        Show a tqdm progress bar.

    Returns
    -------
    ndarray of float32, shape (len(images), extractor.feature_dim)
    """
    extractor = get_extractor(extractor)
    batch_size = _check_batch_size(batch_size)
    resolved = resolve_device(device)
    weights = weights or extractor.locate_weights(weights_path)
    out = np.empty((len(images), extractor.feature_dim), dtype=np.float32)
    with ThreadBudget(num_threads):
        network = extractor.build(weights).eval().to(resolved)
        bar = tqdm(
            total=len(images),
            unit="img",
            desc=f"{extractor.name} features",
            disable=not progress,
            mininterval=2.0,
        )
        with bar, torch.inference_mode():
            for start in range(0, len(images), batch_size):
                rows = np.arange(start, min(start + batch_size, len(images)))
                batch = prepare_batch(images.read(rows), extractor, resolved)
                features = network(batch)
                if features.shape != (rows.size, extractor.feature_dim):
                    raise RuntimeError(
                        f"extractor {extractor.name!r} returned shape {tuple(features.shape)}, "
                        f"expected {(rows.size, extractor.feature_dim)}"
                    )
                out[rows] = features.float().cpu().numpy()
                bar.update(rows.size)
    if not np.isfinite(out).all():
        raise FloatingPointError(f"extractor {extractor.name!r} produced non-finite features")
    return out


def cache_key(images: ImageCollection, extractor: FeatureExtractor, weights: Weights) -> str:
    """sha256 of what determines the features: source, extractor, input size, weights, images."""
    fields = {
        "format": CACHE_FORMAT,
        "source": images.source,
        "images_sha256": images.digest,
        "n_images": len(images),
        "extractor": extractor.name,
        "input_size": extractor.input_size,
        "mean": list(extractor.mean),
        "std": list(extractor.std),
        "layer": extractor.layer,
        "weights_sha256": weights.sha256,
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def cache_path(
    images: ImageCollection,
    extractor: FeatureExtractor,
    weights: Weights,
    cache_dir: PathLike | None = None,
) -> Path:
    """Where the features of ``images`` by ``extractor`` are (or will be) cached."""
    key = cache_key(images, extractor, weights)
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    name = f"{images.source}_{extractor.name}_{extractor.input_size}px_{key[:20]}.npz"
    return root / "features" / name


def _read_cache(path: Path, n_images: int, feature_dim: int, key: str) -> tuple[np.ndarray, dict]:
    try:
        with np.load(path, allow_pickle=False) as stored:
            features = stored["features"]
            record = json.loads(str(stored["record"]))
    except (OSError, ValueError, KeyError) as exc:
        raise DatasetFileError(
            f"feature cache {path} is unreadable ({exc}); delete it to extract again"
        ) from exc
    if (
        features.shape != (n_images, feature_dim)
        or features.dtype != np.float32
        or record.get("cache_key") != key
    ):
        raise DatasetFileError(
            f"feature cache {path} holds {features.shape} {features.dtype} for key "
            f"{record.get('cache_key')}, expected ({n_images}, {feature_dim}) float32 for {key}; "
            f"delete it to extract again"
        )
    digest = features_digest(features)
    if record.get("features_sha256", digest) != digest:
        raise DatasetFileError(
            f"feature cache {path} holds features with sha256 {digest}, but its record says "
            f"{record['features_sha256']}; delete it to extract again"
        )
    return features, {**record, "features_sha256": digest}


def features_digest(features: np.ndarray) -> str:
    """sha256 of a feature matrix (C-order float32 bytes): which features a run saw.

    Features of the same images, extractor and weights differ at float32 rounding between
    thread counts and machines (e.g. up to 2.4e-5 absolute between 1 and 2 CPU threads for
    EfficientNet-Lite0, measured 2026-12-02), so the cache key does not identify them; this does.
    """
    return hashlib.sha256(np.ascontiguousarray(features, dtype=np.float32).tobytes()).hexdigest()


def load_features(
    images: ImageCollection,
    extractor: str | FeatureExtractor,
    *,
    weights_path: PathLike | None = None,
    cache_dir: PathLike | None = None,
    batch_size: int = 64,
    device: str | torch.device = "auto",
    num_threads: int | None = None,
    progress: bool = True,
) -> FeatureTable:
    """Features of ``images`` from the cache, or extracted (then cached) when missing.

    Parameters
    ----------
    images : ImageCollection
    extractor : str or FeatureExtractor
    weights_path : str or Path, optional
        Local weights file (verified by sha256; see the extractor).
    cache_dir : str or Path, optional
        Cache root (features go to ``<cache_dir>/features``); default: the user cache directory.
    batch_size, device, num_threads, progress
        As in :func:`extract_features` (not part of the cache key).

    Returns
    -------
    FeatureTable

    Raises
    ------
    WeightsUnavailableError, WeightsFileError
        The extractor's weights are missing or wrong (checked before anything else).
    DatasetFileError
        A cache file exists but is unreadable or does not match (it is never overwritten).
    """
    extractor = get_extractor(extractor)
    weights = extractor.locate_weights(weights_path)
    key = cache_key(images, extractor, weights)
    path = cache_path(images, extractor, weights, cache_dir)
    if path.is_file():
        features, record = _read_cache(path, len(images), extractor.feature_dim, key)
        logger.info("read %s features of %d images from %s", extractor.name, len(images), path)
        return FeatureTable(features, {**record, "cache_file": str(path)}, from_cache=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(path.parent / f".{path.name}.lock", timeout=LOCK_TIMEOUT_S)
    with lock:
        if path.is_file():  # another process finished while this one waited
            features, record = _read_cache(path, len(images), extractor.feature_dim, key)
            return FeatureTable(features, {**record, "cache_file": str(path)}, from_cache=True)
        started = time.perf_counter()
        features = extract_features(
            images,
            extractor,
            weights=weights,
            batch_size=batch_size,
            device=device,
            num_threads=num_threads,
            progress=progress,
        )
        seconds = time.perf_counter() - started
        record = {
            "cache_key": key,
            "images": images.describe(),
            "extractor": extractor.describe(weights),
            "extraction_seconds": round(seconds, 3),
            "images_per_second": round(len(images) / seconds, 3) if seconds > 0 else None,
            "device": str(resolve_device(device)),
            "torch_threads": torch.get_num_threads() if num_threads is None else num_threads,
            "features_sha256": features_digest(features),
        }
        logger.info(
            "extracted %s features of %d images in %.1f s (%.1f images/s); caching in %s",
            extractor.name,
            len(images),
            seconds,
            len(images) / max(seconds, 1e-9),
            path,
        )

        def write(tmp: Path) -> None:
            with tmp.open("wb") as handle:
                np.savez(handle, features=features, record=np.array(json.dumps(record)))

        atomic_write(path, write)
    return FeatureTable(features, {**record, "cache_file": str(path)}, from_cache=False)
