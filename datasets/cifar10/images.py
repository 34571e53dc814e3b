"""CIFAR-10 images from one of two sources, verified, as one collection of train + test rows.

Sources (``reproduce/protocol.md``, CIFAR-10 features; the JPEG copy's own ``README.md``):

- ``torchvision``: the original ``cifar-10-python`` batches through :class:`torchvision.datasets.
  CIFAR10` (md5-checked by torchvision), under ``<data root>/cifar-10-batches-py``; downloaded
  there when missing unless ``RRNVP_OFFLINE=1``.
- ``jpeg``: an ImageFolder tree ``{train,test}/<class>/*.jpg``; the shared lossy JPEG copy lives at
  ``<data root>/cifar10-jpeg`` and is checked against its file count and the digest of its README.
  Any other folder can be used through an explicit :class:`ImageFolderSource`.

Either way the result is an :class:`ImageCollection`: the training images first, then the test
images, each with its CIFAR-10 label (0 = airplane ... 9 = truck), a sha256 digest that identifies
the pixels (the feature cache is keyed by it) and a description of where they came from (recorded
with every split). Pixels are read lazily, a batch of rows at a time.

Folder digests take a pass over every file (60,000 for CIFAR-10); the result is remembered on disk
under ``<cache dir>/verified/``, keyed by a fingerprint of the folder listing (relative paths,
sizes and modification times), so later loads only list the folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import platformdirs
from PIL import Image, UnidentifiedImageError

from datasets.fetch import (
    DatasetFileError,
    DatasetUnavailableError,
    data_root,
    file_sha256,
    offline_mode,
)
from rrnvp.files import PathLike, atomic_write

logger = logging.getLogger(__name__)


CIFAR10_CLASSES: tuple[str, ...] = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
"""CIFAR-10 class names in label order 0-9 (torchvision's and the JPEG copy's folder names)."""

PARTS: tuple[str, ...] = ("train", "test")
N_PER_CLASS: dict[str, int] = {"train": 5000, "test": 1000}
"""Images per class in each part of CIFAR-10."""

JPEG_COPY_DIR = "cifar10-jpeg"
JPEG_COPY_SHA256 = "f10d4c9e536a564f17fa5e8d68ba087d1235e60cd1f21700e11ff43f0647bbb0"
"""Digest of the shared JPEG copy (its README): sha256 of the ``sha256sum`` listing of all
``*.jpg`` paths relative to the folder, sorted bytewise."""
JPEG_COPY_NOTE = "lossy JPEG copy (quality 75) of CIFAR-10, not the original pixels"
TORCHVISION_DIR = "cifar-10-batches-py"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})
SOURCE_NAMES = ("auto", "torchvision", "jpeg")


def default_cache_dir() -> Path:
    """The user cache directory of rrnvp (``platformdirs.user_cache_dir("rrnvp")``)."""
    return Path(platformdirs.user_cache_dir("rrnvp"))


@dataclass(frozen=True, eq=False)
class ImageCollection:
    """Labelled RGB images, training part first, read lazily by row.

    Attributes
    ----------
    labels : ndarray of int64, shape (n,)
        Class index of each row (0 = airplane ... 9 = truck).
    n_train : int
        Rows ``0 .. n_train - 1`` are training images, the rest test images.
    digest : str
        sha256 identifying the pixels and their order (the feature cache key).
    source : str
        ``"torchvision"`` or ``"image-folder"``.
    location : str
        Where the images were read from.
    verification : str
        How their integrity was checked.
    reader : callable ``(rows) -> ndarray of uint8, shape (k, H, W, 3)``
    """

    labels: np.ndarray
    n_train: int
    digest: str
    source: str
    location: str
    verification: str
    reader: Callable[[np.ndarray], np.ndarray] = field(repr=False)

    def __post_init__(self) -> None:
        if self.labels.ndim != 1 or not 0 <= self.n_train <= self.labels.shape[0]:
            raise ValueError(
                f"labels must be 1-D with n_train <= {self.labels.shape[0]}, got n_train="
                f"{self.n_train}"
            )

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def n_test(self) -> int:
        """Number of test rows."""
        return len(self) - self.n_train

    def read(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """Pixels of ``rows``: uint8 array of shape (len(rows), H, W, 3)."""
        rows = np.asarray(rows, dtype=np.int64)
        if rows.ndim != 1 or (rows.size and (rows.min() < 0 or rows.max() >= len(self))):
            raise IndexError(f"rows must be 1-D indices in [0, {len(self)})")
        return self.reader(rows)

    def subset(self, rows: Sequence[int] | np.ndarray) -> ImageCollection:
        """The collection restricted to ``rows`` (increasing; training rows stay first).

        Its digest is derived from this collection's digest and the rows, so subsets get their
        own feature cache entries.
        """
        rows = np.asarray(rows, dtype=np.int64)
        if rows.ndim != 1 or np.any(np.diff(rows) <= 0):
            raise ValueError("rows must be a strictly increasing 1-D index array")
        if rows.size and (rows[0] < 0 or rows[-1] >= len(self)):
            raise IndexError(f"rows must be in [0, {len(self)})")
        digest = hashlib.sha256(f"{self.digest}:rows:".encode() + rows.tobytes()).hexdigest()
        parent = self.reader
        return ImageCollection(
            labels=self.labels[rows],
            n_train=int(np.count_nonzero(rows < self.n_train)),
            digest=digest,
            source=self.source,
            location=self.location,
            verification=f"{self.verification}; subset of {rows.size} rows",
            reader=lambda sub: parent(rows[sub]),
        )

    def describe(self) -> dict[str, Any]:
        """JSON-able record of the images (kept with every split and result)."""
        return {
            "source": self.source,
            "location": self.location,
            "sha256": self.digest,
            "verification": self.verification,
            "n_train": self.n_train,
            "n_test": self.n_test,
        }


class ImageSource(Protocol):
    """Something that yields the CIFAR-10 :class:`ImageCollection` from files under ``root``."""

    root: PathLike

    def load(self, cache_dir: PathLike | None = None) -> ImageCollection: ...

    def available(self) -> bool: ...


# --------------------------------------------------------------------------------------------
# ImageFolder trees


def _list_folder(root: Path) -> dict[str, list[list[Path]]]:
    """Image paths per part and class (CIFAR-10 label order), each list sorted bytewise."""
    listing: dict[str, list[list[Path]]] = {}
    ignored = 0
    for part in PARTS:
        part_dir = root / part
        if not part_dir.is_dir():
            raise DatasetFileError(
                f"{root}: missing folder {part}/ (expected {{train,test}}/<class>/)"
            )
        found = sorted(entry.name for entry in part_dir.iterdir() if entry.is_dir())
        unknown = sorted(set(found) - set(CIFAR10_CLASSES))
        missing = [name for name in CIFAR10_CLASSES if name not in found]
        if unknown or missing:
            raise DatasetFileError(
                f"{part_dir}: class folders must be exactly {', '.join(CIFAR10_CLASSES)}; "
                f"missing: {', '.join(missing) or 'none'}; "
                f"unexpected: {', '.join(unknown) or 'none'}"
            )
        per_class = []
        for name in CIFAR10_CLASSES:
            files = []
            for entry in os.scandir(part_dir / name):
                if entry.is_file() and Path(entry.name).suffix.lower() in IMAGE_SUFFIXES:
                    files.append(Path(entry.path))
                else:
                    ignored += 1
            if not files:
                raise DatasetFileError(
                    f"{part_dir / name}: no image files ({', '.join(sorted(IMAGE_SUFFIXES))})"
                )
            per_class.append(sorted(files, key=lambda p: os.fsencode(p.name)))
        listing[part] = per_class
    if ignored:
        logger.warning("%s: ignored %d entries that are not image files", root, ignored)
    return listing


def listing_digest(root: PathLike, paths: Sequence[Path]) -> str:
    """sha256 of the ``sha256sum`` listing of ``paths`` (relative to ``root``, sorted bytewise).

    The same as ``find train test -type f -name '*.jpg' | LC_ALL=C sort | xargs sha256sum |
    sha256sum`` run in ``root`` (the recipe of the JPEG copy's README).
    """
    root = Path(root)
    relative = sorted((p.relative_to(root).as_posix() for p in paths), key=os.fsencode)
    outer = hashlib.sha256()
    for rel in relative:
        outer.update(f"{file_sha256(root / rel)}  {rel}\n".encode())
    return outer.hexdigest()


def _listing_fingerprint(root: Path, paths: Sequence[Path]) -> str:
    hasher = hashlib.sha256(f"{root.resolve()}\n".encode())
    for path in sorted(paths, key=lambda p: os.fsencode(str(p))):
        stat = path.stat()
        hasher.update(
            f"{path.relative_to(root).as_posix()}\t{stat.st_size}\t{stat.st_mtime_ns}\n".encode()
        )
    return hasher.hexdigest()


_FOLDER_DIGESTS: dict[str, str] = {}


def folder_digest(root: PathLike, paths: Sequence[Path], cache_dir: PathLike | None = None) -> str:
    """:func:`listing_digest` of ``paths``, remembered per listing fingerprint.

    The fingerprint covers the relative paths, sizes and modification times; a digest computed
    for the same fingerprint before (in this process, or stored under ``<cache_dir>/verified``)
    is reused without reading the files.
    """
    root = Path(root)
    fingerprint = _listing_fingerprint(root, paths)
    if fingerprint in _FOLDER_DIGESTS:
        return _FOLDER_DIGESTS[fingerprint]
    record_path = Path(cache_dir or default_cache_dir()) / "verified" / f"{fingerprint}.json"
    digest = None
    if record_path.is_file():
        try:
            digest = json.loads(record_path.read_text())["sha256"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("ignoring unreadable verification record %s: %s", record_path, exc)
    if digest is None:
        logger.info(
            "hashing %d image files under %s (done once per folder state)", len(paths), root
        )
        digest = listing_digest(root, paths)
        record = {"root": str(root.resolve()), "n_files": len(paths), "sha256": digest}
        try:
            atomic_write(record_path, lambda tmp: tmp.write_text(json.dumps(record)))
        except OSError as exc:
            logger.warning("could not store the verification record %s: %s", record_path, exc)
    _FOLDER_DIGESTS[fingerprint] = digest
    return digest


def _read_image_files(paths: np.ndarray, rows: np.ndarray) -> np.ndarray:
    images = []
    for row in rows:
        path = paths[row]
        try:
            with Image.open(path) as image:
                pixels = np.asarray(image.convert("RGB"), dtype=np.uint8)
        except (OSError, UnidentifiedImageError) as exc:
            raise DatasetFileError(f"{path}: cannot be read as an image: {exc}") from exc
        if images and pixels.shape != images[0].shape:
            raise DatasetFileError(
                f"{path}: image of shape {pixels.shape}, others are {images[0].shape}"
            )
        images.append(pixels)
    if not images:
        return np.zeros((0, 0, 0, 3), dtype=np.uint8)
    return np.stack(images)


@dataclass(frozen=True)
class ImageFolderSource:
    """An ImageFolder tree ``root/{train,test}/<class>/*.{jpg,jpeg,png}`` with the 10 classes.

    Parameters
    ----------
    root : str or Path
    expected_sha256 : str or None
        The folder's :func:`listing_digest`; None accepts any content (recorded as unverified).
    expected_per_class : dict or None
        Expected image count per class for each part, e.g. ``{"train": 5000, "test": 1000}``.
    note : str
        Recorded with the images (e.g. that they are a lossy copy).
    """

    root: PathLike
    expected_sha256: str | None = None
    expected_per_class: dict[str, int] | None = None
    note: str = ""

    def available(self) -> bool:
        """Whether the folder exists (its contents are checked by :meth:`load`)."""
        return Path(self.root).is_dir()

    def load(self, cache_dir: PathLike | None = None) -> ImageCollection:
        """List, count and verify the tree.

        Raises
        ------
        DatasetUnavailableError
            The folder does not exist.
        DatasetFileError
            Wrong layout, wrong image counts, or a digest different from ``expected_sha256``.
        """
        root = Path(self.root).expanduser()
        if not root.is_dir():
            raise DatasetUnavailableError(f"image folder {root} does not exist")
        listing = _list_folder(root)
        if self.expected_per_class is not None:
            for part in PARTS:
                counts = [len(files) for files in listing[part]]
                expected = self.expected_per_class[part]
                wrong = {c: n for c, n in zip(CIFAR10_CLASSES, counts) if n != expected}
                if wrong:
                    raise DatasetFileError(
                        f"{root / part}: expected {expected} images per class, found {wrong}"
                    )
        paths = [path for part in PARTS for files in listing[part] for path in files]
        labels = np.concatenate(
            [
                np.full(len(files), label, dtype=np.int64)
                for part in PARTS
                for label, files in enumerate(listing[part])
            ]
        )
        digest = folder_digest(root, paths, cache_dir)
        if self.expected_sha256 is not None and digest != self.expected_sha256:
            raise DatasetFileError(
                f"{root}: the image files do not match the expected digest: sha256 of the "
                f"sha256sum listing is {digest}, expected {self.expected_sha256} (see the "
                f"folder's README). Files are missing, changed or extra; the folder is not used."
            )
        verification = (
            f"{len(paths)} files, listing sha256 matches the expected digest"
            if self.expected_sha256 is not None
            else f"{len(paths)} files, unverified (no expected digest given)"
        )
        if self.note:
            verification = f"{verification}; {self.note}"
        path_array = np.array([str(p) for p in paths], dtype=object)
        return ImageCollection(
            labels=labels,
            n_train=sum(len(files) for files in listing["train"]),
            digest=digest,
            source="image-folder",
            location=str(root),
            verification=verification,
            reader=lambda rows: _read_image_files(path_array, rows),
        )


def jpeg_copy_source(data_dir: PathLike | None = None) -> ImageFolderSource:
    """The shared JPEG copy at ``<data root>/cifar10-jpeg``, checked against its README."""
    return ImageFolderSource(
        root=data_root(data_dir) / JPEG_COPY_DIR,
        expected_sha256=JPEG_COPY_SHA256,
        expected_per_class=dict(N_PER_CLASS),
        note=JPEG_COPY_NOTE,
    )


# --------------------------------------------------------------------------------------------
# torchvision's original CIFAR-10


@dataclass(frozen=True)
class TorchvisionSource:
    """The original CIFAR-10 via :class:`torchvision.datasets.CIFAR10` under ``root``.

    Parameters
    ----------
    root : str or Path
        Folder holding (or to receive) ``cifar-10-batches-py``.
    download : bool, default=True
        Download (md5-checked) when missing, unless ``RRNVP_OFFLINE=1``.
    """

    root: PathLike
    download: bool = True

    def available(self) -> bool:
        """Whether the extracted batches are present (md5s are checked by :meth:`load`)."""
        return (Path(self.root) / TORCHVISION_DIR).is_dir()

    def load(self, cache_dir: PathLike | None = None) -> ImageCollection:
        """Read (downloading if needed and allowed) the original batches.

        Raises
        ------
        DatasetUnavailableError
            Missing and downloads are disabled or fail.
        DatasetFileError
            Present but failing torchvision's md5 check.
        """
        from torchvision.datasets import CIFAR10

        root = Path(self.root).expanduser()
        download = self.download and not offline_mode()
        if not self.available() and not download:
            raise DatasetUnavailableError(
                f"CIFAR-10 (original) is not at {root / TORCHVISION_DIR} and downloads are "
                f"disabled; run on a machine with internet or use image_source='jpeg'"
            )
        parts = []
        try:
            for train in (True, False):
                parts.append(CIFAR10(str(root), train=train, download=download))
        except RuntimeError as exc:  # torchvision: "Dataset not found or corrupted"
            raise DatasetFileError(
                f"{root}: CIFAR-10 batches fail torchvision's check: {exc}"
            ) from exc
        except OSError as exc:  # urllib errors while downloading
            raise DatasetUnavailableError(f"CIFAR-10 download into {root} failed: {exc}") from exc
        if list(parts[0].classes) != list(CIFAR10_CLASSES):
            raise DatasetFileError(
                f"{root}: unexpected CIFAR-10 class names {parts[0].classes}, expected "
                f"{list(CIFAR10_CLASSES)}"
            )
        pixels = np.concatenate([np.ascontiguousarray(p.data, dtype=np.uint8) for p in parts])
        labels = np.concatenate([np.asarray(p.targets, dtype=np.int64) for p in parts])
        hasher = hashlib.sha256()
        for array in (pixels, labels):
            hasher.update(array.tobytes())
        return ImageCollection(
            labels=labels,
            n_train=len(parts[0]),
            digest=hasher.hexdigest(),
            source="torchvision",
            location=str(root / TORCHVISION_DIR),
            verification="torchvision CIFAR10 md5 checks passed (original pixels)",
            reader=lambda rows: pixels[rows],
        )


# --------------------------------------------------------------------------------------------


def resolve_image_source(
    image_source: str | ImageSource = "auto", data_dir: PathLike | None = None
) -> ImageSource:
    """Pick the image source.

    Parameters
    ----------
    image_source : {"auto", "torchvision", "jpeg"} or ImageSource
        ``"auto"``: the original batches when present under the data root, else the JPEG copy
        when present, else the original (downloaded unless offline). An object is used as is.
    data_dir : str or Path, optional
        Data root (default: env ``RRNVP_DATA``, else the user cache directory).
    """
    if not isinstance(image_source, str):
        if not callable(getattr(image_source, "load", None)):
            raise ValueError(f"image_source must be one of {SOURCE_NAMES} or an ImageSource")
        return image_source
    if image_source not in SOURCE_NAMES:
        raise ValueError(
            f"unknown image_source {image_source!r}; valid: {', '.join(SOURCE_NAMES)} "
            f"or an ImageFolderSource"
        )
    original = TorchvisionSource(data_root(data_dir))
    jpeg = jpeg_copy_source(data_dir)
    if image_source == "torchvision":
        return original
    if image_source == "jpeg":
        return jpeg
    if original.available() or not jpeg.available():
        return original
    return jpeg


def load_images(
    image_source: str | ImageSource = "auto",
    data_dir: PathLike | None = None,
    cache_dir: PathLike | None = None,
) -> ImageCollection:
    """The CIFAR-10 images from the chosen source (see :func:`resolve_image_source`)."""
    return resolve_image_source(image_source, data_dir).load(cache_dir)
