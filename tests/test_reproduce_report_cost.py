"""Worker time per method in the report's provenance: what a run costs, from its records."""

from __future__ import annotations

import dataclasses
import json

from reproduce.report.provenance import (
    busy_wall_hours,
    cost_by_method,
    cost_lines,
    feature_sets,
    provenance_lines,
    summarise_records,
)
from reproduce.spec import RunSpec
from tests.run_records import done_record


def _timed(method: str, seed: int, seconds: float | None):
    record = done_record(RunSpec.create("synth", method, seed), 0.7)
    timing = {} if seconds is None else {"total_seconds": seconds}
    return dataclasses.replace(record, timing=timing)


def test_cost_by_method_sums_and_averages_each_methods_runs_costliest_first():
    records = [_timed("IF", 0, 2.0), _timed("Flow", 0, 300.0), _timed("Flow", 1, 100.0)]
    cost = cost_by_method(records)
    assert list(cost) == ["Flow", "IF"]
    assert cost["Flow"] == {"runs": 2, "mean_seconds": 200.0, "total_hours": round(400 / 3600, 3)}
    assert cost["IF"]["runs"] == 1 and cost["IF"]["mean_seconds"] == 2.0


def test_a_run_without_timing_is_counted_but_adds_no_seconds():
    cost = cost_by_method([_timed("IF", 0, None), _timed("IF", 1, 4.0)])
    assert cost["IF"] == {"runs": 2, "mean_seconds": 4.0, "total_hours": round(4 / 3600, 3)}
    alone = cost_by_method([_timed("LOF", 0, None)])
    assert alone["LOF"] == {"runs": 1, "mean_seconds": None, "total_hours": 0.0}
    assert "LOF ? s × 1 = 0.00 h" in cost_lines(alone)[0]


def test_provenance_entry_and_line_carry_the_cost_per_method():
    entry = summarise_records("synth", [_timed("Flow", 0, 360.0), _timed("IF", 0, 3.6)], [])
    assert entry["cpu_worker_seconds_by_method"]["Flow"]["total_hours"] == 0.1
    (line,) = cost_lines(entry["cpu_worker_seconds_by_method"])
    assert "Flow 360.0 s × 1 = 0.10 h" in line and "IF 3.6 s × 1 = 0.00 h" in line
    assert line.index("Flow") < line.index("IF")
    assert cost_lines(None) == [] and cost_lines({}) == []


def test_feature_sets_count_runs_per_features_digest_and_unrecorded_ones():
    def with_features(seed: int, digest: str | None):
        record = _timed("Flow", seed, 1.0)
        preprocessing = {"features": {"name": "lite0"}}
        if digest is not None:
            preprocessing["features_sha256"] = digest
        return dataclasses.replace(record, data={"preprocessing": preprocessing})

    records = [with_features(0, "a" * 64), with_features(1, "a" * 64), with_features(2, None)]
    assert feature_sets(records) == {"a" * 64: 2, "unrecorded": 1}
    assert feature_sets([_timed("IF", 0, 1.0)]) == {}  # no extracted features: no entry
    entry = summarise_records("synth", records, [])
    json.dumps(entry)  # JSON-able (provenance.json)
    (line,) = [x for x in provenance_lines({"synth": entry}) if "Extracted features" in x]
    assert f"`{'a' * 16}` (2)" in line and "`unrecorded` (1)" in line


def _between(seed: int, start: str, end: str | None):
    record = _timed("Flow", seed, 1.0)
    return dataclasses.replace(
        record,
        started_at=f"2026-01-01T{start}+00:00",
        finished_at=None if end is None else f"2026-01-01T{end}+00:00",
    )


def test_busy_wall_hours_is_the_union_of_the_runs_intervals():
    records = [
        _between(0, "00:00:00", "01:00:00"),  # two workers side by side: counted once
        _between(1, "00:30:00", "01:30:00"),
        _between(2, "01:00:00", "01:15:00"),  # inside the union
        _between(3, "05:00:00", "05:30:00"),  # after an idle gap of 3.5 h, not counted
        _between(4, "06:00:00", None),  # no finish time: left out
    ]
    assert busy_wall_hours(records) == 2.0
    assert busy_wall_hours(list(reversed(records))) == 2.0
    assert busy_wall_hours([_between(0, "00:00:00", None)]) is None
    entry = summarise_records("synth", records, [])
    assert entry["busy_wall_hours"] == 2.0
    assert "2.00 wall-clock hours with a run in progress" in "\n".join(
        provenance_lines({"synth": entry})
    )
