"""Experiment configurations: TOML files read into frozen dataclasses, expanded into run specs.

A config file holds one or more experiments::

    [experiments.table1]
    title = "Table 1: ROC-AUC on the 16 ODDS datasets"
    report = "auc_table"              # a report kind: REPORT_KINDS, reproduce/report/kinds
    dataset_kind = "odds"             # or: datasets = ["glass", "pima"]
    dataset_pattern = "*"             # optional glob on the names of dataset_kind
    seeds = [0, 1, 2, 3, 4]
    methods = ["RobustRealNVP", "RealNVP", "IF"]
    outputs = []                      # optional, e.g. ["density_grid"]
    paper_auc = "table1_odds_auc.csv" # optional, a file of results/paper/
    paper_rank = "table1_avg_rank.csv"# optional
    reference_method = "RobustRealNVP"# optional, compared with every method (Wilcoxon)
    reference_auc = "pyod_benchmark_odds_roc.csv"  # optional (baseline_fidelity): another
                                      # system's published AUCs, a file of results/paper/
    reference_variant = "pyod"        # the variant whose runs are compared with reference_auc

    [experiments.table1.data]         # optional: options that define the data, those of the
                                      # dataset kind (datasets.odds.OddsOptions,
                                      # datasets.cifar10.Cifar10Options, ...); execution settings
                                      # (device, batch_size, ...) are refused: command line
    [experiments.table1.params.RealNVP]  # optional: parameter overrides per method
    epochs = 20

    [experiments.fig5.sweep]          # optional (required by report = "sweep")
    section = "data"                  # "data" (loader option) or "params" (method parameter)
    key = "ratio"
    values = [0.1, 0.2, 0.3, 0.4]
    methods = ["RobustRealNVP"]       # optional, section = "params" only

    [experiments.protocols.variants.authors]     # optional, in TOML order (required by, and only
    label = "authors' protocol"                  # with, report = "protocol_comparison" or
                                                 # "baseline_fidelity")
    data = {protocol = "transductive"}           # merged over the experiment's data
    params.RealNVP = {masks = "authors"}         # merged over defaults and the experiment's params

Variants are a named axis like a sweep (an experiment has one or the other): every (variant,
dataset, method, seed) is one run whose ``sweep_value`` is the variant's name. A variant without
overrides gives the very runs (run ids) of the experiment without variants, so a project-protocol
variant shares its runs with the experiments that use the project protocol.

Unknown keys, wrong types, unknown methods, datasets and report kinds, and ``data`` keys that are
not options of the experiment's dataset kinds are :class:`ConfigError`\\ s that name the file and
the key.
"""

from __future__ import annotations

import fnmatch
import logging
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import datasets
from reproduce.registry import get_method, method_names
from reproduce.report.kinds import REPORT_KINDS
from reproduce.spec import KNOWN_OUTPUTS, RunSpec, freeze

logger = logging.getLogger(__name__)

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
#: The configs run by default, in the order of the paper.
PAPER_CONFIGS = ("table1", "fig4", "protocols", "fig2", "fig3", "table2", "fig5", "fig6")
SWEEP_SECTIONS = ("data", "params")

_EXPERIMENT_KEYS = {
    "title",
    "report",
    "dataset_kind",
    "dataset_pattern",
    "datasets",
    "seeds",
    "methods",
    "outputs",
    "data",
    "params",
    "sweep",
    "variants",
    "paper_auc",
    "paper_rank",
    "reference_method",
    "reference_auc",
    "reference_variant",
}
_SWEEP_KEYS = {"section", "key", "values", "methods"}
_VARIANT_KEYS = {"label", "data", "params"}


_ABSENT = object()


def _same(a: Any, b: Any) -> bool:
    """Equal as spec values (types compared too: ``True`` is not ``1`` in a run id)."""
    return type(a) is type(b) and a == b


class ConfigError(ValueError):
    """An experiment configuration that cannot be used; the message names file and key."""


