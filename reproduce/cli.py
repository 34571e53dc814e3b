"""Command-line pieces shared by ``python -m reproduce.all`` and ``python -m reproduce.report``."""

from __future__ import annotations

import argparse
import importlib
import logging
import re
from pathlib import Path

from reproduce.config import (
    PAPER_CONFIGS,
    ConfigError,
    Experiment,
    GridPoint,
    check_filters,
    config_path,
    expand,
    load_experiments,
    select_experiments,
)

DEFAULT_STORE = Path("results/runs")
DEFAULT_OUT = Path("results")
#: Where the report and the run store of configs other than the paper's go by default
#: (``results/local/<config>/``, not committed), so they never touch the paper's outputs.
LOCAL_OUT = Path("results/local")
#: Configs beyond the paper whose results are committed (each a long experiment that must
#: survive a new machine): their report and run store go to this folder, not ``results/local``.
COMMITTED_OUT = {"adbench": Path("results/adbench")}
DEFAULT_PAPER_DIR = Path("results/paper")
DEFAULT_CAUSES = Path("results/causes.toml")
RUN_SOURCES = ("auto", "store", "csv")

_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")


def comma_list(text: str) -> list[str]:
    """``"a,b , c"`` -> ``["a", "b", "c"]``; empty items are an error."""
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError(f"empty item in the comma-separated list {text!r}")
    return list(dict.fromkeys(items))


def seed_list(text: str) -> list[int]:
    """``"0-4"`` -> ``[0, 1, 2, 3, 4]``; ``"0,2,5-6"`` -> ``[0, 2, 5, 6]``."""
    seeds: list[int] = []
    for item in text.split(","):
        match = _RANGE.match(item.strip())
        if not match:
            raise argparse.ArgumentTypeError(
                f"invalid seeds {text!r}: use non-negative integers and ranges, e.g. 0-4 or 0,2,5-7"
            )
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        if last < first:
            raise argparse.ArgumentTypeError(f"invalid seed range {item!r}: end before start")
        seeds.extend(range(first, last + 1))
    return list(dict.fromkeys(seeds))


def add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    """``--config``, ``--only``, ``--datasets``, ``--seeds``, ``--methods``."""
    group = parser.add_argument_group("what to run / report")
    group.add_argument(
        "--config",
        type=comma_list,
        default=["paper"],
        metavar="NAMES",
        help="comma-separated config names from reproduce/configs/ (table1, fig4, protocols, "
        "fig2, fig3, table2, fig5, fig6, quick, regression, adbench) or paths to .toml files; "
        "'paper' (default) = all of them but quick, regression and adbench (beyond the paper)",
    )
    group.add_argument(
        "--only",
        type=comma_list,
        metavar="EXPERIMENTS",
        help="run/report only these experiments of the selected configs, e.g. table1,fig4",
    )
    group.add_argument(
        "--datasets",
        type=comma_list,
        metavar="NAMES",
        help="restrict to these datasets, e.g. glass,pima (default: each experiment's list)",
    )
    group.add_argument(
        "--seeds",
        type=seed_list,
        metavar="SEEDS",
        help="use these seeds instead of each experiment's, e.g. 0-4 or 0,2",
    )
    group.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="MODULE",
        help="import MODULE before reading the configs and call its register() if it has one, "
        "to add methods or datasets to the registries (repeatable; e.g. reproduce.testing adds "
        "the toy methods and datasets used by the tests)",
    )
    group.add_argument(
        "--methods",
        type=comma_list,
        metavar="NAMES",
        help="restrict to these methods, e.g. RobustRealNVP,IF (default: each experiment's list)",
    )


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """``--store``, ``--out``, ``--paper-dir``, ``--causes``, ``--runs-from``."""
    group = parser.add_argument_group("files")
    group.add_argument(
        "--store",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"run store: one JSON file per run (default: {DEFAULT_STORE} for the paper's "
        f"configs, <out>/runs for others)",
    )
    group.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"where report.md, tables/ and figures/ are written (default: {DEFAULT_OUT} for the "
        f"paper's configs, where the report always covers the whole paper whatever was run; "
        f"{LOCAL_OUT}/<config> for other configs)",
    )
    group.add_argument(
        "--paper-dir",
        type=Path,
        default=DEFAULT_PAPER_DIR,
        metavar="DIR",
        help=f"the paper's numbers (default: {DEFAULT_PAPER_DIR})",
    )
    group.add_argument(
        "--causes",
        type=Path,
        default=DEFAULT_CAUSES,
        metavar="FILE",
        help="likely causes of the cells that differ from the paper, listed in the verdict "
        f"(default: {DEFAULT_CAUSES})",
    )
    group.add_argument(
        "--runs-from",
        choices=RUN_SOURCES,
        default="auto",
        help="where the report reads finished runs: 'store' (the run store), 'csv' (the "
        "committed long-format <out>/<experiment>.csv files, so the report re-renders without "
        "the store or any rerun), or 'auto' (default): per run, the store when it holds the "
        "run, else the committed CSV when it has the run id (an experiment read from both gets "
        "its CSV rewritten with both, the CSV's rows unchanged)",
    )


def add_diagnostic_arguments(parser: argparse.ArgumentParser) -> None:
    """``--data-dir`` and ``--store``: where a diagnostic reads the data and the stored runs it
    compares with."""
    parser.add_argument("--data-dir", help="data root (default: the loaders' own)")
    parser.add_argument("--store", default=str(DEFAULT_STORE), help="run store to compare")


