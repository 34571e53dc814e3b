"""``python -m reproduce.all`` and ``python -m reproduce.report``: options, errors, end to end."""

from __future__ import annotations

import json
import subprocess

import pytest

from reproduce import all as run_all
from reproduce import report
from tests.runner_cli import ROOT, runner_command, runner_env

pytestmark = pytest.mark.usefixtures("toys")

CONFIG = """
[experiments.toy-table]
title = "Toy table"
report = "auc_table"
dataset_kind = "toy"
seeds = [0, 1]
methods = ["Toy", "ToyIF"]
reference_method = "Toy"
"""


@pytest.fixture()
def config(tmp_path):
    path = tmp_path / "toy.toml"
    path.write_text(CONFIG)
    return path


def error_of(capsys, argv, main=run_all.main) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    return capsys.readouterr().err


def test_help_explains_every_option(capsys):
    with pytest.raises(SystemExit):
        run_all.main(["--help"])
    text = capsys.readouterr().out
    for option in (
        "--only",
        "--config",
        "--datasets",
        "--seeds",
        "--n-jobs",
        "--backend",
        "--scheduler",
        "--store",
        "--out",
        "--methods",
        "--device",
        "--dry-run",
    ):
        assert option in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--seeds", "x"], "invalid seeds"),
        (["--n-jobs", "0"], "positive integer"),
        (["--backend", "spark"], "invalid choice"),
        (["--config", "nope"], "unknown config 'nope'"),
        (["--only", "fig9"], "unknown experiment"),
        (["--backend", "dask"], "needs --scheduler"),
        (["--scheduler", "tcp://x:1"], "only used with --backend dask"),
        (["--frobnicate"], "unrecognized arguments"),
    ],
)
def test_bad_options_get_clear_errors(capsys, argv, message):
    assert message in error_of(capsys, argv)


def test_unknown_dataset_filter_is_an_error(capsys, config):
    err = error_of(capsys, ["--config", str(config), "--datasets", "toy-z"])
    assert "toy-z" in err and "toy-a" in err


def test_run_then_resume_then_report(tmp_path, config, capsys):
    store, out = tmp_path / "runs", tmp_path / "out"
    argv = [
        "--config",
        str(config),
        "--backend",
        "sequential",
        "--store",
        str(store),
        "--out",
        str(out),
        "--no-progress",
    ]
    assert run_all.main(argv) == 0
    first = capsys.readouterr().out
    assert "12 runs: 12 done, 0 skipped (already in the store), 0 failed" in first
    assert (out / "report.md").exists() and (out / "tables" / "toy-table_auc.csv").exists()

    assert run_all.main([*argv, "--seeds", "0-2", "--datasets", "toy-a"]) == 0
    assert "6 runs: 2 done, 4 skipped" in capsys.readouterr().out

    assert run_all.main([*argv, "--dry-run"]) == 0
    assert "toy-table: 12 runs, 12 done, 0 failed, 0 not run" in capsys.readouterr().out

    (out / "report.md").unlink()
    assert report.main(["--config", str(config), "--store", str(store), "--out", str(out)]) == 0
    text = (out / "report.md").read_text()
    assert "Toy table" in text and "python -m reproduce.all --config" in text
    log = [json.loads(line) for line in (store / "invocations.jsonl").read_text().splitlines()]
    assert [entry["status"] for entry in log] == ["started", "finished"] * 2
    assert log[0]["invocation"] == log[1]["invocation"] != log[2]["invocation"]
    assert text.count("python -m reproduce.all --config") >= 2


def test_failed_runs_give_exit_status_1(tmp_path, capsys):
    path = tmp_path / "failing.toml"
    path.write_text(
        CONFIG.replace('methods = ["Toy", "ToyIF"]', 'methods = ["Toy"]')
        + "\n[experiments.toy-table.params.Toy]\nfail = true\n"
    )
    argv = [
        "--config",
        str(path),
        "--backend",
        "sequential",
        "--store",
        str(tmp_path / "runs"),
        "--out",
        str(tmp_path / "out"),
        "--no-progress",
        "--no-report",
    ]
    assert run_all.main(argv) == 1
    assert "6 failed" in capsys.readouterr().out