@dataclass(frozen=True)
class Sweep:
    """One parameter varied over values (Figures 5 and 6)."""

    section: str
    key: str
    values: tuple[Any, ...]
    methods: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Variant:
    """One named protocol variant of an experiment: overrides of loader options and parameters.

    Attributes
    ----------
    name : str
        The key of the ``[variants.<name>]`` table; the runs' ``sweep_value``.
    label : str
        Human-readable name used in tables and the verdict (default: ``name``).
    data : mapping
        Loader options merged over the experiment's ``data``.
    params : mapping
        Per-method parameter overrides merged over registry defaults and the experiment's
        ``params``.
    """

    name: str
    label: str
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Experiment:
    """One experiment of a config file (see the module docstring for the keys)."""

    name: str
    title: str
    report: str
    seeds: tuple[int, ...]
    methods: tuple[str, ...]
    dataset_kind: str | None = None
    dataset_pattern: str | None = None
    datasets: tuple[str, ...] | None = None
    outputs: tuple[str, ...] = ()
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    sweep: Sweep | None = None
    variants: tuple[Variant, ...] | None = None
    paper_auc: str | None = None
    paper_rank: str | None = None
    reference_method: str | None = None
    reference_auc: str | None = None
    reference_variant: str | None = None
    source: Path | None = None

    def dataset_list(self) -> list[str]:
        """The experiment's dataset names (asks the dataset registry for ``dataset_kind``)."""
        if self.datasets is not None:
            return list(self.datasets)
        names = datasets.list_datasets(self.dataset_kind)
        if self.dataset_pattern:
            names = [name for name in names if fnmatch.fnmatchcase(name, self.dataset_pattern)]
        return names

    def kind(self) -> str | None:
        """``dataset_kind``, or the one kind of all the listed ``datasets`` (None if mixed or
        unknown)."""
        if self.dataset_kind is not None:
            return self.dataset_kind
        kinds = {_kind_of(name) for name in self.dataset_list()}
        return kinds.pop() if len(kinds) == 1 else None

    def variant(self, name: str) -> Variant:
        """The variant called ``name``.

        Raises
        ------
        KeyError
            Naming the experiment's variants when it has none of that name.
        """
        for variant in self.variants or ():
            if variant.name == name:
                return variant
        known = [v.name for v in self.variants or ()]
        raise KeyError(f"experiment {self.name!r} has no variant {name!r}; variants: {known}")

    def method_params(self, method: str, sweep_value: Any = None) -> dict[str, Any]:
        """Registry defaults of ``method`` under this experiment's overrides (and sweep value).

        With variants, ``sweep_value`` is the variant's name and its overrides come last.
        """
        params = dict(get_method(method).defaults)
        params.update(self.params.get(method, {}))
        if (
            self.sweep is not None
            and self.sweep.section == "params"
            and (self.sweep.methods is None or method in self.sweep.methods)
        ):
            params[self.sweep.key] = sweep_value
        if self.variants is not None:
            params.update(self.variant(sweep_value).params.get(method, {}))
        return params

    def data_options(self, sweep_value: Any = None) -> dict[str, Any]:
        """Loader options (with the sweep value when the sweep is over data options, or the
        variant's overrides when ``sweep_value`` names a variant)."""
        options = dict(self.data)
        if self.sweep is not None and self.sweep.section == "data":
            options[self.sweep.key] = sweep_value
        if self.variants is not None:
            options.update(self.variant(sweep_value).data)
        return options

    def is_base_variant(self, name: str) -> bool:
        """True when variant ``name`` changes no option of any method or of the loader, so its
        runs are the experiment's runs without variants (the project protocol in a
        ``protocol_comparison``)."""
        variant = self.variant(name)
        if not all(_same(self.data.get(k, _ABSENT), v) for k, v in variant.data.items()):
            return False
        for method in self.methods:
            base = dict(get_method(method).defaults)
            base.update(self.params.get(method, {}))
            overrides = variant.params.get(method, {})
            if not all(_same(base.get(k, _ABSENT), v) for k, v in overrides.items()):
                return False
        return True

    def axis_values(self) -> tuple[Any, ...]:
        """The values of the experiment's extra axis: sweep values, variant names or ``(None,)``."""
        if self.sweep is not None:
            return self.sweep.values
        if self.variants is not None:
            return tuple(v.name for v in self.variants)
        return (None,)


