"""Tests of the run conditions of wrapped baselines: seeds, isolated global RNGs, thread budget."""

from __future__ import annotations

import logging
import os
import random
import sys

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_info

from baselines.runtime import isolated_global_rngs, stdout_to_log
from rrnvp.runtime import ThreadBudget, derive_seed


def test_derive_seed_is_a_deterministic_32_bit_function_of_an_int():
    seeds = [derive_seed(k) for k in range(50)]
    assert seeds == [derive_seed(k) for k in range(50)]
    assert len(set(seeds)) == 50
    assert all(0 <= s < 2**32 for s in seeds)


def test_derive_seed_advances_a_random_state_and_draws_fresh_for_none():
    rng = np.random.RandomState(0)
    first, second = derive_seed(rng), derive_seed(rng)
    assert first != second
    assert first == derive_seed(np.random.RandomState(0))
    assert derive_seed(None) != derive_seed(None)


@pytest.mark.parametrize("bad", [-1, True, 1.5, "3", np.random.default_rng(0)])
def test_derive_seed_rejects_what_is_not_a_seed(bad):
    with pytest.raises(ValueError, match="random_state"):
        derive_seed(bad)


def test_isolated_rngs_are_seeded_inside_and_restored_after():
    hash_seed = os.environ.get("PYTHONHASHSEED")
    random.seed(1)
    np.random.seed(1)
    torch.manual_seed(1)
    outside = (random.random(), np.random.rand(), torch.rand(1).item())
    random.seed(1)
    np.random.seed(1)
    torch.manual_seed(1)

    draws = []
    for _ in range(2):
        with isolated_global_rngs(99):
            os.environ["PYTHONHASHSEED"] = "0"  # as PyOD's _set_seed does
            draws.append((random.random(), np.random.rand(), torch.rand(1).item()))
    assert draws[0] == draws[1]  # seeded the same way each time
    assert draws[0] != outside
    # the caller's streams continue as if nothing had happened
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == outside
    assert os.environ.get("PYTHONHASHSEED") == hash_seed


def test_isolated_rngs_restore_after_an_exception():
    np.random.seed(5)
    state = np.random.get_state()
    torch_state = torch.random.get_rng_state()
    with pytest.raises(RuntimeError), isolated_global_rngs(3):
        np.random.rand(10)
        torch.rand(10)
        raise RuntimeError("model crashed")
    assert np.array_equal(np.random.get_state()[1], state[1])
    assert torch.equal(torch.random.get_rng_state(), torch_state)


def test_isolated_rngs_without_torch_leave_torch_alone():
    torch.manual_seed(4)
    with isolated_global_rngs(3, torch_rng=False):
        inside = torch.rand(1).item()
    torch.manual_seed(4)
    assert inside == torch.rand(1).item()


def _pool_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info()}


def test_thread_budget_limits_torch_and_native_pools_and_restores_them():
    torch_before = torch.get_num_threads()
    pools_before = _pool_threads()
    with pytest.raises(KeyError), ThreadBudget(1):
        assert torch.get_num_threads() == 1
        assert _pool_threads() == {1}
        raise KeyError("fail inside")
    assert torch.get_num_threads() == torch_before
    assert _pool_threads() == pools_before


def test_thread_budget_none_changes_nothing():
    torch_before = torch.get_num_threads()
    pools_before = _pool_threads()
    with ThreadBudget(None):
        assert torch.get_num_threads() == torch_before
        assert _pool_threads() == pools_before


def test_printed_lines_go_to_the_log(capsys, caplog):
    log = logging.getLogger("baselines.test")
    with caplog.at_level(logging.DEBUG, logger="baselines.test"):
        with stdout_to_log(log, verbose=0):
            sys.stdout.write("Epoch 1 of 3\n")  # what a library's print() does
            sys.stdout.write("partial")
        with stdout_to_log(log, verbose=1):
            sys.stdout.write("loud\n")
    assert capsys.readouterr().out == ""
    records = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert records == [
        (logging.DEBUG, "Epoch 1 of 3"),
        (logging.DEBUG, "partial"),
        (logging.INFO, "loud"),
    ]
