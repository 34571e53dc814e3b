"""Which dimensions each coupling of the flow conditions on and which it transforms.

A Real NVP coupling keeps (conditions on) some of the ``d`` dimensions and transforms the others;
the couplings alternate two binary masks (1 = kept). Coupling ``c`` is counted in the data ->
latent direction, so coupling 0 is the first applied to data. Both mask schemes
(:data:`MASK_SCHEMES`) split the dimensions at a column, the *split point*: even couplings keep the
columns before it, odd couplings those from it on.

* ``"partition"`` (default, the project's choice): the split point is ``ceil(d/2)`` for every
  coupling, so the two masks are complementary and every dimension is transformed.
* ``"authors"``: the authors' masks. Their code builds a first mask with ones at ``[floor(d/2):]``
  and a second with ones at ``[:d - floor(d/2)]``, alternates them (``[first, second] * 3`` for
  six couplings) in the generative direction and applies them from the last to the first in the
  data -> latent direction. So coupling 0 keeps ``[:ceil(d/2)]`` (split point ``ceil(d/2)``) and
  coupling 1 keeps ``[floor(d/2):]`` (split point ``floor(d/2)``). For even ``d`` this is the
  partition; for odd ``d`` the two masks overlap on dimension ``floor(d/2)``, which is then never
  transformed.

For ``d = 1`` under ``"partition"`` the couplings that transform the single dimension condition on
nothing; under ``"authors"`` nothing is transformed.

:class:`CouplingLayout` is the one place that computes these parts: the flow's masks, the views
of the hand-written coupling stack (:mod:`rrnvp.coupling_ops`) and the benchmark's FLOP count all
read it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

#: Mask schemes (see the module docstring); the first is the default.
MASK_SCHEMES: tuple[str, ...] = ("partition", "authors")


@dataclass(frozen=True)
class CouplingLayout:
    """The partition of ``n_features`` dimensions into kept and transformed parts per coupling.

    The layout repeats with period two: only the parity of a coupling index matters, so the
    methods accept any index ``c >= 0``.

    Parameters
    ----------
    n_features : int
        Data dimension ``d >= 1``.
    n_couplings : int
        Number of couplings of the flow, at least 1.
    masks : {"partition", "authors"}, default="partition"
        Mask scheme (see the module docstring).

    Examples
    --------
    >>> layout = CouplingLayout(5, n_couplings=2, masks="authors")
    >>> layout.kept(0), layout.transformed(0)
    (slice(0, 3, None), slice(3, 5, None))
    >>> layout.kept(1), layout.transformed(1)
    (slice(2, 5, None), slice(0, 2, None))
    """

    n_features: int
    n_couplings: int
    masks: str = "partition"

    def __post_init__(self) -> None:
        if self.n_features < 1:
            raise ValueError(f"n_features must be >= 1, got {self.n_features}")
        if self.n_couplings < 1:
            raise ValueError(f"n_couplings must be >= 1, got {self.n_couplings}")
        if self.masks not in MASK_SCHEMES:
            raise ValueError(f"masks must be one of {MASK_SCHEMES}, got {self.masks!r}")

    def split_point(self, coupling: int) -> int:
        """The column at which ``coupling`` splits its kept from its transformed columns."""
        if self.masks == "authors" and coupling % 2 == 1:
            return self.n_features // 2
        return math.ceil(self.n_features / 2)

    def kept(self, coupling: int) -> slice:
        """Columns ``coupling`` keeps and conditions its scale and translation on."""
        split = self.split_point(coupling)
        return slice(0, split) if coupling % 2 == 0 else slice(split, self.n_features)

    def transformed(self, coupling: int) -> slice:
        """Columns ``coupling`` transforms."""
        split = self.split_point(coupling)
        return slice(split, self.n_features) if coupling % 2 == 0 else slice(0, split)

    def widths(self, coupling: int) -> tuple[int, int]:
        """Number of kept and of transformed columns of ``coupling``."""
        split = self.split_point(coupling)
        rest = self.n_features - split
        return (split, rest) if coupling % 2 == 0 else (rest, split)

    def mask(
        self,
        coupling: int,
        *,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ) -> torch.Tensor:
        """Binary mask of ``coupling``, shape ``(n_features,)``: 1 = kept, 0 = transformed."""
        mask = torch.zeros(self.n_features, dtype=dtype, device=device)
        mask[self.kept(coupling)] = 1.0
        return mask

    @property
    def alternating(self) -> bool:
        """True when what each coupling transforms is exactly what the next one keeps."""
        return self.split_point(0) == self.split_point(1)

    def merge(
        self, kept_part: torch.Tensor, transformed_part: torch.Tensor, coupling: int
    ) -> torch.Tensor:
        """Reassemble rows ``(batch, d)`` from ``coupling``'s kept and transformed columns."""
        if coupling % 2 == 0:
            return torch.cat((kept_part, transformed_part), dim=1)
        return torch.cat((transformed_part, kept_part), dim=1)
