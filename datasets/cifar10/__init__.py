"""CIFAR-10 anomaly detection: the 20 one-class datasets of the paper's Table 2 (and Figures 5-6).

One job per module:

- :mod:`~datasets.cifar10.split`: the datasets, their data options (:class:`Cifar10Options`),
  the rows of each split, the PCA of the features and the registration of the ``cifar10`` kind;
- :mod:`~datasets.cifar10.images`: the images, from torchvision's batches or the verified JPEG
  copy, as one :class:`ImageCollection`;
- :mod:`~datasets.cifar10.features`: pretrained features of every image, cached on disk;
- :mod:`~datasets.cifar10.extractors`: the feature extractors (EfficientNet-Lite0, VGG19 fc7)
  and their registry.

This package re-exports the public names of ``split`` and ``images``. The feature modules import
torch, so they are imported where a split needs them (``from datasets.cifar10 import features,
extractors`` reaches them directly); the runner's main process never loads torch.

Until issue 18 these were the modules ``datasets.cifar10``, ``datasets.images``,
``datasets.features`` and ``datasets.extractors``; the last three are not kept as aliases.
"""

from datasets.cifar10.images import (
    CIFAR10_CLASSES,
    SOURCE_NAMES,
    ImageCollection,
    ImageFolderSource,
    ImageSource,
    TorchvisionSource,
    jpeg_copy_source,
    load_images,
    resolve_image_source,
)
from datasets.cifar10.split import (
    DEFAULT_FEATURES,
    DEFAULT_RATIO,
    KIND,
    MODES,
    PAPER_CLASS_NAMES,
    PCA_COMPONENTS,
    TEST_PROTOCOLS,
    Cifar10Options,
    anomaly_classes,
    cifar10_features,
    cifar10_status,
    dataset_name,
    draw_training_rows,
    fetch_cifar10,
    fit_pca,
    load_cifar10,
    load_cifar10_split,
    register_datasets,
    split_rows,
)

__all__ = [
    "CIFAR10_CLASSES",
    "DEFAULT_FEATURES",
    "DEFAULT_RATIO",
    "KIND",
    "MODES",
    "PAPER_CLASS_NAMES",
    "PCA_COMPONENTS",
    "SOURCE_NAMES",
    "TEST_PROTOCOLS",
    "Cifar10Options",
    "ImageCollection",
    "ImageFolderSource",
    "ImageSource",
    "TorchvisionSource",
    "anomaly_classes",
    "cifar10_features",
    "cifar10_status",
    "dataset_name",
    "draw_training_rows",
    "fetch_cifar10",
    "fit_pca",
    "jpeg_copy_source",
    "load_cifar10",
    "load_cifar10_split",
    "load_images",
    "register_datasets",
    "resolve_image_source",
    "split_rows",
]
