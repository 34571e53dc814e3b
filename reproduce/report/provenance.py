"""Provenance: per experiment, what computed its runs (``<out>/provenance.json``), and the
report's ``Commands`` and ``Provenance`` sections.

An experiment rendered from the store gets its entry computed from the records it used; one
rendered from its committed results CSV keeps the entry saved when the file was written; one read
from both ("mixed", or from the store with the CSV's rows of runs outside the selection kept)
gets the store's entry plus how many runs came from the CSV and the entry that described them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd

from reproduce.report.context import Section
from reproduce.store import RunRecord, RunStore

#: Keys of a ``provenance.json`` entry of an experiment read partly from its results CSV: how many
#: runs came from the CSV, and the entry that described them before (None when there was none).
CSV_RUNS_KEY = "results_csv_runs"
CSV_PROVENANCE_KEY = "results_csv_runs_provenance"
#: What the entry of one invocation of the runner keeps.
_INVOCATION_KEYS = ("command", "started_at", "host", "git_commit", "status", "summary")


def summarise_records(
    experiment: str, records: Sequence[RunRecord], all_invocations: Sequence[dict]
) -> dict:
    """The provenance entry of an experiment from the finished records it used: when, where and
    at which commits they were computed, and the runner invocations that name the experiment."""
    unique = list({r.run_id: r for r in records if r.done}.values())

    def counted(values) -> dict[str, int]:
        counts = pd.Series([str(v) for v in values]).value_counts()
        return {str(k): int(v) for k, v in counts.items()}

    versions = pd.DataFrame([r.environment.get("versions", {}) for r in unique])
    invocations: dict[str, dict] = {}
    for entry in all_invocations:  # the end line of an invocation follows its start
        if experiment in (entry.get("experiments") or []):
            invocations[entry.get("invocation") or str(len(invocations))] = entry
    return {
        "runs_used": len(unique),
        "computed_from": min((r.started_at for r in unique if r.started_at), default=None),
        "computed_to": max((r.finished_at for r in unique if r.finished_at), default=None),
        "cpu_worker_hours": round(
            sum(float(r.timing.get("total_seconds") or 0.0) for r in unique) / 3600, 3
        ),
        "busy_wall_hours": busy_wall_hours(unique),
        "cpu_worker_seconds_by_method": cost_by_method(unique),
        "feature_sets": feature_sets(unique),
        "git_commits": counted(
            f"{(r.environment.get('git') or {}).get('commit')}"
            + ("+dirty" if (r.environment.get("git") or {}).get("dirty") else "")
            for r in unique
        ),
        "hosts": counted(r.environment.get("host") for r in unique),
        "cpu_counts": counted(r.environment.get("cpu_count") for r in unique),
        "platforms": counted(r.environment.get("platform") for r in unique),
        "devices": counted(r.environment.get("device") for r in unique),
        "threads_per_run": counted(r.environment.get("n_threads") for r in unique),
        "versions": {c: counted(versions[c]) for c in versions.columns},
        "invocations": [
            {k: entry.get(k) for k in _INVOCATION_KEYS} for entry in invocations.values()
        ],
    }


def busy_wall_hours(records: Sequence[RunRecord]) -> float | None:
    """Wall-clock hours during which at least one of ``records`` was being computed.

    The length of the union of the runs' ``[started_at, finished_at]`` intervals: the wall time
    an experiment took, counted over every invocation and machine that worked on it, without the
    idle gaps between invocations. Time shared with another experiment's runs counts for each.
    Runs without both timestamps are left out; None when no run has them.
    """
    intervals = sorted(
        (datetime.fromisoformat(r.started_at), datetime.fromisoformat(r.finished_at))
        for r in records
        if r.started_at and r.finished_at
    )
    if not intervals:
        return None
    total = 0.0
    start, end = intervals[0]
    for next_start, next_end in intervals[1:]:
        if next_start > end:
            total += (end - start).total_seconds()
            start, end = next_start, next_end
        else:
            end = max(end, next_end)
    total += (end - start).total_seconds()
    return round(total / 3600, 3)


def feature_sets(records: Sequence[RunRecord]) -> dict[str, int]:
    """Runs per sha256 of the extracted features they saw (CIFAR-10 runs; ``unrecorded`` for
    runs computed before records named it); empty when no run used extracted features."""
    digests = []
    for record in records:
        preprocessing = record.data.get("preprocessing") or {}
        if "features" in preprocessing:
            digests.append(preprocessing.get("features_sha256") or "unrecorded")
    counts = pd.Series(digests, dtype=object).value_counts()
    return {str(digest): int(n) for digest, n in sorted(counts.items())}


def cost_by_method(records: Sequence[RunRecord]) -> dict[str, dict[str, float]]:
    """Per method of ``records``: number of runs, mean and total worker-seconds of a run.

    A run's worker-seconds are its ``timing["total_seconds"]`` (data, fit and scoring in the
    worker that ran it); runs without a timing count as runs but add no seconds.
    """
    seconds: dict[str, list[float]] = {}
    runs: dict[str, int] = {}
    for record in records:
        method, total = record.spec.method, record.timing.get("total_seconds")
        runs[method] = runs.get(method, 0) + 1
        seconds.setdefault(method, [])
        if total is not None:
            seconds[method].append(float(total))
    return {
        method: {
            "runs": runs[method],
            "mean_seconds": round(sum(values) / len(values), 1) if values else None,
            "total_hours": round(sum(values) / 3600, 3),
        }
        for method, values in sorted(seconds.items(), key=lambda kv: -sum(kv[1]))
    }


def update_provenance(path: Path, sections: Sequence[Section], store: RunStore) -> dict[str, dict]:
    """Per experiment of ``sections``: its entry, computed from the store's records, or read back
    from ``path`` (``provenance.json``) for experiments rendered from their results CSV. Writes
    the store-based entries to ``path`` (the others are kept)."""
    saved: dict[str, dict] = {}
    if path.is_file():
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON ({exc})") from exc
    out: dict[str, dict] = {}
    all_invocations = store.invocations()
    for section in sections:
        name = section.experiment.name
        if section.source == "store" and not section.carried:
            if section.records:
                out[name] = saved[name] = summarise_records(name, section.records, all_invocations)
        elif section.source == "mixed" or (section.source == "store" and section.carried):
            entry = summarise_records(name, section.records, all_invocations)
            previous = saved.get(name)
            if previous is not None:  # how the runs of the CSV were computed
                previous = previous.get(CSV_PROVENANCE_KEY, previous)
            entry[CSV_RUNS_KEY] = section.from_sources.get("csv", 0) + section.carried
            entry[CSV_PROVENANCE_KEY] = previous
            out[name] = saved[name] = entry
        elif name in saved:
            out[name] = saved[name]
    if any(s.source in ("store", "mixed") and s.records for s in sections):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(saved, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return out


def commands_lines(command: str, provenance: dict[str, dict]) -> list[str]:
    """The ``Commands`` section: the runner invocations behind the runs, then this report's."""
    lines = [
        "## Commands",
        "",
        "Runner invocations that computed the runs of these experiments (oldest first; the "
        "wall time is the invocation's own):",
        "",
    ]
    seen: dict[tuple, dict] = {}
    for entry in provenance.values():
        earlier = entry.get(CSV_PROVENANCE_KEY) or {}
        for inv in entry.get("invocations", []) + earlier.get("invocations", []):
            seen[(inv.get("command"), inv.get("started_at"))] = inv
    if not seen:
        lines.append("*(none recorded)*")
    for inv in sorted(seen.values(), key=lambda e: str(e.get("started_at"))):
        summary = inv.get("summary") or ""
        if inv.get("status") == "started":
            summary = f"did not finish (killed?) — {summary}"
        elif inv.get("status") == "interrupted":
            summary = f"interrupted — {summary}"
        lines.append(
            f"- `{inv.get('command', '?')}` — {inv.get('started_at', '?')}, "
            f"{inv.get('host', '?')}, commit {str(inv.get('git_commit'))[:10]}: {summary}"
        )
    lines += ["", "This report:", "", f"```\n{command}\n```", ""]
    return lines