@dataclass(frozen=True)
class GridPoint:
    """One run of an experiment: the spec plus where it sits in the experiment's layout."""

    experiment: str
    spec: RunSpec
    sweep_value: Any = None


def _kind_of(name: str) -> str | None:
    """The kind of dataset ``name``; None when it is not registered."""
    try:
        return datasets.kind_of(name).name
    except ValueError:
        return None


# ---------------------------------------------------------------------- parsing
def _fail(where: str, message: str) -> ConfigError:
    return ConfigError(f"{where}: {message}")


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise _fail(where, f"must be a non-empty string, got {value!r}")
    return value


def _string_list(value: Any, where: str, *, allow_empty: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list) or (not value and not allow_empty):
        raise _fail(
            where, f"must be a {'' if allow_empty else 'non-empty '}list of strings, got {value!r}"
        )
    items = tuple(_string(item, f"{where}[{i}]") for i, item in enumerate(value))
    duplicates = sorted({item for item in items if items.count(item) > 1})
    if duplicates:
        raise _fail(where, f"lists {duplicates} more than once")
    return items


def _seeds(value: Any, where: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise _fail(where, f"must be a non-empty list of integers, got {value!r}")
    for item in value:
        if not isinstance(item, int) or isinstance(item, bool) or item < 0:
            raise _fail(where, f"seeds must be non-negative integers, got {item!r}")
    if len(set(value)) != len(value):
        raise _fail(where, f"lists a seed more than once: {value}")
    return tuple(value)


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, f"must be a table, got {value!r}")
    try:
        return {key: freeze(item, f"{where}.{key}") for key, item in value.items()}
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise _fail(where, f"unknown key(s) {unknown}; allowed: {sorted(allowed)}")


def _method(name: str, where: str) -> str:
    try:
        get_method(name)
    except ValueError:
        raise _fail(where, f"unknown method {name!r}; known: {method_names()}") from None
    return name


