"""How a section names the overrides of a protocol variant (``data``, per-method ``params``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def options_text(options: Mapping[str, Any]) -> str:
    """``key = value, ...`` with each value as Python writes it (``input_scaling = 'standard'``)."""
    return ", ".join(f"{key} = {value!r}" for key, value in options.items())
