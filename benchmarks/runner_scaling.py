"""Parallel scaling of the runner and the workers' peak memory.

Run as ``python -m benchmarks.runner_scaling [--config regression] [--jobs 1 2]`` with the ODDS
files reachable (``RRNVP_DATA``). Each setting runs the same grid from an empty temporary store
with ``python -m reproduce.all --no-report`` and prints one JSON object per line:
``{"n_jobs", "wall_seconds", "speedup", "runs", "run_seconds", "busy_fraction",
"max_worker_peak_rss_mb"}`` (speedup relative to the first ``--jobs`` value).

``run_seconds`` sums the runs' own wall times (as the workers measured them) and ``busy_fraction``
is ``run_seconds / (n_jobs * wall_seconds)``, so a speedup below ``n_jobs`` splits into two causes:
runs that take longer when the workers share the machine (``run_seconds`` grows with ``n_jobs``)
and time in which a worker holds no run (start-up, the last runs' tail; ``busy_fraction`` < 1).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_grid(config: str, n_jobs: int, extra: list[str]) -> tuple[float, int, float, float]:
    """Wall time, finished runs, their summed run time and the largest worker peak RSS (MiB)."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        command = [
            sys.executable, "-m", "reproduce.all", "--config", config, "--store", str(store),
            "--no-report", "--no-progress", "--n-jobs", str(n_jobs), *extra,
        ]  # fmt: skip
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        wall = time.perf_counter() - started
        peaks, runs, run_seconds = [], 0, 0.0
        for path in store.glob("*.json"):
            record = json.loads(path.read_text())
            if record.get("status") == "done":
                runs += 1
                run_seconds += record["timing"]["total_seconds"]
                peaks.append(record.get("diagnostics", {}).get("worker_peak_rss_mb") or 0.0)
        return wall, runs, run_seconds, max(peaks, default=float("nan"))


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="regression", help="grid to run (regression)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="worker counts")
    parser.add_argument(
        "extra", nargs=argparse.REMAINDER, help="further reproduce.all options after --"
    )
    args = parser.parse_args(argv)
    extra = [a for a in args.extra if a != "--"]
    baseline = None
    for n_jobs in args.jobs:
        wall, runs, run_seconds, peak = run_grid(args.config, n_jobs, extra)
        baseline = baseline or wall
        print(
            json.dumps(
                {
                    "config": args.config,
                    "n_jobs": n_jobs,
                    "wall_seconds": round(wall, 1),
                    "speedup": round(baseline / wall, 3),
                    "runs": runs,
                    "run_seconds": round(run_seconds, 1),
                    "busy_fraction": round(run_seconds / (n_jobs * wall), 3),
                    "max_worker_peak_rss_mb": peak,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
