"""Provenance facts recorded with every run: package versions, git commit, host."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

#: Distributions whose versions are recorded with each run.
KEY_PACKAGES = ("rrnvp", "numpy", "scipy", "scikit-learn", "torch", "pyod", "pandas", "joblib")

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]


def package_versions() -> dict[str, str | None]:
    """Installed versions of :data:`KEY_PACKAGES` (None when a package is absent)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in KEY_PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


@cache
def git_state(root: Path = REPOSITORY_ROOT) -> dict[str, Any]:
    """``{"commit": sha or None, "dirty": bool or None}`` of the checkout at ``root``.

    ``dirty`` says whether a tracked file outside ``results/`` differs from the commit: the code,
    configs and data fixtures a run depends on. Results are left out, so that a run store being
    written (``results/runs/invocations.jsonl`` changes when a runner starts) or a report not yet
    committed does not mark every run computed beside it as made by uncommitted code.
    """

    def git(*args: str) -> str | None:
        try:
            result = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return result.stdout.strip()

    commit = git("rev-parse", "HEAD")
    status = (
        git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)results")
        if commit
        else None
    )
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def host_facts() -> dict[str, Any]:
    """Host name, platform, CPU count and process id of the process running a run."""
    return {
        "host": socket.gethostname(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "pid": os.getpid(),
    }