def _seconds(value: float | None) -> str:
    return "? s" if value is None else f"{value:.1f} s"


def cost_lines(by_method: dict[str, dict] | None) -> list[str]:
    """One line: worker-seconds per run and worker-hours in total of each method (costliest
    first); none for entries written before this was recorded."""
    if not by_method:
        return []
    parts = [
        f"{method} {_seconds(cost['mean_seconds'])} × {cost['runs']} = {cost['total_hours']:.2f} h"
        for method, cost in by_method.items()
    ]
    return ["- Worker time per method (mean per run × runs = total): " + "; ".join(parts) + "."]


def provenance_lines(provenance: dict[str, dict]) -> list[str]:
    """The ``Provenance`` section: per experiment, when, where and with what its runs ran."""
    lines = ["## Provenance", ""]
    if not provenance:
        return lines + ["No provenance recorded for these experiments.", ""]

    def listing(values: dict[str, int]) -> str:
        return ", ".join(f"`{value}` ({count})" for value, count in values.items()) or "—"

    for name, entry in provenance.items():
        lines += [
            f"**{name}**: {entry['runs_used']} runs, computed {entry['computed_from']} … "
            f"{entry['computed_to']} ({entry['cpu_worker_hours']:.2f} CPU-worker hours in "
            "total"
            + (
                f", {entry['busy_wall_hours']:.2f} wall-clock hours with a run in progress"
                if entry.get("busy_wall_hours") is not None
                else ""
            )
            + ").",
            "",
            f"- Git commits: {listing(entry['git_commits'])}.",
            f"- Hosts: {listing(entry['hosts'])}; CPU cores: {listing(entry['cpu_counts'])}; "
            f"threads per run: {listing(entry.get('threads_per_run', {}))}.",
            f"- Platforms: {listing(entry['platforms'])}.",
            *cost_lines(entry.get("cpu_worker_seconds_by_method")),
            *(
                [
                    "- Extracted features (sha256 prefix, runs): "
                    + listing({k[:16]: n for k, n in entry["feature_sets"].items()})
                    + "."
                ]
                if entry.get("feature_sets")
                else []
            ),
            f"- Devices: {listing(entry['devices'])}.",
            "- Versions: "
            + "; ".join(f"{pkg} {listing(v)}" for pkg, v in entry["versions"].items())
            + ".",
        ]
        if CSV_RUNS_KEY in entry:
            earlier = entry.get(CSV_PROVENANCE_KEY)
            lines.append(
                f"- Plus {entry[CSV_RUNS_KEY]} runs of the committed results CSV (read from "
                "it, or kept in it for runs outside the selection); "
                + (
                    f"as recorded when it was written: {earlier.get('runs_used', '?')} runs "
                    f"computed {earlier.get('computed_from')} … {earlier.get('computed_to')}, "
                    f"git commits {listing(earlier.get('git_commits', {}))}, hosts "
                    f"{listing(earlier.get('hosts', {}))}."
                    if earlier
                    else "no provenance was recorded for them."
                )
            )
        lines.append("")
    return lines
