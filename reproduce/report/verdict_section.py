"""The report's ``Verdict`` section: the paper's claims evaluated on the report's sections
(:mod:`reproduce.verdict`), the flagged cells with their likely causes
(``tables/flagged_cells.csv``) and the optional hand-written reading."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reproduce.report.context import Section
from reproduce.report.kinds import REPORT_KINDS
from reproduce.report.output import OutputFolder

#: Optional hand-written interpretation under ``--out``, printed after the computed verdict.
READING_FILE = "verdict_reading.md"


def verdict_lines(
    sections: Sequence[Section], output: OutputFolder, causes_path: Path | None
) -> list[str]:
    """Markdown of the verdict; writes ``tables/flagged_cells.csv`` when a section has cells."""
    from reproduce import verdict

    if sections and all(REPORT_KINDS[s.experiment.report].beyond_paper for s in sections):
        return [
            "## Verdict",
            "",
            "This report's experiments are beyond the paper: the paper has no values for them, "
            "so no cell is compared with it. The paper's claims are re-evaluated on their "
            "datasets in each experiment's section (*The paper's claims on these datasets*).",
            "",
            *_reading_lines(output),
        ]
    compared = {s.experiment.name: s.compared for s in sections if s.compared is not None}
    ranks = {s.experiment.name: s.ranks for s in sections if s.ranks is not None}
    rules = verdict.read_causes(causes_path) if causes_path else []
    comparisons = [
        verdict.ProtocolComparison(
            s.experiment.name,
            s.compared,
            tuple(
                verdict.ProtocolVariant(
                    v.name, v.label, is_project=s.experiment.is_base_variant(v.name)
                )
                for v in s.experiment.variants or ()
            ),
            dataset_kind=s.experiment.kind(),
        )
        for s in sections
        if s.experiment.report == "protocol_comparison" and s.compared is not None
    ]
    claims = verdict.evaluate_claims(compared, ranks, comparisons)
    flagged = verdict.flagged_cells(compared, rules)
    if compared:
        output.write_table(flagged, "flagged_cells.csv")
    causes = str(causes_path) if causes_path else "(no causes file)"
    lines = verdict.render_verdict(
        claims, flagged, causes, rules, [c.experiment for c in comparisons]
    )
    if compared:
        lines += _reading_lines(output)
    return lines


def _reading_lines(output: OutputFolder) -> list[str]:
    """The hand-written reading under ``--out``, when there is one."""
    reading = output.root / READING_FILE
    if not reading.is_file():
        return []
    return [
        f"### Reading (hand-written in `{READING_FILE}`; the figures above are computed)",
        "",
        reading.read_text(encoding="utf-8").strip(),
        "",
    ]