def parse_experiment(name: str, table: Any, source: str = "<config>") -> Experiment:
    """Validate one ``[experiments.<name>]`` table.

    Raises
    ------
    ConfigError
        Naming ``source``, the experiment and the offending key.
    """
    where = f"{source}: experiments.{name}"
    if not isinstance(table, dict):
        raise _fail(where, "must be a table")
    _check_keys(table, _EXPERIMENT_KEYS, where)
    for key in ("title", "report", "seeds", "methods"):
        if key not in table:
            raise _fail(where, f"missing required key {key!r}")
    report = _string(table["report"], f"{where}.report")
    if report not in REPORT_KINDS:
        raise _fail(f"{where}.report", f"must be one of {list(REPORT_KINDS)}, got {report!r}")
    kind = REPORT_KINDS[report]
    methods = tuple(
        _method(m, f"{where}.methods") for m in _string_list(table["methods"], f"{where}.methods")
    )

    has_kind, has_list = "dataset_kind" in table, "datasets" in table
    if has_kind == has_list:
        raise _fail(where, "give exactly one of 'dataset_kind' or 'datasets'")
    if "dataset_pattern" in table and not has_kind:
        raise _fail(where, "'dataset_pattern' needs 'dataset_kind'")

    params = _method_tables(table.get("params", {}), f"{where}.params", methods)

    outputs = _string_list(table.get("outputs", []), f"{where}.outputs", allow_empty=True)
    unknown_outputs = sorted(set(outputs) - set(KNOWN_OUTPUTS))
    if unknown_outputs:
        raise _fail(f"{where}.outputs", f"unknown {unknown_outputs}; known: {list(KNOWN_OUTPUTS)}")

    sweep = None
    if "sweep" in table:
        sweep = _parse_sweep(table["sweep"], f"{where}.sweep", methods)
    if report == "sweep" and sweep is None:
        raise _fail(where, "report = 'sweep' needs a [sweep] table")
    variants = None
    if "variants" in table:
        if sweep is not None:
            raise _fail(where, "has both 'sweep' and 'variants'; an experiment varies one axis")
        if not kind.uses_variants:
            with_variants = REPORT_KINDS.with_variants()
            raise _fail(
                f"{where}.variants",
                f"only report = {' or '.join(map(repr, with_variants))} uses variants, not "
                f"{report!r}",
            )
        variants = _parse_variants(table["variants"], f"{where}.variants", methods)
    if kind.uses_variants and variants is None:
        raise _fail(where, f"report = {report!r} needs a [variants] table")
    reference_auc = reference_variant = None
    if "reference_auc" in table or "reference_variant" in table:
        if report != "baseline_fidelity":
            raise _fail(
                where, f"only report = 'baseline_fidelity' uses reference_auc, not {report!r}"
            )
        if "reference_auc" not in table or "reference_variant" not in table:
            raise _fail(where, "give both 'reference_auc' and 'reference_variant', or neither")
        reference_auc = _string(table["reference_auc"], f"{where}.reference_auc")
        reference_variant = _string(table["reference_variant"], f"{where}.reference_variant")
        names = [v.name for v in variants or ()]
        if reference_variant not in names:
            raise _fail(
                f"{where}.reference_variant", f"{reference_variant!r} is not a variant: {names}"
            )
    if report == "density" and "density_grid" not in outputs:
        raise _fail(where, "report = 'density' needs outputs = ['density_grid']")
    if report == "ablation" and len(methods) != 2:
        raise _fail(where, f"report = 'ablation' compares exactly two methods, got {list(methods)}")

    reference = table.get("reference_method")
    if reference is not None:
        reference = _string(reference, f"{where}.reference_method")
        if reference not in methods:
            raise _fail(f"{where}.reference_method", f"{reference!r} is not one of the methods")

    experiment = Experiment(
        name=name,
        title=_string(table["title"], f"{where}.title"),
        report=report,
        seeds=_seeds(table["seeds"], f"{where}.seeds"),
        methods=methods,
        dataset_kind=_string(table["dataset_kind"], f"{where}.dataset_kind") if has_kind else None,
        dataset_pattern=(
            _string(table["dataset_pattern"], f"{where}.dataset_pattern")
            if "dataset_pattern" in table
            else None
        ),
        datasets=_string_list(table["datasets"], f"{where}.datasets") if has_list else None,
        outputs=outputs,
        data=MappingProxyType(_table(table.get("data", {}), f"{where}.data")),
        params=MappingProxyType(params),
        sweep=sweep,
        variants=variants,
        paper_auc=_string(table["paper_auc"], f"{where}.paper_auc")
        if "paper_auc" in table
        else None,
        paper_rank=(
            _string(table["paper_rank"], f"{where}.paper_rank") if "paper_rank" in table else None
        ),
        reference_method=reference,
        reference_auc=reference_auc,
        reference_variant=reference_variant,
        source=Path(source) if source != "<config>" else None,
    )
    _check_data(experiment, where)
    if report == "baseline_fidelity" and not any(
        experiment.is_base_variant(v.name) for v in experiment.variants or ()
    ):
        raise _fail(
            f"{where}.variants",
            "report = 'baseline_fidelity' needs a variant without overrides: its runs (the "
            "experiment's own settings) are the ones compared with the paper",
        )
    return experiment


