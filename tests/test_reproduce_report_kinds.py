"""The report kinds' registry: one list of kinds, used by the config and by the report builder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import reproduce.report
from reproduce.backends import SequentialBackend
from reproduce.config import ConfigError, expand, parse_config
from reproduce.report import REPORT_KINDS, ReportBuilder, ReportKind, SectionContext
from reproduce.report.kinds import BUILTIN_KINDS, ReportKindRegistry, register_report_kind
from reproduce.runner import run_grid
from reproduce.store import RunStore

pytestmark = pytest.mark.usefixtures("toys")

KINDS_DIR = Path(reproduce.report.__file__).parent / "kinds"

CONFIG = """
[experiments.demo]
title = "Demo"
report = "{report}"
datasets = ["toy-a"]
seeds = [0]
methods = ["Toy"]
"""


@pytest.fixture()
def toy_kind():
    """A kind registered from outside the package, as a plugin would; removed afterwards."""

    def render(context: SectionContext) -> list[str]:
        table = context.compared[["dataset", "method", "auc_mean"]]
        path = context.add_table(table, f"{context.name}_toy.csv")
        return [f"Toy kind: {len(context.datasets)} dataset(s), see `{context.link(path)}`."]

    kind = register_report_kind(ReportKind("toy_kind", render, "a test kind"))
    yield kind
    REPORT_KINDS.unregister("toy_kind")


def test_a_duplicate_report_kind_is_an_error_naming_it():
    with pytest.raises(ValueError, match="report kind 'auc_table' is already registered"):
        register_report_kind(ReportKind("auc_table", "x:render", "again"))
    assert REPORT_KINDS["auc_table"] is BUILTIN_KINDS[0]  # the first registration stays
    registry = ReportKindRegistry()
    registry.register(ReportKind("a", "x:render", "a"))
    with pytest.raises(ValueError, match="'a'"):
        registry.register(ReportKind("a", "y:render", "a, again"))


def test_an_unknown_kind_is_a_key_error_listing_the_known_ones():
    with pytest.raises(KeyError, match="unknown report kind 'pie_chart'.*'auc_table'"):
        REPORT_KINDS["pie_chart"]


def test_each_builtin_kind_is_one_module_with_its_renderer():
    modules = sorted(p.stem for p in KINDS_DIR.glob("*.py") if p.stem != "__init__")
    assert sorted(REPORT_KINDS) == modules
    for kind in BUILTIN_KINDS:
        renderer = kind.resolve()
        assert renderer.__module__ == f"reproduce.report.kinds.{kind.name}"
        assert renderer.__name__ == "render"
    assert REPORT_KINDS.with_variants() == ("protocol_comparison", "baseline_fidelity")


def test_config_validation_lists_the_registered_kinds(toy_kind):
    with pytest.raises(ConfigError, match="report: must be one of") as error:
        parse_config(CONFIG.format(report="pie_chart"), "demo.toml")
    assert str(list(REPORT_KINDS)) in str(error.value)
    assert "'toy_kind'" in str(error.value)
    (experiment,) = parse_config(CONFIG.format(report="toy_kind"), "demo.toml")
    assert experiment.report == "toy_kind"
    # Variants belong to the kinds that declare them; the message lists those kinds.
    with_variants = CONFIG.format(report="toy_kind") + '[experiments.demo.variants.a]\nlabel="a"\n'
    with pytest.raises(ConfigError, match="only report = 'protocol_comparison' or 'baseline_"):
        parse_config(with_variants, "demo.toml")


def test_an_unregistered_kind_is_no_longer_valid(toy_kind):
    REPORT_KINDS.unregister("toy_kind")
    try:
        with pytest.raises(ConfigError, match="got 'toy_kind'"):
            parse_config(CONFIG.format(report="toy_kind"), "demo.toml")
    finally:
        register_report_kind(toy_kind)


def test_a_registered_kind_renders_its_section(toy_kind, tmp_path):
    (experiment,) = parse_config(CONFIG.format(report="toy_kind"), "demo.toml")
    store = RunStore(tmp_path / "runs")
    run_grid([p.spec for p in expand(experiment)], store, SequentialBackend(), progress=False)
    out = tmp_path / "out"
    report = ReportBuilder(store, out, tmp_path).build([experiment], command="pytest").read_text()
    assert "Toy kind: 1 dataset(s), see `tables/demo_toy.csv`." in report
    assert "[`tables/demo_toy.csv`](tables/demo_toy.csv)" in report  # listed with its files
    assert (out / "tables" / "demo_auc.csv").is_file()  # flags_cells: the builder writes it
    assert pd.read_csv(out / "tables" / "demo_toy.csv")["method"].tolist() == ["Toy"]


def test_every_public_name_of_the_report_package_resolves():
    for name in reproduce.report.__all__:
        assert getattr(reproduce.report, name) is not None, name
    assert set(reproduce.report.__all__) == set(reproduce.report._EXPORTS)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        reproduce.report.nothing  # noqa: B018


def test_validating_a_config_imports_no_numerical_stack():
    """The config reads the kinds' registry: that loads neither pandas nor any renderer.

    numpy may load: the dataset kinds that validate ``[data]`` tables import it."""
    code = (
        "import sys; from reproduce.config import load_experiments; load_experiments(); "
        "print(sorted(m for m in ('pandas', 'scipy', 'matplotlib', 'reproduce.report.builder') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"
