"""The report kinds: the one list of what ``report = ...`` in an experiment may name.

A kind is a name, a renderer and what the rest of the suite needs to know about it: whether its
experiments vary a protocol through ``variants`` (the config checks this) and whether its cells
are flagged against the paper (the flags and their causes, ``results/causes.toml``, are about
the project protocol's own experiments). ``reproduce.config`` validates ``report = ...`` against
this registry and the report builder hands each experiment's :class:`SectionContext` to its
kind's renderer, so a kind is listed here and nowhere else.

A renderer takes the context of an experiment with at least one finished run and returns the
Markdown lines of its results; the files it writes go through the context, which lists them in
the section. The built-in renderers are referenced by ``"module:function"`` and imported on first
use: validating a config imports neither pandas nor the plotting stack. Another kind (e.g. from
a ``--plugin`` module) registers a :class:`ReportKind` with :func:`register_report_kind`; its
renderer may be the function itself.

Adding a kind: a module ``reproduce/report/kinds/<name>.py`` with ``render(context)`` and one
``ReportKind`` in :data:`BUILTIN_KINDS` below (and, if its config needs more than the common
keys, the check in ``reproduce/config.py``'s ``parse_experiment``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reproduce.report.context import SectionContext

#: What a renderer is: the context of one experiment -> the Markdown lines of its results.
Renderer = Callable[["SectionContext"], list[str]]


@dataclass(frozen=True)
class ReportKind:
    """One report kind.

    Attributes
    ----------
    name : str
        What an experiment's ``report = ...`` names.
    renderer : str or callable
        ``render(context) -> list[str]``, or ``"package.module:function"`` naming it (imported
        when the first experiment of the kind is rendered).
    summary : str
        One line on what its section shows.
    uses_variants : bool, default=False
        Its experiments vary a protocol through ``[variants]`` (and need them); other kinds'
        experiments may not have variants.
    flags_cells : bool, default=True
        Its cells are flagged where they differ from the paper (and the per-cell summary is
        written to ``tables/<experiment>_auc.csv`` before the renderer runs). False: the cells
        are compared with the paper but not flagged, and the renderer writes its own tables.
    beyond_paper : bool, default=False
        Its experiments have no paper values (data the paper never used): the report's verdict
        does not evaluate the paper's claims on them, and a report of such experiments alone
        says so instead of listing the claims as not evaluated.
    """

    name: str
    renderer: str | Renderer
    summary: str
    uses_variants: bool = False
    flags_cells: bool = True
    beyond_paper: bool = False

    def render(self, context: SectionContext) -> list[str]:
        """The Markdown lines of the experiment of ``context``."""
        return self.resolve()(context)

    def resolve(self) -> Renderer:
        """The renderer itself (imports its module when given by name)."""
        if callable(self.renderer):
            return self.renderer
        module, _, function = self.renderer.partition(":")
        return getattr(importlib.import_module(module), function)


class ReportKindRegistry(Mapping[str, ReportKind]):
    """Report kinds by name, in the order they were registered."""

    def __init__(self) -> None:
        self._kinds: dict[str, ReportKind] = {}

    def register(self, kind: ReportKind) -> ReportKind:
        """Add ``kind``; a name registered already is a ``ValueError`` naming it."""
        if kind.name in self._kinds:
            raise ValueError(f"report kind {kind.name!r} is already registered")
        self._kinds[kind.name] = kind
        return kind

    def unregister(self, name: str) -> None:
        """Remove a kind (tests and plugins); an unknown name is a ``KeyError``."""
        del self._kinds[name]

    def __getitem__(self, name: str) -> ReportKind:
        try:
            return self._kinds[name]
        except KeyError:
            raise KeyError(f"unknown report kind {name!r}; known: {list(self._kinds)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)

    def with_variants(self) -> tuple[str, ...]:
        """Names of the kinds whose experiments vary a protocol through ``variants``."""
        return tuple(name for name, kind in self._kinds.items() if kind.uses_variants)


#: Every report kind; ``reproduce.config`` validates ``report = ...`` against it.
REPORT_KINDS = ReportKindRegistry()


def register_report_kind(kind: ReportKind) -> ReportKind:
    """Register ``kind`` in :data:`REPORT_KINDS` (a duplicate name is a ``ValueError``)."""
    return REPORT_KINDS.register(kind)


def _builtin(name: str) -> str:
    return f"{__name__}.{name}:render"


#: The built-in kinds (the paper's report's, then ``beyond_paper``), in the order the config's
#: error message lists them.
BUILTIN_KINDS = (
    ReportKind(
        "auc_table",
        _builtin("auc_table"),
        "Table 1/2: AUC table, ranks, Friedman/Nemenyi, Wilcoxon, anytime AUC",
    ),
    ReportKind("ablation", _builtin("ablation"), "two methods: AUC table, figure, statistics"),
    ReportKind("density", _builtin("density"), "two-moons density grids and their AUCs"),
    ReportKind("sweep", _builtin("sweep"), "AUC against a varied option"),
    ReportKind(
        "protocol_comparison",
        _builtin("protocol_comparison"),
        "per dataset and method, one column per protocol variant beside the paper's value",
        uses_variants=True,
        flags_cells=False,
    ),
    ReportKind(
        "baseline_fidelity",
        _builtin("baseline_fidelity"),
        "per baseline, its mean AUC over datasets beside the paper's and a published benchmark's",
        uses_variants=True,
        flags_cells=False,
    ),
    ReportKind(
        "beyond_paper",
        _builtin("beyond_paper"),
        "beyond the paper: AUC table, ranks, CD diagram, the claims on new datasets, ODDS overlap",
        beyond_paper=True,
    ),
)
for _kind in BUILTIN_KINDS:
    register_report_kind(_kind)
del _kind