def _check_data(experiment: Experiment, where: str) -> None:
    """Check the datasets and build the options object of every dataset kind the experiment uses,
    for its ``data`` and for each sweep value or variant.

    Raises
    ------
    ConfigError
        An unknown dataset or dataset kind; a ``data`` key that is not an option of a kind
        (naming it and the valid options, or saying where an execution setting belongs); an
        invalid option value.
    """
    try:
        names = experiment.dataset_list()
        kinds = {datasets.kind_of(name).name: datasets.kind_of(name) for name in names}
    except ValueError as exc:
        key = "dataset_kind" if experiment.dataset_kind is not None else "datasets"
        raise _fail(f"{where}.{key}", str(exc)) from None
    checks: list[tuple[str, Mapping[str, Any]]] = [(f"{where}.data", experiment.data)]
    if experiment.sweep is not None and experiment.sweep.section == "data":
        checks += [
            (f"{where}.sweep (value {value!r})", experiment.data_options(value))
            for value in experiment.sweep.values
        ]
    for variant in experiment.variants or ():
        checks.append(
            (f"{where}.variants.{variant.name}.data", experiment.data_options(variant.name))
        )
    for here, values in checks:
        for kind in kinds.values():
            try:
                kind.parse_options(values)
            except (TypeError, ValueError) as exc:
                raise _fail(here, str(exc)) from None


def _method_tables(value: Any, where: str, methods: Sequence[str]) -> dict[str, Mapping[str, Any]]:
    """``params``: per-method tables of overrides, for methods of the experiment only."""
    if not isinstance(value, dict):
        raise _fail(where, "must be a table of per-method tables")
    params: dict[str, Mapping[str, Any]] = {}
    for method, overrides in value.items():
        if method not in methods:
            raise _fail(
                f"{where}.{method}",
                "sets parameters of a method the experiment does not run "
                f"(methods: {list(methods)})",
            )
        params[method] = MappingProxyType(_table(overrides, f"{where}.{method}"))
    return params


def _parse_variants(table: Any, where: str, methods: Sequence[str]) -> tuple[Variant, ...]:
    if not isinstance(table, dict) or not table:
        raise _fail(where, "must be a non-empty table of [variants.<name>] tables")
    variants = []
    labels: dict[str, str] = {}
    for name, entry in table.items():
        here = f"{where}.{name}"
        if not isinstance(entry, dict):
            raise _fail(here, f"must be a table, got {entry!r}")
        _check_keys(entry, _VARIANT_KEYS, here)
        label = _string(entry["label"], f"{here}.label") if "label" in entry else name
        if label in labels:
            raise _fail(
                f"{here}.label", f"{label!r} is also the label of variant {labels[label]!r}"
            )
        labels[label] = name
        variants.append(
            Variant(
                name=name,
                label=label,
                data=MappingProxyType(_table(entry.get("data", {}), f"{here}.data")),
                params=MappingProxyType(
                    _method_tables(entry.get("params", {}), f"{here}.params", methods)
                ),
            )
        )
    return tuple(variants)


def _parse_sweep(table: Any, where: str, methods: Sequence[str]) -> Sweep:
    if not isinstance(table, dict):
        raise _fail(where, "must be a table")
    _check_keys(table, _SWEEP_KEYS, where)
    for key in ("section", "key", "values"):
        if key not in table:
            raise _fail(where, f"missing required key {key!r}")
    section = _string(table["section"], f"{where}.section")
    if section not in SWEEP_SECTIONS:
        raise _fail(f"{where}.section", f"must be one of {list(SWEEP_SECTIONS)}, got {section!r}")
    values = table["values"]
    if not isinstance(values, list) or not values:
        raise _fail(f"{where}.values", f"must be a non-empty list, got {values!r}")
    try:
        frozen = tuple(freeze(v, f"{where}.values") for v in values)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if len(set(frozen)) != len(frozen):
        raise _fail(f"{where}.values", f"lists a value more than once: {values}")
    sweep_methods = None
    if "methods" in table:
        if section != "params":
            raise _fail(f"{where}.methods", "only a sweep over 'params' names methods")
        sweep_methods = _string_list(table["methods"], f"{where}.methods")
        unknown = sorted(set(sweep_methods) - set(methods))
        if unknown:
            raise _fail(f"{where}.methods", f"{unknown} are not methods of the experiment")
    return Sweep(section, _string(table["key"], f"{where}.key"), frozen, sweep_methods)