def test_command_line_in_a_subprocess_with_a_plugin_and_two_workers(tmp_path, config):
    """What a user (or a fault test) types: toy methods come from ``--plugin``."""
    store = tmp_path / "runs"
    command = runner_command(config, store, "--n-jobs", "2", report=True)
    env = runner_env()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "leaked" not in result.stderr  # the workers released what they created
    assert "loky, 2 worker process(es)" in result.stdout
    assert "12 runs: 12 done" in result.stdout
    assert len(list(store.glob("*.json"))) == 12
    missing_plugin = subprocess.run(
        command[:3] + command[5:], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert missing_plugin.returncode == 2 and "unknown method" in missing_plugin.stderr


# ----------------------------------------------------------- where outputs go by default
def test_other_configs_write_to_their_own_folder_not_the_papers(tmp_path, config, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = ["--config", str(config), "--backend", "sequential", "--no-progress"]
    assert run_all.main(argv) == 0
    own = tmp_path / "results" / "local" / "toy"
    assert (own / "report.md").is_file() and (own / "runs" / "invocations.jsonl").is_file()
    assert len(list((own / "runs").glob("*.json"))) == 12
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["local"]


def test_a_report_of_other_configs_into_the_papers_folder_is_refused(
    tmp_path, config, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    argv = ["--config", str(config), "--backend", "sequential", "--out", "results"]
    assert "the paper's report folder" in error_of(capsys, argv)
    assert not (tmp_path / "results").exists()


def test_the_papers_report_covers_every_paper_experiment_whatever_was_selected(
    tmp_path, monkeypatch
):
    """``--only`` selects what runs; the report in results/ always has the whole paper, so a
    partial run cannot erase the experiments it did not run."""
    paper_dir = ROOT / "results" / "paper"
    monkeypatch.chdir(tmp_path)
    argv = ["--only", "fig6", "--seeds", "0", "--methods", "RobustRealNVP"]
    assert report.main([*argv, "--paper-dir", str(paper_dir)]) == 0
    text = (tmp_path / "results" / "report.md").read_text()
    for title in ("## Table 1:", "## Table 2:", "## Figure 4:", "## Figure 6:", "## Figure 2:"):
        assert title in text


def _diagnostic_parser():
    import argparse

    from reproduce import cli

    parser = argparse.ArgumentParser(prog="diag")
    cli.add_experiment_arguments(parser, default_config="quick")
    return parser


@pytest.mark.parametrize(
    ("argv", "expected"),
    [([], "quick-odds"), (["--experiment", "quick-moons"], "quick-moons")],
)
def test_a_diagnostic_reads_the_named_experiment_or_the_configs_first(argv, expected):
    from reproduce import cli
    from reproduce.config import load_experiments

    assert load_experiments(["quick"])[0].name == "quick-odds"
    parser = _diagnostic_parser()
    assert cli.diagnostic_experiment(parser, parser.parse_args(argv)).name == expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--experiment", "nope"], "no experiment 'nope' in config 'quick' (it has: quick-odds,"),
        (["--config", "no-such-config"], "no-such-config"),
    ],
)
def test_a_diagnostic_names_an_unknown_experiment_or_config(argv, message, capsys):
    from reproduce import cli

    parser = _diagnostic_parser()
    with pytest.raises(SystemExit) as exc:
        cli.diagnostic_experiment(parser, parser.parse_args(argv))
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("configs", "out", "store"),
    [
        (["adbench"], "results/adbench", "results/adbench/runs"),
        (["reproduce/configs/adbench.toml"], "results/adbench", "results/adbench/runs"),
        (["adbench", "quick"], "results/local/adbench+quick", "results/local/adbench+quick/runs"),
        (["quick"], "results/local/quick", "results/local/quick/runs"),
        (["paper"], "results", "results/runs"),
    ],
)
def test_adbench_alone_writes_to_its_committed_folder(configs, out, store, monkeypatch):
    """A long experiment beyond the paper keeps its store where git tracks it (it must survive
    a new machine); mixed with another config it is a local run like any other."""
    import argparse
    from pathlib import Path

    from reproduce import cli

    monkeypatch.chdir(ROOT)
    args = argparse.Namespace(config=configs, out=None, store=None)
    cli.resolve_output_paths(args)
    assert (Path(args.out), Path(args.store)) == (Path(out), Path(store))
    assert not args.paper_report or configs == ["paper"]


def _filter_parser():
    from reproduce import cli

    parser = _diagnostic_parser()
    cli.add_run_filter_arguments(parser)
    return parser


def test_a_diagnostic_selects_runs_by_dataset_method_and_seed():
    from reproduce import cli

    parser = _filter_parser()
    argv = ["--experiment", "quick-odds", "--datasets", "glass,pima", "--methods", "IF"]
    points = cli.diagnostic_points(parser, parser.parse_args([*argv, "--seeds", "1-2"]))
    assert sorted((p.spec.dataset, p.spec.method, p.spec.seed) for p in points) == [
        ("glass", "IF", 1),
        ("glass", "IF", 2),
        ("pima", "IF", 1),
        ("pima", "IF", 2),
    ]
    everything = cli.diagnostic_points(parser, parser.parse_args(["--experiment", "quick-odds"]))
    assert len(everything) == 4 * 9  # four datasets x nine methods, the config's seed 0


def test_a_diagnostic_refuses_a_selection_without_runs(capsys):
    from reproduce import cli

    parser = _filter_parser()
    args = parser.parse_args(["--experiment", "quick-moons", "--datasets", "nope"])
    with pytest.raises(SystemExit) as exc:
        cli.diagnostic_points(parser, args)
    assert exc.value.code == 2
    assert "no run of quick-moons matches the selection" in capsys.readouterr().err
