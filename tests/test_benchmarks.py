"""The throughput benchmark counts the right FLOPs and times the real training step."""

from __future__ import annotations

import pytest
import torch

from benchmarks.flow_throughput import (
    PHASES,
    _benchmark_setup,
    full_width_flops_per_step,
    main,
    model_flops_per_step,
    phased_step,
    time_phases,
)
from benchmarks.runner_scaling import run_grid
from rrnvp.training import train_step
from tests.runner_cli import ROOT, toy_grid_config


def test_flop_count_is_three_times_the_forward_products_of_the_used_columns():
    # d = 3: even couplings keep 2 columns and transform 1, odd ones keep 1 and transform 2.
    batch, hidden = 4, 5
    even = 2 * batch * (2 * hidden + hidden * hidden + hidden * 1)
    odd = 2 * batch * (1 * hidden + hidden * hidden + hidden * 2)
    expected = 3 * 2 * 3 * (even + odd)  # fwd + bwd, s and t nets, 3 couplings of each parity
    assert model_flops_per_step(3, batch=batch, hidden=hidden) == expected


def test_full_width_flop_count_includes_the_masked_columns_and_rows():
    batch, hidden = 4, 5
    forward_per_net = 2 * batch * (3 * hidden + hidden * hidden + hidden * 3)
    assert full_width_flops_per_step(3, batch=batch, hidden=hidden) == 3 * 2 * 6 * forward_per_net
    # The masked products are exactly what separates the two counts: first layer d - d_kept
    # columns, last layer d - d_free rows, i.e. d * h products per net and coupling in all.
    masked = 3 * 2 * 6 * 2 * batch * (3 * hidden)
    assert full_width_flops_per_step(3, batch=batch, hidden=hidden) - model_flops_per_step(
        3, batch=batch, hidden=hidden
    ) == pytest.approx(masked)


def test_phased_step_is_the_training_step():
    flow_a, optimizer_a, batches = _benchmark_setup(5, seed=3)
    flow_b, optimizer_b, _ = _benchmark_setup(5, seed=3)
    for batch in batches[:3]:
        train_step(flow_a, optimizer_a, batch, 0.1)
        seconds = phased_step(flow_b, optimizer_b, batch, 0.1)
        assert len(seconds) == len(PHASES) and all(s >= 0 for s in seconds)
    for (name, a), b in zip(flow_a.state_dict().items(), flow_b.state_dict().values()):
        assert torch.equal(a, b), name


def test_time_phases_reports_every_phase():
    phases = time_phases(3, n_steps=2)
    assert list(phases) == list(PHASES)
    assert all(value > 0 for value in phases.values())


def test_an_unavailable_or_unknown_device_is_a_clear_error(capsys):
    with pytest.raises(SystemExit):
        main(["--device", "tpu", "--quick", "--dims", "3"])
    assert "--device" in capsys.readouterr().err
    if not torch.cuda.is_available():
        with pytest.raises(SystemExit):
            main(["--device", "cuda", "--quick", "--dims", "3"])
        assert "CUDA is not available" in capsys.readouterr().err


def test_runner_scaling_reports_the_runs_and_their_own_time(tmp_path, monkeypatch):
    config = tmp_path / "toy.toml"
    config.write_text(toy_grid_config("toy-grid", seeds=(0, 1), sleep_s=0.2))
    monkeypatch.chdir(ROOT)  # the subprocess imports reproduce from the checkout
    wall, runs, run_seconds, peak_mb = run_grid(str(config), 2, ["--plugin", "reproduce.testing"])
    assert runs == 6  # 3 toy datasets x 2 seeds
    assert 6 * 0.2 <= run_seconds <= 2 * wall  # every run slept; two workers at most
    assert peak_mb > 0
