"""The report's ``Protocol choices`` section: ``reproduce/protocol.md`` and, for every baseline
method of the report, the implementation and per-method input scaling its runs use by default,
with the reason for the scaling."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reproduce.config import Experiment

#: The protocol in words, printed in every report.
PROTOCOL_FILE = Path(__file__).resolve().parents[1] / "protocol.md"


def protocol_choices_lines(experiments: Sequence[Experiment]) -> list[str]:
    """The section: the protocol file, then the baselines' table (when there are baselines)."""
    lines = ["## Protocol choices", "", PROTOCOL_FILE.read_text(encoding="utf-8"), ""]
    return lines + baseline_protocol_lines(experiments)


def baseline_protocol_lines(experiments: Sequence[Experiment]) -> list[str]:
    """Markdown lines of the protocol section's baseline table: for each baseline method of the
    experiments, the implementation and input scaling its runs use by default, and why.

    Read from the method registry (the protocol parameters recorded in every run spec) and from
    the documentation of the ``baselines`` detector each builds; an experiment or variant that
    overrides them says so in its own section.
    """
    from reproduce.registry import IMPLEMENTATION, BaselineFactory, get_method

    methods = list(dict.fromkeys(m for e in experiments for m in e.methods))
    rows = []
    for method in methods:
        entry = get_method(method)
        if not isinstance(entry.factory, BaselineFactory):
            continue
        import baselines  # torch and PyOD: only when the report has baselines

        implementation = entry.defaults.get(IMPLEMENTATION)
        name = entry.factory.baseline_name(implementation)
        detector = baselines.make_baseline(name)
        scaling = entry.defaults.get("input_scaling", detector.input_scaling)
        reason = detector.spec.param_docs["input_scaling"]
        alternatives = [
            f"`{IMPLEMENTATION} = {value!r}` (`{target}`)"
            for value, target in entry.factory.implementations
            if value != implementation and target != name  # VAE's "pyod" is its default
        ]
        used = f"`{name}`" + (
            f" (`{IMPLEMENTATION} = {implementation!r}`)" if implementation else ""
        )
        rows.append(
            f"| {method} | {used}: {detector.spec.summary} | "
            + (", ".join(alternatives) or "—")
            + f" | `{scaling}` | {reason} |"
        )
    if not rows:
        return []
    return [
        "### Baselines: implementation and per-method input scaling",
        "",
        "The defaults every baseline run records in its spec (`reproduce/registry.py`); the "
        "input scaling is fitted on the training part only and applied on top of the shared "
        "split. Reasons from the `baselines` specs (`baselines/registry.py`).",
        "",
        "| Method | Runs by default | Other implementations | Input scaling | Why this scaling |",
        "|---|---|---|---|---|",
        *rows,
        "",
    ]