def add_experiment_arguments(parser: argparse.ArgumentParser, default_config: str) -> None:
    """``--config`` and ``--experiment``: the one experiment a diagnostic reruns part of
    (read back with :func:`diagnostic_experiment`)."""
    parser.add_argument(
        "--config", default=default_config, help=f"config holding the experiment ({default_config})"
    )
    parser.add_argument("--experiment", help="experiment of the config (default: its first)")


def diagnostic_experiment(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Experiment:
    """The experiment named by ``--config``/``--experiment`` (its first when no ``--experiment``).

    An unknown config or experiment ends the program through ``parser.error`` with a message
    that names it and, for an experiment, lists the config's experiments.
    """
    try:
        experiments = load_experiments([args.config])
    except ConfigError as exc:
        parser.error(str(exc))
    if args.experiment is None:
        return experiments[0]
    for experiment in experiments:
        if experiment.name == args.experiment:
            return experiment
    names = ", ".join(e.name for e in experiments)
    parser.error(f"no experiment {args.experiment!r} in config {args.config!r} (it has: {names})")


def add_run_filter_arguments(parser: argparse.ArgumentParser) -> None:
    """``--datasets``, ``--methods``, ``--seeds``: which runs of a diagnostic's experiment it
    refits (read back with :func:`diagnostic_points`)."""
    parser.add_argument("--datasets", type=comma_list, help="default: all of the experiment")
    parser.add_argument("--methods", type=comma_list, help="default: all of the experiment")
    parser.add_argument("--seeds", type=seed_list, help="default: the experiment's")


def diagnostic_points(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[GridPoint]:
    """The runs of the ``--config``/``--experiment`` experiment that ``--datasets``,
    ``--methods`` and ``--seeds`` select; an empty selection ends the program through
    ``parser.error``."""
    experiment = diagnostic_experiment(parser, args)
    points = expand(experiment, datasets=args.datasets, seeds=args.seeds, methods=args.methods)
    if not points:
        parser.error(f"no run of {experiment.name} matches the selection")
    return points


def add_logging_arguments(parser: argparse.ArgumentParser) -> None:
    """``-v/--verbose``."""
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)"
    )


def configure_logging(verbosity: int) -> None:
    """WARNING by default, INFO with -v, DEBUG with -vv."""
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def load_plugins(modules: list[str]) -> None:
    """Import each module and call its ``register()`` when it has one.

    Raises
    ------
    reproduce.config.ConfigError
        When a module cannot be imported.
    """
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise ConfigError(f"--plugin {name}: cannot import it ({exc})") from None
        register = getattr(module, "register", None)
        if callable(register):
            register()


def is_paper_selection(configs: list[str]) -> bool:
    """True when every ``--config`` item is ``paper`` or one of the paper's configs.

    Raises
    ------
    reproduce.config.ConfigError
        For an unknown config name or a missing file.
    """
    paper = {config_path(name).resolve() for name in PAPER_CONFIGS}
    return all(item == "paper" or config_path(item).resolve() in paper for item in configs)


def committed_out(configs: list[str]) -> Path | None:
    """The committed output folder of a selection that is exactly one config of
    :data:`COMMITTED_OUT` (by name or by its path), else None."""
    if len(configs) != 1:
        return None
    chosen = config_path(configs[0]).resolve()
    for name, folder in COMMITTED_OUT.items():
        if chosen == config_path(name).resolve():
            return folder
    return None


def resolve_output_paths(args: argparse.Namespace) -> None:
    """Fill ``args.out`` and ``args.store`` when not given, and set ``args.paper_report``.

    The paper's configs write to ``results/`` and ``results/runs``; a report written to
    ``results/`` is always the whole paper's (``args.paper_report``), so a run of some
    experiments cannot erase the others from it. A config of :data:`COMMITTED_OUT` selected on
    its own (``adbench``) writes to its committed folder (``results/adbench/``, store
    ``results/adbench/runs``). Other configs (``quick``, ``regression``, a user's file, a mix)
    write to ``results/local/<config>/`` and keep their run store there. Idempotent.

    Raises
    ------
    reproduce.config.ConfigError
        When a config other than the paper's would write its report into ``results/``.
    """
    paper = is_paper_selection(args.config)
    if args.out is None:
        stem = "+".join(Path(item).stem for item in args.config)
        args.out = DEFAULT_OUT if paper else committed_out(args.config) or LOCAL_OUT / stem
    if args.store is None:
        args.store = DEFAULT_STORE if paper else args.out / "runs"
    into_results = Path(args.out).resolve() == DEFAULT_OUT.resolve()
    if into_results and not paper:
        raise ConfigError(
            f"--out {args.out} is the paper's report folder; a report of {args.config} would "
            f"overwrite it: choose another --out (default for these configs: {LOCAL_OUT}/<config>)"
        )
    args.paper_report = into_results


def selected_experiments(args: argparse.Namespace) -> list[Experiment]:
    """Load ``--plugin`` modules, then the experiments chosen by ``--config``/``--only``, with
    the filters checked.

    Raises
    ------
    reproduce.config.ConfigError
        On unknown plugins, configs, experiments, datasets or methods.
    """
    load_plugins(args.plugin)
    resolve_output_paths(args)
    experiments = select_experiments(load_experiments(args.config), args.only)
    check_filters(experiments, datasets=args.datasets, methods=args.methods)
    return experiments
