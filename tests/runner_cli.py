"""``python -m reproduce.all`` as the subprocess tests start it: the toy plugin, a store, no bar."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

#: The checkout the subprocesses import ``reproduce`` from.
ROOT = Path(__file__).resolve().parents[1]


def runner_command(config: Path, store: Path, *extra: str, report: bool = False) -> list[str]:
    """The command line for ``config``'s grid into ``store`` (output folder beside the store).

    The toy methods and datasets of :mod:`reproduce.testing` come from ``--plugin`` (the second
    and third arguments after the module name), as a user would load their own.
    """
    return [
        sys.executable,
        "-m",
        "reproduce.all",
        "--plugin",
        "reproduce.testing",
        "--config",
        str(config),
        "--store",
        str(store),
        "--out",
        str(store.parent / "out"),
        "--no-progress",
        *([] if report else ["--no-report"]),
        *extra,
    ]


def toy_grid_config(name: str, seeds: Sequence[int], sleep_s: float) -> str:
    """A config with one experiment: the toy detector on the toy datasets, sleeping in ``fit``."""
    return f"""
[experiments.{name}]
title = "Toy grid {name}"
report = "auc_table"
dataset_kind = "toy"
seeds = {list(seeds)}
methods = ["Toy"]

[experiments.{name}.params.Toy]
sleep = {sleep_s}
"""


def runner_env() -> dict[str, str]:
    """This process's environment, with the checkout importable."""
    return {**os.environ, "PYTHONPATH": str(ROOT)}