def parse_config(text: str, source: str = "<config>") -> list[Experiment]:
    """The experiments of one TOML document."""
    try:
        content = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}") from None
    _check_keys(content, {"experiments"}, source)
    experiments = content.get("experiments")
    if not isinstance(experiments, dict) or not experiments:
        raise ConfigError(f"{source}: needs at least one [experiments.<name>] table")
    return [parse_experiment(name, table, source) for name, table in experiments.items()]


def config_path(name_or_path: str) -> Path:
    """``quick`` -> ``reproduce/configs/quick.toml``; a path to a ``.toml`` file is kept."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml":
        if not candidate.is_file():
            raise ConfigError(f"config file {candidate} does not exist")
        return candidate
    path = CONFIG_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in CONFIG_DIR.glob("*.toml"))
        raise ConfigError(
            f"unknown config {name_or_path!r}; known: {known + ['paper']} or a path to a .toml file"
        )
    return path


def load_experiments(configs: Iterable[str] = ("paper",)) -> list[Experiment]:
    """Read configs by name (``paper`` = all the paper's experiments) or path, in order.

    Raises
    ------
    ConfigError
        On any invalid file, or when two configs define the same experiment name.
    """
    names: list[str] = []
    for item in configs:
        names.extend(PAPER_CONFIGS if item == "paper" else [item])
    experiments: list[Experiment] = []
    seen: dict[str, Path] = {}
    for name in dict.fromkeys(names):
        path = config_path(name)
        for experiment in parse_config(path.read_text(encoding="utf-8"), str(path)):
            if experiment.name in seen:
                raise ConfigError(
                    f"experiment {experiment.name!r} is defined in both {seen[experiment.name]} "
                    f"and {path}"
                )
            seen[experiment.name] = path
            experiments.append(experiment)
    return experiments


def select_experiments(
    experiments: Sequence[Experiment], only: Sequence[str] | None
) -> list[Experiment]:
    """Keep the experiments named in ``only`` (all when None)."""
    if not only:
        return list(experiments)
    known = [e.name for e in experiments]
    unknown = [name for name in only if name not in known]
    if unknown:
        raise ConfigError(f"--only names unknown experiment(s) {unknown}; known: {known}")
    return [e for e in experiments if e.name in only]


def expand(
    experiment: Experiment,
    *,
    datasets: Sequence[str] | None = None,
    seeds: Sequence[int] | None = None,
    methods: Sequence[str] | None = None,
) -> list[GridPoint]:
    """The experiment's runs, optionally restricted to some datasets/methods or other seeds."""
    names = experiment.dataset_list()
    if not names:
        logger.warning(
            "experiment %s: dataset kind %r lists no datasets",
            experiment.name,
            experiment.dataset_kind,
        )
    if datasets is not None:
        names = [name for name in names if name in datasets]
    chosen_methods = [m for m in experiment.methods if methods is None or m in methods]
    seed_list = list(seeds) if seeds is not None else list(experiment.seeds)
    points = []
    for value in experiment.axis_values():
        for dataset in names:
            for method in chosen_methods:
                for seed in seed_list:
                    spec = RunSpec.create(
                        dataset,
                        method,
                        seed,
                        params=experiment.method_params(method, value),
                        data_options=experiment.data_options(value),
                        outputs=experiment.outputs,
                    )
                    points.append(GridPoint(experiment.name, spec, value))
    return points


def check_filters(
    experiments: Sequence[Experiment],
    *,
    datasets: Sequence[str] | None = None,
    methods: Sequence[str] | None = None,
) -> None:
    """Raise :class:`ConfigError` when a ``--datasets``/``--methods`` name fits no experiment."""
    if datasets:
        known = {name for e in experiments for name in e.dataset_list()}
        unknown = [name for name in datasets if name not in known]
        if unknown:
            raise ConfigError(
                f"--datasets names {unknown}, which no selected experiment uses; "
                f"available: {sorted(known)}"
            )
    if methods:
        known_methods = {m for e in experiments for m in e.methods}
        unknown = [m for m in methods if m not in known_methods]
        if unknown:
            raise ConfigError(
                f"--methods names {unknown}, which no selected experiment runs; "
                f"available: {sorted(known_methods)}"
            )
