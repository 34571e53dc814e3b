"""What a run records about the checkout that computed it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reproduce.environment import git_state


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture()
def checkout(tmp_path: Path) -> Path:
    _git(tmp_path, "init", "-q")
    for name, text in {"code.py": "x = 1\n", "results/runs/invocations.jsonl": "{}\n"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    _git(tmp_path, "add", ".")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "first")
    return tmp_path


def test_a_run_store_being_written_does_not_make_the_checkout_dirty(checkout: Path) -> None:
    state = git_state.__wrapped__(checkout)
    assert len(state["commit"]) == 40 and state["dirty"] is False
    (checkout / "results/runs/invocations.jsonl").write_text('{}\n{"status": "started"}\n')
    (checkout / "results/runs/new-run.json").write_text("{}\n")
    assert git_state.__wrapped__(checkout)["dirty"] is False


def test_changed_code_makes_the_checkout_dirty(checkout: Path) -> None:
    (checkout / "code.py").write_text("x = 2\n")
    assert git_state.__wrapped__(checkout)["dirty"] is True


def test_no_repository_gives_unknown_state(tmp_path: Path) -> None:
    assert git_state.__wrapped__(tmp_path / "nowhere") == {"commit": None, "dirty": None}
