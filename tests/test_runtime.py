"""rrnvp.runtime and rrnvp.files: the helpers every package shares."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from rrnvp.files import atomic_write
from rrnvp.runtime import ThreadBudget, derive_seed, resolve_device


def test_seeds_are_the_ones_every_stored_run_was_made_with():
    """Pinned before the two seed helpers became one: a change here changes every result."""
    assert [derive_seed(k, bits=63) for k in (0, 1, 12345)] == [
        7896617691693857887,
        3717377837946358015,
        6545755839504761278,
    ]
    assert derive_seed(np.random.RandomState(3), bits=63) == 468527971055634072
    assert [derive_seed(k) for k in (0, 1, 12345)] == [2968811710, 1835504127, 2688385916]
    assert derive_seed(np.random.RandomState(3)) == 2365658986


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_invalid_random_state_is_a_clear_error(bad):
    with pytest.raises(ValueError, match="random_state"):
        derive_seed(bad, bits=63)


def test_seed_width_is_checked():
    with pytest.raises(ValueError, match="bits"):
        derive_seed(0, bits=16)


def test_thread_budget_caps_and_restores_torch_threads():
    original = torch.get_num_threads()
    torch.set_num_threads(2)  # so that the cap to 1 and the restore are both visible
    try:
        with ThreadBudget(1) as budget:
            assert torch.get_num_threads() == 1
            budget.apply_to_torch()  # idempotent
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
        with ThreadBudget(None):
            assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(original)


def test_thread_budget_restores_torch_threads_when_threadpoolctl_governs_torchs_openmp():
    """Inside an outer threadpoolctl limit, capping the OpenMP pool also changes what torch
    reports; the budget must remember torch's count from before its own cap."""
    from threadpoolctl import threadpool_limits

    original = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with threadpool_limits(limits=2):
            with ThreadBudget(1):
                assert torch.get_num_threads() == 1
            assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(original)


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_thread_budget_rejects_invalid_counts(bad):
    with pytest.raises(ValueError, match="n_threads"):
        ThreadBudget(bad)


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in {"cpu", "cuda"}
    with pytest.raises(ValueError, match="device"):
        resolve_device("tpu")


def test_atomic_write_leaves_no_partial_file_and_no_temporary(tmp_path):
    target = tmp_path / "sub" / "file.bin"
    atomic_write(target, lambda tmp: tmp.write_bytes(b"first"))
    assert target.read_bytes() == b"first"

    def fail(tmp):
        tmp.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, fail)
    assert target.read_bytes() == b"first"
    assert sorted(os.listdir(target.parent)) == ["file.bin"]


def test_the_package_exports_lazily_and_the_helpers_need_no_torch():
    import subprocess
    import sys

    import rrnvp

    assert set(rrnvp.__all__) - {"__version__"} == set(rrnvp._PUBLIC)
    assert all(getattr(rrnvp, name) is not None for name in rrnvp._PUBLIC)
    code = "import sys, rrnvp.files, rrnvp.runtime; print('torch' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
