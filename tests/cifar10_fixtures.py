"""Test fixtures shared by the CIFAR-10 tests: a tiny generated ImageFolder tree."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from datasets.cifar10.images import CIFAR10_CLASSES


def make_tree(root: Path, per_class: dict[str, int], seed: int = 0) -> Path:
    """A tiny ImageFolder tree of 16x16 JPEGs whose colour depends on the class."""
    rng = np.random.default_rng(seed)
    for part, count in per_class.items():
        for label, name in enumerate(CIFAR10_CLASSES):
            folder = root / part / name
            folder.mkdir(parents=True)
            for i in range(count):
                pixels = np.clip(rng.normal(25 * label, 20, (16, 16, 3)), 0, 255).astype(np.uint8)
                Image.fromarray(pixels).save(folder / f"{i:04d}.jpg", quality=90)
    return root
